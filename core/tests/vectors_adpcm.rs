//! IMA ADPCM, the VStarCam variant and A-law against `tests/vectors/adpcm.json` (docs/protocol.md §6.3).

use pppp::proto::adpcm::{
    alaw_decode, alaw_encode, decode, decode_with, encode, encode_with, pcm_from_le_bytes,
    pcm_to_le_bytes, vsc, AdpcmError, AdpcmState, INDEX_ADJUST, STEP_TABLE,
};
use proptest::prelude::*;
use serde_json::Value;

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/adpcm.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn samples(v: &Value) -> Vec<i16> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| i16::try_from(s.as_i64().unwrap()).unwrap())
        .collect()
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

#[test]
fn tables() {
    let doc = load();
    let steps: Vec<i64> = doc["tables"]["step_table"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(steps, STEP_TABLE.map(i64::from));
    let adjust: Vec<i64> = doc["tables"]["index_adjust"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(adjust.len(), 16);
    for (code, a) in adjust.iter().enumerate() {
        assert_eq!(*a, i64::from(INDEX_ADJUST[code & 7]));
    }
    assert_eq!(doc["initial_state"]["predictor"].as_i64(), Some(0));
    assert_eq!(doc["initial_state"]["index"].as_i64(), Some(0));
    assert_eq!(
        AdpcmState::default(),
        AdpcmState {
            predictor: 0,
            index: 0
        }
    );
}

#[test]
fn ima_standard() {
    let doc = load();
    let pcm = samples(&doc["pcm_input"]["samples"]);
    assert_eq!(pcm.len(), 64);
    let ima = &doc["ima_standard"];
    let encoded = unhex(&ima["encoded_hex"]);
    let decoded = samples(&ima["decoded_samples"]);
    let final_state = AdpcmState {
        predictor: i16::try_from(ima["final_state"]["predictor"].as_i64().unwrap()).unwrap(),
        index: u8::try_from(ima["final_state"]["index"].as_i64().unwrap()).unwrap(),
    };

    assert_eq!(encode(&pcm), encoded);
    assert_eq!(decode(&encoded), decoded);

    // The encoder's state tracks the decoder's.
    let mut enc_state = AdpcmState::default();
    let mut bytes = Vec::new();
    encode_with(&mut enc_state, &pcm, &mut bytes);
    assert_eq!(bytes, encoded);
    assert_eq!(enc_state, final_state);

    let mut dec_state = AdpcmState::default();
    let mut out = Vec::new();
    decode_with(&mut dec_state, &encoded, &mut out);
    assert_eq!(out, decoded);
    assert_eq!(dec_state, final_state);
    assert_eq!(dec_state.predictor, *decoded.last().unwrap());
}

#[test]
fn ima_initial_predictor_7() {
    let doc = load();
    let ima = &doc["ima_standard"];
    let encoded = unhex(&ima["encoded_hex"]);
    let expected = samples(&ima["decoded_samples_if_initial_predictor_7"]);
    let mut state = AdpcmState {
        predictor: 7,
        index: 0,
    };
    let mut out = Vec::new();
    decode_with(&mut state, &encoded, &mut out);
    assert_eq!(out, expected);
    // Without clamping the quirk is a constant offset of 7.
    let standard = samples(&ima["decoded_samples"]);
    for (a, b) in out.iter().zip(&standard) {
        assert_eq!(i32::from(*a) - i32::from(*b), 7);
    }
}

#[test]
fn vsc_simplified() {
    let doc = load();
    let pcm = samples(&doc["pcm_input"]["samples"]);
    let v = &doc["vsc_simplified"];
    let encoded = unhex(&v["encoded_hex"]);
    let decoded = samples(&v["decoded_samples"]);
    assert_eq!(vsc::encode(&pcm), encoded);
    assert_eq!(vsc::decode(&encoded), decoded);

    let mut state = AdpcmState::default();
    let mut out = Vec::new();
    vsc::decode_with(&mut state, &encoded, &mut out);
    assert_eq!(out, decoded);
    let mut enc_state = AdpcmState::default();
    let mut bytes = Vec::new();
    vsc::encode_with(&mut enc_state, &pcm, &mut bytes);
    assert_eq!(bytes, encoded);
    assert_eq!(enc_state, state);
}

#[test]
fn nibble_order_is_high_first() {
    // The first sample goes into bits 7-4: a single large positive sample encodes to 0x70.
    assert_eq!(encode(&[8000]), [0x70]);
    assert_eq!(decode(&[0x70]).len(), 2);
    assert_eq!(decode(&[0x70])[0], decode(&[0x77])[0]);
}

#[test]
fn odd_sample_count_is_padded() {
    let doc = load();
    let pcm = samples(&doc["pcm_input"]["samples"]);
    let even = encode(&pcm[..10]);
    let odd = encode(&pcm[..11]);
    assert_eq!(odd.len(), 6);
    assert_eq!(&odd[..5], even.as_slice());
    assert_eq!(odd[5] & 0x0f, 0);
    let full = encode(&pcm[..12]);
    assert_eq!(odd[5] >> 4, full[5] >> 4);
    // The state after padding matches a decoder that also decoded the pad nibble.
    let mut enc = AdpcmState::default();
    let mut bytes = Vec::new();
    encode_with(&mut enc, &pcm[..11], &mut bytes);
    let mut dec = AdpcmState::default();
    decode_with(&mut dec, &bytes, &mut Vec::new());
    assert_eq!(enc, dec);
    assert_eq!(vsc::encode(&pcm[..11]).len(), 6);
    assert!(encode(&[]).is_empty());
    assert!(decode(&[]).is_empty());
}

#[test]
fn pcm_bytes() {
    assert_eq!(
        pcm_from_le_bytes(&[0x01, 0x00, 0xff, 0xff, 0x00, 0x80]),
        Ok(vec![1, -1, i16::MIN])
    );
    assert_eq!(
        pcm_to_le_bytes(&[1, -1, i16::MIN]),
        [0x01, 0x00, 0xff, 0xff, 0x00, 0x80]
    );
    assert_eq!(pcm_from_le_bytes(&[]), Ok(vec![]));
    let err = pcm_from_le_bytes(&[1, 2, 3]).unwrap_err();
    assert_eq!(err, AdpcmError::OddLength { len: 3 });
    assert_eq!(
        err.to_string(),
        "PCM buffer has an odd length (3 bytes); 16-bit samples need an even count"
    );
}

#[test]
fn alaw_reference_points() {
    // ITU G.711 A-law: 0xD5 / 0x55 are the smallest positive / negative levels, 0xAA / 0x2A the
    // largest.
    assert_eq!(
        alaw_decode(&[0xd5, 0x55, 0xaa, 0x2a]),
        [8, -8, 32256, -32256]
    );
    assert_eq!(
        alaw_encode(&[0, -1, 32767, -32768]),
        [0xd5, 0x55, 0xaa, 0x2a]
    );
    // Segment boundaries (13-bit magnitudes 32 and 64 start segments 1 and 2).
    assert_eq!(alaw_encode(&[256]), [(0x80 | 0x10) ^ 0x55]);
    assert_eq!(alaw_decode(&alaw_encode(&[256])), [264]);
    assert_eq!(alaw_decode(&alaw_encode(&[512])), [528]);
}

#[test]
fn alaw_round_trip() {
    // Every code decodes to a level that encodes back to the same code.
    let codes: Vec<u8> = (0..=255).collect();
    let levels = alaw_decode(&codes);
    assert_eq!(alaw_encode(&levels), codes);
    // Levels are monotonic in the encoded magnitude.
    for w in levels.windows(2) {
        assert_ne!(w[0], w[1]);
    }
    // Re-encoding any sample is stable after one pass and within one step of the input.
    for s in (i16::MIN..=i16::MAX).step_by(7) {
        let once = alaw_decode(&alaw_encode(&[s]))[0];
        assert_eq!(alaw_decode(&alaw_encode(&[once]))[0], once);
        let error = (i32::from(once) - i32::from(s)).abs();
        assert!(error <= 1024, "{s} -> {once}");
    }
}

proptest! {
    #[test]
    fn decode_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300),
                           predictor in any::<i16>(), index in any::<u8>()) {
        let mut state = AdpcmState { predictor, index };
        let mut out = Vec::new();
        decode_with(&mut state, &data, &mut out);
        prop_assert_eq!(out.len(), data.len() * 2);
        prop_assert!(data.is_empty() || state.index <= 88);
        let mut state = AdpcmState { predictor, index };
        vsc::decode_with(&mut state, &data, &mut out);
        prop_assert!(data.is_empty() || state.index <= 88);
    }

    #[test]
    fn encode_decode_tracks(pcm in proptest::collection::vec(any::<i16>(), 0..300)) {
        let bytes = encode(&pcm);
        prop_assert_eq!(bytes.len(), pcm.len().div_ceil(2));
        prop_assert_eq!(decode(&bytes).len(), bytes.len() * 2);
        let bytes = vsc::encode(&pcm);
        prop_assert_eq!(vsc::decode(&bytes).len(), bytes.len() * 2);
    }
}
