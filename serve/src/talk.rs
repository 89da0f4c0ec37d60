//! Playing a WAV file through the camera's speaker: read (any PCM/float WAV), downmix to mono,
//! resample to the talk-back rate, send through [`Session::talk`] in slices so that the
//! session's bounded talk queue never overflows, and wait until everything was sent.

use std::path::Path;
use std::time::{Duration, Instant};

use pppp::client::Session;

/// What was played.
#[derive(Clone, Debug, PartialEq)]
pub struct TalkSummary {
    /// Sample rate of the file.
    pub file_rate: u32,
    /// Sample rate sent at ([`Session::talk_rate`]).
    pub rate: u32,
    /// Samples sent.
    pub samples: usize,
    /// Duration of the audio.
    pub duration: Duration,
}

/// Why a WAV file could not be played.
#[derive(Debug, thiserror::Error)]
pub enum TalkError {
    /// The file is not a WAV file hound can read.
    #[error("cannot read {path}: {source}")]
    Wav {
        /// The file.
        path: String,
        /// Why.
        source: hound::Error,
    },
    /// The file holds no samples.
    #[error("{0} contains no audio")]
    Empty(String),
    /// The session failed.
    #[error(transparent)]
    Session(#[from] pppp::Error),
}

/// Audio queued ahead of real time at most (the session accepts up to 30 s).
const AHEAD: Duration = Duration::from_secs(4);

/// Reads `path`, converts it to 16-bit mono at the talk-back rate and plays it through the
/// camera's speaker, returning when the last frame was sent.
pub fn talk_wav(session: &Session, path: &Path) -> Result<TalkSummary, TalkError> {
    let (mono, rate) = crate::wav::read_mono(path).map_err(|e| TalkError::Wav {
        path: path.display().to_string(),
        source: e,
    })?;
    if mono.is_empty() || rate == 0 {
        return Err(TalkError::Empty(path.display().to_string()));
    }
    let to = session.talk_rate();
    let pcm = crate::wav::to_i16(&crate::resample::linear(&mono, rate, to));
    talk_pcm(session, &pcm)?;
    Ok(TalkSummary {
        file_rate: rate,
        rate: to,
        samples: pcm.len(),
        duration: Duration::from_secs_f64(pcm.len() as f64 / f64::from(to)),
    })
}

/// Sends 16-bit mono PCM at [`Session::talk_rate`] of any length, keeping at most a few
/// seconds queued, and waits until the queue is empty.
pub fn talk_pcm(session: &Session, pcm: &[i16]) -> Result<(), pppp::Error> {
    let rate = session.talk_rate().max(1);
    let slice = rate as usize; // one second per call
    let total = Duration::from_secs_f64(pcm.len() as f64 / f64::from(rate));
    let deadline = Instant::now() + total + Duration::from_secs(30);
    for chunk in pcm.chunks(slice) {
        while session.talk_queued()? > AHEAD {
            wait(deadline)?;
        }
        session.talk(chunk)?;
    }
    while !session.talk_queued()?.is_zero() {
        wait(deadline)?;
    }
    Ok(())
}

fn wait(deadline: Instant) -> Result<(), pppp::Error> {
    if Instant::now() > deadline {
        return Err(pppp::Error::Timeout {
            what: "the talk-back audio to be sent",
            after: Duration::from_secs(30),
        });
    }
    std::thread::sleep(Duration::from_millis(50));
    Ok(())
}
