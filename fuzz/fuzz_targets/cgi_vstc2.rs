//! Fuzz target `cgi_vstc2`: see `pppp_fuzz::cgi_vstc2`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::cgi_vstc2::run(data));
