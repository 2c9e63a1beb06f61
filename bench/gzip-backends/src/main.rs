//! Compresses a file with flate2's `GzBuilder` at the default level (as oras-rs's `pack_dir`
//! does), then decompresses it, and prints both times and the compressed size.

use std::io::{Read, Write};
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: gzip-backends <file>");
    let data = std::fs::read(&path).expect("read the input");
    let started = Instant::now();
    let mut gz = flate2::GzBuilder::new().write(
        Vec::with_capacity(data.len() + (1 << 20)),
        flate2::Compression::default(),
    );
    for chunk in data.chunks(1 << 20) {
        gz.write_all(chunk).expect("compress");
    }
    let compressed = gz.finish().expect("compress");
    let compress = started.elapsed();
    let started = Instant::now();
    let mut decoder = flate2::read::MultiGzDecoder::new(&compressed[..]);
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0usize;
    loop {
        let n = decoder.read(&mut buf).expect("decompress");
        if n == 0 {
            break;
        }
        total += n;
    }
    let decompress = started.elapsed();
    assert_eq!(total, data.len(), "round trip");
    println!(
        "{path}: in {} out {} compress {:.2}s decompress {:.2}s",
        data.len(),
        compressed.len(),
        compress.as_secs_f64(),
        decompress.as_secs_f64()
    );
}
