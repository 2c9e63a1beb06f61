//! A graph nested thousands of levels deep (index → index → … → manifest) must not overflow the
//! stack (issue 13, "Crashes"): the walk refuses it past `oras_rs::copy::MAX_GRAPH_DEPTH` (64)
//! with a clear error, and nothing is written. A referrer chain thousands long (each referrer's
//! subject the previous one) is refused by `discover` the same way, past
//! `oras_rs::referrers::MAX_REFERRERS_DEPTH` (the same 64).

use std::path::Path;
use std::time::Instant;

use crate::common;
use common::{assert_clean_failure, oras_in, sha256_digest, workdir};

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// Writes an OCI layout at `dir` whose tag `v1` is an index nested `levels` deep around one
/// empty artifact manifest; returns the root digest.
fn nested_layout(dir: &Path, levels: usize) -> String {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let digest = sha256_digest(bytes);
        std::fs::write(blobs.join(&digest["sha256:".len()..]), bytes).unwrap();
        (digest, bytes.len())
    };
    let empty = put(b"{}");
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{MANIFEST}","artifactType":"application/vnd.test","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{}","size":2}},"layers":[]}}"#,
        empty.0
    );
    let (mut digest, mut size) = put(manifest.as_bytes());
    let mut media_type = MANIFEST;
    for _ in 0..levels {
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"{INDEX}","manifests":[{{"mediaType":"{media_type}","digest":"{digest}","size":{size}}}]}}"#
        );
        (digest, size) = put(index.as_bytes());
        media_type = INDEX;
    }
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{INDEX}","digest":"{digest}","size":{size},"annotations":{{"org.opencontainers.image.ref.name":"v1"}}}}]}}"#
    );
    std::fs::write(dir.join("index.json"), index).unwrap();
    digest
}

#[test]
fn an_index_nested_3000_levels_deep_is_refused_not_a_stack_overflow() {
    let work = workdir();
    let layout = work.path().join("deep");
    nested_layout(&layout, 3000);
    let source = format!("{}:v1", layout.display());

    let started = Instant::now();
    let out = oras_in(work.path())
        .args(["pull", "--oci-layout", &source, "-o", "out"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("more than 64 levels deep"), "{stderr}");
    let out_dir = work.path().join("out");
    assert!(!out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none());

    let copy = work.path().join("copy");
    let out = oras_in(work.path())
        .args(["cp", "--from-oci-layout", &source, "--to-oci-layout"])
        .arg(format!("{}:v1", copy.display()))
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("more than 64 levels deep"), "{stderr}");
    // Manifest last: nothing is tagged in the destination.
    let tagged = std::fs::read_to_string(copy.join("index.json")).unwrap_or_default();
    assert!(!tagged.contains("\"v1\""), "{tagged}");
    eprintln!("3000 levels: refused twice in {:?}", started.elapsed());
}

#[test]
fn an_index_nested_within_the_limit_still_copies() {
    let work = workdir();
    let layout = work.path().join("ok");
    let root = nested_layout(&layout, 60);
    let copy = work.path().join("copy");
    let out = oras_in(work.path())
        .args([
            "cp",
            "--from-oci-layout",
            &format!("{}:v1", layout.display()),
        ])
        .args(["--to-oci-layout", &format!("{}:v1", copy.display())])
        .output()
        .unwrap();
    let stdout = common::assert_success(&out);
    assert!(stdout.contains(&root), "{stdout}");
}

/// Writes an OCI layout at `dir` whose tag `v1` is an empty artifact with a chain of `n`
/// referrers, each referring to the previous; returns the digests, image first.
fn referrer_chain_layout(dir: &Path, n: usize) -> Vec<String> {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let empty = sha256_digest(b"{}");
    std::fs::write(blobs.join(&empty["sha256:".len()..]), b"{}").unwrap();
    let mut entries = Vec::new();
    let mut digests = Vec::new();
    let mut subject = String::new();
    for i in 0..=n {
        let subject_field = if i == 0 {
            String::new()
        } else {
            format!(r#","subject":{subject}"#)
        };
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{MANIFEST}","artifactType":"application/vnd.chain","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{empty}","size":2}},"layers":[]{subject_field}}}"#
        );
        let digest = sha256_digest(manifest.as_bytes());
        std::fs::write(blobs.join(&digest["sha256:".len()..]), &manifest).unwrap();
        let desc = format!(
            r#"{{"mediaType":"{MANIFEST}","digest":"{digest}","size":{}}}"#,
            manifest.len()
        );
        entries.push(if i == 0 {
            desc.replacen(
                '}',
                r#","annotations":{"org.opencontainers.image.ref.name":"v1"}}"#,
                1,
            )
        } else {
            desc.clone()
        });
        subject = desc;
        digests.push(digest);
    }
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
        entries.join(",")
    );
    std::fs::write(dir.join("index.json"), index).unwrap();
    digests
}

#[test]
fn a_chain_of_3000_referrers_is_refused_by_discover_not_a_stack_overflow() {
    // The walk stops 65 levels down whatever the chain's length. Each manifest of the layout is
    // read once for all levels (the layout remembers subjects by digest): before that, each
    // level read all 3,000 and this took 102 s.
    let work = workdir();
    let layout = work.path().join("chain");
    referrer_chain_layout(&layout, 3000);
    let subject = format!("{}:v1", layout.display());
    let started = Instant::now();
    let out = oras_in(work.path())
        .args(["discover", "--oci-layout", &subject])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.contains("the referrers graph nests more than 64 levels deep"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    eprintln!("3000 referrers: refused in {:?}", started.elapsed());
    // A depth within the limit lists the top of the chain.
    let out = oras_in(work.path())
        .args(["discover", "--oci-layout", &subject, "--depth", "3"])
        .output()
        .unwrap();
    assert_eq!(common::assert_success(&out).matches("sha256:").count(), 4);
}

#[test]
fn a_chain_of_64_referrers_is_listed_to_its_end() {
    let work = workdir();
    let layout = work.path().join("chain");
    let digests = referrer_chain_layout(&layout, 64);
    let out = oras_in(work.path())
        .args([
            "discover",
            "--oci-layout",
            &format!("{}:v1", layout.display()),
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stdout = common::assert_success(&out);
    // The document nests two JSON levels per referrer (past serde_json's default limit): each
    // referrer is found after its subject, and none is missing.
    let mut at = 0;
    for digest in &digests {
        let found = stdout[at..].find(digest.as_str());
        at += found.unwrap_or_else(|| panic!("{digest} missing after byte {at}: {stdout}"));
    }
    assert_eq!(
        stdout.matches("\"referrers\"").count(),
        digests.len(),
        "{stdout}"
    );
}
