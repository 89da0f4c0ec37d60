//! Fuzz target `capi_strings`: see `pppp_fuzz::capi_strings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::capi_strings::run(data));
