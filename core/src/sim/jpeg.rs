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

/// The frame index written into a JPEG by [`frame`], if present.
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
}
