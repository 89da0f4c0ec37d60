//! Fuzz target `uid_parse`: see `pppp_fuzz::uid_parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::uid_parse::run(data));
