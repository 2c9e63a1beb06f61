//! `cargo +nightly fuzz run www_authenticate`: see `oras_rs_fuzz::www_authenticate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oras_rs_fuzz::www_authenticate(data));
