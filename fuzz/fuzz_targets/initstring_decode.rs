//! Fuzz target `initstring_decode`: see `pppp_fuzz::initstring_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::initstring_decode::run(data));
