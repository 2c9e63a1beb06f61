//! Trust in headers (issue 13): a `Docker-Content-Digest` header that disagrees with what was
//! asked for, or with the bytes sent, is an error naming the header and both digests, where
//! oras-go checks it (`generateDescriptor`: a digest reference must match the header; the
//! bytes of a manifest fetched by tag must match the header they came with). A hostile server
//! in front of a real Distribution rewrites the header; everything else is the real protocol.
//!
//! `oras resolve <tag>` answers from `HEAD` and prints the header's digest unchecked, as oras
//! does: checking it needs the body, and a manifest `GET` counts as a pull on registries that
//! rate-limit pulls (Docker Hub) where a `HEAD` does not. The digest printed is checked when it
//! is used (a pull by that digest verifies the bytes against it).

use crate::common;

use common::hostile::{Action, Hostile, Req};
use common::{
    Registry, assert_clean_failure, assert_success, list_files, oras, push_files, sha256_digest,
    workdir,
};

/// Pushes one file to the real registry as `repo:v1`; returns the manifest digest.
fn seed(registry: &Registry) -> String {
    push_files(
        &registry.reference("repo:v1"),
        &[("file.txt", b"header test")],
    );
    registry.resolve("repo", "v1").expect("seeded manifest")
}

/// A hostile server that forwards to `registry` and answers `method` requests for manifests
/// with `Docker-Content-Digest: wrong`.
fn lying(registry: &Registry, method: &'static str, wrong: &str) -> Hostile {
    let wrong = wrong.to_string();
    Hostile::start(Some(registry), move |req: &Req| {
        if req.method == method && req.path().contains("/manifests/") {
            Action::ForwardWith(vec![("Docker-Content-Digest".into(), wrong.clone())])
        } else {
            Action::Forward
        }
    })
}

/// Asserts `err` names the header and both digests.
fn names_header_and_digests(err: &str, real: &str, wrong: &str) {
    assert!(err.contains("Docker-Content-Digest"), "{err}");
    assert!(err.contains(real), "{err}");
    assert!(err.contains(wrong), "{err}");
}

#[test]
fn resolve_by_digest_with_a_mismatching_header_fails_naming_it() {
    let registry = Registry::start();
    let digest = seed(&registry);
    let wrong = sha256_digest(b"another manifest");
    let hostile = lying(&registry, "HEAD", &wrong);
    let reference = format!("{}/repo@{digest}", hostile.addr());
    let out = oras().args(["resolve", &reference]).output().unwrap();
    let err = assert_clean_failure(&out);
    names_header_and_digests(&err, &digest, &wrong);
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn pull_by_digest_with_a_mismatching_header_fails_naming_it_and_writes_nothing() {
    // The header used to be ignored when the reference was a digest (the bytes matched it).
    let registry = Registry::start();
    let digest = seed(&registry);
    let wrong = sha256_digest(b"another manifest");
    let hostile = lying(&registry, "GET", &wrong);
    let work = workdir();
    let out = oras()
        .args(["pull", &format!("{}/repo@{digest}", hostile.addr()), "-o"])
        .arg(work.path())
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    names_header_and_digests(&err, &digest, &wrong);
    assert!(
        list_files(work.path()).is_empty(),
        "{:?}",
        list_files(work.path())
    );
    // No blob was asked for: the manifest was refused first.
    assert!(hostile.hits("GET", "/v2/repo/blobs/").is_empty());
}

#[test]
fn manifest_fetch_by_digest_with_a_mismatching_header_fails_naming_it_and_prints_nothing() {
    let registry = Registry::start();
    let digest = seed(&registry);
    let wrong = sha256_digest(b"another manifest");
    let hostile = lying(&registry, "GET", &wrong);
    let reference = format!("{}/repo@{digest}", hostile.addr());
    let out = oras()
        .args(["manifest", "fetch", &reference])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    names_header_and_digests(&err, &digest, &wrong);
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A registry that refuses HEAD: `--descriptor` falls back to the GET, checked the same.
    let refusing = Hostile::start(Some(&registry), move |req: &Req| {
        if req.path().contains("/manifests/") {
            match req.method.as_str() {
                "HEAD" => Action::Reply(common::FakeResponse::new(405, &[], "")),
                _ => Action::ForwardWith(vec![("Docker-Content-Digest".into(), wrong.clone())]),
            }
        } else {
            Action::Forward
        }
    });
    let reference = format!("{}/repo@{digest}", refusing.addr());
    let out = oras()
        .args(["manifest", "fetch", "--descriptor", &reference])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    names_header_and_digests(&err, &digest, &sha256_digest(b"another manifest"));
    assert_eq!(refusing.hits("HEAD", "/v2/repo/manifests/").len(), 1);
}

#[test]
fn pull_by_tag_whose_bytes_do_not_match_the_header_fails_naming_it() {
    let registry = Registry::start();
    let digest = seed(&registry);
    let wrong = sha256_digest(b"another manifest");
    let hostile = lying(&registry, "GET", &wrong);
    let work = workdir();
    let out = oras()
        .args(["pull", &format!("{}/repo:v1", hostile.addr()), "-o"])
        .arg(work.path())
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    names_header_and_digests(&err, &digest, &wrong);
    assert!(list_files(work.path()).is_empty());
}

#[test]
fn resolve_by_tag_trusts_head_as_oras_does_and_pull_goes_by_the_bytes() {
    let registry = Registry::start();
    let digest = seed(&registry);
    // A second manifest in the repository: the lie names content that exists.
    push_files(
        &registry.reference("repo:other"),
        &[("other.txt", b"other")],
    );
    let other = registry.resolve("repo", "other").unwrap();
    let hostile = Hostile::start(Some(&registry), {
        let other = other.clone();
        move |req: &Req| {
            if req.method == "HEAD" && req.path() == "/v2/repo/manifests/v1" {
                Action::ForwardWith(vec![("Docker-Content-Digest".into(), other.clone())])
            } else {
                Action::Forward
            }
        }
    });
    let reference = format!("{}/repo:v1", hostile.addr());
    let out = oras().args(["resolve", &reference]).output().unwrap();
    assert_eq!(assert_success(&out).trim(), other);
    // Only HEAD was asked: no manifest GET (a pull on rate-limited registries).
    assert!(hostile.hits("GET", "/v2/repo/manifests/").is_empty());
    // Pulling the tag reads the bytes, which are the truth.
    let work = workdir();
    let out = oras()
        .args(["pull", &reference, "-o"])
        .arg(work.path())
        .output()
        .unwrap();
    assert!(assert_success(&out).contains(&digest));
    assert_eq!(list_files(work.path()), ["file.txt"]);
}
