//! Media frames: [`Frame`], one reassembled video or audio record of channels 1 and 2, and
//! what can be read from it — its audio as 16-bit PCM at the right sample rate ([`audio`]),
//! its picture size ([`picture`]). Pure functions, no I/O.

pub mod audio;
pub mod picture;

pub use audio::{
    decode_audio, AudioProfile, MediaError, RateEstimator, ALAW_RATE, DEFAULT_ADPCM_RATE, PCM_RATE,
    STANDARD_RATES,
};
pub use picture::{jpeg_size, nal_units, picture_size};

use std::time::Instant;

use crate::proto::av::{self, AvFrame, AvHeader, Codec};
use crate::proto::drw::channel;

/// A media frame: one reassembled AV record.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// Channel it arrived on (1 video, 2 audio).
    pub channel: u8,
    /// Codec decided from the type byte and the payload.
    pub codec: Codec,
    /// True for a frame a decoder can start from (every JPEG; H.264/H.265 IDR).
    pub keyframe: bool,
    /// The device's frame counter.
    pub index: u32,
    /// Device timestamp in milliseconds (`seconds * 1000 + millis`).
    pub timestamp_ms: u64,
    /// Frames missing before this one (gap in the frame counter).
    pub missing_before: u32,
    /// The AV header as received.
    pub header: AvHeader,
    /// Width and height of a video picture: from this frame (JPEG SOF, the SPS of an
    /// H.264/H.265 key frame), else the stream's last known size (P frames); `None` for audio,
    /// and for video before the stream's first size is known.
    pub dimensions: Option<(u16, u16)>,
    /// The media bytes.
    pub data: Vec<u8>,
    /// When the datagram that completed this frame arrived: the time given with it to the
    /// sans-IO core, which the client's driver takes from the kernel's receive timestamp
    /// (Linux) or its read. `None` for a frame not reassembled from a session.
    pub received_at: Option<Instant>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Frame(ch{} {} #{} t={}ms {} bytes{})",
            self.channel,
            self.codec,
            self.index,
            self.timestamp_ms,
            self.data.len(),
            if self.keyframe { " key" } else { "" }
        )
    }
}

impl Frame {
    /// The frame of an AV record reassembled on `channel`: its codec sniffed from the type
    /// byte (and, for video, the payload), whether it is a key frame, its index and time.
    /// `dimensions` and `received_at` are left `None` (the stream's last size is the
    /// receiver's to track, the arrival its caller's).
    pub fn from_av(channel: u8, f: AvFrame) -> Frame {
        let codec = if channel == channel::AUDIO {
            Codec::sniff_audio(f.header.codec)
        } else {
            Codec::sniff_video(f.header.codec, &f.data)
        };
        Frame {
            channel,
            keyframe: av::is_keyframe(codec, f.header.codec, &f.data),
            codec,
            index: f.header.index,
            timestamp_ms: f.header.timestamp_ms(),
            missing_before: f.missing_before,
            header: f.header,
            dimensions: None,
            data: f.data,
            received_at: None,
        }
    }

    /// The frame's audio as 16-bit mono PCM (see [`decode_audio`]).
    pub fn pcm(&self) -> Result<Vec<i16>, MediaError> {
        decode_audio(self)
    }

    /// The picture size of a video frame: from the JPEG's SOF, or the H.264/H.265 SPS of a key
    /// frame. `None` for P frames and audio.
    pub fn picture_size(&self) -> Option<(u16, u16)> {
        picture_size(self.codec, &self.data)
    }
}
