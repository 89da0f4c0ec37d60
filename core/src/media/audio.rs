//! Device audio: decoding to 16-bit PCM and the sample rate of each audio codec. Pure
//! functions, no I/O.
//!
//! ## Audio sample rates
//!
//! Device audio (channel 2) carries IMA ADPCM (SHIX, VStarcam), G.711 A-law (iLnk, always
//! 8000 Hz) or raw 16-bit PCM. docs/protocol.md §6.3/§10.7 records a conflict for ADPCM: the working
//! A9 player and the VStarCam SDK play it at 8000 Hz, while the MAG-DOC write-up says
//! **11025 Hz**. pppp decodes it as 11025 Hz by default ([`DEFAULT_ADPCM_RATE`], the rate the
//! project's media specification names), and lets the rate be chosen ([`AudioProfile`], e.g.
//! 8000 for cameras played like the A9 app does) or measured from the frames' timestamps
//! ([`RateEstimator`], what `pppp serve` and `pppp record` do by default): a camera that sends
//! N samples per second of AV timestamps is played at N Hz, whatever the default.

use super::Frame;
use crate::proto::av::Codec;

/// Default sample rate of IMA ADPCM device audio (see the module documentation).
pub const DEFAULT_ADPCM_RATE: u32 = 11025;
/// Sample rate of G.711 A-law audio (iLnk cameras).
pub const ALAW_RATE: u32 = 8000;
/// Sample rate assumed for raw PCM device audio.
pub const PCM_RATE: u32 = 8000;
/// The standard rates [`RateEstimator`] snaps to.
pub const STANDARD_RATES: [u32; 7] = [8000, 11025, 16000, 22050, 32000, 44100, 48000];

/// How a camera's audio is to be interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AudioProfile {
    /// Sample rate of IMA ADPCM audio (11025 by default; A9-style cameras play 8000).
    pub adpcm_rate: u32,
}

impl Default for AudioProfile {
    fn default() -> Self {
        AudioProfile {
            adpcm_rate: DEFAULT_ADPCM_RATE,
        }
    }
}

impl AudioProfile {
    /// The sample rate of `codec` under this profile; `None` for non-audio codecs.
    pub fn sample_rate(&self, codec: Codec) -> Option<u32> {
        match codec {
            Codec::Adpcm => Some(self.adpcm_rate),
            Codec::Alaw => Some(ALAW_RATE),
            Codec::Pcm => Some(PCM_RATE),
            _ => None,
        }
    }
}

/// Why a frame could not be decoded to PCM.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The frame is not audio (a video frame, or an unknown type byte).
    #[error("frame is not audio (codec {0})")]
    NotAudio(Codec),
    /// Raw PCM audio with an odd number of bytes.
    #[error("16-bit PCM audio frame has an odd length ({0} bytes)")]
    OddPcm(usize),
}

/// Decodes an audio frame to 16-bit mono PCM samples: IMA ADPCM (state reset per frame,
/// docs/protocol.md §6.3), A-law, or little-endian PCM.
pub fn decode_audio(frame: &Frame) -> Result<Vec<i16>, MediaError> {
    match frame.codec {
        Codec::Adpcm => Ok(crate::proto::adpcm::decode(&frame.data)),
        Codec::Alaw => Ok(crate::proto::adpcm::alaw_decode(&frame.data)),
        Codec::Pcm => crate::proto::adpcm::pcm_from_le_bytes(&frame.data)
            .map_err(|_| MediaError::OddPcm(frame.data.len())),
        c => Err(MediaError::NotAudio(c)),
    }
}

/// Estimates an audio stream's true sample rate from the device timestamps of its frames,
/// snapped to the nearest standard rate (within 6 %). Settles the 8000 vs 11025 Hz question per
/// camera, provided the camera fills the AV header's time fields.
#[derive(Clone, Debug, Default)]
pub struct RateEstimator {
    first_ms: Option<u64>,
    last_ms: u64,
    /// Samples of every frame before the last one.
    samples: u64,
    last_samples: u64,
    frames: u64,
}

impl RateEstimator {
    /// Feeds one frame: its timestamp and the number of samples it decoded to.
    pub fn push(&mut self, timestamp_ms: u64, samples: usize) {
        match self.first_ms {
            None => self.first_ms = Some(timestamp_ms),
            Some(_) if timestamp_ms < self.last_ms => {
                // The clock went backwards: start over.
                *self = RateEstimator::default();
                self.first_ms = Some(timestamp_ms);
            }
            Some(_) => self.samples += self.last_samples,
        }
        self.last_ms = timestamp_ms;
        self.last_samples = samples as u64;
        self.frames += 1;
    }

    /// The estimate, once at least 5 frames spanning 400 ms were seen and the measured rate is
    /// within 6 % of a standard rate.
    pub fn estimate(&self) -> Option<u32> {
        let span = self.last_ms.checked_sub(self.first_ms?)?;
        if self.frames < 5 || span < 400 {
            return None;
        }
        let measured = self.samples as f64 * 1000.0 / span as f64;
        STANDARD_RATES
            .iter()
            .copied()
            .min_by(|a, b| {
                let (da, db) = (
                    (f64::from(*a) - measured).abs(),
                    (f64::from(*b) - measured).abs(),
                );
                da.total_cmp(&db)
            })
            .filter(|r| (f64::from(*r) - measured).abs() <= f64::from(*r) * 0.06)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_estimation() {
        for rate in [8000u32, 11025] {
            let mut e = RateEstimator::default();
            let frame_ms = 512.0 * 1000.0 / f64::from(rate);
            for i in 0..20 {
                e.push(1000 + (f64::from(i) * frame_ms) as u64, 512);
            }
            assert_eq!(e.estimate(), Some(rate));
        }
        let mut e = RateEstimator::default();
        for _ in 0..20 {
            e.push(0, 512); // a camera that leaves the time fields at zero
        }
        assert_eq!(e.estimate(), None);
    }
}
