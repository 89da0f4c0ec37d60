//! Fuzz target `drw_sender`: see `pppp_fuzz::drw_sender`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::drw_sender::run(data));
