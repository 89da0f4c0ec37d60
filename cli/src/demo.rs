//! `pppp demo`: the whole path against the built-in fake camera, on loopback.

use std::path::PathBuf;
use std::time::Duration;

use pppp::client::{
    discover, CameraServer, CameraServerConfig, DiscoverOptions, Session, SessionConfig,
};
use pppp::sim::{jpeg, CameraConfig, LinkConfig};
use pppp::Uid;

use crate::common::{seconds, CliError, CliResult};
use crate::stream::pump;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds of video to stream.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Loss probability the fake camera applies to every datagram (shows the retransmissions).
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// The fake camera's PSK (auto-detected by the client).
    #[arg(long, default_value = "camera")]
    psk: String,
    /// Video frames per second.
    #[arg(long, default_value_t = 15)]
    fps: u32,
    /// Save the frames into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

const UID: &str = "DGOA-123456-ABCDE";

pub fn run(a: Args) -> CliResult {
    let secs = seconds(a.seconds, "--seconds")?;
    if !(0.0..1.0).contains(&a.loss) {
        return Err(CliError::usage("--loss must be at least 0 and below 1"));
    }
    if a.fps == 0 || a.fps > 120 {
        return Err(CliError::usage("--fps must be 1-120"));
    }
    let uid = Uid::parse(UID).map_err(pppp::Error::from)?;
    let psk = match a.psk.as_str() {
        "none" | "plain" => None,
        name => Some(
            match pppp::proto::psk::PskChoice::parse(name).map_err(pppp::Error::from)? {
                pppp::proto::psk::PskChoice::Named(n) => n,
                _ => return Err(CliError::usage("--psk must name a PSK or be none")),
            },
        ),
    };
    let mut cam = CameraConfig::new(uid.clone(), "127.0.0.1".parse().expect("literal"));
    cam.lan_addr = "127.0.0.1:0".parse().expect("literal");
    cam.session_addr = "127.0.0.1:0".parse().expect("literal");
    cam.psk = psk.clone();
    cam.fps = a.fps;
    let link = (a.loss > 0.0).then(|| (LinkConfig::lossy(a.loss), 7));
    let server = CameraServer::start(CameraServerConfig {
        camera: cam,
        link,
        driver: None,
    })?;
    println!(
        "[1/6] fake camera {uid} running on loopback: LAN search port {}, session port {}, PSK {}{}",
        server.lan_addr(),
        server.session_addr().port(),
        psk.as_deref().unwrap_or("none"),
        if a.loss > 0.0 { format!(", {:.0}% loss", a.loss * 100.0) } else { String::new() }
    );

    let found = discover(&DiscoverOptions {
        to: vec![server.lan_addr().to_string()],
        broadcast: false,
        timeout: Duration::from_millis(700),
        ..DiscoverOptions::default()
    })?;
    let dev = found
        .iter()
        .find(|d| d.uid == uid)
        .ok_or_else(|| CliError::msg("the fake camera did not answer the LAN search"))?;
    println!(
        "[2/6] discovered {} at {} (answered under PSK {}, detected automatically)",
        dev.uid, dev.addr, dev.cipher
    );

    let mut config = SessionConfig::new(UID).host(server.lan_addr().to_string());
    config.broadcast = false;
    let session = Session::connect(config)?;
    println!(
        "[3/6] connected: session with {} (handshake done, PSK {}, {} dialect chosen by {})",
        session.peer().map(|p| p.to_string()).unwrap_or_default(),
        session.cipher().map(|c| c.to_string()).unwrap_or_default(),
        session
            .dialect()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "unknown".into()),
        session
            .dialect_source()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "nothing yet".into())
    );

    let login = session.login()?;
    let params = session.command(serde_json::json!({"pro": "get_parms", "cmd": 101}))?;
    println!(
        "[4/6] logged in as admin (result {}, checkstr {}); firmware {}",
        login["result"], login["checkstr"], params["sysver"]
    );

    session.start_video()?;
    println!("[5/6] streaming MJPEG for {:.1} s:", secs.as_secs_f64());
    let mut expected = None;
    let mut in_order = 0u64;
    let mut valid = 0u64;
    let mut first = None;
    let totals = pump(&session, None, Some(secs), a.out.as_ref(), false, |f| {
        let ok = f.data.starts_with(&[0xff, 0xd8]) && f.data.ends_with(&[0xff, 0xd9]);
        valid += ok as u64;
        let idx = jpeg::frame_index(&f.data);
        if idx.is_some() && (expected.is_none() || idx == expected) {
            in_order += 1;
        }
        expected = idx.map(|i| i + 1);
        if first.is_none() {
            first = Some(format!(
                "first frame: #{} {} {} bytes, timestamp {} ms",
                f.index,
                f.codec,
                f.data.len(),
                f.timestamp_ms
            ));
        }
    })?;
    let _ = session.stop_video();
    session.close();
    let st = session.stats();
    let cam = server.stats();
    if let Some(line) = first {
        println!("      {line}");
    }
    println!(
        "[6/6] summary: {} frames ({:.1} fps), {:.1} KiB, {} valid JPEGs, {} in order, our retransmits {}, camera retransmits {}, frames dropped {}",
        totals.frames,
        totals.frames as f64 / secs.as_secs_f64().max(0.001),
        totals.bytes as f64 / 1024.0,
        valid,
        in_order,
        st.retransmits(),
        cam.retransmits,
        st.video_dropped
    );
    if let Some(d) = &a.out {
        println!("      saved {} frames in {}", totals.saved, d.display());
    }
    if totals.frames == 0 || valid != totals.frames {
        return Err(CliError::msg("the demo did not receive intact frames"));
    }
    println!("demo OK");
    Ok(())
}
