//! `cargo +nightly fuzz run token_response`: see `oras_rs_fuzz::token_response`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oras_rs_fuzz::token_response(data));
