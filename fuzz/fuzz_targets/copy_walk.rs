//! `cargo +nightly fuzz run copy_walk`: see `oras_rs_fuzz::copy_walk`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    oras_rs_fuzz::copy_walk(data);
});
