//! Deterministic H.264 and H.265 access units for the fake camera (Annex-B byte streams).
//!
//! * **H.264** (Baseline profile, CAVLC) is fully decodable: key frames are an SPS, a PPS and an
//!   IDR slice whose macroblocks are all `I_PCM` (raw samples, so no transform coding is
//!   needed) showing a gradient that scrolls with the frame index; P frames skip every
//!   macroblock except one `I_PCM` block that walks across the picture. ffmpeg and browsers
//!   decode the result.
//! * **H.265** is syntactically valid at the NAL level: real VPS, SPS and PPS (Main profile),
//!   IDR_W_RADL / TRAIL_R slices with a correct slice segment header, followed by deterministic
//!   filler instead of CABAC-coded picture data. Parsers, muxers, key-frame detection and the
//!   dimension probe all work on it; a decoder shows garbage.
//!
//! The same arguments always produce the same bytes, so tests can rebuild and compare frames.

/// Writes bits most-significant first, with the Exp-Golomb codes of H.264/H.265 (public for
/// tests and fuzzing inputs that build parameter sets field by field).
#[derive(Debug, Default)]
pub struct Bits {
    out: Vec<u8>,
    cur: u8,
    n: u8,
}

impl Bits {
    /// One bit.
    pub fn bit(&mut self, b: bool) {
        self.cur = (self.cur << 1) | u8::from(b);
        self.n += 1;
        if self.n == 8 {
            self.out.push(self.cur);
            self.cur = 0;
            self.n = 0;
        }
    }

    /// `u(bits)`: the low `bits` bits of `v`.
    pub fn u(&mut self, bits: u32, v: u64) {
        for i in (0..bits).rev() {
            self.bit((v >> i) & 1 == 1);
        }
    }

    /// `ue(v)`: unsigned Exp-Golomb (`u32::MAX` takes 32 leading zeros, one more than
    /// decoders accept).
    pub fn ue(&mut self, v: u32) {
        let x = u64::from(v) + 1;
        let len = 64 - x.leading_zeros();
        self.u(len - 1, 0);
        self.u(len, x);
    }

    /// `se(v)`: signed Exp-Golomb, for |v| < 2^30.
    pub fn se(&mut self, v: i32) {
        let m = if v > 0 {
            (2 * v - 1) as u32
        } else {
            (-2 * v) as u32
        };
        self.ue(m);
    }

    fn aligned(&self) -> bool {
        self.n == 0
    }

    fn align_zero(&mut self) {
        while !self.aligned() {
            self.bit(false);
        }
    }

    fn byte(&mut self, b: u8) {
        debug_assert!(self.aligned());
        self.out.push(b);
    }

    /// `rbsp_trailing_bits`: a one bit, then zeros to the byte boundary; returns the RBSP.
    pub fn trailing(mut self) -> Vec<u8> {
        self.bit(true);
        self.align_zero();
        self.out
    }
}

/// Appends a start code and the NAL unit `header · rbsp` with emulation prevention.
pub fn push_nal(au: &mut Vec<u8>, header: &[u8], rbsp: &[u8]) {
    au.extend_from_slice(&[0, 0, 0, 1]);
    au.extend_from_slice(header);
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            au.push(3);
            zeros = 0;
        }
        au.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
}

/// What to encode: the frame's place in the stream and its picture size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameSpec {
    /// The camera's frame counter (drives the picture content).
    pub index: u32,
    /// Position in the group of pictures: 0 is a key frame (parameter sets + IDR).
    pub gop_pos: u32,
    /// Number of key frames before this one (IDR ids alternate with it).
    pub key_count: u32,
    /// Picture width in pixels.
    pub width: u16,
    /// Picture height in pixels.
    pub height: u16,
}

impl FrameSpec {
    /// True for a key frame.
    pub fn is_key(&self) -> bool {
        self.gop_pos == 0
    }
}

/// Luma value of the test gradient at (x, y) for frame `index`; kept inside 16..=235.
fn luma(x: usize, y: usize, index: u32) -> u8 {
    (16 + (x + y + index as usize * 4) % 220) as u8
}

/// H.264 SPS (Baseline, POC type 2, one reference frame) for a `w`×`h` picture.
pub fn h264_sps(w: u16, h: u16) -> Vec<u8> {
    let (mbw, mbh) = (u32::from(w).div_ceil(16), u32::from(h).div_ceil(16));
    let mut b = Bits::default();
    b.u(8, 66); // profile_idc: Baseline
    b.u(8, 0xc0); // constraint_set0/1
    b.u(8, 30); // level 3.0
    b.ue(0); // seq_parameter_set_id
    b.ue(0); // log2_max_frame_num_minus4 → frame_num is 4 bits
    b.ue(2); // pic_order_cnt_type
    b.ue(1); // max_num_ref_frames
    b.bit(false); // gaps_in_frame_num_value_allowed_flag
    b.ue(mbw - 1);
    b.ue(mbh - 1);
    b.bit(true); // frame_mbs_only_flag
    b.bit(true); // direct_8x8_inference_flag
    let (cr, cb) = (mbw * 16 - u32::from(w), mbh * 16 - u32::from(h));
    if cr > 0 || cb > 0 {
        b.bit(true); // frame_cropping_flag (offsets in units of 2 for 4:2:0)
        b.ue(0);
        b.ue(cr / 2);
        b.ue(0);
        b.ue(cb / 2);
    } else {
        b.bit(false);
    }
    b.bit(false); // vui_parameters_present_flag
    let mut au = Vec::new();
    push_nal(&mut au, &[0x67], &b.trailing());
    au
}

fn h264_pps() -> Vec<u8> {
    let mut b = Bits::default();
    b.ue(0); // pic_parameter_set_id
    b.ue(0); // seq_parameter_set_id
    b.bit(false); // entropy_coding_mode_flag: CAVLC
    b.bit(false); // bottom_field_pic_order_in_frame_present_flag
    b.ue(0); // num_slice_groups_minus1
    b.ue(0); // num_ref_idx_l0_default_active_minus1
    b.ue(0); // num_ref_idx_l1_default_active_minus1
    b.bit(false); // weighted_pred_flag
    b.u(2, 0); // weighted_bipred_idc
    b.se(0); // pic_init_qp_minus26
    b.se(0); // pic_init_qs_minus26
    b.se(0); // chroma_qp_index_offset
    b.bit(true); // deblocking_filter_control_present_flag
    b.bit(false); // constrained_intra_pred_flag
    b.bit(false); // redundant_pic_cnt_present_flag
    let mut au = Vec::new();
    push_nal(&mut au, &[0x68], &b.trailing());
    au
}

/// One `I_PCM` macroblock's samples: 256 luma, 64 Cb, 64 Cr.
fn pcm_macroblock(b: &mut Bits, mx: usize, my: usize, index: u32, tint: u8) {
    b.align_zero(); // pcm_alignment_zero_bit
    for y in 0..16 {
        for x in 0..16 {
            b.byte(luma(mx * 16 + x, my * 16 + y, index));
        }
    }
    for _ in 0..64 {
        b.byte(128);
    }
    for _ in 0..64 {
        b.byte(tint);
    }
}

/// One H.264 access unit (Annex-B) for `spec`.
pub fn h264_access_unit(spec: &FrameSpec) -> Vec<u8> {
    let (mbw, mbh) = (
        usize::from(spec.width).div_ceil(16),
        usize::from(spec.height).div_ceil(16),
    );
    let mbs = (mbw * mbh) as u32;
    let mut au = Vec::new();
    let mut b = Bits::default();
    if spec.is_key() {
        au.extend(h264_sps(spec.width, spec.height));
        au.extend(h264_pps());
        b.ue(0); // first_mb_in_slice
        b.ue(7); // slice_type: I (all slices)
        b.ue(0); // pic_parameter_set_id
        b.u(4, 0); // frame_num
        b.ue(spec.key_count & 1); // idr_pic_id
        b.bit(false); // no_output_of_prior_pics_flag
        b.bit(false); // long_term_reference_flag
        b.se(0); // slice_qp_delta
        b.ue(1); // disable_deblocking_filter_idc
        for my in 0..mbh {
            for mx in 0..mbw {
                b.ue(25); // mb_type I_PCM
                pcm_macroblock(&mut b, mx, my, spec.index, 128);
            }
        }
        push_nal(&mut au, &[0x65], &b.trailing());
    } else {
        b.ue(0); // first_mb_in_slice
        b.ue(5); // slice_type: P (all slices)
        b.ue(0); // pic_parameter_set_id
        b.u(4, u64::from(spec.gop_pos % 16)); // frame_num
        b.bit(false); // num_ref_idx_active_override_flag
        b.bit(false); // ref_pic_list_modification_flag_l0
        b.bit(false); // adaptive_ref_pic_marking_mode_flag
        b.se(0); // slice_qp_delta
        b.ue(1); // disable_deblocking_filter_idc
                 // Skip up to one moving macroblock, code it as I_PCM, skip the rest.
        let moving = spec.gop_pos % mbs;
        b.ue(moving); // mb_skip_run
        b.ue(5 + 25); // mb_type I_PCM in a P slice
        let (mx, my) = ((moving as usize) % mbw, (moving as usize) / mbw);
        pcm_macroblock(&mut b, mx, my, spec.index, 200);
        let rest = mbs - moving - 1;
        if rest > 0 {
            b.ue(rest); // mb_skip_run to the end of the picture
        }
        push_nal(&mut au, &[0x41], &b.trailing());
    }
    au
}

/// H.265 `profile_tier_level(1, 0)`: Main profile, level 3.1.
pub(crate) fn h265_ptl(b: &mut Bits) {
    b.u(2, 0); // general_profile_space
    b.bit(false); // general_tier_flag
    b.u(5, 1); // general_profile_idc: Main
    b.u(32, 0x6000_0000); // compatibility flags 1 and 2
    b.bit(true); // progressive_source_flag
    b.bit(false); // interlaced_source_flag
    b.bit(false); // non_packed_constraint_flag
    b.bit(true); // frame_only_constraint_flag
    b.u(44, 0); // reserved / inbld
    b.u(8, 93); // general_level_idc
}

fn h265_vps() -> Vec<u8> {
    let mut b = Bits::default();
    b.u(4, 0); // vps_video_parameter_set_id
    b.bit(true); // vps_base_layer_internal_flag
    b.bit(true); // vps_base_layer_available_flag
    b.u(6, 0); // vps_max_layers_minus1
    b.u(3, 0); // vps_max_sub_layers_minus1
    b.bit(true); // vps_temporal_id_nesting_flag
    b.u(16, 0xffff);
    h265_ptl(&mut b);
    b.bit(true); // vps_sub_layer_ordering_info_present_flag
    b.ue(1);
    b.ue(0);
    b.ue(0);
    b.u(6, 0); // vps_max_layer_id
    b.ue(0); // vps_num_layer_sets_minus1
    b.bit(false); // vps_timing_info_present_flag
    b.bit(false); // vps_extension_flag
    let mut au = Vec::new();
    push_nal(&mut au, &[0x40, 0x01], &b.trailing());
    au
}

/// H.265 SPS (Main, 4:2:0, 8 bit) for a `w`×`h` picture.
pub fn h265_sps(w: u16, h: u16) -> Vec<u8> {
    let (aw, ah) = (u32::from(w).div_ceil(8) * 8, u32::from(h).div_ceil(8) * 8);
    let mut b = Bits::default();
    b.u(4, 0); // sps_video_parameter_set_id
    b.u(3, 0); // sps_max_sub_layers_minus1
    b.bit(true); // sps_temporal_id_nesting_flag
    h265_ptl(&mut b);
    b.ue(0); // sps_seq_parameter_set_id
    b.ue(1); // chroma_format_idc 4:2:0
    b.ue(aw);
    b.ue(ah);
    if aw != u32::from(w) || ah != u32::from(h) {
        b.bit(true); // conformance_window_flag (units of 2 for 4:2:0)
        b.ue(0);
        b.ue((aw - u32::from(w)) / 2);
        b.ue(0);
        b.ue((ah - u32::from(h)) / 2);
    } else {
        b.bit(false);
    }
    b.ue(0); // bit_depth_luma_minus8
    b.ue(0); // bit_depth_chroma_minus8
    b.ue(4); // log2_max_pic_order_cnt_lsb_minus4 → 8 bits
    b.bit(true); // sps_sub_layer_ordering_info_present_flag
    b.ue(1);
    b.ue(0);
    b.ue(0);
    b.ue(0); // log2_min_luma_coding_block_size_minus3
    b.ue(1); // log2_diff_max_min_luma_coding_block_size
    b.ue(0); // log2_min_luma_transform_block_size_minus2
    b.ue(2); // log2_diff_max_min_luma_transform_block_size
    b.ue(0); // max_transform_hierarchy_depth_inter
    b.ue(0); // max_transform_hierarchy_depth_intra
    b.bit(false); // scaling_list_enabled_flag
    b.bit(false); // amp_enabled_flag
    b.bit(false); // sample_adaptive_offset_enabled_flag
    b.bit(false); // pcm_enabled_flag
    b.ue(0); // num_short_term_ref_pic_sets
    b.bit(false); // long_term_ref_pics_present_flag
    b.bit(false); // sps_temporal_mvp_enabled_flag
    b.bit(false); // strong_intra_smoothing_enabled_flag
    b.bit(false); // vui_parameters_present_flag
    b.bit(false); // sps_extension_present_flag
    let mut au = Vec::new();
    push_nal(&mut au, &[0x42, 0x01], &b.trailing());
    au
}

fn h265_pps() -> Vec<u8> {
    let mut b = Bits::default();
    b.ue(0); // pps_pic_parameter_set_id
    b.ue(0); // pps_seq_parameter_set_id
    b.bit(false); // dependent_slice_segments_enabled_flag
    b.bit(false); // output_flag_present_flag
    b.u(3, 0); // num_extra_slice_header_bits
    b.bit(false); // sign_data_hiding_enabled_flag
    b.bit(false); // cabac_init_present_flag
    b.ue(0); // num_ref_idx_l0_default_active_minus1
    b.ue(0); // num_ref_idx_l1_default_active_minus1
    b.se(0); // init_qp_minus26
    b.bit(false); // constrained_intra_pred_flag
    b.bit(false); // transform_skip_enabled_flag
    b.bit(false); // cu_qp_delta_enabled_flag
    b.se(0); // pps_cb_qp_offset
    b.se(0); // pps_cr_qp_offset
    b.bit(false); // pps_slice_chroma_qp_offsets_present_flag
    b.bit(false); // weighted_pred_flag
    b.bit(false); // weighted_bipred_flag
    b.bit(false); // transquant_bypass_enabled_flag
    b.bit(false); // tiles_enabled_flag
    b.bit(false); // entropy_coding_sync_enabled_flag
    b.bit(false); // pps_loop_filter_across_slices_enabled_flag
    b.bit(false); // deblocking_filter_control_present_flag
    b.bit(false); // pps_scaling_list_data_present_flag
    b.bit(false); // lists_modification_present_flag
    b.ue(0); // log2_parallel_merge_level_minus2
    b.bit(false); // slice_segment_header_extension_present_flag
    b.bit(false); // pps_extension_present_flag
    let mut au = Vec::new();
    push_nal(&mut au, &[0x44, 0x01], &b.trailing());
    au
}

/// One H.265 access unit (Annex-B) for `spec`.
pub fn h265_access_unit(spec: &FrameSpec) -> Vec<u8> {
    let mut au = Vec::new();
    let mut b = Bits::default();
    b.bit(true); // first_slice_segment_in_pic_flag
    let header: [u8; 2] = if spec.is_key() {
        au.extend(h265_vps());
        au.extend(h265_sps(spec.width, spec.height));
        au.extend(h265_pps());
        b.bit(false); // no_output_of_prior_pics_flag
        b.ue(0); // slice_pic_parameter_set_id
        b.ue(2); // slice_type I
        [0x26, 0x01] // IDR_W_RADL
    } else {
        b.ue(0); // slice_pic_parameter_set_id
        b.ue(1); // slice_type P
        b.u(8, u64::from(spec.gop_pos % 256)); // slice_pic_order_cnt_lsb
        b.bit(false); // short_term_ref_pic_set_sps_flag: one set, inline
        b.ue(1); // num_negative_pics
        b.ue(0); // num_positive_pics
        b.ue(0); // delta_poc_s0_minus1
        b.bit(true); // used_by_curr_pic_s0_flag
        b.bit(false); // num_ref_idx_active_override_flag
        b.ue(0); // five_minus_max_num_merge_cand
        [0x02, 0x01] // TRAIL_R
    };
    b.se(0); // slice_qp_delta
    b.bit(true); // byte_alignment(): alignment_bit_equal_to_one
    b.align_zero();
    // Deterministic stand-in for the CABAC picture data, sized like a real frame would be.
    let len = if spec.is_key() {
        usize::from(spec.width) * usize::from(spec.height) / 8
    } else {
        usize::from(spec.width) * usize::from(spec.height) / 64
    };
    let mut x = spec.index.wrapping_mul(0x9e37_79b9) | 1;
    for _ in 0..len.max(16) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b.byte((x >> 24) as u8);
    }
    push_nal(&mut au, &header, &b.trailing());
    au
}

/// The access units of an Annex-B H.264 file (a real encoder's output, e.g. x264 through
/// ffmpeg), for the fake camera to send in a loop instead of its own pictures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct H264File {
    /// `(access unit with its start codes, is a key frame)` in decoding order.
    units: Vec<(Vec<u8>, bool)>,
}

/// Why an Annex-B file cannot be streamed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum H264FileError {
    /// No slice NAL unit was found.
    #[error("no H.264 picture found (expected an Annex-B byte stream with 00 00 01 start codes)")]
    NoPictures,
    /// The stream does not start with a key frame somewhere.
    #[error("the stream has no IDR picture to start from")]
    NoKeyFrame,
    /// An access unit does not fit one AV record.
    #[error("access unit {index} is {len} bytes; at most {max} fit")]
    TooLarge {
        /// Its position.
        index: usize,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// The largest access unit accepted (the controller's frame limit is larger).
const MAX_ACCESS_UNIT: usize = 2 * 1024 * 1024;

impl H264File {
    /// Splits an Annex-B byte stream into access units (a new one starts at an access unit
    /// delimiter, SEI or parameter set after a picture, or at a slice with
    /// `first_mb_in_slice == 0`). Data before the first IDR picture is dropped, so the loop
    /// always starts with a key frame.
    pub fn parse(data: &[u8]) -> Result<H264File, H264FileError> {
        let mut starts = Vec::new();
        let mut i = 0;
        while i + 3 <= data.len() {
            if data[i..i + 3] == [0, 0, 1] {
                let begin = if i > 0 && data[i - 1] == 0 { i - 1 } else { i };
                starts.push((begin, i + 3));
                i += 3;
            } else {
                i += 1;
            }
        }
        let mut units: Vec<(Vec<u8>, bool)> = Vec::new();
        let mut cur: Vec<u8> = Vec::new();
        let (mut has_slice, mut key) = (false, false);
        for (k, &(begin, body)) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map_or(data.len(), |n| n.0);
            let Some(&header) = data.get(body) else {
                continue;
            };
            let nal_type = header & 0x1f;
            let slice = matches!(nal_type, 1 | 5);
            let first_mb_zero = data.get(body + 1).is_some_and(|b| b & 0x80 != 0);
            let starts_unit = matches!(nal_type, 6..=9 | 14..=18) || (slice && first_mb_zero);
            if has_slice && starts_unit {
                units.push((std::mem::take(&mut cur), key));
                has_slice = false;
                key = false;
            }
            cur.extend_from_slice(&data[begin..end]);
            has_slice |= slice;
            key |= nal_type == 5;
        }
        if has_slice {
            units.push((cur, key));
        }
        if units.is_empty() {
            return Err(H264FileError::NoPictures);
        }
        let first_key = units
            .iter()
            .position(|u| u.1)
            .ok_or(H264FileError::NoKeyFrame)?;
        units.drain(..first_key);
        if let Some((index, u)) = units
            .iter()
            .enumerate()
            .find(|(_, u)| u.0.len() > MAX_ACCESS_UNIT)
        {
            return Err(H264FileError::TooLarge {
                index,
                len: u.0.len(),
                max: MAX_ACCESS_UNIT,
            });
        }
        Ok(H264File { units })
    }

    /// Number of access units (at least one).
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Always false: a parsed file has pictures.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Access unit `i` (modulo the length) and whether it is a key frame.
    pub fn unit(&self, i: usize) -> (&[u8], bool) {
        let (au, key) = &self.units[i % self.units.len()];
        (au, *key)
    }

    /// The first key frame at or after `i`, wrapping to the start (which is one).
    pub fn next_key(&self, i: usize) -> usize {
        (i..self.units.len())
            .find(|&k| self.units[k].1)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb() {
        let mut b = Bits::default();
        b.ue(0); // 1
        b.ue(1); // 010
        b.ue(4); // 00101
        b.se(-1); // ue(2) = 011
        assert_eq!(b.trailing(), vec![0b1010_0010, 0b1011_1000]);
    }

    #[test]
    fn emulation_prevention() {
        let mut au = Vec::new();
        push_nal(&mut au, &[0x65], &[0, 0, 1, 0, 0, 0, 5]);
        assert_eq!(au, vec![0, 0, 0, 1, 0x65, 0, 0, 3, 1, 0, 0, 3, 0, 5]);
    }

    #[test]
    fn annexb_file_splits_into_access_units() {
        let spec = |i: u32| FrameSpec {
            index: i,
            gop_pos: i % 3,
            key_count: i / 3,
            width: 32,
            height: 32,
        };
        // A stray P frame before the first key frame is dropped; an AUD starts a unit.
        let mut data = h264_access_unit(&spec(1));
        let mut expect = Vec::new();
        for i in 3..9 {
            let mut au = vec![0, 0, 0, 1, 0x09, 0xf0];
            au.extend(h264_access_unit(&spec(i)));
            expect.push((au.clone(), i % 3 == 0));
            data.extend(au);
        }
        let f = H264File::parse(&data).unwrap();
        assert_eq!(f.len(), 6);
        for (i, (au, key)) in expect.iter().enumerate() {
            assert_eq!(f.unit(i), (au.as_slice(), *key), "unit {i}");
        }
        assert_eq!(f.next_key(1), 3);
        assert_eq!(f.next_key(4), 0);
        // Without delimiters: slices with first_mb_in_slice == 0 start units.
        let plain: Vec<u8> = (0..4).flat_map(|i| h264_access_unit(&spec(i))).collect();
        assert_eq!(H264File::parse(&plain).unwrap().len(), 4);
        assert_eq!(
            H264File::parse(b"not video"),
            Err(H264FileError::NoPictures)
        );
        assert_eq!(
            H264File::parse(&h264_access_unit(&spec(1))),
            Err(H264FileError::NoKeyFrame)
        );
    }

    #[test]
    fn deterministic_and_key_structure() {
        let spec = FrameSpec {
            index: 3,
            gop_pos: 0,
            key_count: 0,
            width: 96,
            height: 64,
        };
        let a = h264_access_unit(&spec);
        assert_eq!(a, h264_access_unit(&spec));
        assert_eq!(&a[..5], &[0, 0, 0, 1, 0x67]);
        let p = h264_access_unit(&FrameSpec { gop_pos: 1, ..spec });
        assert_eq!(&p[..5], &[0, 0, 0, 1, 0x41]);
        let h = h265_access_unit(&spec);
        assert_eq!(&h[..6], &[0, 0, 0, 1, 0x40, 0x01]);
    }
}
