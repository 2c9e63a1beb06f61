//! Transport (issue 12), against the real Distribution: a TLS registry on a loopback IP address
//! (`127.0.0.1`, `[::1]`) works with `--ca-file` alone, as in Go oras, while a plain-HTTP one
//! there keeps working without `--plain-http` (the scheme is detected: HTTPS first, plain HTTP
//! only when the server answers the handshake in plaintext); a certificate error never turns
//! into plain HTTP; hints name only flags the user can act on (`--plain-http=false` for
//! `localhost`, `--cert-file`/`--key-file` for a registry that wants a client certificate);
//! a manifest whose blobs the repository lacks says to push them first.

use crate::common;

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::auth::{AuthMode, PASSWORD, USER, client_pki, start_auth, start_htpasswd, write_ca};
use common::{
    EMPTY_DIGEST, OCI_EMPTY, OCI_MANIFEST, Registry, RegistryOptions, ServerThread, fails, ok,
    oras, oras_in, sha256_digest, workdir, write_file,
};

/// A TCP relay in front of a registry on `127.0.0.1`, keeping the first byte of every
/// connection: `0x16` opens a TLS handshake, anything else is plaintext HTTP.
struct Relay {
    port: u16,
    first_bytes: Arc<Mutex<Vec<u8>>>,
    _server: ServerThread,
}

impl Relay {
    fn start(to: u16) -> Relay {
        let first_bytes = Arc::new(Mutex::new(Vec::new()));
        let seen = first_bytes.clone();
        let server = ServerThread::spawn("127.0.0.1", "relay", move |client| {
            let mut first = [0u8; 1];
            match client.peek(&mut first) {
                Ok(1) => seen.lock().unwrap().push(first[0]),
                _ => return,
            }
            let Ok(upstream) = TcpStream::connect(("127.0.0.1", to)) else {
                return;
            };
            let pump = |mut from: TcpStream, mut to: TcpStream| {
                let mut buf = [0u8; 16 * 1024];
                while let Ok(n) = from.read(&mut buf) {
                    if n == 0 || to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = to.shutdown(Shutdown::Write);
            };
            let (Ok(c), Ok(u)) = (client.try_clone(), upstream.try_clone()) else {
                return;
            };
            let up = std::thread::spawn(move || pump(c, u));
            pump(upstream, client);
            let _ = up.join();
        });
        Relay {
            port: server.port(),
            first_bytes,
            _server: server,
        }
    }

    /// `127.0.0.1:<relay port>`.
    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// How many connections opened with a TLS handshake, and how many with anything else.
    fn tls_and_plain(&self) -> (usize, usize) {
        let bytes = self.first_bytes.lock().unwrap();
        let tls = bytes.iter().filter(|&&b| b == 0x16).count();
        (tls, bytes.len() - tls)
    }
}

fn tls_registry(ipv6: bool) -> Registry {
    Registry::start_with(RegistryOptions {
        tls: true,
        ipv6,
        ..Default::default()
    })
}

/// `oras push <reference> a.txt` of `bytes` from a fresh directory with `flags`, then `oras pull`
/// with the same flags; asserts the pulled file holds the same bytes.
fn round_trip(reference: &str, bytes: &str, flags: &[&str]) {
    let work = workdir();
    write_file(work.path(), "a.txt", bytes);
    ok(oras_in(work.path())
        .args(["push", reference, "a.txt"])
        .args(flags));
    let out = workdir();
    ok(oras()
        .args(["pull", reference, "-o"])
        .arg(out.path())
        .args(flags));
    assert_eq!(fs::read_to_string(out.path().join("a.txt")).unwrap(), bytes);
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

// ---------------------------------------------------------------------------------------------
// TLS and plain HTTP on loopback IP addresses
// ---------------------------------------------------------------------------------------------

#[test]
fn tls_registry_on_127_0_0_1_logs_in_and_round_trips_with_only_the_ca_file() {
    let reg = start_htpasswd(true);
    let work = workdir();
    let ca = write_ca(work.path());
    let config = work.path().join("config.json");
    let flags = [
        "--ca-file",
        path_str(&ca),
        "--registry-config",
        path_str(&config),
    ];
    let stdout = ok(oras()
        .args(["login", &reg.addr(), "-u", USER, "-p", PASSWORD])
        .args(flags));
    assert!(stdout.contains("Login Succeeded"), "{stdout}");
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(&config).unwrap()).unwrap();
    assert!(doc["auths"][reg.addr()]["auth"].is_string(), "{doc}");
    round_trip(
        &reg.reference("demo/tls:v1"),
        "over tls on 127.0.0.1\n",
        &flags,
    );
}

#[test]
fn tls_registry_on_ipv6_loopback_round_trips_with_only_the_ca_file() {
    let reg = tls_registry(true);
    assert!(reg.addr().starts_with("[::1]:"), "{}", reg.addr());
    let work = workdir();
    let ca = write_ca(work.path());
    round_trip(
        &reg.reference("demo/tls6:v1"),
        "over tls on ::1\n",
        &["--ca-file", path_str(&ca)],
    );
}

#[test]
fn plain_registries_on_loopback_ips_round_trip_without_plain_http() {
    for ipv6 in [false, true] {
        let reg = Registry::start_with(RegistryOptions {
            ipv6,
            ..Default::default()
        });
        let reference = reg.reference("demo/plain:v1");
        round_trip(&reference, "plain http\n", &[]);
        assert!(reg.resolve("demo/plain", "v1").is_some(), "{reference}");
    }
}

#[test]
fn certificate_error_from_a_tls_registry_never_falls_back_to_plain_http() {
    let reg = tls_registry(false);
    let relay = Relay::start(reg.port());
    let reference = format!("{}/demo/untrusted:v1", relay.addr());
    let work = workdir();
    write_file(work.path(), "a.txt", "never sent\n");
    for args in [vec!["push", &reference, "a.txt"], vec!["pull", &reference]] {
        let stderr = fails(oras_in(work.path()).args(args));
        assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
        assert!(stderr.contains("--ca-file"), "{stderr}");
        assert!(!stderr.contains("plain-http"), "{stderr}");
    }
    let (tls, plain) = relay.tls_and_plain();
    assert!(tls >= 2, "every command opened a TLS connection");
    assert_eq!(plain, 0, "no plaintext request reached the TLS registry");

    // --insecure skips verification and still speaks TLS.
    round_trip(&reference, "insecure tls\n", &["--insecure"]);
    assert_eq!(relay.tls_and_plain().1, 0);
}

#[test]
fn plain_http_by_default_on_localhost_hints_plain_http_false_not_drop() {
    let reg = tls_registry(false);
    let reference = format!("{}/demo/plain:v1", reg.localhost());
    // localhost is plain HTTP by default (as in Go oras): the user passed no --plain-http.
    let stderr = fails(oras().args(["pull", &reference]));
    assert!(stderr.contains("--plain-http=false"), "{stderr}");
    assert!(!stderr.contains("drop --plain-http"), "{stderr}");
    // Whoever passed --plain-http is told to drop it.
    let stderr = fails(oras().args(["pull", "--plain-http", &reference]));
    assert!(stderr.contains("drop --plain-http"), "{stderr}");
    // And --plain-http=false with the CA works.
    let work = workdir();
    let ca = write_ca(work.path());
    round_trip(
        &reference,
        "https to localhost\n",
        &["--plain-http=false", "--ca-file", path_str(&ca)],
    );
}

// ---------------------------------------------------------------------------------------------
// Client certificates (`http.tls.clientcas`)
// ---------------------------------------------------------------------------------------------

#[test]
fn registry_requiring_a_client_certificate_hints_cert_file_and_key_file() {
    let pki = client_pki();
    let reg = start_auth(AuthMode::ClientCert(&pki.ca_pem), true);
    let work = workdir();
    let ca = write_ca(work.path());
    let reference = reg.reference("demo/mtls:v1");

    let stderr = fails(oras().args(["pull", &reference, "--ca-file", path_str(&ca)]));
    assert!(
        stderr.contains("requires a client certificate")
            && stderr.contains("--cert-file")
            && stderr.contains("--key-file"),
        "{stderr}"
    );
    assert!(!stderr.contains("plain-http"), "{stderr}");

    // A certificate from a CA the registry does not trust is refused, and said so.
    let stranger = client_pki();
    let cert = write_file(work.path(), "stranger.crt", &stranger.cert_pem);
    let key = write_file(work.path(), "stranger.key", &stranger.key_pem);
    let stderr = fails(
        oras()
            .args(["pull", &reference, "--ca-file", path_str(&ca)])
            .args(["--cert-file", path_str(&cert), "--key-file", path_str(&key)]),
    );
    assert!(
        stderr.contains("refused the client certificate") && stderr.contains("--cert-file"),
        "{stderr}"
    );

    let cert = write_file(work.path(), "client.crt", &pki.cert_pem);
    let key = write_file(work.path(), "client.key", &pki.key_pem);
    round_trip(
        &reference,
        "mutual tls\n",
        &[
            "--ca-file",
            path_str(&ca),
            "--cert-file",
            path_str(&cert),
            "--key-file",
            path_str(&key),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// manifest push of a manifest whose blobs are missing
// ---------------------------------------------------------------------------------------------

#[test]
fn manifest_push_with_missing_blobs_says_push_them_first_not_image_spec() {
    let reg = Registry::start();
    let layer = b"a layer never pushed\n";
    // artifactType set: the case where the ECR image-spec hint used to be given.
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.test.artifact",
        "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
        "layers": [{
            "mediaType": "application/octet-stream",
            "digest": sha256_digest(layer),
            "size": layer.len(),
        }],
    });
    let work = workdir();
    let bytes = serde_json::to_vec(&manifest).unwrap();
    write_file(work.path(), "manifest.json", &bytes);
    let reference = reg.reference("demo/missing:v1");
    let stderr =
        fails(oras_in(work.path()).args(["manifest", "push", &reference, "manifest.json"]));
    assert!(stderr.contains("manifest blob unknown"), "{stderr}");
    assert!(stderr.contains("push the blobs first"), "{stderr}");
    assert!(!stderr.contains("image-spec"), "{stderr}");
    assert_eq!(reg.resolve("demo/missing", "v1"), None);

    // Once the blobs are in, the same manifest goes in.
    reg.push_blob("demo/missing", b"{}");
    reg.push_blob("demo/missing", layer);
    ok(oras_in(work.path()).args(["manifest", "push", &reference, "manifest.json"]));
    assert_eq!(
        reg.resolve("demo/missing", "v1"),
        Some(sha256_digest(&bytes))
    );
}
