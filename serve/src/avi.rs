//! A small AVI (RIFF) writer for MJPEG video, written from the AVI 1.0 layout:
//!
//! ```text
//! RIFF 'AVI '
//!   LIST 'hdrl'
//!     avih  (56 bytes: µs per frame, flags AVIF_HASINDEX, frames, streams, size …)
//!     LIST 'strl'
//!       strh  (56 bytes: 'vids' 'MJPG', scale/rate, length …)
//!       strf  (BITMAPINFOHEADER, compression 'MJPG')
//!   LIST 'movi'
//!     '00dc' JPEG …   (one chunk per frame, padded to even length)
//!   idx1  (16 bytes per frame: '00dc', AVIIF_KEYFRAME, offset from 'movi', size)
//! ```
//!
//! Sizes, the frame count and the frame rate are unknown until the end: [`AviWriter::finish`]
//! writes the index and patches them in place. A file whose writer was never finished is
//! still readable by ffmpeg and VLC (they rebuild the index), just without a duration.

use std::io::{self, Seek, SeekFrom, Write};

const AVIF_HASINDEX: u32 = 0x10;
const AVIIF_KEYFRAME: u32 = 0x10;

/// Writes MJPEG frames into an AVI file.
#[derive(Debug)]
pub struct AviWriter<W: Write + Seek> {
    out: W,
    width: u32,
    height: u32,
    /// Offset of the 'movi' fourcc (idx1 offsets are relative to it).
    movi_fourcc: u64,
    /// (offset from movi fourcc, size) of each frame chunk.
    index: Vec<(u32, u32)>,
    /// Bytes written into the movi list after its fourcc.
    movi_bytes: u64,
    max_frame: u32,
    first_ms: Option<u64>,
    last_ms: u64,
}

/// Byte offsets of the header fields patched at the end.
mod at {
    pub(super) const RIFF_SIZE: u64 = 4;
    pub(super) const AVIH_USEC: u64 = 32;
    pub(super) const AVIH_MAX_BPS: u64 = 36;
    pub(super) const AVIH_FRAMES: u64 = 48;
    pub(super) const AVIH_BUFFER: u64 = 60;
    pub(super) const STRH_SCALE: u64 = 128;
    pub(super) const STRH_RATE: u64 = 132;
    pub(super) const STRH_LENGTH: u64 = 140;
    pub(super) const STRH_BUFFER: u64 = 144;
    pub(super) const MOVI_SIZE: u64 = 216;
}

fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

impl<W: Write + Seek> AviWriter<W> {
    /// Starts an AVI of `width`×`height` MJPEG frames (the size goes into the headers; frames
    /// of another size after a resolution switch are stored as they are).
    pub fn new(mut out: W, width: u16, height: u16) -> io::Result<Self> {
        let (w, h) = (u32::from(width), u32::from(height));
        let mut v = Vec::with_capacity(224);
        v.extend_from_slice(b"RIFF");
        put32(&mut v, 0); // patched
        v.extend_from_slice(b"AVI LIST");
        put32(&mut v, 4 + 8 + 56 + 8 + 4 + 8 + 56 + 8 + 40); // hdrl size = 192
        v.extend_from_slice(b"hdrlavih");
        put32(&mut v, 56);
        put32(&mut v, 100_000); // µs per frame, patched
        put32(&mut v, 0); // max bytes per second, patched
        put32(&mut v, 0); // padding granularity
        put32(&mut v, AVIF_HASINDEX);
        put32(&mut v, 0); // total frames, patched
        put32(&mut v, 0); // initial frames
        put32(&mut v, 1); // streams
        put32(&mut v, 0); // suggested buffer size, patched
        put32(&mut v, w);
        put32(&mut v, h);
        v.extend_from_slice(&[0; 16]); // reserved
        v.extend_from_slice(b"LIST");
        put32(&mut v, 4 + 8 + 56 + 8 + 40);
        v.extend_from_slice(b"strlstrh");
        put32(&mut v, 56);
        v.extend_from_slice(b"vidsMJPG");
        put32(&mut v, 0); // flags
        put16(&mut v, 0); // priority
        put16(&mut v, 0); // language
        put32(&mut v, 0); // initial frames
        put32(&mut v, 1000); // scale, patched
        put32(&mut v, 10_000); // rate, patched (rate/scale = fps)
        put32(&mut v, 0); // start
        put32(&mut v, 0); // length in frames, patched
        put32(&mut v, 0); // suggested buffer size, patched
        put32(&mut v, u32::MAX); // quality: default
        put32(&mut v, 0); // sample size: varies
        put16(&mut v, 0);
        put16(&mut v, 0);
        put16(&mut v, width);
        put16(&mut v, height);
        v.extend_from_slice(b"strf");
        put32(&mut v, 40);
        put32(&mut v, 40); // biSize
        put32(&mut v, w);
        put32(&mut v, h);
        put16(&mut v, 1); // planes
        put16(&mut v, 24); // bit count
        v.extend_from_slice(b"MJPG");
        put32(&mut v, w * h * 3);
        v.extend_from_slice(&[0; 16]); // resolution, colours
        v.extend_from_slice(b"LIST");
        debug_assert_eq!(v.len() as u64, at::MOVI_SIZE);
        put32(&mut v, 0); // movi size, patched
        v.extend_from_slice(b"movi");
        out.write_all(&v)?;
        Ok(AviWriter {
            out,
            width: w,
            height: h,
            movi_fourcc: at::MOVI_SIZE + 4,
            index: Vec::new(),
            movi_bytes: 0,
            max_frame: 0,
            first_ms: None,
            last_ms: 0,
        })
    }

    /// The size written into the headers.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Frames written so far.
    pub fn frames(&self) -> usize {
        self.index.len()
    }

    /// Appends one JPEG with its device timestamp (used for the frame rate).
    pub fn write_frame(&mut self, jpeg: &[u8], timestamp_ms: u64) -> io::Result<()> {
        let len = u32::try_from(jpeg.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
        let offset = u32::try_from(4 + self.movi_bytes)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "AVI larger than 4 GiB"))?;
        self.out.write_all(b"00dc")?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(jpeg)?;
        let mut chunk = 8 + u64::from(len);
        if len % 2 == 1 {
            self.out.write_all(&[0])?;
            chunk += 1;
        }
        self.movi_bytes += chunk;
        self.index.push((offset, len));
        self.max_frame = self.max_frame.max(len);
        self.first_ms.get_or_insert(timestamp_ms);
        self.last_ms = timestamp_ms;
        Ok(())
    }

    /// The frame rate measured from the timestamps (1–120 fps), or `fallback`.
    pub fn measured_fps(&self, fallback: f64) -> f64 {
        let n = self.index.len();
        match self.first_ms {
            Some(first) if n >= 2 && self.last_ms > first => {
                let fps = (n - 1) as f64 * 1000.0 / (self.last_ms - first) as f64;
                if (1.0..=120.0).contains(&fps) {
                    // Device clocks tick in milliseconds: 10.03 fps is 10 fps.
                    if (fps - fps.round()).abs() < 0.05 {
                        fps.round()
                    } else {
                        fps
                    }
                } else {
                    fallback
                }
            }
            _ => fallback,
        }
    }

    /// Writes the index, patches the headers for `fps` and returns the writer.
    pub fn finish(mut self, fps: f64) -> io::Result<W> {
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            10.0
        };
        let mut idx = Vec::with_capacity(8 + 16 * self.index.len());
        idx.extend_from_slice(b"idx1");
        put32(&mut idx, (16 * self.index.len()) as u32);
        for &(offset, size) in &self.index {
            idx.extend_from_slice(b"00dc");
            put32(&mut idx, AVIIF_KEYFRAME);
            put32(&mut idx, offset);
            put32(&mut idx, size);
        }
        self.out.write_all(&idx)?;
        let end = self.movi_fourcc + 4 + self.movi_bytes + idx.len() as u64;
        let frames = self.index.len() as u32;
        let rate = (fps * 1000.0).round() as u32;
        let buffer = self.max_frame + 8;
        let patch = |out: &mut W, pos: u64, v: u32| -> io::Result<()> {
            out.seek(SeekFrom::Start(pos))?;
            out.write_all(&v.to_le_bytes())
        };
        patch(&mut self.out, at::RIFF_SIZE, (end - 8) as u32)?;
        patch(
            &mut self.out,
            at::AVIH_USEC,
            (1_000_000.0 / fps).round() as u32,
        )?;
        patch(
            &mut self.out,
            at::AVIH_MAX_BPS,
            (f64::from(self.max_frame) * fps).min(f64::from(u32::MAX)) as u32,
        )?;
        patch(&mut self.out, at::AVIH_FRAMES, frames)?;
        patch(&mut self.out, at::AVIH_BUFFER, buffer)?;
        patch(&mut self.out, at::STRH_SCALE, 1000)?;
        patch(&mut self.out, at::STRH_RATE, rate)?;
        patch(&mut self.out, at::STRH_LENGTH, frames)?;
        patch(&mut self.out, at::STRH_BUFFER, buffer)?;
        patch(&mut self.out, at::MOVI_SIZE, (4 + self.movi_bytes) as u32)?;
        self.out.seek(SeekFrom::Start(end))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// What [`parse`] found in an AVI file (for tests and `pppp record` self-checks).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AviInfo {
    /// Width and height from `avih`.
    pub size: (u32, u32),
    /// Frames announced by `avih`.
    pub total_frames: u32,
    /// Frame rate from `strh` (rate / scale).
    pub fps: f64,
    /// Stream handler fourcc.
    pub handler: [u8; 4],
    /// Frame payloads found in `movi` (in order).
    pub frames: Vec<Vec<u8>>,
    /// Entries of `idx1`: (offset from 'movi', size).
    pub index: Vec<(u32, u32)>,
    /// Offset of the 'movi' fourcc in the file.
    pub movi_fourcc: usize,
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// Parses an AVI file written by [`AviWriter`] (or any simple single-stream AVI 1.0 file).
pub fn parse(b: &[u8]) -> Option<AviInfo> {
    if b.get(..4)? != b"RIFF" || b.get(8..12)? != b"AVI " {
        return None;
    }
    let riff_end = (8 + u32_at(b, 4)? as usize).min(b.len());
    let mut info = AviInfo::default();
    let mut i = 12;
    while i + 8 <= riff_end {
        let id = b.get(i..i + 4)?;
        let size = u32_at(b, i + 4)? as usize;
        let body = i + 8;
        if id == b"LIST" {
            let kind = b.get(body..body + 4)?;
            if kind == b"hdrl" {
                let avih = body + 4;
                if b.get(avih..avih + 4)? == b"avih" {
                    info.total_frames = u32_at(b, avih + 8 + 16)?;
                    info.size = (u32_at(b, avih + 8 + 32)?, u32_at(b, avih + 8 + 36)?);
                }
                let strl = avih + 8 + 56;
                let strh = strl + 12;
                if b.get(strh..strh + 4)? == b"strh" {
                    info.handler.copy_from_slice(b.get(strh + 12..strh + 16)?);
                    let scale = u32_at(b, strh + 8 + 20)?;
                    let rate = u32_at(b, strh + 8 + 24)?;
                    if scale > 0 {
                        info.fps = f64::from(rate) / f64::from(scale);
                    }
                }
            } else if kind == b"movi" {
                info.movi_fourcc = body;
                let end = (body + size).min(b.len());
                let mut j = body + 4;
                while j + 8 <= end {
                    let len = u32_at(b, j + 4)? as usize;
                    if b.get(j..j + 4)? == b"00dc" {
                        info.frames.push(b.get(j + 8..j + 8 + len)?.to_vec());
                    }
                    j += 8 + len + len % 2;
                }
            }
        } else if id == b"idx1" {
            for e in b.get(body..body + size)?.chunks_exact(16) {
                info.index.push((u32_at(e, 8)?, u32_at(e, 12)?));
            }
        }
        i = body + size + size % 2;
    }
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut w = AviWriter::new(io::Cursor::new(Vec::new()), 96, 64).unwrap();
        let frames: Vec<Vec<u8>> = (0..5u8)
            .map(|i| vec![0xff, 0xd8, i, 0xff, 0xd9][..(4 + usize::from(i % 2))].to_vec())
            .collect();
        for (i, f) in frames.iter().enumerate() {
            w.write_frame(f, 1000 + i as u64 * 100).unwrap();
        }
        let fps = w.measured_fps(5.0);
        assert!((fps - 10.0).abs() < 1e-9);
        let bytes = w.finish(fps).unwrap().into_inner();
        let info = parse(&bytes).unwrap();
        assert_eq!(info.size, (96, 64));
        assert_eq!(info.total_frames, 5);
        assert_eq!(&info.handler, b"MJPG");
        assert!((info.fps - 10.0).abs() < 1e-9);
        assert_eq!(info.frames, frames);
        assert_eq!(info.index.len(), 5);
        for ((off, size), f) in info.index.iter().zip(&frames) {
            let at = info.movi_fourcc + *off as usize;
            assert_eq!(&bytes[at..at + 4], b"00dc");
            assert_eq!(*size as usize, f.len());
        }
        assert_eq!(u32_at(&bytes, 4).unwrap() as usize + 8, bytes.len());
    }
}
