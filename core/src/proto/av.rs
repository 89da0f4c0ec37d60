//! The media stream layer of channels 1–3: the 32-byte AV header (docs/protocol.md §6.1) and a
//! reassembler that turns the channel's byte stream into frames.
//!
//! A channel carries records `AV header · len bytes of media`; a record longer than one DRW
//! continues in the following packets. The magic `55 aa 15 a8` lets a receiver resynchronise
//! after garbage; frame indexes reveal frames the sender skipped.

use std::fmt;

/// The header magic `0xA815AA55` as it appears on the wire.
pub const MAGIC: [u8; 4] = [0x55, 0xaa, 0x15, 0xa8];
/// Size of the AV header.
pub const HEADER_LEN: usize = 32;
/// Default cap on one video frame's media length; longer headers are treated as garbage.
pub const DEFAULT_MAX_FRAME: usize = 8 * 1024 * 1024;
/// Default cap on one audio frame's media length (channel 2). Cameras send a few hundred bytes
/// per frame (512 ADPCM samples are 256 bytes); the cap keeps a hostile length field from
/// making the audio reassembler hold megabytes.
pub const DEFAULT_MAX_AUDIO_FRAME: usize = 64 * 1024;

/// Byte 4 values: the codec/type byte (vendor-specific, docs/protocol.md §6.1).
pub mod codec_byte {
    /// H.264 I-frame (VStarcam).
    pub const H264_I: u8 = 0x00;
    /// H.264 P-frame (VStarcam).
    pub const H264_P: u8 = 0x01;
    /// MJPEG frame (SHIX, iLnk).
    pub const MJPEG: u8 = 0x03;
    /// iLnk audio (8 kHz A-law).
    pub const ILNK_ALAW: u8 = 0x06;
    /// IMA ADPCM audio / talk.
    pub const ADPCM: u8 = 0x08;
    /// SHIX audio (A9: `aa 01`).
    pub const SHIX_AUDIO: u8 = 0xAA;
}

/// The decoded 32-byte AV header (all fields little-endian).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct AvHeader {
    /// Byte 4: codec / frame type.
    pub codec: u8,
    /// Byte 5: stream id (VSC) or media type (MAG-DOC).
    pub stream: u8,
    /// Bytes 6–7: milliseconds part of the timestamp.
    pub millis: u16,
    /// Bytes 8–11: seconds part of the timestamp.
    pub seconds: u32,
    /// Bytes 12–15: frame counter.
    pub index: u32,
    /// Bytes 16–19: length of the media that follows.
    pub len: u32,
    /// Byte 20: version.
    pub version: u8,
    /// Byte 21: session id.
    pub sessid: u8,
    /// Bytes 22–31, opaque.
    pub other: [u8; 10],
}

impl fmt::Debug for AvHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AvHeader(codec=0x{:02x}, stream={}, t={}.{:03}, index={}, len={})",
            self.codec, self.stream, self.seconds, self.millis, self.index, self.len
        )
    }
}

impl AvHeader {
    /// Parses a header from the first 32 bytes of `b`; None without the magic or when short.
    pub fn parse(b: &[u8]) -> Option<AvHeader> {
        let b = b.get(..HEADER_LEN)?;
        if b[..4] != MAGIC {
            return None;
        }
        let u32at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut other = [0u8; 10];
        other.copy_from_slice(&b[22..32]);
        Some(AvHeader {
            codec: b[4],
            stream: b[5],
            millis: u16::from_le_bytes([b[6], b[7]]),
            seconds: u32at(8),
            index: u32at(12),
            len: u32at(16),
            version: b[20],
            sessid: b[21],
            other,
        })
    }

    /// Encodes the header.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..4].copy_from_slice(&MAGIC);
        b[4] = self.codec;
        b[5] = self.stream;
        b[6..8].copy_from_slice(&self.millis.to_le_bytes());
        b[8..12].copy_from_slice(&self.seconds.to_le_bytes());
        b[12..16].copy_from_slice(&self.index.to_le_bytes());
        b[16..20].copy_from_slice(&self.len.to_le_bytes());
        b[20] = self.version;
        b[21] = self.sessid;
        b[22..32].copy_from_slice(&self.other);
        b
    }

    /// One frame as it goes on a channel: this header, its `len` set to the length of
    /// `data`, followed by `data`.
    pub fn record(&self, data: &[u8]) -> Vec<u8> {
        let h = AvHeader {
            len: data.len() as u32,
            ..*self
        };
        let mut rec = Vec::with_capacity(HEADER_LEN + data.len());
        rec.extend_from_slice(&h.encode());
        rec.extend_from_slice(data);
        rec
    }

    /// The timestamp in milliseconds (`seconds * 1000 + millis`).
    pub fn timestamp_ms(&self) -> u64 {
        self.seconds as u64 * 1000 + self.millis as u64
    }
}

/// The media codec of a frame, decided from the type byte and the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    /// One JPEG image.
    Mjpeg,
    /// H.264 Annex-B access unit.
    H264,
    /// H.265 Annex-B access unit.
    H265,
    /// 4-bit IMA ADPCM audio.
    Adpcm,
    /// G.711 A-law audio.
    Alaw,
    /// 16-bit PCM audio.
    Pcm,
    /// Anything else (the type byte).
    Unknown(u8),
}

impl Codec {
    /// Short lower-case name (`mjpeg`, `h264`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Codec::Mjpeg => "mjpeg",
            Codec::H264 => "h264",
            Codec::H265 => "h265",
            Codec::Adpcm => "adpcm",
            Codec::Alaw => "alaw",
            Codec::Pcm => "pcm",
            Codec::Unknown(_) => "unknown",
        }
    }

    /// True for audio codecs.
    pub fn is_audio(&self) -> bool {
        matches!(self, Codec::Adpcm | Codec::Alaw | Codec::Pcm)
    }

    /// Decides the codec of a video-channel frame: the payload decides where it is
    /// recognisable (`ff d8` JPEG, Annex-B start code), the type byte otherwise.
    pub fn sniff_video(codec_byte: u8, data: &[u8]) -> Codec {
        if data.starts_with(&[0xff, 0xd8]) {
            return Codec::Mjpeg;
        }
        if let Some(nal) = annexb_first_nal(data) {
            return if looks_h265(nal) {
                Codec::H265
            } else {
                Codec::H264
            };
        }
        match codec_byte {
            codec_byte::MJPEG => Codec::Mjpeg,
            codec_byte::H264_I | codec_byte::H264_P => Codec::H264,
            b => Codec::Unknown(b),
        }
    }

    /// Decides the codec of an audio-channel frame from its type byte.
    pub fn sniff_audio(codec_byte: u8) -> Codec {
        match codec_byte {
            codec_byte::ADPCM | codec_byte::SHIX_AUDIO => Codec::Adpcm,
            codec_byte::ILNK_ALAW => Codec::Alaw,
            0x03 => Codec::Pcm,
            b => Codec::Unknown(b),
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The first NAL header byte(s) after an Annex-B start code at the start of `data`.
fn annexb_first_nal(data: &[u8]) -> Option<&[u8]> {
    if data.starts_with(&[0, 0, 0, 1]) {
        data.get(4..)
    } else if data.starts_with(&[0, 0, 1]) {
        data.get(3..)
    } else {
        None
    }
    .filter(|n| !n.is_empty())
}

/// H.265 NAL headers are two bytes; for the NAL types an access unit starts with (VPS, SPS,
/// PPS, AUD, SEI, IRAP, and the TRAIL_N/TRAIL_R slices of P frames sent without parameter
/// sets) the second byte is 0x01. The same first bytes in H.264 are unused or
/// Extended-profile types (0 unspecified, 2 data partition A, 32+ reserved bits set), which
/// cameras never send.
fn looks_h265(nal: &[u8]) -> bool {
    let t = (nal[0] >> 1) & 0x3f;
    nal[0] & 0x81 == 0 && nal.get(1) == Some(&1) && matches!(t, 0 | 1 | 16..=21 | 32..=35 | 39)
}

/// True when the frame starts a decodable picture: a JPEG, an H.264 IDR/SPS, an H.265
/// IRAP/VPS, or a VStarcam I-frame type byte.
pub fn is_keyframe(codec: Codec, codec_byte: u8, data: &[u8]) -> bool {
    match codec {
        Codec::Mjpeg => true,
        Codec::H264 | Codec::H265 => {
            let mut i = 0;
            let mut any = false;
            while i + 3 < data.len() {
                let (sc, n) = if data[i..].starts_with(&[0, 0, 0, 1]) {
                    (true, i + 4)
                } else if data[i..].starts_with(&[0, 0, 1]) {
                    (true, i + 3)
                } else {
                    (false, 0)
                };
                if sc && n < data.len() {
                    any = true;
                    let key = if codec == Codec::H264 {
                        matches!(data[n] & 0x1f, 5 | 7)
                    } else {
                        matches!((data[n] >> 1) & 0x3f, 16..=21 | 32..=34)
                    };
                    if key {
                        return true;
                    }
                    i = n;
                } else {
                    i += 1;
                }
                if i > 4096 {
                    break; // parameter sets and slice headers come first
                }
            }
            !any && codec_byte == codec_byte::H264_I
        }
        _ => true,
    }
}

/// One reassembled media record.
#[derive(Clone, PartialEq, Eq)]
pub struct AvFrame {
    /// The header as received.
    pub header: AvHeader,
    /// The media bytes (`header.len` of them).
    pub data: Vec<u8>,
    /// Frames missing between the previous frame and this one, judged by the frame index.
    pub missing_before: u32,
}

impl fmt::Debug for AvFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AvFrame({:?}, {} bytes)", self.header, self.data.len())
    }
}

/// Counters of a [`FrameAssembler`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AssemblerStats {
    /// Frames completed.
    pub frames: u64,
    /// Bytes discarded while looking for a header.
    pub garbage_bytes: u64,
    /// Resynchronisations (garbage, oversize header, transport skip).
    pub resyncs: u64,
    /// Frames known missing from gaps in the frame index.
    pub missing_frames: u64,
    /// The most bytes held at once (at most the frame cap, a header and one push).
    pub peak_buffered: u64,
}

/// Reassembles AV records from a media channel's byte stream.
#[derive(Debug)]
pub struct FrameAssembler {
    buf: Vec<u8>,
    /// Read position in `buf` (bytes before it are consumed).
    pos: usize,
    max_frame: usize,
    last_index: Option<u32>,
    stats: AssemblerStats,
}

impl Default for FrameAssembler {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_FRAME)
    }
}

impl FrameAssembler {
    /// An assembler refusing frames longer than `max_frame` bytes.
    pub fn new(max_frame: usize) -> Self {
        FrameAssembler {
            buf: Vec::new(),
            pos: 0,
            max_frame,
            last_index: None,
            stats: AssemblerStats::default(),
        }
    }

    /// Appends stream bytes.
    pub fn push(&mut self, data: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
        self.stats.peak_buffered = self.stats.peak_buffered.max(self.buffered() as u64);
    }

    /// Drops a partial frame (after the transport skipped data).
    pub fn resync(&mut self) {
        self.stats.garbage_bytes += (self.buf.len() - self.pos) as u64;
        self.stats.resyncs += 1;
        self.buf.clear();
        self.pos = 0;
    }

    /// Forgets the frame-index history (a new stream starts).
    pub fn reset_index(&mut self) {
        self.last_index = None;
    }

    /// Counters.
    pub fn stats(&self) -> AssemblerStats {
        self.stats
    }

    /// Bytes held: pushed, not yet returned in a frame nor discarded.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Returns the next complete frame, if buffered.
    pub fn next_frame(&mut self) -> Option<AvFrame> {
        loop {
            let avail = &self.buf[self.pos..];
            if avail.len() < 4 {
                self.compact();
                return None;
            }
            if avail[..4] != MAGIC {
                self.skip_garbage();
                continue;
            }
            if avail.len() < HEADER_LEN {
                self.compact();
                return None;
            }
            let header = AvHeader::parse(avail)?;
            let len = header.len as usize;
            if len > self.max_frame {
                self.pos += 1;
                self.stats.garbage_bytes += 1;
                self.stats.resyncs += 1;
                continue;
            }
            if avail.len() < HEADER_LEN + len {
                self.compact();
                return None;
            }
            let data = avail[HEADER_LEN..HEADER_LEN + len].to_vec();
            self.pos += HEADER_LEN + len;
            let missing_before = match self.last_index {
                Some(last) if header.index > last.wrapping_add(1) && header.index > last => {
                    header.index - last - 1
                }
                _ => 0,
            };
            self.last_index = Some(header.index);
            self.stats.frames += 1;
            self.stats.missing_frames += missing_before as u64;
            return Some(AvFrame {
                header,
                data,
                missing_before,
            });
        }
    }

    fn skip_garbage(&mut self) {
        let avail = &self.buf[self.pos..];
        let skip = avail
            .windows(4)
            .skip(1)
            .position(|w| w == MAGIC)
            .map(|p| p + 1)
            // Keep the last 3 bytes: they may begin a magic split across packets.
            .unwrap_or(avail.len().saturating_sub(3).max(1));
        self.pos += skip;
        self.stats.garbage_bytes += skip as u64;
        self.stats.resyncs += 1;
    }

    fn compact(&mut self) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(index: u32, data: &[u8]) -> Vec<u8> {
        AvHeader {
            codec: codec_byte::MJPEG,
            index,
            ..AvHeader::default()
        }
        .record(data)
    }

    #[test]
    fn header_round_trip() {
        let h = AvHeader {
            codec: 3,
            stream: 0,
            millis: 999,
            seconds: 1_700_000_000,
            index: 42,
            len: 1234,
            version: 1,
            sessid: 2,
            other: [0xaa; 10],
        };
        assert_eq!(AvHeader::parse(&h.encode()), Some(h));
    }

    #[test]
    fn reassembles_resyncs_and_reports_gaps() {
        let mut s = record(0, &[0xff, 0xd8, 1, 2, 3]);
        s.extend([1, 2, 3, 0x55, 0xaa]); // garbage, including a partial magic
        s.extend(record(1, &[0xff, 0xd8, 4]));
        s.extend(record(4, &[0xff, 0xd8, 5]));
        let mut a = FrameAssembler::default();
        let mut got = Vec::new();
        for c in s.chunks(7) {
            a.push(c);
            while let Some(f) = a.next_frame() {
                got.push(f);
            }
        }
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].data, vec![0xff, 0xd8, 1, 2, 3]);
        assert_eq!(got[2].missing_before, 2);
        assert_eq!(a.stats().garbage_bytes, 5);
    }

    #[test]
    fn a_length_above_the_cap_is_garbage_and_holds_nothing() {
        let mut a = FrameAssembler::new(DEFAULT_MAX_AUDIO_FRAME);
        let huge = AvHeader {
            codec: codec_byte::ADPCM,
            len: (DEFAULT_MAX_AUDIO_FRAME + 1) as u32,
            ..AvHeader::default()
        };
        a.push(&huge.encode());
        for _ in 0..100 {
            a.push(&[0x11; 1024]);
            assert_eq!(a.next_frame(), None);
        }
        assert!(a.stats().peak_buffered <= 1024 + HEADER_LEN as u64);
        a.push(&record(7, &[1, 2, 3]));
        assert_eq!(a.next_frame().map(|f| f.data), Some(vec![1, 2, 3]));
    }

    #[test]
    fn sniffing() {
        assert_eq!(Codec::sniff_video(0, &[0xff, 0xd8]), Codec::Mjpeg);
        assert_eq!(
            Codec::sniff_video(0, &[0, 0, 0, 1, 0x67, 0x42]),
            Codec::H264
        );
        assert_eq!(
            Codec::sniff_video(0, &[0, 0, 0, 1, 0x40, 0x01]),
            Codec::H265
        );
        assert!(is_keyframe(
            Codec::H264,
            1,
            &[0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x65]
        ));
        assert!(!is_keyframe(Codec::H264, 1, &[0, 0, 0, 1, 0x41, 0x9a]));
        assert!(is_keyframe(Codec::H265, 1, &[0, 0, 0, 1, 0x26, 0x01, 0xaf]));
        // An H.265 P frame (TRAIL_R) without parameter sets is still H.265 …
        assert_eq!(
            Codec::sniff_video(1, &[0, 0, 0, 1, 0x02, 0x01, 0xd0]),
            Codec::H265
        );
        assert!(!is_keyframe(
            Codec::H265,
            1,
            &[0, 0, 0, 1, 0x02, 0x01, 0xd0]
        ));
        // … and H.264 non-reference P slices and SEI stay H.264.
        assert_eq!(
            Codec::sniff_video(1, &[0, 0, 0, 1, 0x01, 0x9a]),
            Codec::H264
        );
        assert_eq!(
            Codec::sniff_video(1, &[0, 0, 0, 1, 0x06, 0x01, 0x05]),
            Codec::H264
        );
    }
}
