//! The bodies of the fuzz targets, shared by `cargo fuzz` (`fuzz_targets/*.rs`, nightly) and by
//! a stable harness (`cargo test` here: every seed of `corpus/<target>/` plus random mutations
//! of them), so the same properties are checked with or without libFuzzer.
//!
//! Each function must never panic, whatever the input, and checks a property beyond "no
//! crash" where there is one.

use std::io::Write;
use std::path::Path;

/// Reference parser: never panics; whatever parses prints back to a string that parses to the
/// same reference.
pub fn reference(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = text.parse::<oras_rs::reference::Reference>() {
        let again: oras_rs::reference::Reference = r
            .to_string()
            .parse()
            .unwrap_or_else(|e| panic!("{r} does not parse back: {e}"));
        assert_eq!(r, again);
    }
    let _ = oras_rs::reference::parse_with_tags(text);
}

/// Manifest and index parsers: never panic; a document accepted as both a manifest and an
/// index must not have both `manifests` and `layers`.
pub fn manifest(data: &[u8]) {
    let as_manifest = oras_rs::oci::parse_manifest(data);
    let as_index = oras_rs::oci::parse_index(data);
    if as_manifest.is_ok() || as_index.is_ok() {
        let v: serde_json::Value = serde_json::from_slice(data).expect("accepted, so JSON");
        assert!(
            !(v.get("manifests").is_some() && v.get("layers").is_some()),
            "a document with both manifests and layers was accepted"
        );
    }
    for media_type in [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.artifact.manifest.v1+json",
    ] {
        let _ = oras_rs::oci::successors(media_type, data);
    }
}

/// `WWW-Authenticate` parser and realm validation: never panic; a realm that passes
/// validation is http(s), and never plain http for an https registry.
pub fn www_authenticate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(challenge) = oras_rs::fuzzing::parse_challenge(text) else {
        return;
    };
    if let Some(realm) = challenge.params.get("realm") {
        let registry = url::Url::parse("https://registry.example/v2/").unwrap();
        if let Ok(url) = oras_rs::fuzzing::validate_realm(&registry, realm) {
            assert_eq!(
                url.scheme(),
                "https",
                "{realm:?} accepted for an https registry"
            );
        }
    }
}

/// Token responses: any body a token server sends parses or is refused without a panic, and the
/// lifetime and deadline derived from `expires_in` (any number: huge, negative, fractional, a
/// string) stay within bounds: a deadline is never before now, nor past now plus the lifetime.
pub fn token_response(data: &[u8]) {
    let Ok(response) = serde_json::from_slice::<oras_rs::fuzzing::TokenResponse>(data) else {
        return;
    };
    let seconds = response.expires_in;
    let lifetime = oras_rs::fuzzing::token_lifetime(seconds);
    assert!(lifetime > std::time::Duration::ZERO, "{seconds:?} gave a zero lifetime");
    let now = std::time::Instant::now();
    let deadline = oras_rs::fuzzing::token_deadline(now, lifetime);
    assert!(deadline >= now && deadline <= now + lifetime, "{seconds:?}: deadline out of bounds");
    let _ = response.into_token();
}

/// Tar extraction: an arbitrary tar (gzipped here) unpacked under a temp root never creates
/// anything outside it, and never panics.
pub fn tar_paths(data: &[u8]) {
    let root = tempfile::tempdir().expect("temp dir");
    let outside = root.path().join("outside");
    let inside = root.path().join("inside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(&inside).unwrap();
    let archive = root.path().join("layer.tar.gz");
    {
        let file = std::fs::File::create(&archive).unwrap();
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(data).unwrap();
        gz.finish().unwrap();
    }
    let opts = oras_rs::content::dir::UnpackOptions {
        limit: 1 << 20,
        ..Default::default()
    };
    let file = std::fs::File::open(&archive).unwrap();
    let _ = oras_rs::content::dir::unpack_into_place(file, "d", None, &inside.join("d"), &opts);
    assert!(
        empty(&outside),
        "an archive wrote outside the extraction root"
    );
    for entry in std::fs::read_dir(root.path()).unwrap().flatten() {
        let name = entry.file_name();
        assert!(
            ["outside", "inside", "layer.tar.gz"].contains(&name.to_str().unwrap_or("")),
            "unexpected {name:?} beside the target"
        );
    }
}

/// A graph of documents through the copy walk and a pull: `data` is up to 16 documents separated
/// by `0xff` bytes, the first the root. In each, `$N` stands for `"digest":"…","size":…` of
/// document N (a later one), so the seeds are graphs that resolve (index → manifest → config and
/// layers, subjects, nested indexes) and mutations break them in every way. Properties: no panic;
/// a copy that succeeds leaves the root in the destination; a pull writes nothing outside its
/// directory, whatever titles and sizes the documents claim. Returns whether the copy succeeded
/// (the seeds must).
pub fn copy_walk(data: &[u8]) -> bool {
    use oras_rs::content::{ReadOnlyTarget, Target};
    use oras_rs::{CopyOptions, Descriptor, Digest, FileStore, MemoryStore, PullOptions};

    let pieces: Vec<&[u8]> = data.split(|b| *b == 0xff).take(16).collect();
    let mut docs: Vec<(Descriptor, Vec<u8>)> = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate().rev() {
        let mut text = String::from_utf8_lossy(piece).into_owned();
        // Highest first, so `$1` does not eat the start of `$12`.
        for (j, (desc, _)) in docs.iter().enumerate() {
            let n = pieces.len() - 1 - j;
            debug_assert!(n > i);
            let fields = format!("\"digest\":\"{}\",\"size\":{}", desc.digest, desc.size);
            text = text.replace(&format!("${n}"), &fields);
        }
        let bytes = text.into_bytes();
        let media_type = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("mediaType")?.as_str().map(str::to_string))
            .unwrap_or_else(|| "application/vnd.oci.image.manifest.v1+json".to_string());
        let desc = Descriptor::new(&media_type, Digest::sha256_of(&bytes), bytes.len() as u64);
        docs.push((desc, bytes));
    }
    docs.reverse();
    let root = docs[0].0.clone();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let src = MemoryStore::new();
        for (desc, bytes) in &docs {
            src.insert(desc, bytes.clone());
        }
        if src.tag(&root, "root").await.is_err() {
            return false;
        }
        let dst = MemoryStore::new();
        let copied = oras_rs::copy(&src, "root", &dst, Some("root"), &CopyOptions::default()).await;
        if copied.is_ok() {
            assert!(dst.exists(&root).await.unwrap_or(false), "copied, but the root is missing");
        }

        let dir = tempfile::tempdir().expect("temp dir");
        let (inside, outside) = (dir.path().join("inside"), dir.path().join("outside"));
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        let files = FileStore::new(&inside, oras_rs::WritePolicy::default());
        let _ = oras_rs::pull(&src, "root", &files, &PullOptions::new()).await;
        assert!(empty(&outside), "a pull wrote outside its directory");
        for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let name = entry.file_name();
            assert!(
                ["inside", "outside"].contains(&name.to_str().unwrap_or("")),
                "a pull wrote {name:?} beside its directory"
            );
        }
        copied.is_ok()
    })
}

fn empty(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    //! The stable harness: seeds plus mutations, a fixed number of rounds per target
    //! (`FUZZ_ROUNDS`, default 2000) or, with `FUZZ_SECONDS`, as many rounds as fit in that time
    //! (what CI runs), with a seeded xorshift generator so a failure repeats (`FUZZ_SEED`).

    use std::path::PathBuf;

    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .join(target);
        let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| std::fs::read(e.path()).unwrap())
            .collect();
        out.sort();
        assert!(!out.is_empty(), "no seeds in {}", dir.display());
        out
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    const INTERESTING: &[&[u8]] = &[
        b"..",
        b"/",
        b":",
        b"@",
        b"\0",
        b"\"",
        b",",
        b"=",
        b"sha256:",
        b"{",
        b"}",
        b"[",
        b"]",
        b"\\",
        b"%2e%2e",
        b"\xff",
        b"realm=",
        b"http://",
        b"manifests",
        b"layers",
        b"$1",
        b"$2",
        b"\xff",
        b"\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",$1}]",
        b"\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",$1}",
        b"\"org.opencontainers.image.title\":\"../x\"",
        b"\"size\":18446744073709551615",
        b"\"size\":-1",
        b"null",
        b"\"expires_in\":",
        b"1e999",
        b"-0.5",
        b"18446744073709551616",
    ];

    fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
        let mut v = input.to_vec();
        for _ in 0..1 + rng.below(4) {
            match rng.below(5) {
                0 if !v.is_empty() => {
                    let i = rng.below(v.len());
                    v[i] = rng.next() as u8;
                }
                1 if !v.is_empty() => {
                    let i = rng.below(v.len());
                    let n = rng.below(8).min(v.len() - i);
                    v.drain(i..i + n);
                }
                2 => {
                    let i = rng.below(v.len() + 1);
                    let word = INTERESTING[rng.below(INTERESTING.len())];
                    v.splice(i..i, word.iter().copied());
                }
                3 if v.len() > 1 => {
                    let i = rng.below(v.len());
                    v.truncate(i);
                }
                _ => {
                    let i = rng.below(v.len() + 1);
                    let b = rng.next() as u8;
                    v.insert(i, b);
                }
            }
        }
        v
    }

    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }

    fn run(target: &str, f: fn(&[u8])) {
        let rounds: usize = env("FUZZ_ROUNDS").unwrap_or(2000);
        let deadline = env::<u64>("FUZZ_SECONDS")
            .map(|s| std::time::Instant::now() + std::time::Duration::from_secs(s));
        let seeds = seeds(target);
        let mut rng = Rng(env("FUZZ_SEED").unwrap_or(0x9e37_79b9_7f4a_7c15));
        for s in &seeds {
            f(s);
        }
        let mut done = 0usize;
        loop {
            match deadline {
                Some(d) if std::time::Instant::now() >= d => break,
                None if done >= rounds => break,
                _ => {}
            }
            // Mutations of mutations too, so inputs drift further from the seeds.
            let mut input = seeds[rng.below(seeds.len())].clone();
            for _ in 0..1 + rng.below(3) {
                input = mutate(&mut rng, &input);
            }
            f(&input);
            done += 1;
        }
        eprintln!("fuzz {target}: {} seeds, {done} mutated inputs", seeds.len());
    }

    #[test]
    fn reference() {
        run("reference", super::reference);
    }

    #[test]
    fn manifest() {
        run("manifest", super::manifest);
    }

    #[test]
    fn www_authenticate() {
        run("www_authenticate", super::www_authenticate);
    }

    #[test]
    fn token_response() {
        run("token_response", super::token_response);
    }

    #[test]
    fn copy_walk() {
        run("copy_walk", |data| {
            super::copy_walk(data);
        });
    }

    /// The seeds are graphs that copy: the mutations start from working inputs.
    #[test]
    fn copy_walk_seeds_copy() {
        for (i, seed) in seeds("copy_walk").iter().enumerate() {
            assert!(super::copy_walk(seed), "seed {i} does not copy");
        }
    }

    #[test]
    fn tar_paths() {
        run("tar_paths", super::tar_paths);
    }
}
