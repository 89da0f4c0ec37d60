//! Options shared by the media subcommands (serve, record, snapshot, talk).

use pppp::client::Session;
use pppp::media::AudioProfile;
use pppp::proto::reconnect::ReconnectPolicy;

use crate::common::{CliError, ConnectArgs};

/// `--resolution N`: the video size asked of the camera.
#[derive(Debug, Clone, clap::Args)]
pub struct ResolutionArg {
    /// SHIX resolution code: 1 = 640x480, 2 = 320x240.
    #[arg(long, default_value_t = 1)]
    pub resolution: u8,
}

/// `--audio-rate auto|8000|11025|…`.
#[derive(Debug, Clone, clap::Args)]
pub struct AudioRateArg {
    /// Sample rate of the camera's ADPCM audio: auto (measured from the frame timestamps,
    /// 11025 when they are unusable), or a number such as 8000 or 11025.
    #[arg(long, default_value = "auto")]
    pub audio_rate: String,
}

impl AudioRateArg {
    /// The profile and whether to measure the rate.
    pub fn profile(&self) -> Result<(AudioProfile, bool), CliError> {
        if self.audio_rate.eq_ignore_ascii_case("auto") {
            return Ok((AudioProfile::default(), true));
        }
        match self.audio_rate.parse::<u32>() {
            Ok(r) if (4000..=48000).contains(&r) => Ok((AudioProfile { adpcm_rate: r }, false)),
            _ => Err(CliError::usage(format!(
                "--audio-rate must be auto or a sample rate 4000-48000 (e.g. 8000, 11025), not {:?}",
                self.audio_rate
            ))),
        }
    }
}

/// Connects (optionally with the default reconnect policy) and logs in.
pub fn connect(conn: &ConnectArgs, reconnect: bool) -> Result<Session, CliError> {
    let mut c = conn.session_config()?;
    if reconnect {
        c.reconnect = Some(ReconnectPolicy::default());
    }
    let s = Session::connect(c)?;
    s.login()?;
    Ok(s)
}
