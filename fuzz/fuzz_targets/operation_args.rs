//! Fuzz target `operation_args`: see `pppp_fuzz::operation_args`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::operation_args::run(data));
