//! `cargo +nightly fuzz run manifest`: see `oras_rs_fuzz::manifest`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oras_rs_fuzz::manifest(data));
