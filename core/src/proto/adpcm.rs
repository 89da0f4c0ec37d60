//! Audio codecs of the device audio and talk channels (docs/protocol.md §6.3–6.4).
//!
//! * 4-bit IMA/DVI ADPCM, mono, **high nibble first** (the first sample of a byte is in bits
//!   7–4). The codec state ([`AdpcmState`]) is reset to predictor 0 / index 0 at the start of
//!   every audio frame; [`decode`] and [`encode`] do that, [`decode_with`] and [`encode_with`]
//!   let the caller manage the state (e.g. to emulate decoders that start at predictor 7).
//! * [`vsc`]: the simplified reconstruction of the VStarCam SDK.
//! * G.711 A-law ([`alaw_decode`], [`alaw_encode`]), used by iLnk cameras.
//! * Helpers between 16-bit PCM samples and little-endian bytes.

/// The IMA ADPCM step sizes (89 entries).
pub const STEP_TABLE: [i32; 89] = [
    7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45, 50, 55, 60, 66,
    73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230, 253, 279, 307, 337, 371, 408, 449,
    494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066, 2272,
    2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630, 9493,
    10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767,
];

/// Step-index adjustment by code magnitude (bits 2–0 of a code).
pub const INDEX_ADJUST: [i8; 8] = [-1, -1, -1, -1, 2, 4, 6, 8];

/// Largest valid step index.
const MAX_INDEX: u8 = (STEP_TABLE.len() - 1) as u8;

/// ADPCM codec state: the predicted sample and the step-table index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdpcmState {
    /// The current predicted sample.
    pub predictor: i16,
    /// The current index into [`STEP_TABLE`] (values above 88 are treated as 88).
    pub index: u8,
}

impl AdpcmState {
    /// The current step size.
    fn step(&self) -> i32 {
        STEP_TABLE[usize::from(self.index.min(MAX_INDEX))]
    }

    /// Applies one code: moves the predictor by `delta` (sign from bit 3) and adapts the index.
    fn apply(&mut self, code: u8, delta: i32) {
        let predicted = if code & 8 != 0 {
            i32::from(self.predictor) - delta
        } else {
            i32::from(self.predictor) + delta
        };
        self.predictor = clamp_i16(predicted);
        let index =
            i16::from(self.index.min(MAX_INDEX)) + i16::from(INDEX_ADJUST[usize::from(code & 7)]);
        self.index = index.clamp(0, i16::from(MAX_INDEX)) as u8;
    }
}

fn clamp_i16(v: i32) -> i16 {
    v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// Standard IMA reconstruction difference for a code at this step size.
fn ima_delta(step: i32, code: u8) -> i32 {
    let mut delta = step >> 3;
    if code & 4 != 0 {
        delta += step;
    }
    if code & 2 != 0 {
        delta += step >> 1;
    }
    if code & 1 != 0 {
        delta += step >> 2;
    }
    delta
}

/// Decodes one code with the standard reconstruction.
fn ima_decode_code(state: &mut AdpcmState, code: u8) -> i16 {
    let delta = ima_delta(state.step(), code);
    state.apply(code, delta);
    state.predictor
}

/// Chooses the standard IMA code for a sample and updates the state like a decoder would.
fn ima_encode_sample(state: &mut AdpcmState, sample: i16) -> u8 {
    let step = state.step();
    let mut diff = i32::from(sample) - i32::from(state.predictor);
    let mut code = 0u8;
    if diff < 0 {
        code = 8;
        diff = -diff;
    }
    let mut bit_step = step;
    for bit in [4u8, 2, 1] {
        if diff >= bit_step {
            code |= bit;
            diff -= bit_step;
        }
        bit_step >>= 1;
    }
    let delta = ima_delta(step, code);
    state.apply(code, delta);
    code
}

/// Decodes one frame of IMA ADPCM from the initial state (predictor 0, index 0); two samples
/// per byte.
pub fn decode(data: &[u8]) -> Vec<i16> {
    let mut out = Vec::new();
    decode_with(&mut AdpcmState::default(), data, &mut out);
    out
}

/// Decodes IMA ADPCM from `state`, appending two samples per byte to `out` and leaving the
/// final state in `state`.
pub fn decode_with(state: &mut AdpcmState, data: &[u8], out: &mut Vec<i16>) {
    decode_nibbles(state, data, out, ima_decode_code);
}

/// Decodes codes high nibble first, appending two samples per byte to `out`.
fn decode_nibbles(
    state: &mut AdpcmState,
    data: &[u8],
    out: &mut Vec<i16>,
    decode_code: impl Fn(&mut AdpcmState, u8) -> i16,
) {
    out.reserve(data.len().saturating_mul(2));
    for &byte in data {
        out.push(decode_code(state, byte >> 4));
        out.push(decode_code(state, byte & 0x0f));
    }
}

/// Encodes one frame of PCM as IMA ADPCM from the initial state (predictor 0, index 0).
///
/// An odd final sample is followed by a zero code in the low nibble of the last byte.
pub fn encode(pcm: &[i16]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_with(&mut AdpcmState::default(), pcm, &mut out);
    out
}

/// Encodes PCM as IMA ADPCM from `state`, appending to `out`.
///
/// An odd final sample is followed by a zero code in the low nibble; `state` is left as a
/// decoder's would be after decoding the output, padding included.
pub fn encode_with(state: &mut AdpcmState, pcm: &[i16], out: &mut Vec<u8>) {
    encode_pairs(state, pcm, out, ima_encode_sample, ima_decode_code);
}

/// Packs codes high nibble first; a lone last sample is padded with code 0, which is also
/// applied to the state so that it matches a decoder's.
fn encode_pairs(
    state: &mut AdpcmState,
    pcm: &[i16],
    out: &mut Vec<u8>,
    encode_sample: fn(&mut AdpcmState, i16) -> u8,
    decode_code: fn(&mut AdpcmState, u8) -> i16,
) {
    out.reserve(pcm.len().div_ceil(2));
    for pair in pcm.chunks(2) {
        let high = encode_sample(state, pair[0]);
        let low = match pair.get(1) {
            Some(&sample) => encode_sample(state, sample),
            None => {
                decode_code(state, 0);
                0
            }
        };
        out.push(high << 4 | low);
    }
}

/// The VStarCam SDK's simplified ADPCM: same tables, nibble order and state reset, but the
/// difference is reconstructed as `step·code/4 + step/8` (code = magnitude bits) and the
/// encoder picks `code = min(7, 4·|diff|/step)`.
pub mod vsc {
    use super::{decode_nibbles, encode_pairs, AdpcmState};

    fn delta(step: i32, code: u8) -> i32 {
        step * i32::from(code & 7) / 4 + step / 8
    }

    fn decode_code(state: &mut AdpcmState, code: u8) -> i16 {
        let d = delta(state.step(), code);
        state.apply(code, d);
        state.predictor
    }

    fn encode_sample(state: &mut AdpcmState, sample: i16) -> u8 {
        let step = state.step();
        let diff = i32::from(sample) - i32::from(state.predictor);
        // 4·|diff| ≤ 262140 and step ≥ 7, so the quotient fits and `min` bounds it to 7.
        let magnitude = (4 * diff.abs() / step).min(7) as u8;
        let code = if diff < 0 { magnitude | 8 } else { magnitude };
        let d = delta(step, code);
        state.apply(code, d);
        code
    }

    /// Decodes one frame from the initial state (predictor 0, index 0).
    pub fn decode(data: &[u8]) -> Vec<i16> {
        let mut out = Vec::new();
        decode_with(&mut AdpcmState::default(), data, &mut out);
        out
    }

    /// Decodes from `state`, appending two samples per byte to `out`.
    pub fn decode_with(state: &mut AdpcmState, data: &[u8], out: &mut Vec<i16>) {
        decode_nibbles(state, data, out, decode_code);
    }

    /// Encodes one frame from the initial state; an odd final sample is padded with code 0.
    pub fn encode(pcm: &[i16]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_with(&mut AdpcmState::default(), pcm, &mut out);
        out
    }

    /// Encodes from `state`, appending to `out`; an odd final sample is padded with code 0.
    pub fn encode_with(state: &mut AdpcmState, pcm: &[i16], out: &mut Vec<u8>) {
        encode_pairs(state, pcm, out, encode_sample, decode_code);
    }
}

/// Why a byte buffer could not be read as PCM.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AdpcmError {
    /// The buffer does not hold a whole number of 16-bit samples.
    #[error("PCM buffer has an odd length ({len} bytes); 16-bit samples need an even count")]
    OddLength {
        /// Length of the buffer in bytes.
        len: usize,
    },
}

/// Reads 16-bit little-endian PCM samples.
pub fn pcm_from_le_bytes(b: &[u8]) -> Result<Vec<i16>, AdpcmError> {
    if !b.len().is_multiple_of(2) {
        return Err(AdpcmError::OddLength { len: b.len() });
    }
    Ok(b.chunks_exact(2)
        .map(|s| i16::from_le_bytes([s[0], s[1]]))
        .collect())
}

/// Writes 16-bit PCM samples as little-endian bytes.
pub fn pcm_to_le_bytes(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Decodes G.711 A-law bytes to 16-bit PCM.
pub fn alaw_decode(b: &[u8]) -> Vec<i16> {
    b.iter().map(|&a| alaw_to_linear(a)).collect()
}

/// Encodes 16-bit PCM as G.711 A-law bytes.
pub fn alaw_encode(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().map(|&s| linear_to_alaw(s)).collect()
}

/// Expands one A-law code: the reconstruction point in the middle of its interval.
fn alaw_to_linear(code: u8) -> i16 {
    let a = code ^ 0x55;
    let segment = (a >> 4) & 7;
    let mantissa = i32::from(a & 0x0f);
    // 13-bit magnitude × 8: segment 0 is linear with step 2, segment s ≥ 1 has step 2^s.
    let magnitude = match segment {
        0 => (mantissa << 4) + 8,
        s => ((mantissa << 4) + 0x108) << (s - 1),
    };
    // Bit 7 set means positive.
    if a & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

/// Compresses one sample to A-law.
fn linear_to_alaw(sample: i16) -> u8 {
    // Work on the 13-bit value; negative values use the one's complement (−x − 1).
    let value = sample >> 3;
    let (sign, magnitude) = if value >= 0 {
        (0x80u8, value as u16)
    } else {
        (0x00u8, (!value) as u16)
    };
    // magnitude ≤ 4095: segment 0 below 32, otherwise one segment per octave.
    let segment = if magnitude < 32 {
        0
    } else {
        (15 - magnitude.leading_zeros() as u16) - 4
    };
    let mantissa = if segment == 0 {
        magnitude >> 1
    } else {
        (magnitude >> segment) & 0x0f
    };
    (sign | (segment as u8) << 4 | mantissa as u8) ^ 0x55
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alaw_known_values() {
        assert_eq!(alaw_encode(&[0]), [0xd5]);
        assert_eq!(alaw_decode(&[0xd5, 0x55]), [8, -8]);
        assert_eq!(alaw_decode(&[0xaa, 0x2a]), [32256, -32256]);
        assert_eq!(alaw_encode(&[i16::MAX, i16::MIN]), [0xaa, 0x2a]);
    }

    #[test]
    fn out_of_range_index_does_not_panic() {
        let mut state = AdpcmState {
            predictor: i16::MAX,
            index: 255,
        };
        let mut out = Vec::new();
        decode_with(&mut state, &[0x77, 0xff], &mut out);
        assert!(state.index <= 88);
        let mut bytes = Vec::new();
        encode_with(&mut state, &[i16::MIN, i16::MAX, 0], &mut bytes);
        assert_eq!(bytes.len(), 2);
    }
}
