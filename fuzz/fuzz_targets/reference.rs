//! `cargo +nightly fuzz run reference`: see `oras_rs_fuzz::reference`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oras_rs_fuzz::reference(data));
