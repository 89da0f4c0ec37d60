//! Fuzz target `capture_parse`: see `pppp_fuzz::capture_parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::capture_parse::run(data));
