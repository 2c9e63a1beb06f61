//! The hostile-registry cases of the reliability plan (`docs/reliability-tests.md` maps every
//! case to its test; cases covered in other files are not repeated here). Each test scripts
//! faults on a [`Hostile`] server in front of a real Distribution and asserts what the user
//! sees: exit code, message, bytes on disk, and what each origin received.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::hostile::{Action, Counter, Hostile, Req};
use common::{
    FakeResponse, Registry, assert_clean_failure, assert_success, list_files, oras, push_files,
    sha256_digest, workdir, write_file,
};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// Pushes `file.txt` with `data` straight to the real registry as `repo:v1`.
fn seed(registry: &Registry, data: &[u8]) -> String {
    push_files(&registry.reference("repo:v1"), &[("file.txt", data)]);
    registry.resolve("repo", "v1").expect("seeded manifest")
}

fn pull(reference: &str, dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = oras();
    cmd.args(["pull", reference, "-o"]).arg(dir).args(extra);
    cmd.output().unwrap()
}

fn is_blob_get(r: &Req) -> bool {
    r.method == "GET" && r.path().contains("/blobs/sha256:")
}

#[test]
fn a01_503_twice_then_ok() {
    let registry = Registry::start();
    let counter = Counter::default();
    let c = counter.clone();
    // Every route answers 503 twice, then works; the streamed blob PUT is exempt (it is never
    // replayed; a failed upload is restarted as a whole, see the a06 cases).
    let hostile = Hostile::start(Some(&registry), move |req| {
        let streamed_put = req.method == "PUT" && req.path().contains("/blobs/uploads/");
        if !streamed_put && c.hit(req) <= 2 {
            Action::Reply(FakeResponse::error(503, "UNAVAILABLE", "try later"))
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    write_file(work.path(), "file.txt", b"hello through 503s");
    let reference = format!("{}/repo:v1", hostile.addr());
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "file.txt"])
        .output()
        .unwrap();
    assert_success(&out);
    let out_dir = work.path().join("out");
    assert_success(&pull(&reference, &out_dir, &[]));
    assert_eq!(
        std::fs::read(out_dir.join("file.txt")).unwrap(),
        b"hello through 503s"
    );
    // No route was tried more than 3 times (2 failures + 1 success), none more than 5.
    let mut per_route = std::collections::HashMap::<String, u32>::new();
    for r in hostile.log() {
        *per_route.entry(r.route()).or_default() += 1;
    }
    for (route, n) in per_route {
        assert!(n <= 5, "{route} was sent {n} times");
    }
}

#[test]
fn a02_429_retry_after_2_then_ok() {
    let registry = Registry::start();
    seed(&registry, b"rate limited once");
    let counter = Counter::default();
    let c = counter.clone();
    let hostile = Hostile::start(Some(&registry), move |req| {
        if req.path().contains("/manifests/") && c.hit(req) == 1 {
            Action::Reply(FakeResponse::new(
                429,
                &[("Retry-After", "2")],
                "Too Many Requests",
            ))
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let started = Instant::now();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    assert_success(&out);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 2 was not honoured ({:?})",
        started.elapsed()
    );
    let gets = hostile.hits("GET", "/v2/repo/manifests/");
    assert_eq!(gets.len(), 2, "one 429, then one success");
    assert!(gets[1].at.duration_since(gets[0].at) >= Duration::from_secs(2));
    assert_eq!(
        std::fs::read(work.path().join("file.txt")).unwrap(),
        b"rate limited once"
    );
}

#[test]
fn a03_429_retry_after_an_hour_fails_at_once() {
    let hostile = Hostile::start(None, |_| {
        Action::Reply(FakeResponse::new(
            429,
            &[
                ("Retry-After", "3600"),
                ("Content-Type", "application/json"),
            ],
            r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit reached"}]}"#,
        ))
    });
    let work = workdir();
    let started = Instant::now();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    let err = assert_clean_failure(&out);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.contains(&format!(
            "rate limited by {}, retry after 1h",
            hostile.addr()
        )),
        "{err}"
    );
    assert!(err.contains("pull rate limit reached"), "{err}");
    assert!(err.contains("ORAS_MAX_RETRY_AFTER"), "{err}");
    assert_eq!(hostile.log().len(), 1, "no hammering: one request");
    assert!(list_files(work.path()).is_empty());
}

#[test]
fn a03_retry_after_as_an_http_date_is_understood() {
    let hostile = Hostile::start(None, |_| {
        Action::Reply(FakeResponse::new(
            503,
            &[("Retry-After", "Fri, 31 Dec 2999 23:59:59 GMT")],
            "",
        ))
    });
    let work = workdir();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    let err = assert_clean_failure(&out);
    assert!(
        err.contains("is unavailable (status 503), retry after"),
        "{err}"
    );
    assert_eq!(hostile.log().len(), 1);
}

#[test]
fn a04_429_with_a_plain_text_body_is_a_clean_error() {
    let hostile = Hostile::start(None, |_| {
        Action::Reply(FakeResponse::new(
            429,
            &[("Content-Type", "text/plain")],
            "Too Many Requests (HAP429).",
        ))
    });
    let work = workdir();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    let err = assert_clean_failure(&out);
    assert!(err.contains("429"), "{err}");
    assert!(err.contains("5 attempts"), "{err}");
    // Retried with backoff, within the attempt limit.
    assert_eq!(hostile.log().len(), 5);
}

#[test]
fn a07_no_headers_fails_within_the_response_timeout() {
    let hostile = Hostile::start(None, |_| Action::Stall);
    let work = workdir();
    let started = Instant::now();
    let out = oras()
        .env("ORAS_RESPONSE_TIMEOUT", "1")
        .env("ORAS_RETRY_ATTEMPTS", "2")
        .args(["resolve", &format!("{}/repo:v1", hostile.addr())])
        .current_dir(work.path())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let err = assert_clean_failure(&out);
    eprintln!(
        "a07: failed after {elapsed:?}, {} requests",
        hostile.log().len()
    );
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    assert!(err.contains("no response within 1s"), "{err}");
    assert!(err.contains("gave up after 2 attempts"), "{err}");
    assert!(err.contains("ORAS_RESPONSE_TIMEOUT"), "{err}");
    assert_eq!(hostile.log().len(), 2);
}

#[test]
fn a08_body_stall_hits_the_read_timeout_and_leaves_no_file() {
    let registry = Registry::start();
    let data = vec![7u8; 100_000];
    seed(&registry, &data);
    let digest = sha256_digest(&data);
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_get(req) && req.path().ends_with(&digest) {
            Action::HeadersThenStall {
                status: 200,
                headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                content_length: 100_000,
                body: vec![7u8; 10_000],
            }
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let started = Instant::now();
    let out = oras()
        .env("ORAS_READ_TIMEOUT", "1")
        .args(["pull", &format!("{}/repo:v1", hostile.addr()), "-o"])
        .arg(work.path())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let err = assert_clean_failure(&out);
    eprintln!(
        "a08: failed after {elapsed:?}, files left: {:?}",
        list_files(work.path())
    );
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    assert!(err.contains("sent no data for 1s"), "{err}");
    assert!(err.contains("ORAS_READ_TIMEOUT"), "{err}");
    assert!(
        list_files(work.path()).is_empty(),
        "nothing may be left: {:?}",
        list_files(work.path())
    );
}

#[test]
fn a08_a_trickling_blob_fails_under_the_low_speed_limit() {
    // One byte every 500 ms: never silent for the 1 s read timeout, and at that pace a 100 kB
    // blob would take 14 hours. The floor (2 KiB/s over 2 s) ends it.
    let registry = Registry::start();
    let data = vec![5u8; 100_000];
    seed(&registry, &data);
    let digest = sha256_digest(&data);
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_get(req) && req.path().ends_with(&digest) {
            Action::Trickle {
                status: 200,
                headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                content_length: 100_000,
                body: vec![5u8; 100_000],
                every: Duration::from_millis(500),
            }
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let started = Instant::now();
    let out = oras()
        .env("ORAS_READ_TIMEOUT", "1")
        .env("ORAS_LOW_SPEED_LIMIT", "2048")
        .env("ORAS_LOW_SPEED_TIME", "2s")
        .args(["pull", &format!("{}/repo:v1", hostile.addr()), "-o"])
        .arg(work.path())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let err = assert_clean_failure(&out);
    eprintln!(
        "a08 trickle: failed after {elapsed:?}, {} bytes trickled, files left: {:?}",
        hostile.bytes_sent(),
        list_files(work.path())
    );
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert!(
        err.contains("under the low-speed limit of 2048 bytes/s"),
        "{err}"
    );
    assert!(err.contains("ORAS_LOW_SPEED_LIMIT=0"), "{err}");
    assert!(list_files(work.path()).is_empty());
}

#[test]
fn a08_a_blob_that_stalls_from_the_start_fails_within_twice_the_read_timeout() {
    // Every GET of the blob (the first and each resumption) sends its headers and then nothing:
    // one resumption, and the second stall ends the download, instead of one read timeout per
    // resumption (6 of them before).
    let registry = Registry::start();
    let data = vec![6u8; 100_000];
    seed(&registry, &data);
    let digest = sha256_digest(&data);
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_get(req) && req.path().ends_with(&digest) {
            Action::HeadersThenStall {
                status: 200,
                headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                content_length: 100_000,
                body: Vec::new(),
            }
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let started = Instant::now();
    let out = oras()
        .env("ORAS_READ_TIMEOUT", "2")
        .env("ORAS_LOW_SPEED_LIMIT", "0")
        .args(["pull", &format!("{}/repo:v1", hostile.addr()), "-o"])
        .arg(work.path())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let err = assert_clean_failure(&out);
    let gets = hostile.log().iter().filter(|r| is_blob_get(r)).count();
    eprintln!("a08 stall from the start: failed after {elapsed:?}, {gets} blob GETs");
    assert!(
        elapsed < Duration::from_secs(6),
        "about twice the 2 s read timeout, took {elapsed:?}"
    );
    assert!(err.contains("sent no data for 2s"), "{err}");
    assert!(err.contains("again after a resumption"), "{err}");
    assert_eq!(gets, 2, "the download and one resumption");
    assert!(list_files(work.path()).is_empty());
}

#[test]
fn a10_truncated_blob_leaves_no_file() {
    let registry = Registry::start();
    let data = vec![9u8; 50_000];
    seed(&registry, &data);
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_get(req) {
            Action::Truncated {
                status: 200,
                headers: vec![],
                content_length: 50_000,
                body: vec![9u8; 20_000],
            }
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    assert_clean_failure(&out);
    assert!(
        list_files(work.path()).is_empty(),
        "{:?}",
        list_files(work.path())
    );
}

#[test]
fn a11_manifest_head_and_get_lengths_differ() {
    let registry = Registry::start();
    let digest = seed(&registry, b"harbor style");
    let hostile = Hostile::start(Some(&registry), |req| {
        if req.method == "HEAD" && req.path().contains("/manifests/") {
            // Harbor compresses GET answers: its HEAD length differs from the GET body.
            Action::ForwardWith(vec![("Content-Length".into(), "99".into())])
        } else {
            Action::Forward
        }
    });
    let reference = format!("{}/repo:v1", hostile.addr());
    let out = oras().args(["resolve", &reference]).output().unwrap();
    assert_eq!(assert_success(&out).trim(), digest);
    let work = workdir();
    assert_success(&pull(&reference, work.path(), &[]));
    assert_eq!(
        std::fs::read(work.path().join("file.txt")).unwrap(),
        b"harbor style"
    );
}

#[test]
fn a13_relative_upload_location_keeps_state() {
    let registry = Registry::start();
    let hostile = Hostile::start(Some(&registry), |req| {
        if req.method == "POST" && req.path().ends_with("/blobs/uploads/") {
            // Distribution answers with an absolute Location; make it relative, keeping its
            // `_state` query.
            Action::ForwardRelativeLocation
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    write_file(work.path(), "f.txt", b"relative location");
    let out = oras()
        .current_dir(work.path())
        .args(["push", &format!("{}/repo:v1", hostile.addr()), "f.txt"])
        .output()
        .unwrap();
    assert_success(&out);
    let puts = hostile.hits("PUT", "/v2/repo/blobs/uploads/");
    assert!(!puts.is_empty());
    for put in puts {
        assert!(put.uri.contains("_state="), "{}", put.uri);
        assert!(put.uri.contains("digest=sha256%3A"), "{}", put.uri);
    }
}

#[test]
fn a16_manifest_head_405_falls_back_to_get() {
    let registry = Registry::start();
    let digest = seed(&registry, b"no HEAD here");
    let hostile = Hostile::start(Some(&registry), |req| {
        if req.method == "HEAD" && req.path().contains("/manifests/") {
            Action::Reply(FakeResponse::new(405, &[], ""))
        } else {
            Action::Forward
        }
    });
    let out = oras()
        .args(["resolve", &format!("{}/repo:v1", hostile.addr())])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out).trim(), digest);
    assert_eq!(hostile.hits("HEAD", "/v2/repo/manifests/").len(), 1);
    assert_eq!(hostile.hits("GET", "/v2/repo/manifests/").len(), 1);
}

#[test]
fn b22_docker_content_digest_mismatch_is_refused() {
    let registry = Registry::start();
    seed(&registry, b"header lies");
    let wrong = sha256_digest(b"something else");
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_get(req) {
            Action::ForwardWith(vec![("Docker-Content-Digest".into(), wrong.clone())])
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    let err = assert_clean_failure(&out);
    assert!(err.contains("Docker-Content-Digest"), "{err}");
    assert!(list_files(work.path()).is_empty());
}

#[test]
fn b22_manifest_docker_content_digest_mismatch_is_refused() {
    let registry = Registry::start();
    seed(&registry, b"manifest header lies");
    let wrong = sha256_digest(b"another manifest");
    let hostile = Hostile::start(Some(&registry), move |req| {
        if req.method == "GET" && req.path().contains("/manifests/") {
            Action::ForwardWith(vec![("Docker-Content-Digest".into(), wrong.clone())])
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    let err = assert_clean_failure(&out);
    assert!(err.contains("digest"), "{err}");
    assert!(list_files(work.path()).is_empty());
}

#[test]
fn b23_oversized_manifests_are_refused_without_reading_them() {
    // A 5 MiB manifest body, and a declared length of 2^62.
    let big = Hostile::start(None, |_| Action::Endless {
        status: 200,
        headers: vec![("Content-Type".into(), MANIFEST.into())],
        content_length: 5 * 1024 * 1024,
    });
    let huge = Hostile::start(None, |_| Action::HeadersThenStall {
        status: 200,
        headers: vec![("Content-Type".into(), MANIFEST.into())],
        content_length: 1 << 62,
        body: b"{".to_vec(),
    });
    for (hostile, expected) in [(&big, "4194304"), (&huge, "4611686018427387904")] {
        let work = workdir();
        let started = Instant::now();
        let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
        let err = assert_clean_failure(&out);
        assert!(err.contains(expected) || err.contains("4194304"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(30));
        assert!(list_files(work.path()).is_empty());
    }
    // Only the cap (plus socket buffers) was read of the 5 MiB body.
    assert!(
        big.bytes_sent() < 5 * 1024 * 1024 + 1,
        "{}",
        big.bytes_sent()
    );
}

#[test]
fn b24_huge_error_body_is_read_only_a_little() {
    let hostile = Hostile::start(None, |_| Action::Endless {
        status: 500,
        headers: vec![("Content-Type".into(), "application/json".into())],
        content_length: 1 << 30,
    });
    let work = workdir();
    let started = Instant::now();
    let out = oras()
        .env("ORAS_RETRY_ATTEMPTS", "1")
        .args(["resolve", &format!("{}/repo:v1", hostile.addr())])
        .current_dir(work.path())
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    assert!(err.contains("500"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    // HEAD has no body, so ask for a GET too: pull.
    let out = oras()
        .env("ORAS_RETRY_ATTEMPTS", "1")
        .args(["pull", &format!("{}/repo:v1", hostile.addr()), "-o"])
        .arg(work.path())
        .output()
        .unwrap();
    assert_clean_failure(&out);
    assert!(
        hostile.bytes_sent() < 32 * 1024 * 1024,
        "{} bytes of a 1 GiB error body were sent",
        hostile.bytes_sent()
    );
}

#[test]
fn b25_huge_token_response_is_capped() {
    let hostile_addr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let me = hostile_addr.clone();
    let hostile = Hostile::start(None, move |req| {
        if req.path() == "/token" {
            Action::Endless {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                content_length: 1 << 30,
            }
        } else {
            let realm = format!(
                "Bearer realm=\"http://{}/token\",service=\"hostile\"",
                me.lock().unwrap()
            );
            Action::Reply(FakeResponse::new(401, &[("WWW-Authenticate", &realm)], ""))
        }
    });
    *hostile_addr.lock().unwrap() = hostile.addr();
    let work = workdir();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    let err = assert_clean_failure(&out);
    assert!(err.contains("token response"), "{err}");
    assert!(err.contains("131072"), "{err}");
    assert!(
        hostile.bytes_sent() < 32 * 1024 * 1024,
        "{}",
        hostile.bytes_sent()
    );
}

#[test]
fn b26_manifests_and_layers_in_one_document_is_refused() {
    let registry = Registry::start();
    let blob = registry.push_blob("repo", b"x");
    let doc = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [],
        "layers": [{"mediaType": "application/octet-stream", "digest": blob, "size": 1,
                    "annotations": {"org.opencontainers.image.title": "x.txt"}}],
        "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                   "digest": common::EMPTY_DIGEST, "size": 2}
    });
    let bytes = serde_json::to_vec(&doc).unwrap();
    for media_type in [INDEX, MANIFEST] {
        let tag = if media_type == INDEX { "idx" } else { "man" };
        let (status, _, _) = registry
            .request(
                "PUT",
                &format!("/v2/repo/manifests/{tag}"),
                &[("Content-Type", media_type)],
                Some(&bytes),
            )
            .unwrap();
        if status != 201 {
            // Distribution itself refuses the document as an index; serve it through the
            // hostile server instead.
            let body = bytes.clone();
            let mt = media_type.to_string();
            let hostile = Hostile::start(None, move |_| {
                Action::Reply(FakeResponse::new(
                    200,
                    &[
                        ("Content-Type", mt.as_str()),
                        ("Docker-Content-Digest", &sha256_digest(&body)),
                    ],
                    body.clone(),
                ))
            });
            let work = workdir();
            let out = pull(&format!("{}/repo:{tag}", hostile.addr()), work.path(), &[]);
            let err = assert_clean_failure(&out);
            assert!(err.contains("both \"manifests\" and \"layers\""), "{err}");
            assert!(list_files(work.path()).is_empty());
            continue;
        }
        let work = workdir();
        let out = pull(
            &registry.reference(&format!("repo:{tag}")),
            work.path(),
            &[],
        );
        let err = assert_clean_failure(&out);
        assert!(err.contains("both \"manifests\" and \"layers\""), "{err}");
        assert!(list_files(work.path()).is_empty());
    }
}

#[test]
fn b27_layer_urls_are_never_fetched() {
    let registry = Registry::start();
    let attacker = Hostile::start_on("127.0.0.2", None, |_| {
        Action::Reply(FakeResponse::new(
            401,
            &[(
                "WWW-Authenticate",
                "Bearer realm=\"http://127.0.0.2/token\"",
            )],
            "",
        ))
    });
    let data = b"foreign layer";
    let blob = registry.push_blob("repo", data);
    let layer = serde_json::json!({
        "mediaType": "application/octet-stream", "digest": blob, "size": data.len(),
        "urls": [format!("http://{}/evil", attacker.addr())],
        "annotations": {"org.opencontainers.image.title": "f.txt"}
    });
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                   "digest": common::EMPTY_DIGEST, "size": 2},
        "layers": [layer]
    });
    registry.push_blob("repo", b"{}");
    let (status, _, _) = registry
        .request(
            "PUT",
            "/v2/repo/manifests/v1",
            &[("Content-Type", MANIFEST)],
            Some(&serde_json::to_vec(&manifest).unwrap()),
        )
        .unwrap();
    assert_eq!(status, 201);
    let work = workdir();
    assert_success(&pull(&registry.reference("repo:v1"), work.path(), &[]));
    assert_eq!(std::fs::read(work.path().join("f.txt")).unwrap(), data);
    assert!(
        attacker.log().is_empty(),
        "the attacker origin was contacted"
    );
}

#[test]
fn d53_ecr_refusing_artifact_type_suggests_image_spec_v1_0() {
    let registry = Registry::start();
    let hostile = Hostile::start(Some(&registry), |req| {
        if req.method == "PUT" && req.path().contains("/manifests/") {
            Action::Reply(FakeResponse::error(
                405,
                "UNSUPPORTED",
                "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
            ))
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    write_file(work.path(), "f.txt", b"ecr");
    let out = oras()
        .current_dir(work.path())
        .args([
            "push",
            &format!("{}/repo:v1", hostile.addr()),
            "--artifact-type",
            "application/vnd.example",
            "f.txt",
        ])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    assert!(err.contains("unsupported: Invalid parameter"), "{err}");
    assert!(err.contains("--image-spec v1.0"), "{err}");
    // Not retried: a 405 will not change.
    assert_eq!(hostile.hits("PUT", "/v2/repo/manifests/").len(), 1);
}

/// Pulls through a server that stalls the blob after 50,000 of 200,000 bytes, sends `signal` to
/// `oras` once the download has started, and checks what is left: nothing. Then a second run
/// with `-k` (no stall) must succeed (case 45). Returns the exit code.
fn interrupted_pull(signal: libc::c_int) -> Option<i32> {
    let registry = Registry::start();
    let data = vec![5u8; 200_000];
    seed(&registry, &data);
    let stall = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let s = stall.clone();
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_get(req) && s.load(std::sync::atomic::Ordering::SeqCst) {
            Action::HeadersThenStall {
                status: 200,
                headers: vec![],
                content_length: 200_000,
                body: vec![5u8; 50_000],
            }
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let reference = format!("{}/repo:v1", hostile.addr());
    let mut child = common::oras_std()
        .args(["pull", &reference, "-o"])
        .arg(work.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the blob download has started (the stalled GET is in the log).
    let deadline = Instant::now() + Duration::from_secs(60);
    while hostile.log().iter().all(|r| !is_blob_get(r)) {
        assert!(Instant::now() < deadline, "the pull never reached the blob");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let partial: Vec<String> = list_files(work.path());
    assert!(
        partial.iter().all(|f| f.contains(".oras-partial-")),
        "only a temp file may exist mid-download: {partial:?}"
    );
    let (status, took) = common::signal_and_wait(&mut child, signal);
    eprintln!("d45: stopped {took:?} after signal {signal}");
    assert!(
        list_files(work.path()).is_empty(),
        "after the signal: {:?}",
        list_files(work.path())
    );
    stall.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_success(&pull(&reference, work.path(), &["-k"]));
    assert_eq!(std::fs::read(work.path().join("file.txt")).unwrap(), data);
    status.code()
}

#[test]
fn d45_sigint_mid_pull_leaves_nothing_and_a_rerun_with_k_succeeds() {
    assert_eq!(interrupted_pull(libc::SIGINT), Some(130));
}

#[test]
fn d45_sigterm_mid_pull_leaves_nothing_and_exits_143() {
    assert_eq!(interrupted_pull(libc::SIGTERM), Some(143));
}

#[test]
fn a01_connection_resets_are_retried() {
    let registry = Registry::start();
    seed(&registry, b"reset twice");
    let counter = Counter::default();
    let c = counter.clone();
    let hostile = Hostile::start(Some(&registry), move |req| {
        if req.method == "GET" && c.hit(req) <= 2 {
            Action::Reset
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    assert_success(&pull(
        &format!("{}/repo:v1", hostile.addr()),
        work.path(),
        &[],
    ));
    assert_eq!(
        std::fs::read(work.path().join("file.txt")).unwrap(),
        b"reset twice"
    );
    assert_eq!(hostile.hits("GET", "/v2/repo/manifests/").len(), 3);
    assert_eq!(hostile.hits("GET", "/v2/repo/blobs/").len(), 3);
}

#[test]
fn a01_a_registry_that_keeps_failing_gives_up_after_5_attempts() {
    let hostile = Hostile::start(None, |_| {
        Action::Reply(FakeResponse::error(502, "BAD_GATEWAY", "upstream down"))
    });
    let work = workdir();
    let started = Instant::now();
    let out = oras()
        // The real backoff (250 ms doubling): about 3.75 s of waiting in all.
        .env("ORAS_RETRY_BASE_MS", "250")
        .args(["resolve", &format!("{}/repo:v1", hostile.addr())])
        .current_dir(work.path())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let err = assert_clean_failure(&out);
    assert!(err.contains("502"), "{err}");
    assert!(err.contains("kept failing (5 attempts)"), "{err}");
    let log = hostile.log();
    assert_eq!(log.len(), 5);
    // Backoff, not a tight loop: the gaps grow (jitter is ±20 %).
    let gaps: Vec<Duration> = log.windows(2).map(|w| w[1].at - w[0].at).collect();
    eprintln!("a01: gave up after {elapsed:?}; gaps {gaps:?}");
    assert!(gaps[0] >= Duration::from_millis(190), "{gaps:?}");
    assert!(gaps[3] >= Duration::from_millis(1500), "{gaps:?}");
    assert!(elapsed >= Duration::from_millis(2900), "{elapsed:?}");
}

#[test]
fn a18_fallback_tag_serving_the_subject_itself_means_no_referrers() {
    let registry = Registry::start();
    let manifest_digest = seed(&registry, b"gitlab subject");
    let (_, _, manifest) = registry.get_manifest("repo", "v1");
    // An index subject too: its children must not be taken for referrers.
    let index = serde_json::json!({
        "schemaVersion": 2, "mediaType": INDEX,
        "manifests": [{"mediaType": MANIFEST, "digest": manifest_digest, "size": manifest.len()}]
    });
    let index_bytes = serde_json::to_vec(&index).unwrap();
    let index_digest = registry.put_manifest("repo", "multi", INDEX, &index_bytes);
    // GitLab-style: the `sha256-<hex>` tag points at the subject itself.
    for (digest, bytes, media_type) in [
        (&manifest_digest, &manifest, MANIFEST),
        (&index_digest, &index_bytes, INDEX),
    ] {
        let tag = digest.replace(':', "-");
        registry.put_manifest("repo", &tag, media_type, bytes);
        let out = oras()
            .args([
                "discover",
                &registry.reference(&format!("repo@{digest}")),
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&assert_success(&out)).unwrap();
        assert_eq!(doc["referrers"], serde_json::json!([]), "{doc}");
    }
}

#[test]
fn d47_two_layers_with_one_title_are_refused_on_pull() {
    let registry = Registry::start();
    let a = registry.push_blob("repo", b"first");
    let b = registry.push_blob("repo", b"second");
    registry.push_blob("repo", b"{}");
    let layer = |digest: &str| {
        serde_json::json!({"mediaType": "application/octet-stream", "digest": digest, "size": 5,
            "annotations": {"org.opencontainers.image.title": "same.txt"}})
    };
    let mut second = layer(&b);
    second["size"] = serde_json::json!(6);
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                   "digest": common::EMPTY_DIGEST, "size": 2},
        "layers": [layer(&a), second]
    });
    registry.put_manifest(
        "repo",
        "dup",
        MANIFEST,
        &serde_json::to_vec(&manifest).unwrap(),
    );
    let work = workdir();
    let out = pull(&registry.reference("repo:dup"), work.path(), &[]);
    let err = assert_clean_failure(&out);
    assert!(err.to_lowercase().contains("duplicate"), "{err}");
    let files = list_files(work.path());
    assert!(files.len() <= 1, "{files:?}");
    assert!(files.iter().all(|f| f == "same.txt"), "{files:?}");
}

#[test]
fn d47_one_title_in_two_children_of_an_index_is_refused_on_pull() {
    // As oras-go's file store (ErrDuplicateName): the second child's `same.txt` would overwrite
    // the first's. Real registry; the children are pushed by oras from two directories.
    let registry = Registry::start();
    for (tag, text) in [("one", "first\n"), ("two", "second\n")] {
        push_files(
            &registry.reference(&format!("repo:{tag}")),
            &[("same.txt", text.as_bytes())],
        );
    }
    let index = registry.reference("repo:both");
    assert_success(
        &oras()
            .args(["manifest", "index", "create", &index, "one", "two"])
            .output()
            .unwrap(),
    );
    let work = workdir();
    let err = assert_clean_failure(&pull(&index, work.path(), &[]));
    assert!(err.contains(": same.txt: duplicate name\n"), "{err}");
    assert!(
        err.contains("pull one of them by digest or with --platform"),
        "{err}"
    );
    let files = list_files(work.path());
    assert!(files.len() <= 1, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(work.path().join(file)).unwrap();
        assert!(text == "first\n" || text == "second\n", "{text:?}");
    }
}

#[test]
fn d50_a_fifo_is_refused_before_any_request() {
    let hostile = Hostile::start(None, |_| Action::Reply(FakeResponse::new(500, &[], "")));
    let work = workdir();
    let fifo = work.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let out = oras()
        .current_dir(work.path())
        .args(["push", &format!("{}/repo:v1", hostile.addr()), "pipe"])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    assert!(err.contains("pipe"), "{err}");
    assert!(hostile.log().is_empty(), "{:?}", hostile.log());
}

#[test]
fn d51_a_failed_blob_upload_stops_before_the_manifest_and_a_rerun_skips_the_rest() {
    let registry = Registry::start();
    let fail = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let f = fail.clone();
    let third = sha256_digest(b"third blob");
    let third_q = third.replace(':', "%3A");
    let script_q = third_q.clone();
    let hostile = Hostile::start(Some(&registry), move |req| {
        if f.load(std::sync::atomic::Ordering::SeqCst)
            && req.method == "PUT"
            && req.uri.contains(&script_q)
        {
            Action::Reply(FakeResponse::error(500, "UNKNOWN", "disk on fire"))
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    write_file(work.path(), "1.txt", b"first blob");
    write_file(work.path(), "2.txt", b"second blob");
    write_file(work.path(), "3.txt", b"third blob");
    let reference = format!("{}/repo:v1", hostile.addr());
    let push = || {
        oras()
            .current_dir(work.path())
            .args([
                "push",
                &reference,
                "1.txt",
                "2.txt",
                "3.txt",
                "--concurrency",
                "1",
            ])
            .output()
            .unwrap()
    };
    let err = assert_clean_failure(&push());
    assert!(err.contains("disk on fire"), "{err}");
    assert!(hostile.hits("PUT", "/v2/repo/manifests/").is_empty());
    assert_eq!(registry.resolve("repo", "v1"), None);

    // What the first run stored (its other uploads may have been cancelled with the failure).
    let stored_first: Vec<String> = registry
        .requests()
        .into_iter()
        .filter(|(m, uri, status)| m == "PUT" && uri.contains("/blobs/uploads/") && *status == 201)
        .map(|(_, uri, _)| uri.split("digest=").nth(1).unwrap_or_default().to_string())
        .collect();
    assert!(!stored_first.is_empty(), "the first run stored some blobs");
    fail.store(false, std::sync::atomic::Ordering::SeqCst);
    let before = hostile.log().len();
    assert_success(&push());
    let rerun = &hostile.log()[before..];
    let uploaded: Vec<&str> = rerun
        .iter()
        .filter(|r| r.method == "PUT" && r.path().contains("/blobs/uploads/"))
        .map(|r| r.uri.split("digest=").nth(1).unwrap_or_default())
        .collect();
    assert!(uploaded.contains(&third_q.as_str()), "{uploaded:?}");
    for digest in &stored_first {
        assert!(
            !uploaded.contains(&digest.as_str()),
            "{digest} was stored by the first run and uploaded again"
        );
    }
    assert_eq!(
        rerun
            .iter()
            .filter(|r| r.method == "PUT" && r.path().contains("/manifests/"))
            .count(),
        1
    );
    assert!(registry.resolve("repo", "v1").is_some());
}

#[test]
fn d52_oversized_or_invalid_annotation_files_are_refused_before_any_request() {
    let hostile = Hostile::start(None, |_| Action::Reply(FakeResponse::new(500, &[], "")));
    let work = workdir();
    write_file(work.path(), "f.txt", b"x");
    write_file(work.path(), "bad.json", b"{not json");
    let big = format!(
        "{{\"$manifest\":{{\"k\":\"{}\"}}}}",
        "v".repeat(50 * 1024 * 1024)
    );
    write_file(work.path(), "big.json", big);
    for file in ["bad.json", "big.json"] {
        let out = oras()
            .current_dir(work.path())
            .args([
                "push",
                &format!("{}/repo:v1", hostile.addr()),
                "--annotation-file",
                file,
                "f.txt",
            ])
            .output()
            .unwrap();
        let err = assert_clean_failure(&out);
        assert!(err.contains(file), "{err}");
    }
    assert!(hostile.log().is_empty(), "{:?}", hostile.log());
}

#[test]
fn a17_referrers_404_name_unknown_is_not_a_fallback() {
    let registry = Registry::start();
    let digest = seed(&registry, b"subject");
    let hostile = Hostile::start(Some(&registry), |req| {
        if req.path().contains("/referrers/") {
            Action::Reply(FakeResponse::error(
                404,
                "NAME_UNKNOWN",
                "repository name not known to registry",
            ))
        } else {
            Action::Forward
        }
    });
    let out = oras()
        .args(["discover", &format!("{}/repo@{digest}", hostile.addr())])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    assert!(
        err.contains("name unknown") || err.contains("not found"),
        "{err}"
    );
    let tag = digest.replace(':', "-");
    assert!(
        hostile.log().iter().all(|r| !r.uri.contains(&tag)),
        "fell back to the tag schema: {:?}",
        hostile.log()
    );
    // A plain 404 (no error code) falls back to the tag schema: see
    // tests/it/referrers.rs discover_on_distribution_reads_the_tag_schema.
}

#[test]
fn a01_token_requests_are_retried_too() {
    let registry = Registry::start();
    seed(&registry, b"behind a flaky token server");
    let addr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let me = addr.clone();
    let counter = Counter::default();
    let hostile = Hostile::start(Some(&registry), move |req| {
        if req.path() == "/token" {
            return if counter.hit(req) == 1 {
                Action::Reply(FakeResponse::new(503, &[], "busy"))
            } else {
                Action::Reply(FakeResponse::new(
                    200,
                    &[("Content-Type", "application/json")],
                    r#"{"token":"t0ken","expires_in":300}"#,
                ))
            };
        }
        if req.header("authorization") == Some("Bearer t0ken") {
            Action::Forward
        } else {
            let realm = format!(
                "Bearer realm=\"http://{}/token\",service=\"hostile\"",
                me.lock().unwrap()
            );
            Action::Reply(FakeResponse::new(401, &[("WWW-Authenticate", &realm)], ""))
        }
    });
    *addr.lock().unwrap() = hostile.addr();
    let work = workdir();
    assert_success(&pull(
        &format!("{}/repo:v1", hostile.addr()),
        work.path(),
        &[],
    ));
    assert_eq!(
        std::fs::read(work.path().join("file.txt")).unwrap(),
        b"behind a flaky token server"
    );
    assert_eq!(hostile.hits("GET", "/token").len(), 2, "one 503, one token");
}

#[test]
fn a07_an_upload_the_registry_stops_taking_fails_within_the_read_timeout() {
    let registry = Registry::start();
    let hostile = Hostile::start(Some(&registry), |req| {
        if req.method == "PUT" && req.path().contains("/blobs/uploads/") && req.body_len > 1000 {
            Action::StallUnread
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    // Larger than what loopback socket buffers absorb.
    write_file(work.path(), "big.bin", vec![1u8; 64 * 1024 * 1024]);
    let started = Instant::now();
    let out = oras()
        .env("ORAS_READ_TIMEOUT", "1")
        .current_dir(work.path())
        .args(["push", &format!("{}/repo:v1", hostile.addr()), "big.bin"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let err = assert_clean_failure(&out);
    eprintln!("a07 upload stall: failed after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    assert!(err.contains("stopped taking the upload for 1s"), "{err}");
    assert!(hostile.hits("PUT", "/v2/repo/manifests/").is_empty());
}

#[test]
fn a07_no_answer_after_an_upload_fails_within_the_response_timeout() {
    let registry = Registry::start();
    let hostile = Hostile::start(Some(&registry), |req| {
        if req.method == "PUT" && req.path().contains("/blobs/uploads/") && req.body_len > 2 {
            Action::Stall
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    write_file(work.path(), "f.bin", vec![2u8; 100_000]);
    let started = Instant::now();
    let out = oras()
        .env("ORAS_RESPONSE_TIMEOUT", "1")
        .current_dir(work.path())
        .args(["push", &format!("{}/repo:v1", hostile.addr()), "f.bin"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let err = assert_clean_failure(&out);
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    assert!(
        err.contains("no response within 1s after the upload"),
        "{err}"
    );
}

fn is_blob_put(r: &Req) -> bool {
    r.method == "PUT" && r.path().contains("/blobs/uploads/") && r.body_len > 0
}

#[test]
fn a06_a_reset_upload_is_restarted_from_the_file() {
    let registry = Registry::start();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let digest = sha256_digest(&data);
    let hex = digest[7..].to_string();
    // Each upload session has its own path: count blob PUTs, not routes.
    let puts = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_put(req)
            && req.uri.contains(&hex)
            && puts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0
        {
            Action::Reset
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    write_file(work.path(), "data.bin", &data);
    let reference = format!("{}/repo:v1", hostile.addr());
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "data.bin"])
        .output()
        .unwrap();
    assert_success(&out);
    // The first PUT was cut off; a HEAD found nothing; a new session was opened and the file
    // sent again.
    let blob_puts: Vec<Req> = hostile
        .log()
        .into_iter()
        .filter(|r| is_blob_put(r) && r.uri.contains(&digest[7..]))
        .collect();
    assert_eq!(blob_puts.len(), 2, "one reset, one restart");
    assert!(
        hostile
            .hits("HEAD", &format!("/v2/repo/blobs/{digest}"))
            .iter()
            .any(|h| h.at > blob_puts[0].at && h.at < blob_puts[1].at),
        "the restart is preceded by a HEAD"
    );
    let pulled = workdir();
    assert_success(&pull(&registry.reference("repo:v1"), pulled.path(), &[]));
    assert_eq!(std::fs::read(pulled.path().join("data.bin")).unwrap(), data);
}

#[test]
fn a06_an_upload_that_keeps_failing_gives_up_after_3_attempts() {
    let registry = Registry::start();
    let digest = sha256_digest(b"never stored");
    let hex = digest[7..].to_string();
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_put(req) && req.uri.contains(&hex) {
            Action::Reply(FakeResponse::error(503, "UNAVAILABLE", "storage down"))
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    write_file(work.path(), "f.bin", b"never stored");
    let out = oras()
        .current_dir(work.path())
        .args(["push", &format!("{}/repo:v1", hostile.addr()), "f.bin"])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    assert!(err.contains("storage down"), "{err}");
    let puts = hostile
        .log()
        .into_iter()
        .filter(|r| is_blob_put(r) && r.uri.contains(&digest[7..]))
        .count();
    assert_eq!(puts, 3, "the upload is tried 3 times in all");
    assert!(hostile.hits("PUT", "/v2/repo/manifests/").is_empty());
}

#[test]
fn a06_cp_restarts_a_failed_upload_with_a_new_read_of_the_source() {
    let source = Registry::start();
    let data = vec![7u8; 200_000];
    let digest = seed(&source, &data);
    let target = Registry::start();
    let hex = sha256_digest(&data)[7..].to_string();
    // Each upload session has its own path: count blob PUTs, not routes.
    let puts = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let hostile = Hostile::start(Some(&target), move |req| {
        if is_blob_put(req)
            && req.uri.contains(&hex)
            && puts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0
        {
            Action::Reset
        } else {
            Action::Forward
        }
    });
    let out = oras()
        .args([
            "cp",
            &source.reference("repo:v1"),
            &format!("{}/copy:v1", hostile.addr()),
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        target.resolve("copy", "v1").as_deref(),
        Some(digest.as_str())
    );
    let pulled = workdir();
    assert_success(&pull(&target.reference("copy:v1"), pulled.path(), &[]));
    assert_eq!(std::fs::read(pulled.path().join("file.txt")).unwrap(), data);
}

/// A blob of `n` bytes that is not all one value (so a misplaced resume shows).
fn pattern(n: u32) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

#[test]
fn a05_a_download_cut_off_halfway_resumes_with_a_range_request() {
    let registry = Registry::start();
    let data = pattern(200_000);
    seed(&registry, &data);
    let digest = sha256_digest(&data);
    let gets = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let (d, half) = (digest.clone(), data[..100_000].to_vec());
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_get(req)
            && req.path().ends_with(&d)
            && gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0
        {
            Action::Truncated {
                status: 200,
                headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                content_length: 200_000,
                body: half.clone(),
            }
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    assert_success(&pull(
        &format!("{}/repo:v1", hostile.addr()),
        work.path(),
        &[],
    ));
    assert_eq!(std::fs::read(work.path().join("file.txt")).unwrap(), data);
    let blob_gets = hostile.hits("GET", &format!("/v2/repo/blobs/{digest}"));
    assert_eq!(blob_gets.len(), 2, "one cut off, one resumed");
    assert_eq!(blob_gets[0].header("range"), None);
    let range = blob_gets[1].header("range").expect("a Range request");
    let from: u64 = range
        .strip_prefix("bytes=")
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{range}"));
    assert!(from > 0 && from <= 100_000, "{range}");
}

#[test]
fn a05_without_range_support_the_download_restarts_from_zero() {
    let registry = Registry::start();
    let data = pattern(150_000);
    seed(&registry, &data);
    let digest = sha256_digest(&data);
    let gets = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let (d, full) = (digest.clone(), data.clone());
    let hostile = Hostile::start(Some(&registry), move |req| {
        if !(is_blob_get(req) && req.path().ends_with(&d)) {
            return Action::Forward;
        }
        let headers = vec![("Content-Type".into(), "application/octet-stream".into())];
        if gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Action::Truncated {
                status: 200,
                headers,
                content_length: 150_000,
                body: full[..60_000].to_vec(),
            }
        } else {
            // Range ignored: the whole blob again.
            Action::Reply(FakeResponse::new(
                200,
                &[("Content-Type", "application/octet-stream")],
                full.clone(),
            ))
        }
    });
    let work = workdir();
    assert_success(&pull(
        &format!("{}/repo:v1", hostile.addr()),
        work.path(),
        &[],
    ));
    assert_eq!(std::fs::read(work.path().join("file.txt")).unwrap(), data);
    assert_eq!(
        hostile
            .hits("GET", &format!("/v2/repo/blobs/{digest}"))
            .len(),
        2
    );
}

#[test]
fn a05_a_restarted_download_with_other_bytes_fails_verification_and_leaves_no_file() {
    let registry = Registry::start();
    let data = pattern(100_000);
    seed(&registry, &data);
    let digest = sha256_digest(&data);
    let gets = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let (d, first) = (digest.clone(), data[..40_000].to_vec());
    let hostile = Hostile::start(Some(&registry), move |req| {
        if !(is_blob_get(req) && req.path().ends_with(&d)) {
            return Action::Forward;
        }
        if gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Action::Truncated {
                status: 200,
                headers: vec![],
                content_length: 100_000,
                body: first.clone(),
            }
        } else {
            // The rest of a different blob of the same size.
            Action::Reply(FakeResponse::new(200, &[], vec![0u8; 100_000]))
        }
    });
    let work = workdir();
    let out = pull(&format!("{}/repo:v1", hostile.addr()), work.path(), &[]);
    let err = assert_clean_failure(&out);
    assert!(err.contains("digest"), "{err}");
    assert!(
        list_files(work.path()).is_empty(),
        "{:?}",
        list_files(work.path())
    );
}

fn is_patch(r: &Req) -> bool {
    r.method == "PATCH" && r.path().contains("/blobs/uploads/")
}

#[test]
fn a14_chunk_size_uploads_in_patches_with_content_range() {
    let registry = Registry::start();
    let hostile = Hostile::start(Some(&registry), |_| Action::Forward);
    let work = workdir();
    let data = pattern(250_000);
    write_file(work.path(), "data.bin", &data);
    let out = oras()
        .current_dir(work.path())
        .args([
            "push",
            "--chunk-size",
            "100000",
            &format!("{}/repo:v1", hostile.addr()),
            "data.bin",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let mut ranges: Vec<String> = hostile
        .log()
        .iter()
        .filter(|r| is_patch(r) && r.body_len > 2)
        .map(|r| format!("{} {}", r.header("content-range").unwrap(), r.body_len))
        .collect();
    ranges.sort();
    assert_eq!(
        ranges,
        [
            "0-99999 100000",
            "100000-199999 100000",
            "200000-249999 50000"
        ]
    );
    // No monolithic PUT carried a body: the closing PUTs are empty.
    assert!(hostile.log().iter().all(|r| !is_blob_put(r)));
    let pulled = workdir();
    assert_success(&pull(&registry.reference("repo:v1"), pulled.path(), &[]));
    assert_eq!(std::fs::read(pulled.path().join("data.bin")).unwrap(), data);
}

#[test]
fn a14_a_416_resumes_from_the_range_the_registry_reports() {
    let registry = Registry::start();
    let patches = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let hostile = Hostile::start(Some(&registry), move |req| {
        // The second chunk of the big blob is refused once, as if the registry had lost track.
        if is_patch(req)
            && req.body_len == 100_000
            && req.header("content-range") == Some("100000-199999")
            && patches.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0
        {
            Action::Reply(FakeResponse::error(416, "BLOB_UPLOAD_INVALID", "range"))
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let data = pattern(250_000);
    write_file(work.path(), "data.bin", &data);
    let out = oras()
        .current_dir(work.path())
        .args([
            "push",
            "--chunk-size",
            "100000",
            &format!("{}/repo:v1", hostile.addr()),
            "data.bin",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    // The status was asked (GET on the upload URL), and the chunk sent again from 100000.
    assert!(
        hostile
            .log()
            .iter()
            .any(|r| r.method == "GET" && r.path().contains("/blobs/uploads/"))
    );
    let resent = hostile
        .log()
        .iter()
        .filter(|r| is_patch(r) && r.header("content-range") == Some("100000-199999"))
        .count();
    assert_eq!(resent, 2);
    let pulled = workdir();
    assert_success(&pull(&registry.reference("repo:v1"), pulled.path(), &[]));
    assert_eq!(std::fs::read(pulled.path().join("data.bin")).unwrap(), data);
}

#[test]
fn a15_a_413_on_the_monolithic_put_switches_to_chunks() {
    let registry = Registry::start();
    let hostile = Hostile::start(Some(&registry), |req| {
        // A proxy with a 64 KB body limit in front of the registry.
        if req.body_len > 64_000 && req.method == "PUT" {
            Action::Reply(FakeResponse::error(413, "TOO_LARGE", "body too large"))
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    let data = pattern(60_000);
    let big = pattern(3_000_000);
    write_file(work.path(), "small.bin", &data);
    write_file(work.path(), "big.bin", &big);
    let out = oras()
        .current_dir(work.path())
        .args([
            "push",
            &format!("{}/repo:v1", hostile.addr()),
            "big.bin",
            "small.bin",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let refused = hostile
        .log()
        .iter()
        .filter(|r| is_blob_put(r) && r.body_len > 64_000)
        .count();
    assert_eq!(refused, 1, "one refused monolithic PUT, then chunks");
    assert!(hostile.log().iter().any(is_patch));
    let pulled = workdir();
    assert_success(&pull(&registry.reference("repo:v1"), pulled.path(), &[]));
    assert_eq!(std::fs::read(pulled.path().join("big.bin")).unwrap(), big);
    assert_eq!(
        std::fs::read(pulled.path().join("small.bin")).unwrap(),
        data
    );
}

#[test]
fn a14_cp_with_chunk_size_uploads_in_chunks_to_a_real_registry() {
    let source = Registry::start();
    let data = pattern(300_000);
    let digest = seed(&source, &data);
    let target = Registry::start();
    let hostile = Hostile::start(Some(&target), |_| Action::Forward);
    let out = oras()
        .args([
            "cp",
            "--chunk-size",
            "64K",
            &source.reference("repo:v1"),
            &format!("{}/copy:v1", hostile.addr()),
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let mut chunks: Vec<(String, usize)> = hostile
        .log()
        .iter()
        .filter(|r| is_patch(r))
        .map(|r| {
            (
                r.header("content-range").unwrap_or("").to_string(),
                r.body_len,
            )
        })
        .collect();
    chunks.sort();
    // The empty config (2 bytes) and the file, 300,000 bytes in 64 KiB chunks.
    let expected = [
        ("0-1", 2),
        ("0-65535", 65536),
        ("131072-196607", 65536),
        ("196608-262143", 65536),
        ("262144-299999", 37856),
        ("65536-131071", 65536),
    ]
    .map(|(r, n)| (r.to_string(), n));
    assert_eq!(chunks, expected);
    assert_eq!(
        target.resolve("copy", "v1").as_deref(),
        Some(digest.as_str())
    );
    let pulled = workdir();
    assert_success(&pull(&target.reference("copy:v1"), pulled.path(), &[]));
    assert_eq!(std::fs::read(pulled.path().join("file.txt")).unwrap(), data);
}

#[test]
fn a05_a_download_from_redirected_storage_resumes_there_with_a_range() {
    let registry = Registry::start();
    let data = pattern(120_000);
    seed(&registry, &data);
    let digest = sha256_digest(&data);
    let full = data.clone();
    let storage = Hostile::start(None, move |req| {
        let Some(range) = req.header("range") else {
            return Action::Truncated {
                status: 200,
                headers: vec![],
                content_length: 120_000,
                body: full[..50_000].to_vec(),
            };
        };
        let from: usize = range
            .trim_start_matches("bytes=")
            .trim_end_matches('-')
            .parse()
            .unwrap();
        let content_range = format!("bytes {from}-119999/120000");
        Action::Reply(FakeResponse::new(
            206,
            &[("Content-Range", content_range.as_str())],
            full[from..].to_vec(),
        ))
    });
    let location = format!("http://{}/storage/blob?sig=secret", storage.addr());
    let d = digest.clone();
    let hostile = Hostile::start(Some(&registry), move |req| {
        if is_blob_get(req) && req.path().ends_with(&d) {
            Action::Reply(FakeResponse::new(
                307,
                &[("Location", location.as_str())],
                "",
            ))
        } else {
            Action::Forward
        }
    });
    let work = workdir();
    assert_success(&pull(
        &format!("{}/repo:v1", hostile.addr()),
        work.path(),
        &[],
    ));
    assert_eq!(std::fs::read(work.path().join("file.txt")).unwrap(), data);
    let asked: Vec<Option<String>> = storage
        .log()
        .iter()
        .map(|r| r.header("range").map(str::to_string))
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(asked[0], None);
    assert!(asked[1].as_deref().is_some_and(|r| r.starts_with("bytes=")));
}

#[test]
fn d47_titles_naming_one_path_are_duplicates_not_a_silent_loss() {
    // `a` and `./a` (or `d/a` and `d//a`) are one file on disk: two layers with different
    // content under them used to pull with exit 0 and one content silently dropped.
    let registry = Registry::start();
    for (tag, first, second) in [("dot", "a", "./a"), ("slashes", "d/a", "d//a")] {
        registry.push_artifact(
            "repo",
            tag,
            &[
                ("text/plain", b"first\n", Some(first)),
                ("text/plain", b"second\n", Some(second)),
            ],
        );
        let work = workdir();
        let err = assert_clean_failure(&pull(
            &registry.reference(&format!("repo:{tag}")),
            work.path(),
            &[],
        ));
        assert!(err.contains(": duplicate name"), "{tag}: {err}");
        for file in list_files(work.path()) {
            let text = std::fs::read_to_string(work.path().join(&file)).unwrap();
            assert!(text == "first\n" || text == "second\n", "{file}: {text:?}");
        }
    }
}

/// A document that breaks image-spec's required fields, stored in the real registry when it
/// takes it (Distribution 2.8 does: it checks no field the spec requires of these documents).
struct SchemaCase {
    tag: &'static str,
    media_type: &'static str,
    doc: serde_json::Value,
    message: &'static str,
}

fn schema_cases() -> Vec<SchemaCase> {
    let config = serde_json::json!({"mediaType": common::OCI_EMPTY,
                                    "digest": common::EMPTY_DIGEST, "size": 2});
    vec![
        SchemaCase {
            tag: "oci-layers-null",
            media_type: MANIFEST,
            doc: serde_json::json!({"schemaVersion": 2, "mediaType": MANIFEST,
                                    "config": config, "layers": null}),
            message: r#"invalid manifest: required field "layers" is null"#,
        },
        SchemaCase {
            tag: "docker-layers-missing",
            media_type: "application/vnd.docker.distribution.manifest.v2+json",
            doc: serde_json::json!({"schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": config}),
            message: r#"invalid manifest: required field "layers" is missing"#,
        },
        SchemaCase {
            tag: "index-manifests-null",
            media_type: INDEX,
            doc: serde_json::json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": null}),
            message: r#"invalid index: required field "manifests" is null"#,
        },
    ]
}

#[test]
fn a_manifest_with_layers_null_is_refused_naming_the_field_by_pull_cp_and_manifest_push() {
    // `"layers": null` used to pull as an artifact with no files (exit 0, nothing written):
    // oras reads it so too (Go's decoder), but image-spec requires the field.
    let registry = Registry::start();
    registry.push_blob("repo", b"{}");
    for case in schema_cases() {
        let bytes = serde_json::to_vec(&case.doc).unwrap();
        let digest = registry.put_manifest("repo", case.tag, case.media_type, &bytes);
        let reference = registry.reference(&format!("repo:{}", case.tag));

        let work = workdir();
        let err = assert_clean_failure(&pull(&reference, work.path(), &[]));
        assert!(err.contains(case.message), "{}: {err}", case.tag);
        assert!(list_files(work.path()).is_empty(), "{}", case.tag);

        let copy = registry.reference(&format!("copy:{}", case.tag));
        let err = assert_clean_failure(&oras().args(["cp", &reference, &copy]).output().unwrap());
        assert!(err.contains(case.message), "{}: {err}", case.tag);
        assert_eq!(registry.resolve("copy", case.tag), None, "{}", case.tag);
        let (status, _, _) = registry.head(&format!("/v2/copy/blobs/{}", common::EMPTY_DIGEST));
        assert_eq!(status, 404, "{}: cp wrote the config blob", case.tag);

        let layout = work.path().join("layout");
        let err = assert_clean_failure(
            &oras()
                .args(["cp", &reference, "--to-oci-layout"])
                .arg(format!("{}:{}", layout.display(), case.tag))
                .output()
                .unwrap(),
        );
        assert!(err.contains(case.message), "{}: {err}", case.tag);
        let index = std::fs::read_to_string(layout.join("index.json")).unwrap_or_default();
        assert!(!index.contains(&digest), "{}: {index}", case.tag);

        // oras leaves the check to the registry, which takes it (the config blob is in `repo`):
        // refused before the upload.
        let file = write_file(work.path(), "manifest.json", &bytes);
        let pushed = registry.reference(&format!("repo:pushed-{}", case.tag));
        let before = registry.requests().len();
        let err = assert_clean_failure(
            &oras()
                .args(["manifest", "push", &pushed])
                .arg(&file)
                .output()
                .unwrap(),
        );
        assert!(err.contains(case.message), "{}: {err}", case.tag);
        let puts: Vec<_> = registry.requests()[before..]
            .iter()
            .filter(|(method, _, _)| method == "PUT")
            .cloned()
            .collect();
        assert!(puts.is_empty(), "{}: {puts:?}", case.tag);
        let pushed_tag = format!("pushed-{}", case.tag);
        assert_eq!(registry.resolve("repo", &pushed_tag), None, "{}", case.tag);
    }
}
