//! Fuzz target `dissect`: see `pppp_fuzz::dissect`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::dissect::run(data));
