//! `pppp camera`: the fake camera on real sockets.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use pppp::client::{
    parse_dialect, parse_family, CameraServer, CameraServerConfig, Driver, DriverConfig, LAN_PORT,
};
use pppp::proto::dialect::DialectChoice;
use pppp::proto::psk::{self, PskChoice};
use pppp::sim::{CameraConfig, Handshake, LinkConfig};
use pppp::Uid;

use crate::common::{interrupted, is_set, seconds, CliError, CliResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The camera's UID.
    #[arg(long, default_value = "DGOA-123456-ABCDE")]
    uid: String,
    /// Address to bind (use 0.0.0.0 to be reachable from the LAN).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// LAN-search port (real cameras: 32108; 0 picks a free port).
    #[arg(long, default_value_t = LAN_PORT)]
    lan_port: u16,
    /// Session port the camera answers from (0 picks a free port, like real cameras).
    #[arg(long, default_value_t = 0)]
    session_port: u16,
    /// PSK: auto (the one of the UID's prefix, else none), none, a known name, or custom:<psk>.
    #[arg(long, default_value = "auto")]
    psk: String,
    /// Accepted user.
    #[arg(long, default_value = "admin")]
    user: String,
    /// Accepted password.
    #[arg(long, default_value = "6666")]
    password: String,
    /// Handshake variant.
    #[arg(long, default_value = "echo", value_parser = ["echo", "rdy-first", "close-then-rdy"])]
    handshake: String,
    /// Loss probability on every datagram, both directions (0..1).
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Duplication probability (0..1).
    #[arg(long, default_value_t = 0.0)]
    dup: f64,
    /// Reordering probability (0..1).
    #[arg(long, default_value_t = 0.0)]
    reorder: f64,
    /// Seed of the impairments.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Video frames per second.
    #[arg(long, default_value_t = 10)]
    fps: u32,
    /// Picture width.
    #[arg(long, default_value_t = 640)]
    width: u16,
    /// Picture height.
    #[arg(long, default_value_t = 480)]
    height: u16,
    /// Video codec: mjpeg (SHIX cameras), h264 or h265 (VStarcam; key frame every --gop frames).
    #[arg(long, default_value = "mjpeg", value_parser = ["mjpeg", "h264", "h265"])]
    codec: String,
    /// H.264: stream the access units of this Annex-B file in a loop (e.g. Main or High
    /// profile from x264) instead of the built-in pictures; needs --codec h264.
    #[arg(long)]
    h264_file: Option<std::path::PathBuf>,
    /// H.264/H.265: a key frame every this many frames.
    #[arg(long, default_value_t = 10)]
    gop: u32,
    /// Switch to half the picture size after this many frames (tests resolution changes).
    #[arg(long)]
    switch_resolution_after: Option<u32>,
    /// Audio codec: adpcm (SHIX, VStarcam) or alaw (iLnk, 8000 Hz).
    #[arg(long, default_value = "adpcm", value_parser = ["adpcm", "alaw"])]
    audio: String,
    /// Sample rate of the ADPCM audio (11025 by default; 8000 like A9/VStarCam players).
    #[arg(long, default_value_t = 11025)]
    audio_rate: u32,
    /// Send P2P_RDY as 28 bytes with a length of 20, like some real cameras.
    #[arg(long)]
    long_rdy: bool,
    /// Answer searches from the LAN port instead of a separate session port.
    #[arg(long)]
    answer_from_lan_port: bool,
    /// Channel-0 dialect the camera speaks: auto (the UID prefix table, else shix), shix, cgi
    /// or binary.
    #[arg(long, default_value = "auto")]
    dialect: String,
    /// Numbering of the SHIX commands the camera understands: vi365, hdwificam-pro or
    /// lookcam-pro.
    #[arg(long, default_value = "vi365")]
    family: String,
    /// A block of another dialect closes the session (default: only SHIX cameras close).
    #[arg(long)]
    close_on_foreign_dialect: bool,
    /// Concurrent sessions accepted (1-1024); more are refused without an answer.
    #[arg(long, default_value_t = 16)]
    max_sessions: usize,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    duration: Option<f64>,
    /// Run this many cameras in one process: camera i has the UID's serial + i and LAN port
    /// --lan-port + i (any free port with --lan-port 0); one JSON line per camera is printed on
    /// stdout as soon as it listens (`{"uid", "lan_port", "lan_addr", "session_port"}`).
    #[arg(long)]
    count: Option<u32>,
    /// MJPEG frames of exactly this many bytes, patched into one pre-encoded picture (no JPEG
    /// encoding per frame) and stamped with the time they were made (for benchmarks).
    #[arg(long)]
    frame_size: Option<usize>,
}

fn probability(p: f64, flag: &str) -> Result<f64, CliError> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(CliError::usage(format!("{flag} must be between 0 and 1")))
    }
}

/// The UID of camera `i` of a `--count` run: the serial plus `i`.
fn nth_uid(uid: &Uid, i: u32) -> Result<Uid, CliError> {
    let serial = uid.serial().checked_add(i).filter(|s| *s <= 999_999);
    let serial = serial.ok_or_else(|| {
        CliError::usage(format!(
            "--count {}: serial {} + {i} does not fit in 6 digits",
            i + 1,
            uid.serial()
        ))
    })?;
    Uid::new(uid.prefix(), serial, uid.check()).map_err(|e| pppp::Error::from(e).into())
}

/// The wall clock now, for stamping frames: `(instant, microseconds since the Unix epoch)`.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> (Instant, u64) {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    (Instant::now(), us)
}

pub fn run(a: Args) -> CliResult {
    let uid = Uid::parse(&a.uid).map_err(pppp::Error::from)?;
    let psk = match PskChoice::parse(&a.psk).map_err(pppp::Error::from)? {
        PskChoice::Auto => psk::for_prefix(uid.prefix()).first().map(|s| s.to_string()),
        PskChoice::Plain => None,
        PskChoice::Named(n) => Some(n),
    };
    let handshake: Handshake = a.handshake.parse().map_err(CliError::usage)?;
    if a.fps == 0 || a.fps > 120 {
        return Err(CliError::usage("--fps must be 1-120"));
    }
    if a.width < 16 || a.height < 16 || a.width > 4096 || a.height > 4096 {
        return Err(CliError::usage("--width/--height must be 16-4096"));
    }
    if !(1..=1024).contains(&a.max_sessions) {
        return Err(CliError::usage("--max-sessions must be 1-1024"));
    }
    let mut cam = CameraConfig::new(uid.clone(), a.bind);
    cam.max_sessions = a.max_sessions;
    cam.lan_addr = SocketAddr::new(a.bind, a.lan_port);
    cam.session_addr = SocketAddr::new(a.bind, a.session_port);
    cam.psk = psk.clone();
    cam.user = a.user.clone();
    cam.password = a.password;
    cam.handshake = handshake;
    cam.fps = a.fps;
    cam.width = a.width;
    cam.height = a.height;
    cam.long_rdy = a.long_rdy;
    cam.video_codec = a.codec.parse().map_err(CliError::usage)?;
    cam.audio_codec = a.audio.parse().map_err(CliError::usage)?;
    if a.gop == 0 {
        return Err(CliError::usage("--gop must be at least 1"));
    }
    cam.gop = a.gop;
    if let Some(path) = &a.h264_file {
        if cam.video_codec != pppp::sim::VideoCodec::H264 {
            return Err(CliError::usage("--h264-file needs --codec h264"));
        }
        let data = std::fs::read(path)
            .map_err(|e| CliError::msg(format!("cannot read {}: {e}", path.display())))?;
        let file = pppp::sim::video::H264File::parse(&data)
            .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
        cam.h264_file = Some(std::sync::Arc::new(file));
    }
    cam.switch_resolution_after = a.switch_resolution_after;
    if !(4000..=48000).contains(&a.audio_rate) {
        return Err(CliError::usage("--audio-rate must be 4000-48000"));
    }
    cam.audio_rate = a.audio_rate;
    cam.answer_from_lan_port = a.answer_from_lan_port;
    if let DialectChoice::Fixed(d) = parse_dialect(&a.dialect)? {
        cam.dialect = d;
    }
    cam.family = parse_family(&a.family)?;
    if a.close_on_foreign_dialect {
        cam.close_on_foreign = Some(true);
    }
    let dialect = cam.dialect;
    let impaired = a.loss > 0.0 || a.dup > 0.0 || a.reorder > 0.0;
    let link = impaired
        .then(|| -> Result<_, CliError> {
            Ok((
                LinkConfig {
                    loss: probability(a.loss, "--loss")?,
                    dup: probability(a.dup, "--dup")?,
                    reorder: probability(a.reorder, "--reorder")?,
                    latency: Duration::ZERO,
                    ..LinkConfig::default()
                },
                a.seed,
            ))
        })
        .transpose()?;
    if let Some(n) = a.frame_size {
        if !(64..=8 * 1024 * 1024).contains(&n) {
            return Err(CliError::usage("--frame-size must be 64 bytes to 8 MiB"));
        }
        cam.frame_size = Some(n);
        cam.wall_clock = Some(wall_clock());
    }
    let duration = a.duration.map(|d| seconds(d, "--duration")).transpose()?;
    // The emulator reads and sends at once (no coalescing pause, frames on time) and keeps
    // each camera's time (keepalives at their own instants, not on a shared grid) unless told
    // otherwise: it stands for independent cameras, whose latency is not the client's to
    // measure and whose keepalives do not come in convenient bursts.
    let mut dc = DriverConfig::from_env();
    use pppp::client::driver::{COALESCE_ENV, TIMER_GRAIN_ENV, TIMER_SLACK_ENV};
    for (name, field) in [
        (COALESCE_ENV, &mut dc.coalesce),
        (TIMER_SLACK_ENV, &mut dc.timer_slack),
        (TIMER_GRAIN_ENV, &mut dc.timer_grain),
    ] {
        if std::env::var_os(name).is_none() {
            *field = Duration::ZERO;
        }
    }
    let driver = Driver::new(dc);
    if let Some(count) = a.count {
        if count == 0 || count > 10_000 {
            return Err(CliError::usage("--count must be 1-10000"));
        }
        let mut servers = Vec::with_capacity(count as usize);
        for i in 0..count {
            let mut c = cam.clone();
            c.uid = nth_uid(&uid, i)?;
            // Independent cameras keep alive at their own instants: spread over one interval.
            c.alive_phase = c.alive_interval * i / count;
            let port = |base: u16| {
                if base == 0 {
                    Ok(0)
                } else {
                    u16::try_from(u32::from(base) + i)
                        .map_err(|_| CliError::usage("--lan-port + --count exceeds 65535"))
                }
            };
            c.lan_addr = SocketAddr::new(a.bind, port(a.lan_port)?);
            c.session_addr = SocketAddr::new(a.bind, port(a.session_port)?);
            let uid_i = c.uid.clone();
            let server = CameraServer::start(CameraServerConfig {
                camera: c,
                link: link.clone(),
                driver: Some(driver.clone()),
            })
            .map_err(|e| CliError::msg(format!("cannot start camera {uid_i}: {e}")))?;
            println!(
                "{}",
                serde_json::json!({
                    "uid": uid_i.to_string(),
                    "lan_port": server.lan_addr().port(),
                    "lan_addr": server.lan_addr().to_string(),
                    "session_port": server.session_addr().port(),
                })
            );
            servers.push(server);
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        eprintln!(
            "{count} fake cameras listening, PSK {}, {} {}x{} @ {} fps{}",
            psk.as_deref().unwrap_or("none"),
            a.codec,
            a.width,
            a.height,
            a.fps,
            a.frame_size
                .map(|n| format!(", {n}-byte frames"))
                .unwrap_or_default()
        );
        wait(duration, || {
            let mut s = pppp::sim::CameraStats::default();
            for server in &servers {
                let x = server.stats();
                s.active_sessions += x.active_sessions;
                s.sessions += x.sessions;
                s.logins_ok += x.logins_ok;
                s.video_frames += x.video_frames;
                s.retransmits += x.retransmits;
            }
            eprintln!(
                "sessions {} (total {}), logins ok {}, frames {}, retransmits {}",
                s.active_sessions, s.sessions, s.logins_ok, s.video_frames, s.retransmits
            );
        });
        for mut server in servers {
            server.stop();
        }
        return Ok(());
    }
    let mut server = CameraServer::start(CameraServerConfig {
        camera: cam,
        link,
        driver: Some(driver),
    })
    .map_err(|e| {
        CliError::msg(format!(
            "cannot start the fake camera on {}:{}: {e}",
            a.bind, a.lan_port
        ))
    })?;
    println!(
        "fake camera {uid} listening on {} (LAN search), session port {}, PSK {}, login {}/****, handshake {}, {} {}x{} @ {} fps, audio {}, dialect {}",
        server.lan_addr(),
        server.session_addr().port(),
        psk.as_deref().unwrap_or("none"),
        a.user,
        a.handshake,
        a.codec,
        a.width,
        a.height,
        a.fps,
        a.audio,
        dialect
    );
    let mut last_line = String::new();
    wait(duration, || {
        let s = server.stats();
        let line = format!(
            "sessions {} (total {}), logins ok {} / refused {}, commands {}, frames {}, retransmits {}",
            s.active_sessions, s.sessions, s.logins_ok, s.logins_failed, s.commands, s.video_frames, s.retransmits
        );
        if line != last_line {
            println!("{line}");
            last_line = line;
        }
    });
    server.stop();
    let s = server.stats();
    println!(
        "stopped: {} sessions, {} logins, {} frames sent, {} retransmits, {} datagrams sent, {} received",
        s.sessions, s.logins_ok, s.video_frames, s.retransmits, s.datagrams_sent, s.datagrams_received
    );
    Ok(())
}

/// Runs until Ctrl-C or `duration`, calling `report` every 2 s.
fn wait(duration: Option<Duration>, mut report: impl FnMut()) {
    let stop = interrupted();
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let mut next_report = Duration::from_secs(2);
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let elapsed = started.elapsed();
        if is_set(&stop) || duration.is_some_and(|d| elapsed >= d) {
            return;
        }
        if elapsed >= next_report {
            report();
            next_report = elapsed + Duration::from_secs(2);
        }
    }
}
