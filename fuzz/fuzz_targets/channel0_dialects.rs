//! Fuzz target `channel0_dialects`: see `pppp_fuzz::channel0_dialects`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::channel0_dialects::run(data));
