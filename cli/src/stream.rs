//! `pppp stream`: connect, log in, stream, save frames, print status every second.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pppp::client::{Frame, Session};

use crate::common::{interrupted, is_set, warn_duplicates, CliError, CliResult, ConnectArgs};
use crate::media::ResolutionArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: ConnectArgs,
    /// Stop (exit 0) after this many frames; default: until Ctrl-C.
    #[arg(long)]
    frames: Option<u64>,
    /// Save every frame into this directory (frame-000001.jpg …).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Status and summary as JSON lines.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    video: ResolutionArg,
}

/// Totals of a stream run.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    pub frames: u64,
    pub bytes: u64,
    pub saved: u64,
}

pub fn extension(f: &Frame) -> &'static str {
    match f.codec {
        pppp::proto::av::Codec::Mjpeg => "jpg",
        pppp::proto::av::Codec::H264 => "h264",
        pppp::proto::av::Codec::H265 => "h265",
        _ => "bin",
    }
}

/// Pulls frames from `session`, saving and reporting, until `max` frames, `until` passes, or
/// Ctrl-C. Shared with the demo.
pub fn pump(
    session: &Session,
    max: Option<u64>,
    until: Option<Duration>,
    out: Option<&PathBuf>,
    json: bool,
    mut on_frame: impl FnMut(&Frame),
) -> Result<Totals, CliError> {
    if let Some(dir) = out {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::msg(format!("cannot create {}: {e}", dir.display())))?;
    }
    let stop = interrupted();
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    let mut t = Totals::default();
    let mut last = (start, 0u64, 0u64);
    let mut warned = session.duplicates();
    loop {
        if is_set(&stop)
            || max.is_some_and(|m| t.frames >= m)
            || until.is_some_and(|u| start.elapsed() >= u)
        {
            break;
        }
        if let Some(f) = session.next_frame(Duration::from_millis(100))? {
            t.frames += 1;
            t.bytes += f.data.len() as u64;
            on_frame(&f);
            if let Some(dir) = out {
                let path = dir.join(format!("frame-{:06}.{}", t.frames, extension(&f)));
                std::fs::write(&path, &f.data)
                    .map_err(|e| CliError::msg(format!("cannot write {}: {e}", path.display())))?;
                t.saved += 1;
            }
        }
        let now = start + start.elapsed();
        if now >= last.0 + Duration::from_secs(1) {
            let dt = (now - last.0).as_secs_f64();
            let fps = (t.frames - last.1) as f64 / dt;
            let kbps = (t.bytes - last.2) as f64 * 8.0 / 1000.0 / dt;
            report(session, start.elapsed(), t.frames, fps, kbps, json);
            warn_duplicates(session, &mut warned);
            last = (now, t.frames, t.bytes);
        }
    }
    warn_duplicates(session, &mut warned);
    Ok(t)
}

fn report(s: &Session, elapsed: Duration, frames: u64, fps: f64, kbps: f64, json: bool) {
    let st = s.stats();
    let c = &st.controller;
    let dups = c.conn.recv[1].duplicates;
    if json {
        println!(
            "{}",
            serde_json::json!({"t": elapsed.as_secs_f64(), "frames": frames, "fps": fps, "kbit_s": kbps,
                "retransmits": st.retransmits(), "duplicates": dups, "missing": c.missing_frames,
                "drops": st.video_dropped})
        );
    } else {
        println!(
            "t={:>5.1}s frames={frames} fps={fps:.1} kbit/s={kbps:.1} retransmits={} dup={dups} missing={} drops={}",
            elapsed.as_secs_f64(),
            st.retransmits(),
            c.missing_frames,
            st.video_dropped
        );
    }
}

pub fn run(a: Args) -> CliResult {
    if a.frames == Some(0) {
        return Err(CliError::usage("--frames must be at least 1"));
    }
    let session = a.conn.connect_and_login()?;
    if !a.json {
        println!(
            "connected to {} at {} (PSK {}), logged in",
            session.uid(),
            session.peer().map(|p| p.to_string()).unwrap_or_default(),
            session.cipher().map(|c| c.to_string()).unwrap_or_default()
        );
    }
    session.start_video_with(a.video.resolution)?;
    let t = pump(&session, a.frames, None, a.out.as_ref(), a.json, |_| {})?;
    let _ = session.stop_video();
    session.close();
    let st = session.stats();
    if a.json {
        println!(
            "{}",
            serde_json::json!({"summary": {"frames": t.frames, "bytes": t.bytes, "saved": t.saved,
                "retransmits": st.retransmits(), "missing": st.controller.missing_frames,
                "drops": st.video_dropped}})
        );
    } else {
        println!(
            "done: {} frames, {} bytes{}",
            t.frames,
            t.bytes,
            a.out
                .as_ref()
                .map(|d| format!(", saved in {}", d.display()))
                .unwrap_or_default()
        );
    }
    Ok(())
}
