//! Self-test of the harness in `tests/it/common`: it asserts what the other integration tests rely
//! on about Debian's `docker-registry` (CNCF Distribution 2.8): several instances can run at
//! once, `/v2/` answers 200, a monolithic POST + PUT upload stores the bytes at the path that
//! the corrupted-blob tests overwrite, and deleting a blob makes it `BLOB_UNKNOWN`.

use crate::common;

use std::fs;

use common::*;

#[test]
fn two_registries_run_side_by_side() {
    let a = Registry::start();
    let b = Registry::start();
    assert_ne!(a.port(), b.port());
    assert_ne!(a.storage_root(), b.storage_root());
    for registry in [&a, &b] {
        let (status, headers, body) = registry.get("/v2/");
        assert_eq!(status, 200, "{}", registry.log());
        assert_eq!(
            header(&headers, "docker-distribution-api-version"),
            "registry/2.0"
        );
        assert_eq!(body, b"{}");
        assert_eq!(registry.addr(), format!("127.0.0.1:{}", registry.port()));
        assert_eq!(
            registry.localhost(),
            format!("localhost:{}", registry.port())
        );
    }
    // What one registry stores, the other does not see.
    let digest = a.push_blob("iso/lation", b"only in a");
    assert_eq!(a.head(&format!("/v2/iso/lation/blobs/{digest}")).0, 200);
    assert_eq!(b.head(&format!("/v2/iso/lation/blobs/{digest}")).0, 404);
}

#[test]
fn registry_is_stopped_on_drop() {
    let registry = Registry::start();
    let port = registry.port();
    let root = registry.storage_root();
    assert!(root.is_dir());
    drop(registry);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "something still listens on {port}"
    );
    assert!(!root.exists(), "temp storage not removed");
}

#[test]
fn blob_upload_lands_at_the_documented_storage_path() {
    let registry = Registry::start();
    let data = b"hello from the harness\n";
    let digest = registry.push_blob("harness/blobs", data);
    assert_eq!(digest, sha256_digest(data));

    // Layout: <root>/docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data
    let path = registry.blob_data_path(&digest);
    let hex = &digest["sha256:".len()..];
    assert_eq!(
        path,
        registry.storage_root().join(format!(
            "docker/registry/v2/blobs/sha256/{}/{hex}/data",
            &hex[..2]
        ))
    );
    assert_eq!(fs::read(&path).unwrap(), data);

    // HEAD and GET answer from that file.
    let (status, headers, _) = registry.head(&format!("/v2/harness/blobs/blobs/{digest}"));
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-length"), data.len().to_string());
    assert_eq!(header(&headers, "docker-content-digest"), digest);
    let (status, _, body) = registry.get(&format!("/v2/harness/blobs/blobs/{digest}"));
    assert_eq!(status, 200);
    assert_eq!(body, data);

    // Overwriting the data file with other bytes of the same length is served as is: the
    // registry does not re-verify, so the corrupted-blob tests really test the client.
    let corrupted = vec![b'X'; data.len()];
    fs::write(&path, &corrupted).unwrap();
    let (status, headers, body) = registry.get(&format!("/v2/harness/blobs/blobs/{digest}"));
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "docker-content-digest"), digest);
    assert_eq!(body, corrupted);

    // The access log records every request the harness made.
    let requests = registry.requests();
    assert!(
        requests.iter().any(|(m, uri, s)| m == "POST"
            && uri == "/v2/harness/blobs/blobs/uploads/"
            && *s == 202),
        "{requests:?}"
    );
    assert!(
        requests.iter().any(|(m, uri, s)| m == "PUT"
            && uri.contains(&format!("digest={digest}"))
            && *s == 201),
        "{requests:?}"
    );
}

#[test]
fn manifests_tags_and_deletes_behave_as_the_tests_expect() {
    let registry = Registry::start();
    let digest = registry.push_artifact(
        "harness/artifact",
        "v1",
        &[
            ("text/plain", b"titled", Some("a.txt")),
            ("application/octet-stream", b"untitled", None),
        ],
    );
    assert_eq!(registry.tags("harness/artifact"), ["v1"]);
    assert_eq!(
        registry.resolve("harness/artifact", "v1").as_deref(),
        Some(digest.as_str())
    );
    let (status, content_type, body) = registry.get_manifest("harness/artifact", "v1");
    assert_eq!(status, 200);
    assert_eq!(content_type, OCI_MANIFEST);
    assert_eq!(sha256_digest(&body), digest);
    let manifest = registry.manifest_json("harness/artifact", &digest);
    assert_eq!(manifest["layers"][0]["annotations"][TITLE], "a.txt");
    assert!(manifest["layers"][1].get("annotations").is_none());

    // Unknown tags and repositories.
    let (status, _, body) = registry.get_manifest("harness/artifact", "nope");
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("MANIFEST_UNKNOWN"));
    assert!(registry.tags("harness/unknown").is_empty());

    // Deleting a blob from the repository turns later GETs into BLOB_UNKNOWN with a body:
    // the "registry error code is shown" test relies on this.
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let (status, _, _) = registry.delete(&format!("/v2/harness/artifact/blobs/{layer}"));
    assert_eq!(status, 202);
    let (status, _, body) = registry.get(&format!("/v2/harness/artifact/blobs/{layer}"));
    assert_eq!(status, 404);
    assert!(
        String::from_utf8_lossy(&body).contains("BLOB_UNKNOWN"),
        "{}",
        String::from_utf8_lossy(&body)
    );
}

#[test]
fn read_only_registry_refuses_uploads() {
    let registry = Registry::start_with(RegistryOptions {
        read_only: true,
        ..Default::default()
    });
    let (status, _, _) = registry
        .request("POST", "/v2/ro/repo/blobs/uploads/", &[], Some(&[]))
        .unwrap();
    assert_eq!(status, 405);
}

#[test]
fn tls_registry_starts_and_refuses_plain_http() {
    let registry = Registry::start_with(RegistryOptions {
        tls: true,
        ..Default::default()
    });
    assert!(registry.base_url().starts_with("https://"));
    assert!(registry.dir().join("ca.crt").is_file());
    // A plain-HTTP request to the TLS port gets Go's canned 400 answer, never a 200.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", registry.port())).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.0 400"), "{answer}");
    assert!(answer.contains("HTTPS"), "{answer}");
}

#[test]
fn oras_command_has_a_clean_environment() {
    let cmd = oras_std();
    let envs: Vec<_> = cmd.get_envs().collect();
    let get = |name: &str| {
        envs.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.map(|v| v.to_string_lossy().to_string()))
    };
    let home = get("HOME").flatten().expect("HOME set");
    assert!(home.contains("oras-rs-home-"), "{home}");
    assert_eq!(
        get("DOCKER_CONFIG").flatten().unwrap(),
        format!("{home}/.docker")
    );
    assert!(std::path::Path::new(&home).join(".docker").is_dir());
    assert_eq!(get("NO_COLOR").flatten().as_deref(), Some("1"));
    assert_eq!(
        get("SOURCE_DATE_EPOCH"),
        Some(None),
        "SOURCE_DATE_EPOCH removed"
    );
    assert_eq!(get("HTTPS_PROXY"), Some(None), "proxies removed");
    assert!(oras_bin().is_file(), "{} missing", oras_bin().display());
}

#[test]
fn helpers_behave() {
    let dir = workdir();
    let path = write_file(dir.path(), "x/y/z.txt", "z");
    assert_eq!(fs::read(&path).unwrap(), b"z");
    write_file(dir.path(), "a.txt", "a");
    assert_eq!(list_files(dir.path()), ["a.txt", "x/y/z.txt"]);
    assert_eq!(
        sha256_digest(b"{}"),
        EMPTY_DIGEST,
        "the OCI empty descriptor digest"
    );
    assert_eq!(short(EMPTY_DIGEST), "44136fa355b3");
    let closed = ClosedPort::new();
    let refused = std::net::TcpStream::connect(("127.0.0.1", closed.port())).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(std::net::TcpListener::bind(("127.0.0.1", closed.port())).is_err());
}

#[test]
fn fake_registry_answers_as_scripted() {
    let fake = FakeRegistry::start(|method, uri| match (method, uri) {
        ("GET", "/v2/") => FakeResponse::new(200, &[("X-Fake", "yes")], "{}"),
        _ => FakeResponse::error(403, "DENIED", "requested access to the resource is denied"),
    });
    let port: u16 = fake.addr().rsplit(':').next().unwrap().parse().unwrap();
    let ask = |request: &str| {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let answer = ask("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("X-Fake: yes"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n{}"), "{answer}");
    let answer =
        ask("POST /v2/r/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains(r#""code":"DENIED""#), "{answer}");
    let answer = ask("HEAD /v2/r/blobs/x HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.ends_with("\r\n\r\n"), "HEAD has no body: {answer}");
    assert_eq!(
        fake.requests(),
        [
            ("GET".to_string(), "/v2/".to_string()),
            ("POST".to_string(), "/v2/r/blobs/uploads/".to_string()),
            ("HEAD".to_string(), "/v2/r/blobs/x".to_string()),
        ]
    );
}
