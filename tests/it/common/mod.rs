//! Test harness shared by every integration test file.
//!
//! * [`Registry`] runs a real CNCF Distribution registry (Debian's `docker-registry`, 2.8.x) on a
//!   free loopback port with its own temporary config and storage, and kills it on drop.
//! * [`oras`] builds an `assert_cmd::Command` for the `oras` binary of this package with an
//!   environment that cannot see the developer's credentials, proxies or `SOURCE_DATE_EPOCH`.
//! * [`FakeRegistry`] is a tiny scripted HTTP server for answers a real registry will not give
//!   on demand (e.g. `403 DENIED` with an error body).
//! * Small HTTP helpers ([`Registry::get`], [`Registry::get_manifest`], [`Registry::push_blob`],
//!   [`Registry::put_manifest`], …) let tests assert what is really stored in the registry and
//!   build manifests that `oras push` would never produce (untitled layers, hostile titles).
//!
//! The test files are modules of one binary (`tests/it/main.rs`) and reach this one as `crate::common`.

pub mod ferro;
pub mod fsimage;
pub mod hostile;
pub mod layout;
pub mod rss;

use std::cell::RefCell;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};
use tempfile::TempDir;

pub mod auth;

/// Media type of an OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of an OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Media type of the OCI empty descriptor (`{}`).
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// Digest of the two bytes `{}`.
pub const EMPTY_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
/// Annotation key holding a layer's file name.
pub const TITLE: &str = "org.opencontainers.image.title";
/// Annotation key holding the creation time of a manifest.
pub const CREATED: &str = "org.opencontainers.image.created";

/// Accept header listing every manifest type oras asks for (oras-cli.md §4.5).
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.artifact.manifest.v1+json";

/// Environment variable that overrides the registry binary (default: `docker-registry` on
/// `PATH`, then `/usr/bin/docker-registry`).
pub const REGISTRY_BIN_ENV: &str = "ORAS_TEST_REGISTRY_BIN";

const START_TIMEOUT: Duration = Duration::from_secs(30);
const START_ATTEMPTS: usize = 3;
/// Hard limit for one `oras` invocation, so a hang fails the test instead of the CI run.
pub const ORAS_TIMEOUT: Duration = Duration::from_secs(120);

/// A test CA (EC P-256, valid until 2126) and a server certificate it signed for `localhost`,
/// `127.0.0.1` and `::1`. Test-only key material, generated for this harness with openssl.
pub const TEST_CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBjDCCATGgAwIBAgIUIcp9fuwTONaX1hQmCa91lY5hc7QwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPb3Jhcy1ycyB0ZXN0IENBMCAXDTI2MTEyNDA0MTM0OVoYDzIx
MjYxMDMxMDQxMzQ5WjAaMRgwFgYDVQQDDA9vcmFzLXJzIHRlc3QgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAASxZGrDnQIGCfKP6lS9m64DVUQn8jqYa7T6NukG
bXcFJwJ2GgdFjVKgy+4Dw4Uh4imLW2574aAndQ/6u02MChdbo1MwUTAdBgNVHQ4E
FgQUPEQX94pPIkVz6VYCcM5e7EuwD9gwHwYDVR0jBBgwFoAUPEQX94pPIkVz6VYC
cM5e7EuwD9gwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA+4SX
MKDhkfjFXpz6a0ibuN6RcD6tp8V6UYZoYStbOwoCIQDZRvWPSjxMB3y91fCuwwL1
X4lzmCul6ov81t3FDskK5w==
-----END CERTIFICATE-----
";
/// Server certificate for `localhost`, `127.0.0.1`, `::1`, signed by [`TEST_CA_PEM`].
pub const TEST_SERVER_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIB2DCCAX2gAwIBAgIUfVS+W8hcdI3j3LvtLRJMUwvJBG8wCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPb3Jhcy1ycyB0ZXN0IENBMCAXDTI2MTEyNDA0MTM0OVoYDzIx
MjYxMDMxMDQxMzQ5WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAS4KwtuNLaQwjC6gLMiEgXmQgl1m9ise8sxK4Y5w6kgJzjn
ZhaTR8hZiUQ/75FmAkBrU/cvd2lMKt2ud1vnAtCdo4GkMIGhMCwGA1UdEQQlMCOC
CWxvY2FsaG9zdIcEfwAAAYcQAAAAAAAAAAAAAAAAAAAAATAMBgNVHRMBAf8EAjAA
MA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDATAdBgNVHQ4EFgQU
oQR2tZqeHwot7kmlwQMR3v+xIbswHwYDVR0jBBgwFoAUPEQX94pPIkVz6VYCcM5e
7EuwD9gwCgYIKoZIzj0EAwIDSQAwRgIhAJ2BGyQW8twGNjVMF9/v7pN1Xvm4Fgs4
QG1bSzFhG4UMAiEA6UiPM+iNpXTbDs+AlABpOyfMw3ccMU34TjOhQOWqltU=
-----END CERTIFICATE-----
";
/// Private key of [`TEST_SERVER_CERT_PEM`].
pub const TEST_SERVER_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUMMllR4JFrgK8j5E
U1cxk59XcG9X5IOSZDfCHm+/3MShRANCAAS4KwtuNLaQwjC6gLMiEgXmQgl1m9is
e8sxK4Y5w6kgJzjnZhaTR8hZiUQ/75FmAkBrU/cvd2lMKt2ud1vnAtCd
-----END PRIVATE KEY-----
";

/// How to configure a [`Registry`] beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Serve HTTPS with [`TEST_SERVER_CERT_PEM`] instead of plain HTTP. The HTTP helpers of
    /// [`Registry`] speak plain HTTP only, so they do not work against such a registry.
    pub tls: bool,
    /// Reject every write (`storage.maintenance.readonly`): uploads answer `405`.
    pub read_only: bool,
    /// Listen on `[::1]` instead of `127.0.0.1` (the test certificate names both).
    pub ipv6: bool,
}

impl RegistryOptions {
    /// The loopback address the registry listens on, as a URL host.
    fn host(&self) -> &'static str {
        if self.ipv6 { "[::1]" } else { "127.0.0.1" }
    }
}

/// A running `docker-registry` process on `127.0.0.1:<port>` (or `[::1]:<port>`), killed on
/// drop.
pub struct Registry {
    child: Child,
    port: u16,
    dir: TempDir,
    tls: bool,
    /// `127.0.0.1` or `[::1]`.
    host: &'static str,
    agent: ureq::Agent,
}

/// `(status, headers, body)` of one HTTP exchange.
pub type HttpResponse = (u16, ureq::http::HeaderMap, Vec<u8>);

static REGISTRY_SEQ: AtomicU64 = AtomicU64::new(0);

impl Registry {
    /// Starts a plain-HTTP registry with filesystem storage and deletes enabled.
    pub fn start() -> Registry {
        Registry::start_with(RegistryOptions::default())
    }

    /// Starts a registry with `options`. Panics with the registry's log when it cannot start.
    pub fn start_with(options: RegistryOptions) -> Registry {
        let bin = registry_bin();
        let mut failures = Vec::new();
        for attempt in 1..=START_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("oras-rs-registry-")
                .tempdir()
                .expect("create registry temp dir");
            let port = free_port_on(options.host());
            let id = format!(
                "{}-{}-{}",
                std::process::id(),
                REGISTRY_SEQ.fetch_add(1, Ordering::Relaxed),
                port
            );
            let config = write_config(dir.path(), port, &id, &options);
            let log_path = dir.path().join("registry.log");
            let log = fs::File::create(&log_path).expect("create registry log");
            let child = Command::new(&bin)
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone log handle"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
            let mut registry = Registry {
                child,
                port,
                dir,
                tls: options.tls,
                host: options.host(),
                agent: http_agent(),
            };
            match registry.wait_ready(&id) {
                Ok(()) => return registry,
                Err(why) => {
                    let log = registry.log();
                    failures.push(format!(
                        "attempt {attempt} on port {port}: {why}\n--- registry log ---\n{log}"
                    ));
                    // Dropping `registry` kills the child and removes its temp dir.
                }
            }
        }
        panic!(
            "docker-registry did not start after {START_ATTEMPTS} attempts:\n{}",
            failures.join("\n")
        );
    }

    fn wait_ready(&mut self, id: &str) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("registry exited early with {status}"));
            }
            let ready = if self.tls {
                // No TLS client here: the registry is ready once it logged that it listens on
                // our port with TLS and a plain-HTTP probe gets Go's "HTTP request to an HTTPS
                // server" answer.
                self.log()
                    .contains(&format!("listening on {}:{}, tls", self.host, self.port))
                    && raw_http_status(self.host, self.port) == Some(400)
            } else {
                // The X-Harness-Id header proves that the process answering is ours and not
                // another test's registry that won a race for the same port.
                match self.request("GET", "/v2/", &[], None) {
                    Ok((200, headers, _)) => {
                        headers.get("x-harness-id").and_then(|v| v.to_str().ok()) == Some(id)
                    }
                    _ => false,
                }
            };
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("no answer on /v2/ within {START_TIMEOUT:?}"));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// `127.0.0.1:<port>` (or `[::1]:<port>`).
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// `localhost:<port>`.
    pub fn localhost(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// The port the registry listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>/<repo_and_ref>`, e.g. `reg.reference("demo/hello:v1")`.
    pub fn reference(&self, repo_and_ref: &str) -> String {
        format!("{}/{}", self.addr(), repo_and_ref)
    }

    /// Base URL, `http://127.0.0.1:<port>` (or `https://` for a TLS registry).
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}:{}", self.host, self.port)
    }

    /// The temp dir holding `config.yml`, `registry.log` and `storage/`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Root directory of the registry's filesystem storage.
    pub fn storage_root(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Where Distribution keeps the bytes of a blob:
    /// `<root>/docker/registry/v2/blobs/sha256/<first 2 hex>/<hex>/data`.
    pub fn blob_data_path(&self, digest: &str) -> PathBuf {
        let hex = digest
            .strip_prefix("sha256:")
            .unwrap_or_else(|| panic!("not a sha256 digest: {digest}"));
        assert!(
            hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            "bad sha256 digest: {digest}"
        );
        self.storage_root()
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// Everything the registry printed so far (its log and its access log).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// `(method, request-uri, status)` of every request in the access log, in order.
    pub fn requests(&self) -> Vec<(String, String, u16)> {
        self.log()
            .lines()
            .filter_map(|line| {
                // 127.0.0.1 - - [date] "GET /v2/ HTTP/1.1" 200 2 "" "agent"
                let start = line.find("] \"")? + 3;
                let rest = &line[start..];
                let end = rest.find('"')?;
                let mut request = rest[..end].split(' ');
                let method = request.next()?.to_string();
                let uri = request.next()?.to_string();
                let status = rest[end + 1..].split_whitespace().next()?.parse().ok()?;
                Some((method, uri, status))
            })
            .collect()
    }

    /// One HTTP request to the registry. `path` starts with `/` (or is an absolute URL, as an
    /// upload `Location` may be). Non-2xx answers are returned, not errors.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<HttpResponse, String> {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base_url())
        };
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .map_err(|e| format!("{method} {url}: {e}"))?;
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| format!("{method} {url}: {e}"))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(1 << 30)
                .read_to_vec()
                .map_err(|e| format!("{method} {url}: reading body: {e}"))?
        };
        Ok((status, headers, body))
    }

    /// `GET <path>`; panics on a transport error.
    pub fn get(&self, path: &str) -> HttpResponse {
        self.request("GET", path, &[], None).unwrap()
    }

    /// `HEAD <path>`; panics on a transport error.
    pub fn head(&self, path: &str) -> HttpResponse {
        self.request("HEAD", path, &[], None).unwrap()
    }

    /// `DELETE <path>`; panics on a transport error.
    pub fn delete(&self, path: &str) -> HttpResponse {
        self.request("DELETE", path, &[], None).unwrap()
    }

    /// `GET /v2/<repo>/manifests/<reference>` with the OCI (and Docker) manifest types in
    /// `Accept`. Returns `(status, content type, body)`.
    pub fn get_manifest(&self, repo: &str, reference: &str) -> (u16, String, Vec<u8>) {
        let (status, headers, body) = self
            .request(
                "GET",
                &format!("/v2/{repo}/manifests/{reference}"),
                &[("Accept", MANIFEST_ACCEPT)],
                None,
            )
            .unwrap();
        (status, header(&headers, "content-type"), body)
    }

    /// The manifest `repo:reference` parsed as JSON; panics unless the registry has it.
    pub fn manifest_json(&self, repo: &str, reference: &str) -> serde_json::Value {
        let (status, _, body) = self.get_manifest(repo, reference);
        assert_eq!(
            status,
            200,
            "GET manifest {repo}:{reference}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).expect("manifest is JSON")
    }

    /// `Docker-Content-Digest` of `repo:reference` (via `HEAD`), or `None` when absent.
    pub fn resolve(&self, repo: &str, reference: &str) -> Option<String> {
        let (status, headers, _) = self
            .request(
                "HEAD",
                &format!("/v2/{repo}/manifests/{reference}"),
                &[("Accept", MANIFEST_ACCEPT)],
                None,
            )
            .unwrap();
        (status == 200).then(|| header(&headers, "docker-content-digest"))
    }

    /// Tags of `repo` from `GET /v2/<repo>/tags/list`, sorted; empty when the repo is unknown.
    pub fn tags(&self, repo: &str) -> Vec<String> {
        let (status, _, body) = self.get(&format!("/v2/{repo}/tags/list"));
        if status == 404 {
            return Vec::new();
        }
        assert_eq!(status, 200, "tags/list: {}", String::from_utf8_lossy(&body));
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let mut tags: Vec<String> = json["tags"]
            .as_array()
            .map(|a| a.iter().map(|t| t.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        tags.sort();
        tags
    }

    /// Uploads `data` as a blob of `repo` the way oras does (POST, then one monolithic PUT with
    /// `?digest=`) and returns its digest.
    pub fn push_blob(&self, repo: &str, data: &[u8]) -> String {
        let digest = sha256_digest(data);
        let (status, headers, body) = self
            .request(
                "POST",
                &format!("/v2/{repo}/blobs/uploads/"),
                &[],
                Some(&[]),
            )
            .unwrap();
        assert_eq!(
            status,
            202,
            "POST blobs/uploads/: {}",
            String::from_utf8_lossy(&body)
        );
        let location = header(&headers, "location");
        assert!(!location.is_empty(), "upload answer without Location");
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        let (status, headers, body) = self
            .request(
                "PUT",
                &url,
                &[("Content-Type", "application/octet-stream")],
                Some(data),
            )
            .unwrap();
        assert_eq!(
            status,
            201,
            "PUT upload: {}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(header(&headers, "docker-content-digest"), digest);
        digest
    }

    /// `PUT /v2/<repo>/manifests/<reference>` with `media_type` as Content-Type; returns the
    /// manifest digest. Panics unless the registry answers 201.
    pub fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        body: &[u8],
    ) -> String {
        let (status, headers, answer) = self
            .request(
                "PUT",
                &format!("/v2/{repo}/manifests/{reference}"),
                &[("Content-Type", media_type)],
                Some(body),
            )
            .unwrap();
        assert_eq!(
            status,
            201,
            "PUT manifest {repo}:{reference}: {}",
            String::from_utf8_lossy(&answer)
        );
        let digest = sha256_digest(body);
        assert_eq!(header(&headers, "docker-content-digest"), digest);
        digest
    }

    /// Pushes an artifact built by hand: the empty config plus one layer per
    /// `(media type, bytes, title)`; a `None` title leaves the layer without annotations.
    /// Returns the manifest digest. This is how tests create untitled or hostile layers.
    pub fn push_artifact(
        &self,
        repo: &str,
        tag: &str,
        layers: &[(&str, &[u8], Option<&str>)],
    ) -> String {
        let config_digest = self.push_blob(repo, b"{}");
        assert_eq!(config_digest, EMPTY_DIGEST);
        let layers: Vec<serde_json::Value> = layers
            .iter()
            .map(|(media_type, data, title)| {
                let digest = self.push_blob(repo, data);
                let mut layer = serde_json::json!({
                    "mediaType": media_type,
                    "digest": digest,
                    "size": data.len(),
                });
                if let Some(title) = title {
                    layer["annotations"] = serde_json::json!({ TITLE: title });
                }
                layer
            })
            .collect();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": "application/vnd.test.artifact",
            "config": {
                "mediaType": OCI_EMPTY,
                "digest": EMPTY_DIGEST,
                "size": 2,
                "data": "e30=",
            },
            "layers": layers,
        });
        self.put_manifest(
            repo,
            tag,
            OCI_MANIFEST,
            &serde_json::to_vec(&manifest).unwrap(),
        )
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// A header's value as a string (`""` when absent).
pub fn header(headers: &ureq::http::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Plain-HTTP `GET /v2/` over a raw socket; the status code, if any answer came.
fn raw_http_status(host: &str, port: u16) -> Option<u16> {
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    let mut stream = TcpStream::connect((ip, port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .write_all(b"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .ok()?;
    let _ = stream.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1)?.parse().ok()
}

fn registry_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os(REGISTRY_BIN_ENV) {
        return PathBuf::from(bin);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join("docker-registry");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    let default = PathBuf::from("/usr/bin/docker-registry");
    assert!(
        default.is_file(),
        "docker-registry not found (set {REGISTRY_BIN_ENV}, or install it: \
         `apt-get install docker-registry`, which `scripts/test` does for you)"
    );
    default
}

/// A port that was free a moment ago on `host` (`127.0.0.1` or `[::1]`).
fn free_port_on(host: &str) -> u16 {
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    TcpListener::bind((ip, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("bind {host}:0: {e}"))
}

/// A port that was free a moment ago: bind `127.0.0.1:0`, read the port, close.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// A loopback port where connections are refused for as long as the guard lives: a TCP socket
/// bound to `127.0.0.1:0` that never listens, so no other process (or test) can take the port.
pub struct ClosedPort {
    fd: libc::c_int,
    port: u16,
}

impl ClosedPort {
    /// Binds the socket.
    pub fn new() -> ClosedPort {
        // SAFETY: plain socket syscalls on a descriptor this struct owns; sockaddr_in is POD.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
            addr.sin_port = 0;
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let rc = libc::bind(fd, (&raw const addr).cast(), len);
            assert_eq!(rc, 0, "bind: {}", std::io::Error::last_os_error());
            let mut bound: libc::sockaddr_in = std::mem::zeroed();
            let mut bound_len = len;
            let rc = libc::getsockname(fd, (&raw mut bound).cast(), &mut bound_len);
            assert_eq!(rc, 0, "getsockname: {}", std::io::Error::last_os_error());
            ClosedPort {
                fd,
                port: u16::from_be(bound.sin_port),
            }
        }
    }

    /// The refused port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Default for ClosedPort {
    fn default() -> Self {
        ClosedPort::new()
    }
}

impl Drop for ClosedPort {
    fn drop(&mut self) {
        // SAFETY: closes the descriptor opened in `new`, once.
        unsafe {
            libc::close(self.fd);
        }
    }
}

fn write_config(dir: &Path, port: u16, id: &str, options: &RegistryOptions) -> PathBuf {
    let storage = dir.join("storage");
    fs::create_dir_all(&storage).expect("create storage dir");
    let mut config = format!(
        "version: 0.1
log:
  level: warn
  formatter: text
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
    readonly:
      enabled: {read_only}
http:
  addr: \"{host}:{port}\"
  secret: oras-rs-test-harness
  headers:
    X-Harness-Id: [\"{id}\"]
",
        storage = storage.display(),
        read_only = options.read_only,
        host = options.host(),
    );
    if options.tls {
        let cert = dir.join("server.crt");
        let key = dir.join("server.key");
        fs::write(&cert, TEST_SERVER_CERT_PEM).unwrap();
        fs::write(&key, TEST_SERVER_KEY_PEM).unwrap();
        fs::write(dir.join("ca.crt"), TEST_CA_PEM).unwrap();
        // Distribution logs "listening on <addr>, tls" at info level only.
        config = config.replace("level: warn", "level: info");
        config.push_str(&format!(
            "  tls:\n    certificate: {}\n    key: {}\n",
            cert.display(),
            key.display()
        ));
    }
    let path = dir.join("config.yml");
    fs::write(&path, config).expect("write registry config");
    path
}

/// One scripted answer of a [`FakeRegistry`].
#[derive(Debug, Clone)]
pub struct FakeResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl FakeResponse {
    /// An answer with a body and optional extra headers.
    pub fn new(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> FakeResponse {
        FakeResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
        }
    }

    /// A distribution-spec error answer: `{"errors":[{"code":…,"message":…}]}`.
    pub fn error(status: u16, code: &str, message: &str) -> FakeResponse {
        let body = serde_json::json!({ "errors": [{ "code": code, "message": message }] });
        FakeResponse::new(
            status,
            &[("Content-Type", "application/json; charset=utf-8")],
            serde_json::to_vec(&body).unwrap(),
        )
    }
}

type FakeHandler = dyn Fn(&str, &str) -> FakeResponse + Send + Sync + 'static;

/// A scripted plain-HTTP server on `127.0.0.1:<port>`: `handler(method, request-uri)` decides
/// every answer (for `HEAD`, the body is dropped but its length is sent). One request per
/// connection (`Connection: close`). Stopped on drop.
pub struct FakeRegistry {
    port: u16,
    requests: Arc<Mutex<Vec<(String, String)>>>,
    _server: ServerThread,
}

impl FakeRegistry {
    /// Starts the server.
    pub fn start(
        handler: impl Fn(&str, &str) -> FakeResponse + Send + Sync + 'static,
    ) -> FakeRegistry {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<FakeHandler> = Arc::new(handler);
        let server = {
            let requests = requests.clone();
            ServerThread::spawn("127.0.0.1", "fake registry", move |stream| {
                let _ = serve_one(stream, &*handler, &requests);
            })
        };
        FakeRegistry {
            port: server.port(),
            requests,
            _server: server,
        }
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `(method, request-uri)` of every request answered so far.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.requests.lock().unwrap().clone()
    }
}

/// A loopback accept loop on a thread of its own, each connection served on its own thread;
/// stopped and joined on drop. Every scripted test server is this plus its request handling.
pub struct ServerThread {
    ip: String,
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Binds `ip:0` and serves every connection with `serve`.
    pub fn spawn(
        ip: &str,
        what: &str,
        serve: impl Fn(TcpStream) + Send + Sync + 'static,
    ) -> ServerThread {
        let listener = TcpListener::bind((ip, 0)).unwrap_or_else(|e| panic!("bind {what}: {e}"));
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let serve = Arc::new(serve);
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let serve = serve.clone();
                    std::thread::spawn(move || serve(stream));
                }
            })
        };
        ServerThread {
            ip: ip.to_string(),
            port,
            stop,
            thread: Some(thread),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect((self.ip.as_str(), self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What a real plain-HTTP server does with a TLS `ClientHello` (oras-rs opens a connection to a
/// loopback IP address with one, to detect the scheme): a `400 Bad Request` in clear text, the
/// connection closed without a reset. Returns whether the connection was such a one (and is
/// done); call it first thing on every connection of a scripted plain-HTTP server.
pub fn answer_tls_hello_as_plain_http(stream: &TcpStream) -> std::io::Result<bool> {
    let mut first = [0u8; 1];
    // 0x16: a TLS handshake record; no HTTP request starts with it.
    if stream.peek(&mut first)? == 0 || first[0] != 0x16 {
        return Ok(false);
    }
    let mut stream = stream;
    let mut hello = [0u8; 16 * 1024];
    let _ = stream.read(&mut hello)?;
    stream
        .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
    let _ = stream.shutdown(Shutdown::Write);
    // Wait for the client to close, so that nothing unread turns our close into a reset.
    let _ = std::io::copy(&mut stream, &mut std::io::sink());
    Ok(true)
}

fn serve_one(
    stream: TcpStream,
    handler: &FakeHandler,
    requests: &Mutex<Vec<(String, String)>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    if answer_tls_hello_as_plain_http(&stream)? {
        return Ok(());
    }
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let uri = parts.next().unwrap_or_default().to_string();
    let mut content_length = 0u64;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    std::io::copy(
        &mut reader.by_ref().take(content_length),
        &mut std::io::sink(),
    )?;
    requests.lock().unwrap().push((method.clone(), uri.clone()));
    let response = handler(&method, &uri);
    let mut head = format!("HTTP/1.1 {} Fake\r\n", response.status);
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    let mut stream = stream;
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&response.body)?;
    }
    stream.flush()?;
    let _ = stream.shutdown(Shutdown::Both);
    Ok(())
}

thread_local! {
    /// One fake HOME per test thread (libtest runs each test on its own thread), removed when
    /// the thread ends.
    static HOME: RefCell<Option<TempDir>> = const { RefCell::new(None) };
}

fn test_home() -> PathBuf {
    HOME.with(|home| {
        home.borrow_mut()
            .get_or_insert_with(|| {
                let dir = tempfile::Builder::new()
                    .prefix("oras-rs-home-")
                    .tempdir()
                    .expect("create fake HOME");
                fs::create_dir_all(dir.path().join(".docker")).unwrap();
                dir
            })
            .path()
            .to_path_buf()
    })
}

/// Path of the `oras` binary built by cargo for this test run.
pub fn oras_bin() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("oras")
}

/// `std::process::Command` for `oras` with the clean environment of [`oras`]. Use it when a test
/// needs what `assert_cmd::Command` does not offer (spawning, wrapping in another program).
pub fn oras_std() -> Command {
    let mut cmd = Command::new(oras_bin());
    clean_env(&mut cmd);
    cmd
}

/// Sends `signal` to `child` and waits for it to exit, failing the test past 20 s. Returns the
/// exit status and how long the child took to stop.
pub fn signal_and_wait(
    child: &mut std::process::Child,
    signal: libc::c_int,
) -> (std::process::ExitStatus, std::time::Duration) {
    let signalled = std::time::Instant::now();
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, signalled.elapsed());
        }
        assert!(
            signalled.elapsed() < std::time::Duration::from_secs(20),
            "oras did not stop within 20 s of the signal"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Applies the clean environment of [`oras`] to any command (e.g. a wrapper that runs `oras`).
pub fn clean_env(cmd: &mut Command) {
    let home = test_home();
    cmd.env("HOME", &home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("NO_COLOR", "1")
        // Retries back off from 10 ms instead of 250 ms, so faults stay fast.
        .env("ORAS_RETRY_BASE_MS", "10")
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("ORAS_CACHE")
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("REGISTRY_AUTH_FILE");
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
}

/// `oras` with HOME and DOCKER_CONFIG in a per-test temp dir, no `SOURCE_DATE_EPOCH`, no proxy
/// variables, `NO_COLOR=1`, stdin empty and a [`ORAS_TIMEOUT`] limit.
pub fn oras() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(oras_std());
    cmd.write_stdin(Vec::new()).timeout(ORAS_TIMEOUT);
    cmd
}

/// [`oras`] running in `dir`.
pub fn oras_in(dir: &Path) -> assert_cmd::Command {
    let mut cmd = oras();
    cmd.current_dir(dir);
    cmd
}

/// Runs `cmd`, asserts success and returns stdout.
pub fn ok(cmd: &mut assert_cmd::Command) -> String {
    assert_success(&cmd.output().expect("run oras"))
}

/// Runs `cmd`, asserts a clean failure (see [`assert_clean_failure`]) and returns stderr.
pub fn fails(cmd: &mut assert_cmd::Command) -> String {
    assert_clean_failure(&cmd.output().expect("run oras"))
}

/// A fresh temp dir for a test's files.
pub fn workdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("oras-rs-test-")
        .tempdir()
        .expect("create work dir")
}

/// Writes `bytes` to `dir/name` (creating parent dirs) and returns the path.
pub fn write_file(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, bytes).unwrap();
    path
}

/// Writes `files` into a fresh work dir and runs `oras push <reference> <arguments…>` there
/// (with [`oras_in`]), asserting success; returns stdout. The arrange block "write files, push
/// an artifact" of many tests.
///
/// Each entry is (push argument, contents). The argument is the file name, optionally with oras's
/// `:<media type>` suffix: `a.txt`, `README:text/markdown`, or `a:b:` for a file named `a:b`. The
/// file written is the argument up to its last colon, as oras splits it.
pub fn push_files(reference: &str, files: &[(&str, &[u8])]) -> String {
    push_files_with(oras_in, reference, files)
}

/// [`push_files`] with the `oras` command that `oras_in` builds for the work dir (e.g. one that
/// sets `SOURCE_DATE_EPOCH`).
pub fn push_files_with(
    oras_in: impl Fn(&Path) -> assert_cmd::Command,
    reference: &str,
    files: &[(&str, &[u8])],
) -> String {
    let work = workdir();
    let mut cmd = oras_in(work.path());
    cmd.arg("push").arg(reference);
    for (arg, bytes) in files {
        let name = arg.rsplit_once(':').map_or(*arg, |(name, _)| name);
        write_file(work.path(), name, bytes);
        cmd.arg(arg);
    }
    ok(&mut cmd)
}

/// The value of the `Digest: ` line of a text output (push, attach, cp, …).
pub fn digest_line(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Digest: "))
        .unwrap_or_else(|| panic!("no `Digest: ` line in:\n{stdout}"))
        .to_string()
}

/// Runs `oras <args…>` (see [`oras`]) to completion.
pub fn run(args: &[&str]) -> std::process::Output {
    oras().args(args).output().unwrap()
}

/// `sha256:<hex>` of `data`.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// The 12-hex-char short digest oras prints in status lines.
pub fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
    &hex[..12]
}

/// All regular files under `dir`, as sorted paths relative to `dir` with `/` separators.
pub fn list_files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// What a failed `oras` run must look like (oras-cli.md §3.1): a non-zero exit code (not a
/// signal), no panic, nothing but a one-line `Error…` message (optionally followed by hint lines)
/// on stderr. Returns stderr for further checks.
pub fn assert_clean_failure(output: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let context = format!(
        "exit: {:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("oras was killed by a signal\n{context}"));
    assert_eq!(
        code, 1,
        "oras exits 1 on every failure, as oras does\n{context}"
    );
    assert!(
        !stderr.contains("panicked") && !stdout.contains("panicked"),
        "oras panicked\n{context}"
    );
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "oras panicked\n{context}"
    );
    let error_lines = stderr
        .lines()
        .filter(|line| line.starts_with("Error"))
        .count();
    assert_eq!(
        error_lines, 1,
        "stderr should have exactly one line starting with `Error`\n{context}"
    );
    let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(
        first.starts_with("Error"),
        "the first line of stderr should be the error\n{context}"
    );
    stderr
}

/// stdout of a successful run as a String; panics with both streams otherwise.
pub fn assert_success(output: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "oras failed: {:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );
    assert!(!stderr.contains("panicked"), "oras panicked\n{stderr}");
    stdout
}
