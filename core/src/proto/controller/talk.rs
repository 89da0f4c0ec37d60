//! Talk-back: 16-bit PCM encoded to IMA ADPCM frames behind AV headers (docs/protocol.md
//! §6.4), queued, and released on channel 3 in real time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::ControllerError;
use crate::proto::av::{self, AvHeader};

/// Samples per talk-back frame: 512 samples of 8 kHz audio (64 ms), 256 bytes of ADPCM
/// (docs/protocol.md §6.4).
pub const TALK_FRAME_SAMPLES: usize = 512;
/// Sample rate of talk-back audio.
pub const TALK_SAMPLE_RATE: u32 = 8000;
/// Most talk-back audio that may wait to be sent (30 s).
pub const TALK_MAX_QUEUED: Duration = Duration::from_secs(30);

/// Talk-back audio waiting to be sent, and when the next frame is due.
#[derive(Debug)]
pub(super) struct Talk {
    /// Duration of one frame at the configured sample rate.
    frame: Duration,
    /// The AV timestamps count from here.
    started: Instant,
    queue: VecDeque<Vec<u8>>,
    next: Option<Instant>,
    index: u32,
}

impl Talk {
    /// Talk-back at `rate` samples per second (clamped to 4000–48000), timestamps counted
    /// from `started`.
    pub(super) fn new(rate: u32, started: Instant) -> Talk {
        Talk {
            frame: Duration::from_micros(
                TALK_FRAME_SAMPLES as u64 * 1_000_000 / u64::from(rate.clamp(4000, 48000)),
            ),
            started,
            queue: VecDeque::new(),
            next: None,
            index: 0,
        }
    }

    /// Encodes `pcm` into frames of 512 samples (the last padded with silence) and queues
    /// them. At most [`TALK_MAX_QUEUED`] may wait. Returns true when nothing was playing: the
    /// first frame is due at once.
    pub(super) fn push(&mut self, now: Instant, pcm: &[i16]) -> Result<bool, ControllerError> {
        let frames = pcm.len().div_ceil(TALK_FRAME_SAMPLES);
        if self.frame * (self.queue.len() + frames) as u32 > TALK_MAX_QUEUED {
            return Err(ControllerError::TalkQueueFull {
                queued: self.queued(),
            });
        }
        for chunk in pcm.chunks(TALK_FRAME_SAMPLES) {
            let mut samples = chunk.to_vec();
            samples.resize(TALK_FRAME_SAMPLES, 0);
            let data = crate::proto::adpcm::encode(&samples);
            let elapsed = now.saturating_duration_since(self.started);
            let header = AvHeader {
                codec: av::codec_byte::ADPCM,
                stream: 1,
                millis: elapsed.subsec_millis() as u16,
                seconds: elapsed.as_secs() as u32,
                index: self.index,
                ..AvHeader::default()
            };
            self.index = self.index.wrapping_add(1);
            self.queue.push_back(header.record(&data));
        }
        if self.next.is_none() && !self.queue.is_empty() {
            self.next = Some(now);
            return Ok(true);
        }
        Ok(false)
    }

    /// Audio waiting to be sent.
    pub(super) fn queued(&self) -> Duration {
        self.frame * self.queue.len() as u32
    }

    /// The next AV record due at `now`, if any (the one after it is due a frame later).
    pub(super) fn poll_due(&mut self, now: Instant) -> Option<Vec<u8>> {
        let due = self.next.filter(|d| *d <= now)?;
        let rec = self.queue.pop_front();
        self.next = rec.as_ref().map(|_| due + self.frame);
        rec
    }

    /// The channel refused a frame: everything queued is dropped.
    pub(super) fn abandon(&mut self) {
        self.queue.clear();
        self.next = None;
    }

    /// When the next frame is due.
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }
}

impl super::Controller {
    /// Queues 16-bit mono PCM at [`super::ControllerConfig::talk_rate`] (8 kHz by default) for
    /// the camera's speaker. It is encoded to IMA ADPCM in frames of 512 samples, each behind
    /// an AV header (type 8, stream 1), and written to channel 3 in real time, one frame every
    /// 64 ms at 8 kHz. A final partial frame is padded with silence. At most 30 s may be
    /// queued.
    pub fn talk(&mut self, now: Instant, pcm: &[i16]) -> Result<(), ControllerError> {
        self.now = now;
        if !self.conn.is_connected() {
            return Err(ControllerError::Write(
                crate::proto::conn::ConnWriteError::NotConnected,
            ));
        }
        if self.talk.push(now, pcm)? {
            self.send_due_talk();
        }
        Ok(())
    }

    /// Talk-back audio still waiting to be sent.
    pub fn talk_queued(&self) -> Duration {
        self.talk.queued()
    }

    /// Writes the talk-back frames that are due on channel 3.
    pub(super) fn send_due_talk(&mut self) {
        while let Some(rec) = self.talk.poll_due(self.now) {
            if self
                .conn
                .write(crate::proto::drw::channel::TALK, &rec)
                .is_err()
            {
                self.talk.abandon();
                return;
            }
        }
    }
}
