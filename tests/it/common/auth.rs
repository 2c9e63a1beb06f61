//! Authentication parts of the harness.
//!
//! * [`start_htpasswd`] / [`start_token`] run the real Distribution with its real `htpasswd`
//!   (bcrypt file made by `htpasswd -B`) or `token` auth, optionally over TLS with the test CA.
//! * [`TokenServer`] is the token server for `auth: token:`: it checks Basic credentials or a
//!   refresh token, grants `pull,push` to its user and `pull` to everyone, and signs ES256 JWTs
//!   with the test server key, whose certificate chain (in `x5c`) leads to the test CA that the
//!   registry trusts as `rootcertbundle` (Distribution `registry/auth/token/token.go`).
//! * [`ForwardProxy`] is a plain-HTTP forward proxy that records what went through it and can
//!   hold a request back (to let a token expire in the middle of a push).

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::{
    REGISTRY_SEQ, Registry, RegistryOptions, ServerThread, TEST_CA_PEM, TEST_SERVER_CERT_PEM,
    TEST_SERVER_KEY_PEM, free_port, http_agent, raw_http_status, registry_bin, write_config,
};

/// The user the test registries know, and may push.
pub const USER: &str = "alice";
/// Their password.
pub const PASSWORD: &str = "correct-horse-battery";
/// The refresh (identity) token the token server accepts for [`USER`].
pub const REFRESH_TOKEN: &str = "refresh-token-for-alice-0123456789";
/// The token service name.
pub const SERVICE: &str = "oras-rs-test-registry";
const ISSUER: &str = "oras-rs-test-issuer";

/// One HTTP request as a test server saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    /// Method.
    pub method: String,
    /// Request URI (absolute for proxied requests).
    pub uri: String,
    /// Lower-cased header names and their values.
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// A header's value, `""` when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Reads one request (head and `Content-Length` body) from `reader`.
pub fn read_request(reader: &mut impl BufRead) -> std::io::Result<Option<SeenRequest>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let uri = parts.next().unwrap_or_default().to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let len: u64 = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = Vec::new();
    reader.by_ref().take(len).read_to_end(&mut body)?;
    Ok(Some(SeenRequest {
        method,
        uri,
        headers,
        body,
    }))
}

fn write_response(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} Test\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn pem_body(pem: &str) -> Vec<u8> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    STANDARD.decode(b64).expect("PEM body")
}

/// How the token server behaves.
#[derive(Debug, Clone)]
pub struct TokenServerOptions {
    /// `exp` claim of the N-th token (0-based) relative to now, in seconds; others get 300.
    /// Distribution accepts a token up to 60 s past `exp`, so `-56` means "valid for 4–5 s".
    pub exp_offsets: Vec<(usize, i64)>,
    /// `expires_in` announced to the client.
    pub expires_in: u64,
    /// `exp` of the tokens not named in `exp_offsets`, relative to now (300 s).
    pub exp_offset: i64,
    /// `expires_in` as this exact JSON instead (`18446744073709551615`, `-5`, `2.5`, `"x"`).
    pub expires_in_json: Option<serde_json::Value>,
}

impl Default for TokenServerOptions {
    fn default() -> Self {
        TokenServerOptions {
            exp_offsets: Vec::new(),
            expires_in: 300,
            exp_offset: 300,
            expires_in_json: None,
        }
    }
}

/// What the token server did for one request.
#[derive(Debug, Clone)]
pub struct TokenIssue {
    /// The request.
    pub request: SeenRequest,
    /// Who was authenticated (`""` for anonymous), `None` when refused.
    pub subject: Option<String>,
    /// The token issued.
    pub token: String,
}

/// The token server for Distribution's `auth: token:` (plain HTTP on loopback).
pub struct TokenServer {
    port: u16,
    issued: Arc<Mutex<Vec<TokenIssue>>>,
    _server: ServerThread,
}

impl TokenServer {
    /// Starts the server.
    pub fn start(options: TokenServerOptions) -> TokenServer {
        let issued = Arc::new(Mutex::new(Vec::new()));
        let server = {
            let issued = issued.clone();
            ServerThread::spawn("127.0.0.1", "token server", move |stream| {
                let _ = serve_token(stream, &options, &issued);
            })
        };
        TokenServer {
            port: server.port(),
            issued,
            _server: server,
        }
    }

    /// `http://127.0.0.1:<port>/token`.
    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request answered so far.
    pub fn issued(&self) -> Vec<TokenIssue> {
        self.issued.lock().unwrap().clone()
    }

    /// The tokens actually issued (refusals left out).
    pub fn tokens(&self) -> Vec<String> {
        self.issued()
            .into_iter()
            .filter(|i| i.subject.is_some())
            .map(|i| i.token)
            .collect()
    }

    /// A shared view of the issued tokens, for a proxy hook.
    pub fn issued_handle(&self) -> Arc<Mutex<Vec<TokenIssue>>> {
        self.issued.clone()
    }
}

fn query_params(uri: &str) -> Vec<(String, String)> {
    let query = uri.split_once('?').map(|(_, q)| q).unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn serve_token(
    stream: TcpStream,
    options: &TokenServerOptions,
    issued: &Mutex<Vec<TokenIssue>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(request) = read_request(&mut reader)? else {
        return Ok(());
    };
    let mut stream = stream;
    let (subject, scopes, service) = if request.method == "POST" {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let get = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let subject = (get("grant_type") == "refresh_token"
            && get("refresh_token") == REFRESH_TOKEN)
            .then(|| USER.to_string());
        let scopes: Vec<String> = get("scope")
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        (subject, scopes, get("service"))
    } else {
        let params = query_params(&request.uri);
        let scopes = params
            .iter()
            .filter(|(k, _)| k == "scope")
            .flat_map(|(_, v)| v.split(' ').map(str::to_string).collect::<Vec<_>>())
            .collect();
        let service = params
            .iter()
            .find(|(k, _)| k == "service")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let subject = match request.header("authorization").strip_prefix("Basic ") {
            None => Some(String::new()),
            Some(b64) => {
                let decoded = STANDARD.decode(b64.trim()).unwrap_or_default();
                let text = String::from_utf8_lossy(&decoded).to_string();
                (text == format!("{USER}:{PASSWORD}")).then(|| USER.to_string())
            }
        };
        (subject, scopes, service)
    };
    let Some(subject) = subject.filter(|_| service == SERVICE) else {
        issued.lock().unwrap().push(TokenIssue {
            request,
            subject: None,
            token: String::new(),
        });
        return write_response(
            &mut stream,
            401,
            &[("Content-Type", "application/json".into())],
            br#"{"details":"invalid credentials"}"#,
        );
    };
    let mut guard = issued.lock().unwrap();
    let index = guard.iter().filter(|i| i.subject.is_some()).count();
    let offset = options
        .exp_offsets
        .iter()
        .find(|(i, _)| *i == index)
        .map(|(_, o)| *o)
        .unwrap_or(options.exp_offset);
    let access: Vec<serde_json::Value> = scopes
        .iter()
        .filter_map(|s| {
            let (kind, rest) = s.split_once(':')?;
            let (name, actions) = rest.rsplit_once(':')?;
            let allowed: Vec<&str> = actions
                .split(',')
                .filter(|a| *a == "pull" || (*a == "push" && subject == USER))
                .collect();
            Some(serde_json::json!({"type": kind, "name": name, "actions": allowed}))
        })
        .collect();
    let token = sign_jwt(&subject, &access, offset, index);
    guard.push(TokenIssue {
        request,
        subject: Some(subject),
        token: token.clone(),
    });
    drop(guard);
    let body = serde_json::json!({
        "token": token,
        "access_token": token,
        "expires_in": options
            .expires_in_json
            .clone()
            .unwrap_or_else(|| options.expires_in.into()),
    });
    write_response(
        &mut stream,
        200,
        &[("Content-Type", "application/json".into())],
        &serde_json::to_vec(&body).unwrap(),
    )
}

/// An ES256 JWT for `access`, signed by the test server key with its certificate in `x5c`.
pub fn sign_jwt(subject: &str, access: &[serde_json::Value], exp_offset: i64, id: usize) -> String {
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let header = serde_json::json!({
        "typ": "JWT",
        "alg": "ES256",
        "x5c": [STANDARD.encode(pem_body(TEST_SERVER_CERT_PEM))],
    });
    let now = now() as i64;
    let claims = serde_json::json!({
        "iss": ISSUER,
        "sub": subject,
        "aud": SERVICE,
        "exp": now + exp_offset,
        "nbf": now - 10,
        "iat": now,
        "jti": format!("token-{id}-{now}"),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
    );
    let rng = ring::rand::SystemRandom::new();
    let key = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &pem_body(TEST_SERVER_KEY_PEM),
        &rng,
    )
    .expect("test key");
    let sig = key.sign(&rng, signing_input.as_bytes()).expect("sign");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
}

/// A client CA and a client certificate it signed (for `clientAuth`), as PEM, generated per run.
pub struct ClientPki {
    /// The CA certificate the registry trusts for clients (`http.tls.clientcas`).
    pub ca_pem: String,
    /// The client certificate.
    pub cert_pem: String,
    /// The client's private key (PKCS#8).
    pub key_pem: String,
}

/// Generates a client CA and a client certificate with rcgen.
pub fn client_pki() -> ClientPki {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "oras-rs test client CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "oras-rs test client");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &ca).unwrap();
    ClientPki {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Which auth a registry started by this module uses.
pub enum AuthMode<'a> {
    /// No auth, but TLS that requires a client certificate signed by this CA (PEM).
    ClientCert(&'a str),
    /// `auth: htpasswd:` with [`USER`]/[`PASSWORD`] (bcrypt).
    Htpasswd,
    /// `auth: token:` against this token server.
    Token(&'a TokenServer),
    /// `auth: token:` against this token server, named by this host in the realm (for tests
    /// that reach it through a proxy or `--resolve`).
    TokenAt(&'a TokenServer, &'a str),
}

/// Starts Distribution with htpasswd auth (plain HTTP, or TLS with the test CA).
pub fn start_htpasswd(tls: bool) -> Registry {
    start_auth(AuthMode::Htpasswd, tls)
}

/// `oras login <registry> -u USER --password-stdin` with [`PASSWORD`] on stdin: the login of
/// [`USER`] to an htpasswd registry. Callers add the config flags or environment, then run it.
pub fn login(registry: &Registry) -> assert_cmd::Command {
    let mut cmd = super::oras();
    cmd.args(["login", &registry.addr(), "-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD);
    cmd
}

/// Starts Distribution with token auth against `server`.
pub fn start_token(server: &TokenServer) -> Registry {
    start_auth(AuthMode::Token(server), false)
}

fn auth_section(dir: &Path, mode: &AuthMode) -> String {
    match mode {
        AuthMode::ClientCert(ca) => {
            let path = dir.join("client-ca.pem");
            fs::write(&path, ca).unwrap();
            // Continues the `http.tls` block that ends the config.
            format!("    clientcas:\n      - {}\n", path.display())
        }
        AuthMode::Htpasswd => {
            let out = Command::new("htpasswd")
                .args(["-Bbn", USER, PASSWORD])
                .output()
                .expect("run htpasswd (apt-get install apache2-utils)");
            assert!(out.status.success(), "htpasswd failed");
            let path = dir.join("htpasswd");
            fs::write(&path, &out.stdout).unwrap();
            format!(
                "auth:\n  htpasswd:\n    realm: oras-rs-test\n    path: {}\n",
                path.display()
            )
        }
        AuthMode::Token(server) => token_section(dir, &server.realm()),
        AuthMode::TokenAt(server, host) => {
            token_section(dir, &format!("http://{host}:{}/token", server.port()))
        }
    }
}

fn token_section(dir: &Path, realm: &str) -> String {
    let bundle = dir.join("token-roots.pem");
    fs::write(&bundle, TEST_CA_PEM).unwrap();
    format!(
        "auth:\n  token:\n    realm: {realm}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
        bundle.display()
    )
}

/// Starts a registry whose `/v2/` answers 401 until authenticated.
pub fn start_auth(mode: AuthMode, tls: bool) -> Registry {
    let bin = registry_bin();
    let mut failures = Vec::new();
    for attempt in 1..=3 {
        let dir = tempfile::Builder::new()
            .prefix("oras-rs-registry-")
            .tempdir()
            .expect("create registry temp dir");
        let port = free_port();
        let id = format!(
            "{}-{}-{}",
            std::process::id(),
            REGISTRY_SEQ.fetch_add(1, Ordering::Relaxed),
            port
        );
        let options = RegistryOptions {
            tls,
            ..RegistryOptions::default()
        };
        let config = write_config(dir.path(), port, &id, &options);
        let mut text = fs::read_to_string(&config).unwrap();
        // Readiness below needs the info-level "listening on" line.
        text = text.replace("level: warn", "level: info");
        text.push_str(&auth_section(dir.path(), &mode));
        fs::write(&config, text).unwrap();
        let log = fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("run docker-registry");
        let mut registry = Registry {
            child,
            port,
            dir,
            tls,
            host: "127.0.0.1",
            agent: http_agent(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let ready = loop {
            if let Ok(Some(status)) = registry.child.try_wait() {
                break Err(format!("exited early with {status}"));
            }
            let listening = if tls {
                registry
                    .log()
                    .contains(&format!("listening on 127.0.0.1:{port}, tls"))
                    && raw_http_status("127.0.0.1", port) == Some(400)
            } else {
                matches!(
                    registry.request("GET", "/v2/", &[], None),
                    Ok((401, headers, _)) if headers.get("x-harness-id").and_then(|v| v.to_str().ok()) == Some(id.as_str())
                )
            };
            if listening {
                break Ok(());
            }
            if Instant::now() > deadline {
                break Err("not ready within 30 s".to_string());
            }
            std::thread::sleep(Duration::from_millis(25));
        };
        match ready {
            Ok(()) => return registry,
            Err(why) => failures.push(format!(
                "attempt {attempt}: {why}\n--- log ---\n{}",
                registry.log()
            )),
        }
    }
    panic!("auth registry did not start:\n{}", failures.join("\n"));
}

/// Writes the test CA to `dir/ca.pem` for `--ca-file`.
pub fn write_ca(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("ca.pem");
    fs::write(&path, TEST_CA_PEM).unwrap();
    path
}

type ProxyHook = dyn Fn(&SeenRequest) -> Duration + Send + Sync + 'static;

/// A plain-HTTP forward proxy (absolute-form requests), recording every request and asking
/// `hook` how long to hold each one back before forwarding it. Hosts ending in `.test` are
/// reached on `127.0.0.1` (the proxy is the one that resolves names).
pub struct ForwardProxy {
    port: u16,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    _server: ServerThread,
}

impl ForwardProxy {
    /// Starts the proxy.
    pub fn start(hook: impl Fn(&SeenRequest) -> Duration + Send + Sync + 'static) -> ForwardProxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let hook: Arc<ProxyHook> = Arc::new(hook);
        let server = {
            let seen = seen.clone();
            ServerThread::spawn("127.0.0.1", "proxy", move |stream| {
                let _ = forward(stream, &*hook, &seen);
            })
        };
        ForwardProxy {
            port: server.port(),
            seen,
            _server: server,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap().clone()
    }
}

fn forward(
    stream: TcpStream,
    hook: &ProxyHook,
    seen: &Mutex<Vec<SeenRequest>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut client = stream;
    // One request per connection: the answer ends with `Connection: close`.
    let Some(request) = read_request(&mut reader)? else {
        return Ok(());
    };
    seen.lock().unwrap().push(request.clone());
    std::thread::sleep(hook(&request));
    if request.method == "CONNECT" {
        return tunnel(client, &request.uri);
    }
    let Some(rest) = request.uri.strip_prefix("http://") else {
        return write_response(&mut client, 400, &[], b"absolute http URI expected");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let target = match authority.rsplit_once(':') {
        Some((host, port)) if host.ends_with(".test") => format!("127.0.0.1:{port}"),
        _ => authority.to_string(),
    };
    let mut upstream = match TcpStream::connect(target) {
        Ok(s) => s,
        Err(_) => return write_response(&mut client, 502, &[], b"upstream unreachable"),
    };
    let mut head = format!("{} {path} HTTP/1.1\r\n", request.method);
    for (k, v) in &request.headers {
        if k == "connection" || k == "proxy-connection" || k == "keep-alive" {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(&request.body)?;
    upstream.flush()?;
    std::io::copy(&mut upstream, &mut client)?;
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

/// `CONNECT host:port` (how HTTPS goes through a proxy): connect, answer 200, then splice bytes
/// both ways until either side closes. `.test` hosts are reached on 127.0.0.1.
fn tunnel(mut client: TcpStream, authority: &str) -> std::io::Result<()> {
    let target = match authority.rsplit_once(':') {
        Some((host, port)) if host.ends_with(".test") => format!("127.0.0.1:{port}"),
        _ => authority.to_string(),
    };
    let Ok(upstream) = TcpStream::connect(target) else {
        return write_response(&mut client, 502, &[], b"upstream unreachable");
    };
    client.set_read_timeout(None)?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    let (mut c_read, mut u_write) = (client.try_clone()?, upstream.try_clone()?);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut u_write);
        let _ = u_write.shutdown(Shutdown::Write);
    });
    let (mut u_read, mut c_write) = (upstream, client);
    let _ = std::io::copy(&mut u_read, &mut c_write);
    let _ = c_write.shutdown(Shutdown::Both);
    let _ = up.join();
    Ok(())
}

/// Writes an executable `docker-credential-<name>` shell script into `dir` (put `dir` on PATH).
pub fn write_helper(dir: &Path, name: &str, script: &str) -> std::path::PathBuf {
    let path = dir.join(format!("docker-credential-{name}"));
    fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

type HostileHandler =
    dyn Fn(&SeenRequest, u16) -> (u16, Vec<(String, String)>, Vec<u8>) + Send + Sync + 'static;

/// The hostile registry: a scripted plain-HTTP server that records every request with its
/// headers, so a test can check that no credential reached it. `handler(request, own_port)`
/// answers.
pub struct HostileServer {
    port: u16,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    _server: ServerThread,
}

impl HostileServer {
    /// Starts the server on `127.0.0.1` (or another loopback address such as `127.0.0.2`).
    pub fn start_on(
        ip: &str,
        handler: impl Fn(&SeenRequest, u16) -> (u16, Vec<(String, String)>, Vec<u8>)
        + Send
        + Sync
        + 'static,
    ) -> HostileServer {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<HostileHandler> = Arc::new(handler);
        let server = {
            let seen = seen.clone();
            ServerThread::spawn(ip, "hostile server", move |stream| {
                // The handler is told the server's own port (the stream's local end).
                let port = stream.local_addr().map(|a| a.port()).unwrap_or(0);
                let _ = (|| -> std::io::Result<()> {
                    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
                    if super::answer_tls_hello_as_plain_http(&stream)? {
                        return Ok(());
                    }
                    let mut reader = BufReader::new(stream.try_clone()?);
                    let Some(req) = read_request(&mut reader)? else {
                        return Ok(());
                    };
                    seen.lock().unwrap().push(req.clone());
                    let (status, headers, body) = handler(&req, port);
                    let headers: Vec<(&str, String)> = headers
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.clone()))
                        .collect();
                    let mut stream = stream;
                    let body = if req.method == "HEAD" {
                        Vec::new()
                    } else {
                        body
                    };
                    write_response(&mut stream, status, &headers, &body)?;
                    let _ = stream.shutdown(Shutdown::Both);
                    Ok(())
                })();
            })
        };
        HostileServer {
            port: server.port(),
            seen,
            _server: server,
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap().clone()
    }
}

type TlsHandler =
    dyn Fn(&SeenRequest, u16) -> (u16, Vec<(String, String)>, Vec<u8>) + Send + Sync + 'static;

/// A hostile HTTPS server with the test server certificate that asks for (but does not require)
/// a client certificate signed by `client_ca_pem`, and records for each request whether the
/// client presented one.
pub struct TlsHostile {
    port: u16,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<(SeenRequest, bool)>>>,
    thread: Option<JoinHandle<()>>,
}

impl TlsHostile {
    /// Starts the server on `127.0.0.1`.
    pub fn start(
        client_ca_pem: &str,
        handler: impl Fn(&SeenRequest, u16) -> (u16, Vec<(String, String)>, Vec<u8>)
        + Send
        + Sync
        + 'static,
    ) -> TlsHostile {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(pem_body(client_ca_pem)))
            .unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .allow_unauthenticated()
        .build()
        .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from(pem_body(TEST_SERVER_CERT_PEM))],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pem_body(TEST_SERVER_KEY_PEM))),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind tls server");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<TlsHandler> = Arc::new(handler);
        let thread = {
            let stop = stop.clone();
            let seen = seen.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let seen = seen.clone();
                    let handler = handler.clone();
                    let config = config.clone();
                    std::thread::spawn(move || {
                        let _ = (|| -> std::io::Result<()> {
                            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
                            let conn = rustls::ServerConnection::new(config)
                                .map_err(std::io::Error::other)?;
                            let mut tls = rustls::StreamOwned::new(conn, stream);
                            let req = {
                                let mut reader = BufReader::new(&mut tls);
                                read_request(&mut reader)?
                            };
                            let Some(req) = req else { return Ok(()) };
                            let presented = tls.conn.peer_certificates().is_some();
                            seen.lock().unwrap().push((req.clone(), presented));
                            let (status, headers, body) = handler(&req, port);
                            let mut head = format!("HTTP/1.1 {status} Test\r\n");
                            for (k, v) in &headers {
                                head.push_str(&format!("{k}: {v}\r\n"));
                            }
                            let body = if req.method == "HEAD" {
                                Vec::new()
                            } else {
                                body
                            };
                            head.push_str(&format!(
                                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            ));
                            tls.write_all(head.as_bytes())?;
                            tls.write_all(&body)?;
                            tls.flush()?;
                            tls.conn.send_close_notify();
                            let _ = tls.flush();
                            Ok(())
                        })();
                    });
                }
            })
        };
        TlsHostile {
            port,
            stop,
            seen,
            thread: Some(thread),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request seen so far, with whether a client certificate was presented.
    pub fn seen(&self) -> Vec<(SeenRequest, bool)> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for TlsHostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
