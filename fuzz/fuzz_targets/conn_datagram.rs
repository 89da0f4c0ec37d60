//! Fuzz target `conn_datagram`: see `pppp_fuzz::conn_datagram`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pppp_fuzz::conn_datagram::run(data));
