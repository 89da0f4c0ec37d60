//! Fuzz target `media_probe`: see `pppp_fuzz::media_probe`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::media_probe::run(data));
