//! H.264 → YUV420 planar, and YUV420 → RGB565, for `VideoData(h264Data=1)`,
//! `DecodeH264Frame`, `ResetDecodeH264` and `YUV4202RGB565`.
//!
//! The decoder is Cisco's OpenH264 (the `openh264` crate, built from source, so it cross-builds
//! for Android with cargo-ndk). OpenH264 documents Constrained Baseline; cameras send Main and
//! High profile (CABAC, 8×8 transforms, B frames): `tests/decode.rs` decodes x264 Main and High
//! streams with it and compares every picture with ffmpeg's decoding of the same file.

use openh264::formats::YUVSource;

/// A decoded picture: `width × height` luma, then the two quarter-size chroma planes, packed
/// without padding (`len = w*h*3/2` for even sizes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// I420: Y, U, V planes.
    pub yuv: Vec<u8>,
}

/// An H.264 decoder fed one access unit (Annex-B) at a time.
pub struct H264Decoder {
    inner: openh264::decoder::Decoder,
}

impl std::fmt::Debug for H264Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("H264Decoder")
    }
}

/// Why a picture could not be decoded.
#[derive(Debug)]
pub struct DecodeError(String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "H.264 decoding failed: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

impl H264Decoder {
    /// A new decoder.
    pub fn new() -> Result<H264Decoder, DecodeError> {
        // No flush after every access unit: with B frames a picture waits for the ones that
        // are shown before it (flushing it early breaks the reference order).
        let config = openh264::decoder::DecoderConfig::new()
            .flush_after_decode(openh264::decoder::Flush::NoFlush);
        let inner = openh264::decoder::Decoder::with_api_config(
            openh264::OpenH264API::from_source(),
            config,
        )
        .map_err(|e| DecodeError(e.to_string()))?;
        Ok(H264Decoder { inner })
    }

    /// Decodes one access unit; `Ok(None)` when it completes no picture yet.
    pub fn decode(&mut self, access_unit: &[u8]) -> Result<Option<Picture>, DecodeError> {
        let out = self
            .inner
            .decode(access_unit)
            .map_err(|e| DecodeError(e.to_string()))?;
        Ok(out.map(|yuv| pack(&yuv)))
    }

    /// Decodes one access unit and, when it completes no picture yet (the decoder holds
    /// pictures back for reordering), flushes the held ones and returns the last: one unit in,
    /// one picture out, as `DecodeH264Frame` callers expect.
    pub fn decode_now(&mut self, access_unit: &[u8]) -> Result<Option<Picture>, DecodeError> {
        if let Some(p) = self.decode(access_unit)? {
            return Ok(Some(p));
        }
        let held = self
            .inner
            .flush_remaining()
            .map_err(|e| DecodeError(e.to_string()))?;
        Ok(held.last().map(pack))
    }

    /// Forgets every reference picture (the next access unit must be a key frame).
    pub fn reset(&mut self) -> Result<(), DecodeError> {
        *self = H264Decoder::new()?;
        Ok(())
    }
}

/// Copies the planes of a decoded picture without their stride padding.
fn pack(src: &impl YUVSource) -> Picture {
    let (w, h) = src.dimensions();
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let (sy, su, sv) = src.strides();
    let mut yuv = Vec::with_capacity(w * h + 2 * cw * ch);
    for (plane, stride, pw, ph) in [
        (src.y(), sy, w, h),
        (src.u(), su, cw, ch),
        (src.v(), sv, cw, ch),
    ] {
        for row in 0..ph {
            yuv.extend_from_slice(&plane[row * stride..row * stride + pw]);
        }
    }
    Picture {
        width: w,
        height: h,
        yuv,
    }
}

/// Bytes of an I420 picture of `w × h`.
pub fn i420_len(w: usize, h: usize) -> usize {
    w * h + 2 * w.div_ceil(2) * h.div_ceil(2)
}

/// Converts an I420 picture to RGB565 (little-endian 16-bit pixels, as Android's
/// `Bitmap.Config.RGB_565` buffers hold them) with the BT.601 limited-range matrix the
/// cameras' encoders use. `None` when a buffer is too small for `w × h`.
pub fn i420_to_rgb565(yuv: &[u8], rgb: &mut [u8], w: usize, h: usize) -> Option<()> {
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    if w == 0 || h == 0 || yuv.len() < i420_len(w, h) || rgb.len() < w * h * 2 {
        return None;
    }
    let (y_plane, chroma) = yuv.split_at(w * h);
    let (u_plane, v_plane) = chroma.split_at(cw * ch);
    for row in 0..h {
        for col in 0..w {
            let y = i32::from(y_plane[row * w + col]) - 16;
            let c = (row / 2) * cw + col / 2;
            let u = i32::from(u_plane[c]) - 128;
            let v = i32::from(v_plane[c]) - 128;
            let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u16;
            let r = clamp(298 * y + 409 * v);
            let g = clamp(298 * y - 100 * u - 208 * v);
            let b = clamp(298 * y + 516 * u);
            let px = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
            let o = (row * w + col) * 2;
            rgb[o..o + 2].copy_from_slice(&px.to_le_bytes());
        }
    }
    let _ = ch;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb565_of_known_colours() {
        // 2×2 pictures of one colour each: Y, U, V of BT.601 limited range.
        for ((y, u, v), expect) in [
            ((16u8, 128u8, 128u8), 0x0000u16), // black
            ((235, 128, 128), 0xffff),         // white
            ((81, 90, 240), 0xf800),           // red
            ((145, 54, 34), 0x07e0),           // green
            ((41, 240, 110), 0x001f),          // blue
        ] {
            let yuv = [y, y, y, y, u, v];
            let mut rgb = [0u8; 8];
            i420_to_rgb565(&yuv, &mut rgb, 2, 2).unwrap();
            let px = u16::from_le_bytes([rgb[0], rgb[1]]);
            let close = |a: u16, b: u16, shift: u16, mask: u16| {
                ((a >> shift) & mask).abs_diff((b >> shift) & mask) <= 1
            };
            assert!(
                close(px, expect, 11, 31) && close(px, expect, 5, 63) && close(px, expect, 0, 31),
                "{y},{u},{v}: {px:#06x} != {expect:#06x}"
            );
        }
    }

    #[test]
    fn rgb565_checks_buffer_sizes() {
        let mut rgb = [0u8; 2 * 4 * 4];
        assert!(i420_to_rgb565(&[0; 23], &mut rgb, 4, 4).is_none());
        assert!(i420_to_rgb565(&[0; 24], &mut rgb[..31], 4, 4).is_none());
        assert!(i420_to_rgb565(&[0; 24], &mut rgb, 0, 4).is_none());
        assert!(i420_to_rgb565(&[0; 24], &mut rgb, 4, 4).is_some());
        assert_eq!(i420_len(3, 3), 9 + 2 * 4);
    }
}
