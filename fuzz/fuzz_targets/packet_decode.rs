//! Fuzz target `packet_decode`: see `pppp_fuzz::packet_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::packet_decode::run(data));
