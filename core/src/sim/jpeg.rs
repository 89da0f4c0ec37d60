//! Deterministic test pictures: real, decodable JPEGs that differ from frame to frame.

use jpeg_encoder::{ColorType, Encoder};

/// Encodes frame `index` of a `width`×`height` test pattern as a baseline JPEG.
///
/// The picture is a colour gradient that scrolls with the index, with the index drawn as a row
/// of binary blocks; a COM segment `pppp-fake-camera frame=<index>` identifies it. The same
/// arguments always give the same bytes, so tests can compare received frames with
/// `frame(index, …)`.
pub fn frame(index: u64, width: u16, height: u16, quality: u8) -> Vec<u8> {
    let (w, h) = (width.max(16) as usize, height.max(16) as usize);
    let mut rgb = vec![0u8; w * h * 3];
    let shift = (index * 4) as usize;
    let block = (w / 34).max(1);
    for y in 0..h {
        for x in 0..w {
            let p = (y * w + x) * 3;
            rgb[p] = ((x + shift) * 255 / w) as u8;
            rgb[p + 1] = (y * 255 / h) as u8;
            rgb[p + 2] = ((x + y + shift) % 256) as u8;
            // 32 bits of the index as black/white blocks along the top edge.
            if y < block * 2 && x >= block && x < block * 33 {
                let bit = (x - block) / block;
                let on = (index >> (31 - bit)) & 1 == 1;
                let v = if on { 255 } else { 0 };
                rgb[p] = v;
                rgb[p + 1] = v;
                rgb[p + 2] = v;
            }
        }
    }
    let mut out = Vec::with_capacity(w * h / 4);
    let enc = Encoder::new(&mut out, quality.clamp(1, 100));
    enc.encode(&rgb, w as u16, h as u16, ColorType::Rgb)
        .expect("encoding an in-memory RGB buffer of valid size cannot fail");
    let comment = format!("pppp-fake-camera frame={index}");
    let mut com = vec![0xff, 0xfe];
    com.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    com.extend_from_slice(comment.as_bytes());
    out.splice(2..2, com);
    out
}

/// Frames of a fixed size made from one pre-encoded picture: the frame index (and, when the
/// emulator is given a wall clock, the time the frame was made) are patched into a COM segment
/// that also pads the frame to the requested size. Making a frame is one copy, not a JPEG
/// encoding, so one process can emulate many cameras; every frame is still a valid, unique
/// JPEG.
#[derive(Clone, Debug)]
pub struct Patched {
    base: Vec<u8>,
    index_at: usize,
    stamp_at: usize,
}

/// Digits of the patched index and time stamp.
const DIGITS: usize = 20;
const STAMP_TAG: &[u8] = b" t=";

impl Patched {
    /// Frames of `size` bytes (or the picture's own size, when larger) showing a
    /// `width`×`height` test picture.
    pub fn new(width: u16, height: u16, quality: u8, size: usize) -> Patched {
        let mut pic = frame(0, width, height, quality);
        // Drop the picture's own COM segment (it follows SOI), keep SOI.
        let com_len = u16::from_be_bytes([pic[4], pic[5]]) as usize;
        pic.drain(2..4 + com_len);
        let tag = b"pppp-fake-camera frame=";
        let head = tag.len() + DIGITS + STAMP_TAG.len() + DIGITS;
        // Bytes left for padding once SOI, the COM marker and length, and the picture are in.
        let fixed = pic.len() + 4 + head;
        let mut com_payload = Vec::with_capacity(size.saturating_sub(pic.len()));
        com_payload.extend_from_slice(tag);
        com_payload.extend_from_slice(&[b'0'; DIGITS]);
        com_payload.extend_from_slice(STAMP_TAG);
        com_payload.extend_from_slice(&[b'0'; DIGITS]);
        let mut padding = size.saturating_sub(fixed);
        // One COM segment holds at most 65533 bytes; further padding goes into more segments,
        // each with a 4-byte header (so a remainder is never 1–4 bytes).
        let fit = |room: usize, left: usize| {
            let n = left.min(room);
            if (1..=4).contains(&(left - n)) {
                n - 5
            } else {
                n
            }
        };
        let first = fit(65533 - head, padding);
        com_payload.resize(com_payload.len() + first, b' ');
        padding -= first;
        let mut base = Vec::with_capacity(size.max(fixed));
        base.extend_from_slice(&pic[..2]);
        base.extend_from_slice(&[0xff, 0xfe]);
        base.extend_from_slice(&((com_payload.len() + 2) as u16).to_be_bytes());
        let index_at = base.len() + tag.len();
        let stamp_at = index_at + DIGITS + STAMP_TAG.len();
        base.extend_from_slice(&com_payload);
        while padding > 0 {
            let n = fit(65533, padding - 4);
            base.extend_from_slice(&[0xff, 0xfe]);
            base.extend_from_slice(&((n + 2) as u16).to_be_bytes());
            base.resize(base.len() + n, b' ');
            padding -= n + 4;
        }
        base.extend_from_slice(&pic[2..]);
        Patched {
            base,
            index_at,
            stamp_at,
        }
    }

    /// Frame `index`, stamped with `stamp_us` (microseconds of the wall clock) when given.
    pub fn frame(&self, index: u64, stamp_us: Option<u64>) -> Vec<u8> {
        let mut f = self.base.clone();
        put_digits(&mut f[self.index_at..self.index_at + DIGITS], index);
        if let Some(t) = stamp_us {
            put_digits(&mut f[self.stamp_at..self.stamp_at + DIGITS], t);
        }
        f
    }
}

fn put_digits(out: &mut [u8], mut v: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// The time stamp (microseconds of the emulator's wall clock) of a [`Patched`] frame, if it
/// has one.
pub fn frame_stamp(jpeg: &[u8]) -> Option<u64> {
    let tag = b"pppp-fake-camera frame=";
    let at = jpeg.windows(tag.len()).take(64).position(|w| w == tag)? + tag.len() + DIGITS;
    let rest = jpeg.get(at..at + STAMP_TAG.len() + DIGITS)?;
    if !rest.starts_with(STAMP_TAG) {
        return None;
    }
    let t: u64 = std::str::from_utf8(&rest[STAMP_TAG.len()..])
        .ok()?
        .parse()
        .ok()?;
    (t != 0).then_some(t)
}

/// The frame index written into a JPEG by [`frame`] or [`Patched`], if present.
pub fn frame_index(jpeg: &[u8]) -> Option<u64> {
    let tag = b"pppp-fake-camera frame=";
    let at = jpeg.windows(tag.len()).take(64).position(|w| w == tag)? + tag.len();
    let digits: Vec<u8> = jpeg[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_unique_and_tagged() {
        let a = frame(1, 64, 48, 70);
        let b = frame(2, 64, 48, 70);
        assert_ne!(a, b);
        assert_eq!(frame(1, 64, 48, 70), a);
        assert_eq!(&a[..2], &[0xff, 0xd8]);
        assert_eq!(frame_index(&a), Some(1));
        assert_eq!(frame_index(&b), Some(2));
    }

    #[test]
    fn patched_frames_have_the_size_index_and_stamp_and_decode() {
        for size in [100, 10_000, 60_000, 65_600, 131_075, 200_000] {
            let p = Patched::new(160, 120, 70, size);
            let f = p.frame(123_456, Some(1_700_000_000_123_456));
            let picture = frame(0, 160, 120, 70).len();
            if size > picture + 100 {
                assert_eq!(f.len(), size);
            } else {
                assert!(f.len() < picture + 100, "{} bytes for {size}", f.len());
            }
            assert_eq!(frame_index(&f), Some(123_456));
            assert_eq!(frame_stamp(&f), Some(1_700_000_000_123_456));
            assert_ne!(f, p.frame(123_457, Some(1_700_000_000_123_456)));
            let mut d = jpeg_decoder::Decoder::new(&f[..]);
            d.decode().expect("a valid JPEG");
            assert_eq!(d.info().map(|i| (i.width, i.height)), Some((160, 120)));
        }
        assert_eq!(
            frame_stamp(&Patched::new(64, 48, 50, 5000).frame(1, None)),
            None
        );
        assert_eq!(frame_stamp(&frame(1, 64, 48, 70)), None);
    }
}
