//! Fuzz target `drw_receiver`: see `pppp_fuzz::drw_receiver`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::drw_receiver::run(data));
