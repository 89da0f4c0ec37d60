//! `pppp talk ... FILE.wav`: play a WAV file through the camera's speaker.

use std::path::PathBuf;

use pppp_serve::TalkError;

use crate::common::{CliError, CliResult, ConnectArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: ConnectArgs,
    /// The WAV file (any sample rate, mono or stereo, 8/16/24/32-bit or float); it is mixed to
    /// mono and resampled to the rate the camera plays (--rate).
    file: PathBuf,
    /// Sample rate the camera plays talk-back audio at (8000 per the VStarCam SDK; 11025 for
    /// cameras that expect it).
    #[arg(long, default_value_t = 8000)]
    rate: u32,
}

pub fn run(a: Args) -> CliResult {
    // Read the file first: a bad file is a usage error before any network traffic.
    let (mono, rate) = pppp_serve::wav::read_mono(&a.file)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", a.file.display())))?;
    if mono.is_empty() || rate == 0 {
        return Err(CliError::usage(format!(
            "{} contains no audio",
            a.file.display()
        )));
    }
    if !(4000..=48000).contains(&a.rate) {
        return Err(CliError::usage(
            "--rate must be 4000-48000 (usually 8000 or 11025)",
        ));
    }
    let mut c = a.conn.session_config()?;
    c.talk_rate = a.rate;
    let session = pppp::client::Session::connect(c)?;
    session.login()?;
    let s = pppp_serve::talk_wav(&session, &a.file).map_err(|e| match e {
        TalkError::Session(e) => CliError::from(e),
        e => CliError::msg(e.to_string()),
    })?;
    session.close();
    println!(
        "played {} ({:.1} s, {} Hz file → {} samples at {} Hz)",
        a.file.display(),
        s.duration.as_secs_f64(),
        s.file_rate,
        s.samples,
        s.rate
    );
    Ok(())
}
