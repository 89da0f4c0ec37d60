//! Fuzz target `adpcm_decode`: see `pppp_fuzz::adpcm_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::adpcm_decode::run(data));
