//! The picture size of video payloads: a JPEG's start-of-frame segment, the sequence
//! parameter set of an H.264 or H.265 key frame. Pure functions that never panic on hostile
//! input.

use crate::proto::av::Codec;

/// The picture size of a video payload (JPEG SOF, H.264 or H.265 SPS).
pub fn picture_size(codec: Codec, data: &[u8]) -> Option<(u16, u16)> {
    match codec {
        Codec::Mjpeg => jpeg_size(data),
        Codec::H264 => nal_units(data)
            .find(|n| n.first().is_some_and(|b| b & 0x1f == 7))
            .and_then(|n| h264_sps_size(&unescape(n.get(1..)?))),
        Codec::H265 => nal_units(data)
            .find(|n| n.first().is_some_and(|b| (b >> 1) & 0x3f == 33))
            .and_then(|n| h265_sps_size(&unescape(n.get(2..)?))),
        _ => None,
    }
}

/// The size in a JPEG's start-of-frame segment.
pub fn jpeg_size(data: &[u8]) -> Option<(u16, u16)> {
    if !data.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let mut i = 2;
    while i + 4 <= data.len() {
        if data[i] != 0xff {
            return None;
        }
        let m = data[i + 1];
        if m == 0xff {
            i += 1; // fill byte
            continue;
        }
        if m == 0x01 || (0xd0..=0xd9).contains(&m) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
        if matches!(m, 0xc0..=0xcf) && !matches!(m, 0xc4 | 0xc8 | 0xcc) {
            let seg = data.get(i + 4..i + 9)?;
            let h = u16::from_be_bytes([seg[1], seg[2]]);
            let w = u16::from_be_bytes([seg[3], seg[4]]);
            return Some((w, h));
        }
        if m == 0xda || len < 2 {
            return None; // scan data without a SOF first
        }
        i = i.checked_add(2 + len)?;
    }
    None
}

/// The NAL units (header included, start code excluded) of an Annex-B byte stream.
pub fn nal_units(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let mut end = starts.get(k + 1).map_or(data.len(), |&n| n - 3);
        while end > s && data[end - 1] == 0 {
            end -= 1; // zero_byte of a 4-byte start code, trailing zeros
        }
        out.push(&data[s..end]);
    }
    out.into_iter()
}

/// Removes emulation-prevention bytes (`00 00 03` → `00 00`).
fn unescape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut zeros = 0;
    for &x in b {
        if zeros >= 2 && x == 3 {
            zeros = 0;
            continue;
        }
        zeros = if x == 0 { zeros + 1 } else { 0 };
        out.push(x);
    }
    out
}

/// Reads bits most-significant first; every read fails cleanly past the end.
struct BitReader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn u(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.b.get(self.pos / 8)?;
            v = (v << 1) | u32::from((byte >> (7 - self.pos % 8)) & 1);
            self.pos += 1;
        }
        Some(v)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.pos = self.pos.checked_add(n)?;
        (self.pos <= self.b.len().saturating_mul(8)).then_some(())
    }

    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.u(1)? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        Some(((1u64 << zeros) - 1 + u64::from(self.u(zeros)?)).min(u64::from(u32::MAX)) as u32)
    }

    /// A cropping flag and, when set, the left, right, top and bottom offsets (all 0 when
    /// not), as H.264 and H.265 SPSs both write them.
    fn crop_window(&mut self) -> Option<(i64, i64, i64, i64)> {
        if self.u(1)? == 0 {
            return Some((0, 0, 0, 0));
        }
        let l = i64::from(self.ue()?);
        let r = i64::from(self.ue()?);
        let t = i64::from(self.ue()?);
        let b = i64::from(self.ue()?);
        Some((l, r, t, b))
    }

    /// A signed Exp-Golomb value, in `i64` so that no value of the 32-bit code overflows
    /// whatever is done with it next.
    fn se(&mut self) -> Option<i64> {
        let k = i64::from(self.ue()?);
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }
}

/// SubWidthC and SubHeightC of a `chroma_format_idc` (shared by H.264 and H.265).
fn chroma_subsampling(chroma: u32) -> (i64, i64) {
    match chroma {
        1 => (2, 2),
        2 => (2, 1),
        _ => (1, 1),
    }
}

/// `full - sub * (a + b)`: a dimension less its cropping offsets, None when the arithmetic
/// overflows (offsets are whatever a camera wrote).
fn cropped(full: i64, sub: i64, a: i64, b: i64) -> Option<i64> {
    full.checked_sub(sub.checked_mul(a.checked_add(b)?)?)
}

/// Reads one `scaling_list()` of `size` coefficients, only to move past it. `delta_scale` is
/// meant to be −128..=127 but is taken as written; the arithmetic is done modulo 256 in `i64`
/// so that no value overflows.
fn skip_scaling_list(r: &mut BitReader<'_>, size: usize) -> Option<()> {
    let (mut last, mut next) = (8i64, 8i64);
    for _ in 0..size {
        if next != 0 {
            next = (last + r.se()?).rem_euclid(256);
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
}

fn to_size(w: i64, h: i64) -> Option<(u16, u16)> {
    let ok = |v: i64| (1..=i64::from(u16::MAX)).contains(&v);
    (ok(w) && ok(h)).then_some((w as u16, h as u16))
}

/// The picture size in an H.264 SPS (RBSP after the NAL header byte).
fn h264_sps_size(rbsp: &[u8]) -> Option<(u16, u16)> {
    let mut r = BitReader { b: rbsp, pos: 0 };
    let profile = r.u(8)?;
    r.u(16)?; // constraint flags, level
    r.ue()?; // seq_parameter_set_id
    let mut chroma = 1;
    if matches!(
        profile,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        chroma = r.ue()?;
        if chroma == 3 {
            r.u(1)?; // separate_colour_plane_flag
        }
        r.ue()?; // bit_depth_luma_minus8
        r.ue()?; // bit_depth_chroma_minus8
        r.u(1)?; // qpprime_y_zero_transform_bypass_flag
        if r.u(1)? == 1 {
            for i in 0..if chroma == 3 { 12 } else { 8 } {
                if r.u(1)? == 1 {
                    skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    r.ue()?; // log2_max_frame_num_minus4
    match r.ue()? {
        0 => {
            r.ue()?;
        }
        1 => {
            r.u(1)?;
            r.se()?;
            r.se()?;
            for _ in 0..r.ue()?.min(255) {
                r.se()?;
            }
        }
        _ => {}
    }
    r.ue()?; // max_num_ref_frames
    r.u(1)?; // gaps_in_frame_num_value_allowed_flag
    let w_mbs = i64::from(r.ue()?) + 1;
    let h_units = i64::from(r.ue()?) + 1;
    let frame_mbs_only = i64::from(r.u(1)?);
    if frame_mbs_only == 0 {
        r.u(1)?; // mb_adaptive_frame_field_flag
    }
    r.u(1)?; // direct_8x8_inference_flag
    let (l, rt, t, b) = r.crop_window()?;
    let (sub_w, sub_h) = chroma_subsampling(chroma);
    let (cx, cy) = if chroma == 0 {
        (1, 2 - frame_mbs_only)
    } else {
        (sub_w, sub_h * (2 - frame_mbs_only))
    };
    let height = (2 - frame_mbs_only).checked_mul(h_units)?.checked_mul(16)?;
    to_size(
        cropped(w_mbs.checked_mul(16)?, cx, l, rt)?,
        cropped(height, cy, t, b)?,
    )
}

/// The picture size in an H.265 SPS (RBSP after the 2-byte NAL header).
fn h265_sps_size(rbsp: &[u8]) -> Option<(u16, u16)> {
    let mut r = BitReader { b: rbsp, pos: 0 };
    r.u(4)?; // sps_video_parameter_set_id
    let sub_layers = r.u(3)? as usize; // sps_max_sub_layers_minus1
    r.u(1)?; // sps_temporal_id_nesting_flag
    r.skip(96)?; // general profile (88 bits) and level (8 bits)
    let mut present = Vec::new();
    for _ in 0..sub_layers {
        present.push((r.u(1)?, r.u(1)?));
    }
    if sub_layers > 0 {
        r.skip(2 * (8 - sub_layers))?;
    }
    for (profile, level) in present {
        r.skip(88 * profile as usize + 8 * level as usize)?;
    }
    r.ue()?; // sps_seq_parameter_set_id
    let chroma = r.ue()?;
    if chroma == 3 {
        r.u(1)?;
    }
    let w = i64::from(r.ue()?);
    let h = i64::from(r.ue()?);
    let (l, rt, t, b) = r.crop_window()?;
    let (sw, sh) = chroma_subsampling(chroma);
    to_size(cropped(w, sw, l, rt)?, cropped(h, sh, t, b)?)
}

#[cfg(all(test, feature = "sim"))]
mod tests {
    use super::*;
    use crate::sim::video::{self, Bits, FrameSpec};

    #[test]
    fn sizes_of_generated_streams() {
        for (w, h) in [(96, 64), (320, 240), (100, 50), (1920, 1080)] {
            let spec = FrameSpec {
                index: 1,
                gop_pos: 0,
                key_count: 0,
                width: w,
                height: h,
            };
            assert_eq!(
                picture_size(Codec::H264, &video::h264_sps(w, h)),
                Some((w, h))
            );
            assert_eq!(
                picture_size(Codec::H265, &video::h265_access_unit(&spec)),
                Some((w, h))
            );
            let jpeg = crate::sim::jpeg::frame(1, w, h, 50);
            assert_eq!(jpeg_size(&jpeg), Some((w, h)));
        }
        let p = video::h264_access_unit(&FrameSpec {
            index: 1,
            gop_pos: 3,
            key_count: 0,
            width: 96,
            height: 64,
        });
        assert_eq!(picture_size(Codec::H264, &p), None);
    }

    #[test]
    fn real_world_sps() {
        // A 1280×720 High-profile SPS as cameras send it.
        let sps = [
            0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10,
            0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60,
        ];
        assert_eq!(picture_size(Codec::H264, &sps), Some((1280, 720)));
        // Garbage never panics.
        for n in 0..sps.len() {
            let _ = picture_size(Codec::H264, &sps[..n]);
            let _ = picture_size(Codec::H265, &sps[..n]);
            let _ = jpeg_size(&sps[..n]);
        }
    }

    /// A cropping / conformance window flag and its four offsets (raw codes), as both SPSs
    /// write them.
    fn write_crop(b: &mut Bits, crop: Option<[u32; 4]>) {
        b.bit(crop.is_some());
        for v in crop.into_iter().flatten() {
            b.ue(v);
        }
    }

    /// An H.264 High-profile SPS: scaling list 0 present with `deltas` (raw Exp-Golomb codes of
    /// `delta_scale`), POC type 2, a `w_mbs`×`h_mbs` macroblock picture (minus-1 values as
    /// written) and optional cropping offsets (raw codes).
    fn high_sps(deltas: &[u32], w_mbs: u32, h_mbs: u32, crop: Option<[u32; 4]>) -> Vec<u8> {
        let mut b = Bits::default();
        b.u(8, 100); // profile_idc: High
        b.u(8, 0);
        b.u(8, 31);
        b.ue(0); // seq_parameter_set_id
        b.ue(1); // chroma_format_idc 4:2:0
        b.ue(0); // bit_depth_luma_minus8
        b.ue(0); // bit_depth_chroma_minus8
        b.bit(false); // qpprime_y_zero_transform_bypass_flag
        b.bit(true); // seq_scaling_matrix_present_flag
        b.bit(true); // seq_scaling_list_present_flag[0]
        for &d in deltas {
            b.ue(d);
        }
        for _ in 1..8 {
            b.bit(false); // lists 1-7 absent
        }
        b.ue(0); // log2_max_frame_num_minus4
        b.ue(2); // pic_order_cnt_type
        b.ue(1); // max_num_ref_frames
        b.bit(false); // gaps_in_frame_num_value_allowed_flag
        b.ue(w_mbs);
        b.ue(h_mbs);
        b.bit(true); // frame_mbs_only_flag
        b.bit(true); // direct_8x8_inference_flag
        write_crop(&mut b, crop);
        b.bit(false); // vui_parameters_present_flag
        let mut au = Vec::new();
        video::push_nal(&mut au, &[0x67], &b.trailing());
        au
    }

    /// An H.265 SPS up to its conformance window: `w`×`h` luma samples and optional offsets
    /// (all raw Exp-Golomb codes).
    fn hevc_sps(w: u32, h: u32, crop: Option<[u32; 4]>) -> Vec<u8> {
        let mut b = Bits::default();
        b.u(4, 0); // sps_video_parameter_set_id
        b.u(3, 0); // sps_max_sub_layers_minus1
        b.bit(true); // sps_temporal_id_nesting_flag
        video::h265_ptl(&mut b);
        b.ue(0); // sps_seq_parameter_set_id
        b.ue(1); // chroma_format_idc 4:2:0
        b.ue(w);
        b.ue(h);
        write_crop(&mut b, crop);
        let mut au = Vec::new();
        video::push_nal(&mut au, &[0x42, 0x01], &b.trailing());
        au
    }

    /// The largest Exp-Golomb code the reader takes (31 leading zeros): as `se`, +2^31 - 1
    /// when odd, -(2^31 - 1) when even.
    const UE_MAX: u32 = u32::MAX - 1;

    #[test]
    fn extreme_scaling_list_deltas_do_not_overflow() {
        // A delta_scale of ±(2^31 - 1) overflowed `last + delta + 256` in i32 (a panic in debug
        // builds). Taken modulo 256 as the specification's formula does, the list is read to
        // its end and the picture size after it comes out right.
        for first in [UE_MAX, UE_MAX - 1, UE_MAX - 2, 255, 256] {
            // None of these makes next_scale 0: the 15 other coefficients follow (delta 0).
            let mut deltas = vec![first];
            deltas.extend([0; 15]);
            let sps = high_sps(&deltas, 39, 29, None);
            assert_eq!(
                picture_size(Codec::H264, &sps),
                Some((640, 480)),
                "first delta code {first}"
            );
        }
        // Ordinary deltas still parse (the list ends early when next_scale becomes 0).
        let ordinary = high_sps(&[2 * 8], 79, 44, None); // delta -8: next_scale 0
        assert_eq!(picture_size(Codec::H264, &ordinary), Some((1280, 720)));
    }

    #[test]
    fn extreme_h264_sizes_and_crops_are_refused_not_wrapped() {
        for (w, h, crop) in [
            (UE_MAX, 29, None),
            (39, UE_MAX, None),
            (UE_MAX, UE_MAX, Some([UE_MAX; 4])),
            (39, 29, Some([UE_MAX, UE_MAX, 0, 0])),
            (39, 29, Some([0, 0, UE_MAX, UE_MAX])),
            (39, 29, Some([320, 0, 0, 0])), // cropped to nothing
            (4095, 29, None),               // 65536 wide: one more than fits
        ] {
            let sps = high_sps(&[16], w, h, crop);
            assert_eq!(picture_size(Codec::H264, &sps), None, "{w} {h} {crop:?}");
        }
        // The widest picture that fits.
        assert_eq!(
            picture_size(Codec::H264, &high_sps(&[16], 4095, 29, Some([0, 8, 0, 0]))),
            Some((65520, 480))
        );
    }

    #[test]
    fn extreme_h265_sizes_and_crops_are_refused_not_wrapped() {
        assert_eq!(
            picture_size(Codec::H265, &hevc_sps(640, 480, None)),
            Some((640, 480))
        );
        for (w, h, crop) in [
            (UE_MAX, 480, None),
            (640, UE_MAX, None),
            (UE_MAX, UE_MAX, Some([UE_MAX; 4])),
            (640, 480, Some([UE_MAX, UE_MAX, 0, 0])),
            (640, 480, Some([0, 0, UE_MAX, UE_MAX])),
            (65536, 480, None),
            (0, 480, None),
        ] {
            let sps = hevc_sps(w, h, crop);
            assert_eq!(picture_size(Codec::H265, &sps), None, "{w} {h} {crop:?}");
        }
    }

    #[test]
    fn hostile_jpeg_segments_are_refused() {
        let sof = |len: u16, body: &[u8]| {
            let mut v = vec![0xff, 0xd8, 0xff, 0xc0];
            v.extend(len.to_be_bytes());
            v.extend_from_slice(body);
            v
        };
        assert_eq!(jpeg_size(&sof(17, &[8, 0, 48, 0, 64, 3])), Some((64, 48)));
        for data in [
            sof(0xffff, &[8, 0, 48]), // truncated SOF
            sof(0, &[]),              // no room for the fields
            [&[0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff][..], &[0; 8]].concat(), // APP0 past the end
            [&[0xff, 0xd8][..], &[0xff; 4096]].concat(), // fill bytes only
            vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0xff, 0xc0], // length below 2
        ] {
            assert_eq!(jpeg_size(&data), None, "{data:02x?}");
        }
    }
}
