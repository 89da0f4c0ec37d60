//! Fuzz target `psk_detect`: see `pppp_fuzz::psk_detect`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::psk_detect::run(data));
