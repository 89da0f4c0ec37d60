//! `pppp record` (video and audio to files) and `pppp snapshot` (one JPEG).

use std::path::PathBuf;
use std::time::Duration;

use pppp_serve::{RecordConfig, RecordError};

use crate::common::{seconds, CliError, CliResult, ConnectArgs};
use crate::media::{connect, AudioRateArg, ResolutionArg};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: ConnectArgs,
    /// How long to record.
    #[arg(long)]
    seconds: f64,
    /// Output prefix: writes PREFIX.avi (MJPEG) or PREFIX.h264/.h265, and PREFIX.wav.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    video: ResolutionArg,
    /// Video only.
    #[arg(long)]
    no_audio: bool,
    #[command(flatten)]
    rate: AudioRateArg,
}

fn record_error(e: RecordError) -> CliError {
    match e {
        RecordError::Session(e) => CliError::from(e),
        e => CliError::msg(e.to_string()),
    }
}

pub fn run(a: Args) -> CliResult {
    let duration = seconds(a.seconds, "--seconds")?;
    if duration.is_zero() {
        return Err(CliError::usage("--seconds must be more than 0"));
    }
    let (profile, measure) = a.rate.profile()?;
    let session = connect(&a.conn, true)?;
    session.start_video_with(a.video.resolution)?;
    let mut audio = !a.no_audio;
    if audio {
        if let Err(e) = session.start_audio() {
            eprintln!("pppp: warning: the camera did not start audio ({e}); recording video only");
            audio = false;
        }
    }
    let mut cfg = RecordConfig::new(&a.out, duration);
    cfg.audio = audio;
    cfg.profile = profile;
    cfg.measure_audio_rate = measure;
    let s = pppp_serve::record(&session, &cfg).map_err(record_error)?;
    let _ = session.stop_video();
    session.close();
    match &s.video_path {
        Some(p) => println!(
            "wrote {}: {} {} frames{}{}",
            p.display(),
            s.video_frames,
            s.video_codec.map_or("?", |c| c.name()),
            s.size
                .map(|(w, h)| format!(", {w}x{h}"))
                .unwrap_or_default(),
            s.fps.map(|f| format!(", {f:.1} fps")).unwrap_or_default()
        ),
        None => return Err(CliError::msg("no video frame arrived; nothing recorded")),
    }
    if let Some(p) = &s.audio_path {
        println!(
            "wrote {}: {} samples at {} Hz ({:.1} s)",
            p.display(),
            s.audio_samples,
            s.audio_rate.unwrap_or(0),
            s.audio_samples as f64 / f64::from(s.audio_rate.unwrap_or(1).max(1))
        );
    } else if audio {
        eprintln!("pppp: warning: no audio frame arrived; no WAV written");
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    conn: ConnectArgs,
    /// The JPEG file to write.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    video: ResolutionArg,
    /// Seconds to wait for a picture.
    #[arg(long, default_value_t = 10.0)]
    wait: f64,
}

pub fn snapshot(a: SnapshotArgs) -> CliResult {
    let wait = seconds(a.wait, "--wait")?;
    let session = connect(&a.conn, false)?;
    session.start_video_with(a.video.resolution)?;
    let f = pppp_serve::snapshot(&session, &a.out, wait.max(Duration::from_millis(100)))
        .map_err(record_error)?;
    let _ = session.stop_video();
    session.close();
    println!(
        "wrote {}: {} bytes{}",
        a.out.display(),
        f.data.len(),
        f.picture_size()
            .map(|(w, h)| format!(", {w}x{h}"))
            .unwrap_or_default()
    );
    Ok(())
}
