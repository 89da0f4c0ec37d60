//! Fuzz target `block_decoder`: see `pppp_fuzz::block_decoder`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::block_decoder::run(data));
