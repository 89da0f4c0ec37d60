//! Fuzz target `frame_assembler`: see `pppp_fuzz::frame_assembler`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::frame_assembler::run(data));
