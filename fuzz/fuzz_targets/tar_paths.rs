//! `cargo +nightly fuzz run tar_paths`: see `oras_rs_fuzz::tar_paths`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oras_rs_fuzz::tar_paths(data));
