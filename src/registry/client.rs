//! [`HttpClient`]: the only owner of `reqwest::Client`s. Every request to a registry goes through
//! [`HttpClient::send`], which is where tracing, authentication ([`super::auth`]) and redirects
//! live, and which turns transport failures and error statuses into typed errors.
//!
//! Secrets stay with the registry's own origin (scheme, host and port): the `Authorization`
//! header, `-H` headers and the client certificate go nowhere else. Redirects are followed here,
//! not by reqwest, so that a header stripped on the way to another origin is never restored
//! along the chain, and an https→http redirect is refused. `--debug` logs every exchange with
//! secrets redacted.
//!
//! Reliability lives here too (see `docs/reliability-tests.md`):
//! - requests that can be replayed (no body, or a body held in memory: HEAD, GET, the bodiless
//!   upload POST, the manifest PUT, token requests) are retried on connection errors, timeouts,
//!   408, 429 and 5xx, with exponential backoff and jitter ([`RetryPolicy`]); `Retry-After`
//!   (seconds or HTTP date) is honoured up to a cap, and a longer one fails at once with
//!   [`RateLimited`]. A streamed body (a blob PUT) is never replayed.
//! - timeouts: connect, response headers and read-idle ([`Timeouts`]); none on the total time of
//!   a transfer. A request whose body streams (a blob PUT) is watched instead: it fails when the
//!   registry stops taking the body for the read timeout, or does not answer within the
//!   response timeout once the body is all sent.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{
    AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, LOCATION, WWW_AUTHENTICATE,
};
use reqwest::{Method, Request, RequestBuilder, Response, StatusCode};
use url::Url;

use super::auth::{self, AuthState, Challenge, Scheme};
use super::error::{
    AuthError, ErrorResponse, MAX_ERROR_BODY, RateLimited, TransportError, TransportKind,
};
use crate::credentials::CredentialProvider;
use crate::error::{Error, Result};

/// At most this many redirects are followed for one request.
const MAX_REDIRECTS: usize = 10;

/// Default connect timeout (Go's `net.Dialer` in oras: 30 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time to wait for a response's headers once the request is sent (§3 of the
/// reliability notes: 60 s; oras itself has none and hangs).
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default longest silence while reading a response body (the notes recommend 60–120 s; the
/// upper end, since a busy registry or storage backend may pause between chunks).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Environment variable overriding the connect timeout (`30`, `1.5`, `500ms`, `2m`; `0` = none).
pub const ENV_CONNECT_TIMEOUT: &str = "ORAS_CONNECT_TIMEOUT";
/// Environment variable overriding the response-header timeout.
pub const ENV_RESPONSE_TIMEOUT: &str = "ORAS_RESPONSE_TIMEOUT";
/// Environment variable overriding the read-idle timeout.
pub const ENV_READ_TIMEOUT: &str = "ORAS_READ_TIMEOUT";
/// Environment variable overriding the first backoff of a retry, in milliseconds (tests set it
/// low so that faults are fast).
pub const ENV_RETRY_BASE_MS: &str = "ORAS_RETRY_BASE_MS";
/// Environment variable overriding the number of attempts of a replayable request (1 = none).
pub const ENV_RETRY_ATTEMPTS: &str = "ORAS_RETRY_ATTEMPTS";
/// Environment variable overriding the longest `Retry-After` oras waits for (a duration).
pub const ENV_MAX_RETRY_AFTER: &str = "ORAS_MAX_RETRY_AFTER";

/// The read-idle timeout in force, in milliseconds (0 = none), for the message of a body read
/// that timed out ([`body_io_error`] has no client at hand).
static READ_TIMEOUT_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The three timeouts of a request. There is deliberately none on the total time: a large blob
/// may take hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the TCP (and TLS) connection; `None` = no limit.
    pub connect: Option<Duration>,
    /// From sending a request (whose body is in memory) to its response headers.
    pub response: Option<Duration>,
    /// The longest silence while reading a response (headers included: reqwest's read timeout
    /// runs from the send).
    pub read: Option<Duration>,
}

impl Timeouts {
    /// The defaults, overridden by [`ENV_CONNECT_TIMEOUT`], [`ENV_RESPONSE_TIMEOUT`] and
    /// [`ENV_READ_TIMEOUT`]; `0` in a variable turns that timeout off.
    pub fn from_env() -> Result<Self> {
        Ok(Timeouts {
            connect: env_duration(ENV_CONNECT_TIMEOUT)?.unwrap_or(Some(DEFAULT_CONNECT_TIMEOUT)),
            response: env_duration(ENV_RESPONSE_TIMEOUT)?.unwrap_or(Some(DEFAULT_RESPONSE_TIMEOUT)),
            read: env_duration(ENV_READ_TIMEOUT)?.unwrap_or(Some(DEFAULT_READ_TIMEOUT)),
        })
    }
}

/// When and how often a replayable request is sent again.
///
/// The numbers, from the survey of trusted clients (reliability notes §2–§3): 5 attempts in
/// all, as containerd (`maxAttempts = 5`) and regclient (`DefaultRetryLimit = 5`), one fewer
/// than oras-go's 6 sends; exponential backoff from 250 ms (oras-go's base) doubling to at most
/// 4 s per wait with ±20 % jitter, so a failing request gives up after about 4 s of waiting
/// (250 + 500 + 1000 + 2000 ms) instead of hammering; `Retry-After` honoured (seconds or HTTP
/// date, on every retried status, as regclient) but only up to 60 s: oras-go clamps it to 3 s
/// and retries 5 times into a quota, which burns the quota; a longer wait fails at once and says
/// how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends in all, the first included (1 = never retry).
    pub attempts: u32,
    /// The first backoff; each next one doubles.
    pub base: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` waited for; longer fails with [`RateLimited`].
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(250),
            max_backoff: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The defaults, overridden by [`ENV_RETRY_ATTEMPTS`], [`ENV_RETRY_BASE_MS`] and
    /// [`ENV_MAX_RETRY_AFTER`].
    pub fn from_env() -> Result<Self> {
        let mut policy = RetryPolicy::default();
        if let Some(raw) = env_var(&[ENV_RETRY_ATTEMPTS]) {
            policy.attempts = raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "invalid {ENV_RETRY_ATTEMPTS} {raw:?}: expected a number of attempts (1 or more)"
                    ))
                })?;
        }
        if let Some(raw) = env_var(&[ENV_RETRY_BASE_MS]) {
            let ms = raw.trim().parse::<u64>().map_err(|_| {
                Error::invalid(format!(
                    "invalid {ENV_RETRY_BASE_MS} {raw:?}: expected milliseconds"
                ))
            })?;
            policy.base = Duration::from_millis(ms);
            policy.max_backoff = policy.max_backoff.min(policy.base.saturating_mul(16));
        }
        if let Some(wait) = env_duration(ENV_MAX_RETRY_AFTER)? {
            policy.max_retry_after = wait.unwrap_or(Duration::ZERO);
        }
        Ok(policy)
    }

    /// The wait before retry number `retry` (0 for the first retry): `base × 2^retry`, at most
    /// `max_backoff`, times a random factor in [0.8, 1.2).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_backoff);
        exp.mul_f64(0.8 + 0.4 * random_unit())
    }
}

/// A random number in [0, 1) (std's per-process random hash keys; no extra dependency).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses a duration: `30` or `1.5` (seconds), `500ms`, `2s`, `3m`, `1h`. `Ok(None)` when the
/// variable is unset; `Ok(Some(None))` for `0` (no limit).
fn env_duration(name: &str) -> Result<Option<Option<Duration>>> {
    let Some(raw) = env_var(&[name]) else {
        return Ok(None);
    };
    let d = parse_duration(&raw).ok_or_else(|| {
        Error::invalid_with_hint(
            format!("invalid {name} {raw:?}"),
            "Use seconds (30, 1.5) or a unit (500ms, 2s, 3m, 1h); 0 turns the limit off.",
        )
    })?;
    Ok(Some(if d.is_zero() { None } else { Some(d) }))
}

/// `30`, `1.5`, `500ms`, `2s`, `3m`, `1h` → a duration.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (number, unit) = match raw.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: f64 = number.trim().parse().ok()?;
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(n * scale).ok()
}

/// A wait the way people say it: `45s`, `2m30s`, `1h`, `1h5m`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), as a wait from now.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(raw, &format)
        .ok()?
        .assume_utc();
    let wait = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// Statuses worth another try: 408, 429 and 5xx but 501 and 505 (a registry that does not
/// implement something will not start to).
fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429)
        || (status.is_server_error() && !matches!(status.as_u16(), 501 | 505))
}

/// When a streamed request body last moved, and when it ended.
#[derive(Debug)]
struct Progress(std::sync::Mutex<(Instant, Option<Instant>)>);

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Progress {
    fn new() -> Self {
        Progress(std::sync::Mutex::new((Instant::now(), None)))
    }

    fn get(&self) -> (Instant, Option<Instant>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn moved(&self, ended: bool) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        state.0 = Instant::now();
        if ended && state.1.is_none() {
            state.1 = Some(state.0);
        }
    }
}

/// A request body that records its progress in a [`Progress`].
struct Watched {
    inner: reqwest::Body,
    progress: Arc<Progress>,
    /// Bytes still to send when the length is known: hyper stops polling a body whose
    /// `Content-Length` is reached, so its end is seen here rather than as a final `None`.
    remaining: Option<u64>,
}

impl http_body::Body for Watched {
    type Data = bytes::Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::result::Result<http_body::Frame<Self::Data>, Self::Error>>>
    {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            std::task::Poll::Ready(None) => self.progress.moved(true),
            std::task::Poll::Ready(Some(frame)) => {
                let sent = match frame {
                    Ok(f) => f.data_ref().map_or(0, |d| d.len() as u64),
                    Err(_) => 0,
                };
                if let Some(left) = self.remaining.as_mut() {
                    *left = left.saturating_sub(sent);
                }
                let ended = self.inner.is_end_stream() || self.remaining == Some(0);
                self.progress.moved(ended);
            }
            std::task::Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// How [`HttpClient::retrying`] sends each attempt.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// With the registry's authentication ([`HttpClient::send_authed`]).
    Registry,
    /// As is, no redirects: a token request.
    TokenServer,
}

/// How many sends a response took, kept in its extensions for the final error's hint.
#[derive(Debug, Clone, Copy)]
struct Attempts(u32);

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Skip TLS certificate verification (`--insecure`).
    pub insecure: bool,
    /// Connect timeout; `None` for [`ENV_CONNECT_TIMEOUT`] or the default (30 s).
    pub connect_timeout: Option<Duration>,
    /// Timeouts; `None` for [`Timeouts::from_env`] (with `connect_timeout` applied over it).
    pub timeouts: Option<Timeouts>,
    /// Retries; `None` for [`RetryPolicy::from_env`].
    pub retry: Option<RetryPolicy>,
    /// Extra CA certificates (PEM) trusted besides the system roots (`--ca-file`).
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM) presented to the registry only (`--cert-file`,
    /// `--key-file`).
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Extra headers sent to the registry's own origin only (`-H`).
    pub headers: Vec<(String, String)>,
    /// `host` → address overrides (`--resolve host:port:address`).
    pub resolve: Vec<(String, SocketAddr)>,
    /// Every `--resolve host:port:address[:address_port]` rule as `(host, port, address_port)`:
    /// requests to that host and port go to the address port, still naming `host:port` in `Host`.
    pub port_overrides: Vec<(String, u16, u16)>,
    /// Where credentials come from; anonymous when `None`.
    pub credentials: Option<Arc<dyn CredentialProvider>>,
}

/// The registry a client is bound to: only its origin gets credentials, `-H` headers and the
/// client certificate.
#[derive(Debug, Clone)]
struct Home {
    /// `scheme://host:port` of the registry.
    origin: url::Origin,
    /// The registry as the user wrote it (`host[:port]`): the credential lookup key.
    registry: String,
    /// Whether `--plain-http` was given explicitly.
    explicit_plain_http: bool,
}

/// A shared HTTP client with one connection pool per trust level.
#[derive(Debug, Clone)]
pub struct HttpClient {
    /// Talks to the registry's origin (client certificate attached).
    home_client: reqwest::Client,
    /// Talks to anything else: token realms, redirected storage (no client certificate).
    other_client: reqwest::Client,
    /// Sends requests with a streamed body to the registry: no read timeout, which in reqwest
    /// runs from the send, so it would limit the whole upload.
    stream_client: reqwest::Client,
    timeouts: Timeouts,
    retry: RetryPolicy,
    headers: Arc<Vec<(HeaderName, HeaderValue)>>,
    auth: Arc<AuthState>,
    home: Option<Arc<Home>>,
    port_overrides: Arc<Vec<(String, u16, u16)>>,
}

fn install_crypto_provider() {
    // rustls needs a process-wide provider before a client is built; a second install is a no-op
    // error we can ignore.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn read_file(path: &PathBuf, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| Error::invalid(format!("cannot read the {what} {}: {}", path.display(), e)))
}

impl HttpClient {
    /// Builds the client.
    pub fn new(opts: &ClientOptions) -> Result<Self> {
        install_crypto_provider();
        let mut roots = Vec::new();
        if let Some(ca) = &opts.ca_file {
            let pem = read_file(ca, "CA file")?;
            roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::invalid(format!("invalid CA file {}: {}", ca.display(), chain(&e)))
            })?;
            if roots.is_empty() {
                return Err(Error::invalid(format!(
                    "invalid CA file {}: no PEM certificate in it",
                    ca.display()
                )));
            }
        }
        let identity = match &opts.client_cert {
            Some((cert, key)) => {
                let mut pem = read_file(cert, "client certificate")?;
                pem.push(b'\n');
                pem.extend(read_file(key, "client key")?);
                Some(reqwest::Identity::from_pem(&pem).map_err(|e| {
                    Error::invalid(format!(
                        "invalid client certificate {} or key {}: {}",
                        cert.display(),
                        key.display(),
                        chain(&e)
                    ))
                })?)
            }
            None => None,
        };
        let mut timeouts = match opts.timeouts {
            Some(t) => t,
            None => Timeouts::from_env()?,
        };
        if let Some(c) = opts.connect_timeout {
            timeouts.connect = Some(c);
        }
        let retry = match opts.retry {
            Some(r) => r,
            None => RetryPolicy::from_env()?,
        };
        READ_TIMEOUT_MS.store(
            timeouts.read.map_or(0, |d| d.as_millis() as u64),
            std::sync::atomic::Ordering::Relaxed,
        );
        let build = |identity: Option<reqwest::Identity>, read_timeout: bool| {
            let mut builder = reqwest::Client::builder()
                .user_agent(concat!("oras-rs/", env!("CARGO_PKG_VERSION")))
                .tls_danger_accept_invalid_certs(opts.insecure)
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(16);
            if let Some(c) = timeouts.connect {
                builder = builder.connect_timeout(c);
            }
            if let Some(r) = timeouts.read.filter(|_| read_timeout) {
                builder = builder.read_timeout(r);
            }
            if !roots.is_empty() {
                builder = builder.tls_certs_merge(roots.iter().cloned());
            }
            if let Some(id) = identity {
                builder = builder.identity(id);
            }
            for (host, addr) in &opts.resolve {
                builder = builder.resolve(host, *addr);
            }
            // Only our reading of the environment (reqwest's own would proxy loopback too).
            builder = builder.no_proxy();
            for proxy in env_proxies()? {
                builder = builder.proxy(proxy);
            }
            builder
                .build()
                .map_err(|e| Error::invalid(format!("cannot build the HTTP client: {}", chain(&e))))
        };
        let home_client = build(identity.clone(), true)?;
        let other_client = if identity.is_some() {
            build(None, true)?
        } else {
            home_client.clone()
        };
        let stream_client = build(identity, false)?;
        let mut headers = Vec::new();
        for (name, value) in &opts.headers {
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| Error::invalid(format!("invalid header: {name:?}")))?;
            let mut value = HeaderValue::from_str(value.trim())
                .map_err(|_| Error::invalid(format!("invalid header value for {name}")))?;
            value.set_sensitive(true);
            headers.push((name, value));
        }
        Ok(HttpClient {
            home_client,
            other_client,
            stream_client,
            timeouts,
            retry,
            headers: Arc::new(headers),
            auth: Arc::new(AuthState::new(opts.credentials.clone())),
            home: None,
            port_overrides: Arc::new(opts.port_overrides.clone()),
        })
    }

    /// `--resolve host:port:address:other_port`: reqwest's DNS override cannot change a port,
    /// so the URL's port is changed here, while `Host` keeps the name the user gave (the
    /// registry builds its `Location`s from it, and our origin checks use it).
    fn apply_port_override(&self, request: &mut Request) {
        let url = request.url();
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return;
        };
        // The last matching rule wins, as with oras's --resolve.
        let Some(&(_, _, to)) = self
            .port_overrides
            .iter()
            .rev()
            .find(|(h, p, _)| h.eq_ignore_ascii_case(host) && *p == port)
        else {
            return;
        };
        if to == port {
            return;
        }
        let host_header = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&host_header) {
            request.headers_mut().insert(reqwest::header::HOST, value);
            let _ = request.url_mut().set_port(Some(to));
        }
    }

    /// This client bound to the registry at `base` (named `registry` by the user): only that
    /// origin gets credentials, `-H` headers and the client certificate.
    pub fn bind(&self, base: &Url, registry: &str, explicit_plain_http: bool) -> HttpClient {
        let mut bound = self.clone();
        bound.home = Some(Arc::new(Home {
            origin: base.origin(),
            registry: registry.to_string(),
            explicit_plain_http,
        }));
        bound
    }

    /// Asks for `scope` (e.g. `repository:r:pull,push`) in every token request from now on, so
    /// that one token covers a whole operation.
    pub fn add_scope_hint(&self, scope: &str) {
        self.auth.add_hint(scope);
    }

    /// Starts a request.
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.home_client.request(method, url)
    }

    fn is_home(&self, url: &Url) -> bool {
        let url = self.as_named(url);
        self.home.as_ref().is_some_and(|h| h.origin == url.origin())
    }

    /// A response's URL as the user named it: a port changed by a `--resolve` rule is put back,
    /// so origin checks see `host:port`, not the address port the request went to.
    fn as_named(&self, url: &Url) -> Url {
        let mut named = url.clone();
        if let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default())
            && let Some(&(_, from, _)) = self
                .port_overrides
                .iter()
                .rev()
                .find(|(h, from, to)| h.eq_ignore_ascii_case(host) && *to == port && from != to)
        {
            let _ = named.set_port(Some(from));
        }
        named
    }

    /// Sends a request and returns the response whatever its status.
    pub async fn send_raw(&self, req: RequestBuilder) -> Result<Response> {
        let req = req
            .build()
            .map_err(|e| Error::Protocol(format!("invalid request: {}", chain(&e))))?;
        self.retrying(req, Via::Registry).await
    }

    /// The registry's name for messages: the one the user wrote, or the URL's host.
    fn registry_name(&self, url: &Url) -> String {
        match &self.home {
            Some(h) if h.origin == url.origin() => h.registry.clone(),
            _ => url.host_str().unwrap_or_default().to_string(),
        }
    }

    /// Sends `req` through `send`, and again after a backoff while the failure is transient and
    /// the request can be replayed (see [`RetryPolicy`]). A streamed body and a `PATCH` are
    /// sent once. The last answer is returned as it is (its [`Attempts`] recorded); a
    /// `Retry-After` longer than the cap fails at once with [`RateLimited`].
    async fn retrying(&self, req: Request, via: Via) -> Result<Response> {
        let method = req.method().clone();
        let url = req.url().clone();
        let replayable = method != Method::PATCH;
        let mut next = Some(req);
        let mut attempt = 1u32;
        loop {
            let Some(req) = next.take() else {
                unreachable!("a request is always ready for the next attempt");
            };
            let spare = if replayable { req.try_clone() } else { None };
            let result = match via {
                Via::Registry => Box::pin(self.send_authed(req)).await,
                Via::TokenServer => self.execute(req, false).await,
            };
            let last = spare.is_none() || attempt >= self.retry.attempts;
            let (wait, why) = match result {
                Ok(mut resp) if retryable_status(resp.status()) => {
                    let status = resp.status();
                    let after = retry_after(resp.headers());
                    if let Some(after) = after
                        && after > self.retry.max_retry_after
                    {
                        let registry = self.registry_name(&self.as_named(resp.url()));
                        let Error::Response(r) = error_response(method.as_str(), resp).await else {
                            unreachable!("error_response makes a Response error");
                        };
                        return Err(RateLimited {
                            registry,
                            status: status.as_u16(),
                            retry_after: after,
                            response: *r,
                        }
                        .into());
                    }
                    if last {
                        resp.extensions_mut().insert(Attempts(attempt));
                        return Ok(resp);
                    }
                    let wait = after.unwrap_or_else(|| self.retry.backoff(attempt - 1));
                    (wait, format!("status {}", status.as_u16()))
                }
                Err(Error::Transport(mut t)) if t.kind != TransportKind::Tls => {
                    if last {
                        if attempt > 1 {
                            t.message = format!("{} (gave up after {attempt} attempts)", t.message);
                        }
                        return Err(Error::Transport(t));
                    }
                    (self.retry.backoff(attempt - 1), t.message.clone())
                }
                other => return other,
            };
            tracing::debug!(
                "{method} {}: {why}; attempt {attempt} of {} failed, retrying in {} ms",
                redact_url(&url),
                self.retry.attempts,
                wait.as_millis()
            );
            tokio::time::sleep(wait).await;
            next = spare;
            attempt += 1;
        }
    }

    /// Sends `req` with what worked before, answers one 401 challenge, and sends it again if it
    /// can be replayed (a streamed body cannot: authenticate on a bodiless request first).
    async fn send_authed(&self, mut req: Request) -> Result<Response> {
        let Some(home) = self.home.clone().filter(|_| self.is_home(req.url())) else {
            return self.execute(req, true).await;
        };
        let replay = req.try_clone();
        let (cached, attempt) = self.auth.cached().await;
        if let Some(h) = cached {
            req.headers_mut().insert(AUTHORIZATION, h);
        }
        let registry_url = req.url().clone();
        let resp = self.execute(req, true).await?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let Some(mut replay) = replay else {
            return Ok(resp);
        };
        // A 401 from another origin (after a redirect) is never answered with our secrets.
        if !self.is_home(resp.url()) {
            return Ok(resp);
        }
        let Some(challenge) = resp
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(auth::parse_challenge)
        else {
            return Ok(resp);
        };
        let header = self
            .authorize(&home, &registry_url, &challenge, attempt)
            .await?;
        drop(resp);
        replay.headers_mut().insert(AUTHORIZATION, header);
        self.execute(replay, true).await
    }

    /// Basic credentials only over TLS, to a loopback host, or with an explicit --plain-http.
    fn check_plain(&self, home: &Home, url: &Url) -> Result<()> {
        if url.scheme() == "https"
            || home.explicit_plain_http
            || auth::is_loopback_host(url.host_str().unwrap_or_default())
        {
            return Ok(());
        }
        Err(AuthError::PlainHttpCredentials {
            host: url.host_str().unwrap_or_default().to_string(),
        }
        .into())
    }

    async fn authorize(
        &self,
        home: &Home,
        registry_url: &Url,
        challenge: &Challenge,
        attempt: auth::Attempt,
    ) -> Result<HeaderValue> {
        match &challenge.scheme {
            Scheme::Basic => {
                let cred = self.auth.credential(&home.registry).await?;
                if cred.is_empty() {
                    return Err(AuthError::BasicCredentialNotFound {
                        config: self.auth.config_path(),
                    }
                    .into());
                }
                if cred.username.is_empty() || cred.password.is_empty() {
                    return Err(AuthError::MissingUsernameOrPassword.into());
                }
                self.check_plain(home, registry_url)?;
                let header = auth::basic_header(&cred);
                self.auth.set_basic(header.clone());
                Ok(header)
            }
            Scheme::Bearer => {
                let realm = challenge.params.get("realm").cloned().unwrap_or_default();
                let realm = auth::validate_realm(registry_url, &realm)?;
                let service = challenge.params.get("service").cloned().unwrap_or_default();
                let hints = self.auth.hint_scopes();
                let scopes = auth::merge_scopes(
                    hints
                        .iter()
                        .map(String::as_str)
                        .chain(challenge.params.get("scope").map(String::as_str)),
                );
                self.auth
                    .bearer(&scopes, attempt, || {
                        self.fetch_token(home, realm, service, scopes.clone())
                    })
                    .await
            }
            Scheme::Other(name) => Err(AuthError::UnsupportedScheme {
                registry: home.registry.clone(),
                scheme: name.clone(),
            }
            .into()),
        }
    }

    /// Gets a token from `realm` (docker token spec / OAuth2 refresh-token grant).
    async fn fetch_token(
        &self,
        home: &Home,
        realm: Url,
        service: String,
        scopes: Vec<String>,
    ) -> Result<(String, Duration)> {
        let cred = self.auth.credential(&home.registry).await?;
        if !cred.access_token.is_empty() {
            // A registry token is used as is; its lifetime is unknown.
            return Ok((cred.access_token.clone(), Duration::from_secs(3600)));
        }
        let (method, req) = if !cred.refresh_token.is_empty() {
            self.check_plain(home, &realm)?;
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "refresh_token")
                .append_pair("refresh_token", &cred.refresh_token)
                .append_pair("service", &service)
                .append_pair("client_id", auth::CLIENT_ID);
            if !scopes.is_empty() {
                form.append_pair("scope", &scopes.join(" "));
            }
            let req = self
                .other_client
                .post(realm.clone())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form.finish());
            ("POST", req)
        } else {
            let mut url = realm.clone();
            {
                let mut q = url.query_pairs_mut();
                if !service.is_empty() {
                    q.append_pair("service", &service);
                }
                for s in &scopes {
                    q.append_pair("scope", s);
                }
            }
            let mut req = self.other_client.get(url);
            if !cred.username.is_empty() || !cred.password.is_empty() {
                self.check_plain(home, &realm)?;
                req = req.header(AUTHORIZATION, auth::basic_header(&cred));
            }
            ("GET", req)
        };
        let req = req
            .build()
            .map_err(|e| Error::Protocol(format!("invalid token request: {}", chain(&e))))?;
        let realm_text = redact_url(&realm);
        let resp = self.retrying(req, Via::TokenServer).await?;
        if resp.status() != StatusCode::OK {
            return Err(error_response(method, resp).await);
        }
        let body = super::read_capped(resp, auth::MAX_TOKEN_BODY, "token response").await?;
        let token_error = |message: &str| AuthError::Token {
            method: method.to_string(),
            url: realm_text.clone(),
            message: message.to_string(),
        };
        let parsed: auth::TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| token_error("the token server's answer is not JSON"))?;
        parsed
            .into_token()
            .ok_or_else(|| token_error("the token server returned an empty token").into())
    }

    /// Sends one request, following redirects of GET and HEAD when `follow`. Requests to the
    /// registry's origin get the `-H` headers and the client certificate; once a redirect leaves
    /// that origin, `Authorization` and the `-H` headers are gone for the rest of the chain.
    async fn execute(&self, req: Request, follow: bool) -> Result<Response> {
        let method = req.method().clone();
        let mut url = req.url().clone();
        let mut headers = req.headers().clone();
        let mut body = Some(req);
        let mut left_home = false;
        for hop in 0..=MAX_REDIRECTS {
            let home = !left_home && self.is_home(&url);
            if hop > 0 && !home && !left_home {
                // The chain left the registry's origin: its secrets stay behind, for good.
                left_home = true;
                for name in [
                    AUTHORIZATION,
                    reqwest::header::COOKIE,
                    reqwest::header::PROXY_AUTHORIZATION,
                ] {
                    headers.remove(&name);
                }
                for (name, _) in self.headers.iter() {
                    headers.remove(name);
                }
            }
            let mut request = match body.take() {
                Some(r) => r,
                None => Request::new(method.clone(), url.clone()),
            };
            *request.headers_mut() = headers.clone();
            if home {
                for (name, value) in self.headers.iter() {
                    if !request.headers().contains_key(name) {
                        request.headers_mut().insert(name.clone(), value.clone());
                    }
                }
            }
            self.apply_port_override(&mut request);
            // A body in memory (or none) is sent at once, so the answer is due within the
            // response timeout; a streamed body is answered only once it is all sent.
            let streamed = request.body().is_some_and(|b| b.as_bytes().is_none());
            let client = if streamed {
                &self.stream_client
            } else if home {
                &self.home_client
            } else {
                &self.other_client
            };
            let sent_headers = request.headers().clone();
            let started = Instant::now();
            let progress = if streamed {
                let progress = Arc::new(Progress::new());
                let remaining = request
                    .headers()
                    .get(reqwest::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                if let Some(body) = request.body_mut().take() {
                    *request.body_mut() = Some(reqwest::Body::wrap(Watched {
                        inner: body,
                        progress: progress.clone(),
                        remaining,
                    }));
                }
                Some(progress)
            } else {
                None
            };
            let pending = client.execute(request);
            let outcome = match self.timeouts.response.filter(|_| !streamed) {
                _ if progress.is_some() => {
                    let progress = progress.clone().unwrap_or_default();
                    self.watch_upload(pending, &progress, &method, &url).await
                }
                Some(limit) => match tokio::time::timeout(limit, pending).await {
                    Ok(r) => r.map_err(|e| transport_error(method.as_str(), &redact_url(&url), &e)),
                    Err(_) => Err(TransportError {
                        method: method.to_string(),
                        url: redact_url(&url),
                        kind: TransportKind::Timeout,
                        message: format!(
                            "no response within {} (response timeout)",
                            human_duration(limit)
                        ),
                        hint: Some(format!(
                            "The registry accepted the request but did not answer. If it is only slow, raise {ENV_RESPONSE_TIMEOUT} (e.g. {ENV_RESPONSE_TIMEOUT}=5m)."
                        )),
                    }),
                },
                None => pending
                    .await
                    .map_err(|e| transport_error(method.as_str(), &redact_url(&url), &e)),
            };
            let resp = match outcome {
                Ok(resp) => {
                    self.trace(&method, &url, &sent_headers, Some(&resp), started, None);
                    resp
                }
                Err(e) => {
                    self.trace(
                        &method,
                        &url,
                        &sent_headers,
                        None,
                        started,
                        Some(&e.message),
                    );
                    return Err(e.into());
                }
            };
            let redirect = matches!(resp.status().as_u16(), 301 | 302 | 303 | 307 | 308);
            if !(follow && redirect && (method == Method::GET || method == Method::HEAD)) {
                return Ok(resp);
            }
            let Some(location) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) else {
                return Ok(resp);
            };
            let next = next_hop(&method, &url, location)?;
            url = next;
        }
        Err(Error::Protocol(format!(
            "{method} {}: more than {MAX_REDIRECTS} redirects",
            redact_url(&url)
        )))
    }

    /// Waits for the answer to a request whose body streams, failing when the registry stops
    /// taking the body for the read timeout, or does not answer within the response timeout once
    /// the body is all sent. No limit on the total time.
    async fn watch_upload(
        &self,
        pending: impl std::future::Future<Output = reqwest::Result<Response>>,
        progress: &Progress,
        method: &Method,
        url: &Url,
    ) -> std::result::Result<Response, TransportError> {
        let fail = |message: String, hint: String| TransportError {
            method: method.to_string(),
            url: redact_url(url),
            kind: TransportKind::Timeout,
            message,
            hint: Some(hint),
        };
        let mut pending = std::pin::pin!(pending);
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                result = &mut pending => {
                    return result.map_err(|e| transport_error(method.as_str(), &redact_url(url), &e));
                }
                _ = tick.tick() => {}
            }
            let (last, done) = progress.get();
            match (done, self.timeouts.read, self.timeouts.response) {
                (None, Some(idle), _) if last.elapsed() > idle => {
                    return Err(fail(
                        format!(
                            "the registry stopped taking the upload for {} (read timeout)",
                            human_duration(idle)
                        ),
                        format!(
                            "If the registry is only slow, raise {ENV_READ_TIMEOUT} (e.g. 5m)."
                        ),
                    ));
                }
                (Some(at), _, Some(limit)) if at.elapsed() > limit => {
                    return Err(fail(
                        format!(
                            "no response within {} after the upload (response timeout)",
                            human_duration(limit)
                        ),
                        format!(
                            "The registry took the whole body but did not answer. If it is only slow (verifying a large blob), raise {ENV_RESPONSE_TIMEOUT} (e.g. 10m)."
                        ),
                    ));
                }
                _ => {}
            }
        }
    }

    fn trace(
        &self,
        method: &Method,
        url: &Url,
        sent: &HeaderMap,
        resp: Option<&Response>,
        started: Instant,
        error: Option<&str>,
    ) {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        let elapsed = started.elapsed().as_millis();
        let mut text = match (resp, error) {
            (Some(r), _) => format!(
                "{method} {} -> {} ({elapsed} ms)",
                redact_url(url),
                r.status().as_u16()
            ),
            (None, e) => format!(
                "{method} {} failed after {elapsed} ms: {}",
                redact_url(url),
                e.unwrap_or_default()
            ),
        };
        text.push_str("\n  request headers:");
        text.push_str(&self.format_headers(sent));
        if let Some(r) = resp {
            text.push_str("\n  response headers:");
            text.push_str(&self.format_headers(r.headers()));
        }
        tracing::debug!("{text}");
    }

    fn format_headers(&self, headers: &HeaderMap) -> String {
        let mut out = String::new();
        for (name, value) in headers {
            let shown = if self.is_secret_header(name) || value.is_sensitive() {
                "<redacted>".to_string()
            } else if matches!(name.as_str(), "location" | "content-location" | "referer") {
                redact_url_str(value.to_str().unwrap_or(""))
            } else {
                value.to_str().unwrap_or("<binary>").to_string()
            };
            out.push_str(&format!("\n    {name}: {shown}"));
        }
        out
    }

    fn is_secret_header(&self, name: &HeaderName) -> bool {
        matches!(
            name.as_str(),
            "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
        ) || name.as_str().contains("token")
            || name.as_str().contains("secret")
            || name.as_str().contains("api-key")
            || self.headers.iter().any(|(n, _)| n == name)
    }

    /// Sends a request and fails with an [`ErrorResponse`] unless the status is one of `ok`.
    pub async fn send(&self, req: RequestBuilder, ok: &[StatusCode]) -> Result<Response> {
        let req = req
            .build()
            .map_err(|e| Error::Protocol(format!("invalid request: {}", chain(&e))))?;
        let method = req.method().to_string();
        let plain = req.url().scheme() == "http";
        let resp = self.retrying(req, Via::Registry).await?;
        if ok.contains(&resp.status()) {
            return Ok(resp);
        }
        let attempts = resp.extensions().get::<Attempts>().map_or(1, |a| a.0);
        // A TLS server answers plain HTTP with a bare HTTP/1.0 400 (Go's "Client sent an HTTP
        // request to an HTTPS server"); for HEAD there is no body to recognise it by.
        let tls_port = plain
            && resp.status() == StatusCode::BAD_REQUEST
            && resp.version() == reqwest::Version::HTTP_10;
        let err = error_response(&method, resp).await;
        match err {
            Error::Response(mut r) if tls_port && r.hint.is_none() => {
                r.hint = Some(
                    "The registry speaks HTTPS: drop --plain-http (or pass --plain-http=false)."
                        .into(),
                );
                Err(Error::Response(r))
            }
            Error::Response(mut r) if attempts > 1 && r.hint.is_none() => {
                r.hint = Some(format!(
                    "The registry kept failing ({attempts} attempts): it may be overloaded or down; try again later."
                ));
                Err(Error::Response(r))
            }
            other => Err(other),
        }
    }
}

/// The first non-empty variable of `names`.
fn env_var(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// Proxies from `HTTP_PROXY`/`HTTPS_PROXY` (either case) with `NO_PROXY`, as Go's
/// `ProxyFromEnvironment` reads them: loopback destinations are never proxied, and a proxy
/// without a scheme is `http://`.
fn env_proxies() -> Result<Vec<reqwest::Proxy>> {
    let no_proxy = format!(
        "{},localhost,127.0.0.0/8,::1",
        env_var(&["NO_PROXY", "no_proxy"]).unwrap_or_default()
    );
    let mut proxies = Vec::new();
    for (names, https) in [
        (&["HTTP_PROXY", "http_proxy"][..], false),
        (&["HTTPS_PROXY", "https_proxy"][..], true),
    ] {
        let Some(raw) = env_var(names) else { continue };
        let raw = raw.trim();
        let with_scheme = if raw.contains("://") {
            raw.to_string()
        } else {
            format!("http://{raw}")
        };
        let invalid = |_| {
            Error::invalid(format!(
                "invalid proxy in {}: {}",
                names[0],
                redact_url_str(&with_scheme)
            ))
        };
        let proxy = if https {
            reqwest::Proxy::https(&with_scheme).map_err(invalid)?
        } else {
            reqwest::Proxy::http(&with_scheme).map_err(invalid)?
        };
        proxies.push(proxy.no_proxy(reqwest::NoProxy::from_string(&no_proxy)));
    }
    Ok(proxies)
}

/// Where a redirect from `url` to `location` goes, refusing https→http downgrades and
/// non-http schemes.
fn next_hop(method: &Method, url: &Url, location: &str) -> std::result::Result<Url, AuthError> {
    let refuse = |to: String, reason: &str| AuthError::Redirect {
        method: method.to_string(),
        url: redact_url(url),
        to,
        reason: reason.to_string(),
    };
    let next = url
        .join(location)
        .map_err(|_| refuse(redact_url_str(location), "not a valid URL"))?;
    if next.scheme() != "http" && next.scheme() != "https" {
        return Err(refuse(
            redact_url(&next),
            "only http and https redirects are followed",
        ));
    }
    if url.scheme() == "https" && next.scheme() != "https" {
        return Err(refuse(
            redact_url(&next),
            "a redirect from https to plain http",
        ));
    }
    Ok(next)
}

/// Query parameters whose values are safe to show in logs and errors.
const SAFE_QUERY_KEYS: &[&str] = &[
    "digest",
    "scope",
    "service",
    "n",
    "last",
    "mount",
    "from",
    "artifactType",
];

/// `url` without userinfo and with every query value but [`SAFE_QUERY_KEYS`] replaced by `***`
/// (presigned URLs carry signatures such as `X-Amz-Signature`).
pub fn redact_url(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if SAFE_QUERY_KEYS.contains(&k.as_ref()) {
                    v.into_owned()
                } else {
                    "***".to_string()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// [`redact_url`] for text that may or may not be an absolute URL.
pub fn redact_url_str(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => redact_url(&url),
        Err(_) => match text.split_once('?') {
            Some((path, _)) => format!("{path}?***"),
            None => text.to_string(),
        },
    }
}

/// Reads at most [`MAX_ERROR_BODY`] bytes of an error response and parses the registry's codes.
pub async fn error_response(method: &str, resp: Response) -> Error {
    let url = redact_url(resp.url());
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut resp = resp;
    while body.len() < MAX_ERROR_BODY {
        match resp.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    ErrorResponse::new(method, &url, status, &body).into()
}

/// Flattens an error and its sources into one line.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The innermost error's text: "Connection refused", not reqwest's wrapping of it.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    let text = last.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Classifies a reqwest failure and says what to do about it.
pub(crate) fn transport_error(method: &str, url: &str, e: &reqwest::Error) -> TransportError {
    let message = root_cause(e);
    let lower = message.to_lowercase();
    let scheme_https = url.starts_with("https://");
    let (kind, hint) = if lower.contains("invalidcontenttype")
        || lower.contains("corrupt message")
        || lower.contains("wrong version number")
    {
        (
            TransportKind::Tls,
            Some("The registry seems to speak plain HTTP: use --plain-http.".to_string()),
        )
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        (
            TransportKind::Tls,
            Some(
                "TLS failed: pass the registry's CA with --ca-file, or --insecure to skip verification (unsafe)."
                    .to_string(),
            ),
        )
    } else if e.is_timeout() {
        (
            TransportKind::Timeout,
            Some(format!(
                "The registry did not answer in time. If it is only slow, raise {ENV_CONNECT_TIMEOUT} or {ENV_READ_TIMEOUT} (e.g. 5m)."
            )),
        )
    } else if e.is_connect() {
        let hint = if scheme_https {
            "Check that the registry is running and reachable (and whether it speaks plain HTTP: --plain-http)."
        } else {
            "Check that the registry is running and reachable at this address."
        };
        (TransportKind::Connect, Some(hint.to_string()))
    } else {
        (TransportKind::Other, None)
    };
    TransportError {
        method: method.to_string(),
        url: url.to_string(),
        kind,
        message,
        hint,
    }
}

/// Turns a body read failure into an `io::Error` so it can flow through `AsyncRead`.
/// A read that timed out says how long the registry was silent and which knob to turn.
pub(crate) fn body_io_error(e: reqwest::Error) -> std::io::Error {
    let ms = READ_TIMEOUT_MS.load(std::sync::atomic::Ordering::Relaxed);
    if e.is_timeout() && ms > 0 {
        return std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "the registry sent no data for {} (read timeout; raise {ENV_READ_TIMEOUT} if it is only slow)",
                human_duration(Duration::from_millis(ms))
            ),
        );
    }
    std::io::Error::other(chain(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_never_downgrade() {
        let https = Url::parse("https://reg.example/v2/r/blobs/sha256:1").unwrap();
        let err = next_hop(&Method::GET, &https, "http://reg.example/blob").unwrap_err();
        assert!(err.to_string().contains("https to plain http"), "{err}");
        assert!(next_hop(&Method::GET, &https, "file:///etc/passwd").is_err());
        let next = next_hop(&Method::GET, &https, "https://cdn.example/b?sig=1").unwrap();
        assert_eq!(next.host_str(), Some("cdn.example"));
        let relative = next_hop(&Method::GET, &https, "/other").unwrap();
        assert_eq!(relative.as_str(), "https://reg.example/other");
    }

    #[test]
    fn retry_after_in_seconds_and_as_an_http_date() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a past date: now");
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Fri, 31 Dec 2999 23:59:59 GMT"),
        );
        assert!(retry_after(&h).unwrap() > Duration::from_secs(3600 * 24 * 365));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("soon"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn retried_statuses() {
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 405, 413, 416, 501, 505] {
            assert!(!retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let p = RetryPolicy::default();
        for retry in 0..8 {
            let expected = Duration::from_millis(250 * (1 << retry)).min(p.max_backoff);
            for _ in 0..20 {
                let d = p.backoff(retry);
                assert!(
                    d >= expected.mul_f64(0.8) && d < expected.mul_f64(1.2),
                    "{d:?}"
                );
            }
        }
        let total: Duration = (0..p.attempts - 1).map(|r| p.backoff(r)).sum();
        assert!(total < Duration::from_secs(6), "{total:?}");
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        for bad in ["", "x", "-1", "5d", "1e400"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(human_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(human_duration(Duration::from_secs(150)), "2m30s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "2s");
        assert_eq!(human_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn redacts_query_secrets_and_userinfo() {
        let url = Url::parse(
            "https://user:pw@cdn.example/b?X-Amz-Signature=abc&X-Amz-Credential=k&digest=sha256:1",
        )
        .unwrap();
        let text = redact_url(&url);
        assert!(!text.contains("abc") && !text.contains("pw") && !text.contains("user"));
        assert!(text.contains("X-Amz-Signature=***"), "{text}");
        assert!(text.contains("digest=sha256%3A1"), "{text}");
        assert_eq!(redact_url_str("/v2/x?_state=s3cr3t"), "/v2/x?***");
    }
}
