//! `ORAS_CACHE=<dir>`: the read-through blob cache of Go oras (its `internal/cache` over an OCI
//! layout at `<dir>`), used by `pull`, `manifest fetch`, `manifest fetch-config` and `blob fetch`
//! (issue 12, "oras 0.x scripts"; issue 15, "repeated pull").

use std::fs;
use std::path::Path;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::common;
use common::{
    Registry, assert_clean_failure, assert_success, list_files, oras_in, oras_std, rss, workdir,
    write_file,
};

/// `GET`s of blobs in `requests`.
fn blob_gets(requests: &[(String, String, u16)]) -> Vec<String> {
    requests
        .iter()
        .filter(|(method, uri, _)| method == "GET" && uri.contains("/blobs/sha256:"))
        .map(|(_, uri, _)| uri.clone())
        .collect()
}

/// The sha256 digest of a file, read a MiB at a time.
fn file_digest(path: &Path) -> String {
    use std::io::Read;
    let mut file = fs::File::open(path).unwrap();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

/// The cache entry of `digest` under `cache`.
fn entry(cache: &Path, digest: &str) -> std::path::PathBuf {
    cache
        .join("blobs/sha256")
        .join(digest.strip_prefix("sha256:").unwrap())
}

/// Pushes `a.txt` and `b.bin` to `repo:v1` and returns the layer digests by title.
fn push_two(registry: &Registry, work: &Path, repo: &str) -> Vec<(String, String)> {
    write_file(work, "a.txt", "alpha\n");
    write_file(work, "b.bin", vec![7u8; 300_000]);
    let reference = registry.reference(&format!("{repo}:v1"));
    assert_success(
        &oras_in(work)
            .args(["push", &reference, "a.txt", "b.bin"])
            .output()
            .unwrap(),
    );
    let manifest = registry.manifest_json(repo, "v1");
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let title = l["annotations"][common::TITLE]
                .as_str()
                .unwrap()
                .to_string();
            (title, l["digest"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn a_second_pull_through_the_cache_sends_no_blob_get() {
    let registry = Registry::start();
    let work = workdir();
    let layers = push_two(&registry, work.path(), "cache/twice");
    let reference = registry.reference("cache/twice:v1");
    let cache = work.path().join("cache");

    let before = registry.requests().len();
    assert_success(
        &oras_in(work.path())
            .env("ORAS_CACHE", &cache)
            .args(["pull", &reference, "-o", "out1"])
            .output()
            .unwrap(),
    );
    let first = registry.requests()[before..].to_vec();
    assert_eq!(
        blob_gets(&first).len(),
        2,
        "the first pull fetches both layers"
    );

    let before = registry.requests().len();
    assert_success(
        &oras_in(work.path())
            .env("ORAS_CACHE", &cache)
            .args(["pull", &reference, "-o", "out2"])
            .output()
            .unwrap(),
    );
    let second = registry.requests()[before..].to_vec();
    assert_eq!(blob_gets(&second), Vec::<String>::new(), "{second:?}");
    // The manifest is still read from the registry by its tag, as Go oras does.
    assert!(
        second
            .iter()
            .any(|(m, uri, _)| m == "GET" && uri.contains("/manifests/v1")),
        "{second:?}"
    );
    for (title, digest) in &layers {
        let want = fs::read(work.path().join(title)).unwrap();
        assert_eq!(
            fs::read(work.path().join("out1").join(title)).unwrap(),
            want
        );
        assert_eq!(
            fs::read(work.path().join("out2").join(title)).unwrap(),
            want
        );
        assert_eq!(fs::read(entry(&cache, digest)).unwrap(), want, "{title}");
    }
    // An OCI image layout, as oras-go's oci.Store leaves it; no temp file left in ingest/.
    assert_eq!(
        fs::read_to_string(cache.join("oci-layout")).unwrap(),
        r#"{"imageLayoutVersion":"1.0.0"}"#
    );
    assert!(cache.join("index.json").is_file());
    assert_eq!(list_files(&cache.join("ingest")), Vec::<String>::new());
}

#[test]
fn a_corrupted_cache_entry_is_not_served_and_is_repaired() {
    let registry = Registry::start();
    let work = workdir();
    let layers = push_two(&registry, work.path(), "cache/corrupt");
    let reference = registry.reference("cache/corrupt:v1");
    let cache = work.path().join("cache");
    assert_success(
        &oras_in(work.path())
            .env("ORAS_CACHE", &cache)
            .args(["pull", &reference, "-o", "out1"])
            .output()
            .unwrap(),
    );
    let digest = &layers.iter().find(|(t, _)| t == "a.txt").unwrap().1;
    let path = entry(&cache, digest);
    let _ = fs::remove_file(&path);
    fs::write(&path, "ALPHA\n").unwrap(); // same size, other bytes

    let before = registry.requests().len();
    assert_success(
        &oras_in(work.path())
            .env("ORAS_CACHE", &cache)
            .args(["pull", &reference, "-o", "out2"])
            .output()
            .unwrap(),
    );
    let gets = blob_gets(&registry.requests()[before..]);
    assert_eq!(
        gets.len(),
        1,
        "only the damaged blob is fetched again: {gets:?}"
    );
    assert!(gets[0].ends_with(digest.as_str()), "{gets:?}");
    assert_eq!(
        fs::read_to_string(work.path().join("out2/a.txt")).unwrap(),
        "alpha\n"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "alpha\n");
}

#[test]
fn a_cache_that_cannot_be_created_fails_the_pull_as_in_go_oras() {
    let registry = Registry::start();
    let work = workdir();
    push_two(&registry, work.path(), "cache/unwritable");
    let reference = registry.reference("cache/unwritable:v1");
    // A path under a regular file cannot be created, even by root.
    write_file(work.path(), "plain-file", "x");
    let cache = work.path().join("plain-file/cache");
    let out = oras_in(work.path())
        .env("ORAS_CACHE", &cache)
        .args(["pull", &reference, "-o", "out"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("plain-file/cache"), "{stderr}");
    assert!(!work.path().join("out/a.txt").exists());
}

#[test]
fn an_empty_oras_cache_is_off() {
    let registry = Registry::start();
    let work = workdir();
    push_two(&registry, work.path(), "cache/empty");
    let reference = registry.reference("cache/empty:v1");
    assert_success(
        &oras_in(work.path())
            .env("ORAS_CACHE", "")
            .args(["pull", &reference, "-o", "out"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        fs::read_to_string(work.path().join("out/a.txt")).unwrap(),
        "alpha\n"
    );
    assert!(!work.path().join("oci-layout").exists());
    assert!(!work.path().join("blobs").exists());
}

#[test]
fn a_blob_that_fails_verification_leaves_no_cache_entry() {
    let registry = Registry::start();
    let work = workdir();
    let layers = push_two(&registry, work.path(), "cache/bad");
    let reference = registry.reference("cache/bad:v1");
    let digest = &layers.iter().find(|(t, _)| t == "a.txt").unwrap().1;
    fs::write(registry.blob_data_path(digest), "ALPHA\n").unwrap();
    let cache = work.path().join("cache");
    let out = oras_in(work.path())
        .env("ORAS_CACHE", &cache)
        .args(["pull", &reference, "-o", "out"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("digest mismatch"), "{stderr}");
    assert!(!entry(&cache, digest).exists(), "a bad blob was cached");
    assert_eq!(list_files(&cache.join("ingest")), Vec::<String>::new());
}

#[test]
fn blob_fetch_and_manifest_fetch_config_read_through_the_cache() {
    let registry = Registry::start();
    let work = workdir();
    let layers = push_two(&registry, work.path(), "cache/fetch");
    let cache = work.path().join("cache");
    let digest = &layers.iter().find(|(t, _)| t == "b.bin").unwrap().1;
    let blob_ref = registry.reference(&format!("cache/fetch@{digest}"));
    for name in ["first.bin", "second.bin"] {
        assert_success(
            &oras_in(work.path())
                .env("ORAS_CACHE", &cache)
                .args(["blob", "fetch", &blob_ref, "-o", name])
                .output()
                .unwrap(),
        );
    }
    let gets = blob_gets(&registry.requests());
    assert_eq!(
        gets.len(),
        1,
        "the second fetch is served by the cache: {gets:?}"
    );
    let want = fs::read(work.path().join("b.bin")).unwrap();
    assert_eq!(fs::read(work.path().join("second.bin")).unwrap(), want);
    assert_eq!(fs::read(entry(&cache, digest)).unwrap(), want);

    // fetch-config of the `{}` config: read once, then from the cache.
    let reference = registry.reference("cache/fetch:v1");
    for _ in 0..2 {
        let out = oras_in(work.path())
            .env("ORAS_CACHE", &cache)
            .args(["manifest", "fetch-config", &reference])
            .output()
            .unwrap();
        assert_eq!(assert_success(&out), "{}");
    }
    let config_gets = blob_gets(&registry.requests()).len() - gets.len();
    assert_eq!(config_gets, 1);
    assert_eq!(
        fs::read(entry(&cache, common::EMPTY_DIGEST)).unwrap(),
        b"{}"
    );
}

#[test]
fn a_64_mib_blob_through_the_cache_keeps_memory_bounded() {
    if !rss::in_own_process("cache::a_64_mib_blob_through_the_cache_keeps_memory_bounded") {
        return;
    }
    let mib = 64u64;
    let limit_kib = 40 * 1024;
    let registry = Registry::start();
    let work = workdir();
    // Written and hashed a MiB at a time: this process's own peak counts in the child's.
    let digest = {
        use std::io::Write;
        let mut file =
            std::io::BufWriter::new(fs::File::create(work.path().join("big.bin")).unwrap());
        let mut hasher = Sha256::new();
        let mut chunk = vec![0u8; 1 << 20];
        for i in 0..mib {
            for (j, b) in chunk.iter_mut().enumerate() {
                *b = ((i << 20 | j as u64).wrapping_mul(2_654_435_761) >> 13) as u8;
            }
            hasher.update(&chunk);
            file.write_all(&chunk).unwrap();
        }
        file.flush().unwrap();
        format!("sha256:{}", hex::encode(hasher.finalize()))
    };
    let reference = registry.reference("cache/big:v1");
    let mut push = oras_std();
    push.current_dir(work.path())
        .args(["push", &reference, "big.bin"]);
    let (code, _) = rss::run_measuring_rss(
        &mut push,
        &work.path().join("push"),
        Duration::from_secs(300),
    );
    assert_eq!(code, 0, "push failed");

    let cache = work.path().join("cache");
    let mut figures = Vec::new();
    // out0 without the cache, as the baseline; out1 fills the cache, out2 reads it.
    for out in ["out0", "out1", "out2"] {
        let before = registry.requests().len();
        let mut pull = oras_std();
        pull.current_dir(work.path())
            .args(["pull", &reference, "-o", out]);
        if out != "out0" {
            pull.env("ORAS_CACHE", &cache);
        }
        let log = work.path().join(out).with_extension("log");
        let (code, peak) = rss::run_measuring_rss(&mut pull, &log, Duration::from_secs(300));
        assert_eq!(
            code,
            0,
            "pull failed: {}",
            fs::read_to_string(log.with_extension("stderr")).unwrap_or_default()
        );
        let gets = blob_gets(&registry.requests()[before..]).len();
        figures.push((peak, gets));
        assert_eq!(
            file_digest(&work.path().join(out).join("big.bin")),
            digest,
            "{out}"
        );
    }
    eprintln!(
        "{mib} MiB: (peak RSS KiB, blob GETs) no cache {:?}, miss {:?}, hit {:?}",
        figures[0], figures[1], figures[2]
    );
    assert_eq!(figures[1].1, 1);
    assert_eq!(figures[2].1, 0);
    assert_eq!(file_digest(&entry(&cache, &digest)), digest);
    for (peak, _) in figures {
        assert!(peak < limit_kib, "peak RSS {peak} KiB for a {mib} MiB blob");
    }
}
