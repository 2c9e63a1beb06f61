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

mod authorize;
mod exchange;
pub(crate) mod failure;
mod probe;
pub(crate) mod scheme;
mod trace;
mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Request, RequestBuilder, Response, StatusCode};
use url::Url;

use super::auth::AuthState;
use super::redact::redact_url_str;
use super::retry::{LowSpeed, READ_TIMEOUT_MS, RetryPolicy, Timeouts, env_var};
use crate::credentials::CredentialProvider;
use crate::error::{Advice, Error, Result};
use failure::{chain, error_response};

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

/// A `-H` header: what goes on the wire (trimmed, marked sensitive so no library log shows it)
/// and how the user typed it, which the `--debug` trace prints as oras does (`"Foo": "bar"`,
/// `"A": " b"`) unless its name looks like a credential.
#[derive(Clone)]
pub(crate) struct CustomHeader {
    pub name: HeaderName,
    pub value: HeaderValue,
    pub typed: (String, String),
}

impl std::fmt::Debug for CustomHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value may be a secret: only the name is shown.
        f.debug_struct("CustomHeader")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientOptions {
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
    /// The low-speed limit of downloads; `None` for [`LowSpeed::from_env`].
    pub low_speed: Option<LowSpeed>,
}

/// The registry a client is bound to: only its origin gets credentials, `-H` headers and the
/// client certificate.
#[derive(Debug, Clone)]
struct Home {
    /// `scheme://host:port` of the registry.
    origin: url::Origin,
    /// The plain-HTTP origin a loopback registry falls back to once it was seen to speak plain
    /// HTTP ([`scheme`]); `None` when the scheme was decided up front.
    fallback: Option<url::Origin>,
    /// The registry as the user wrote it (`host[:port]`): the credential lookup key.
    registry: String,
    /// Whether `--plain-http` was given explicitly.
    explicit_plain_http: bool,
}

impl Home {
    /// The registry's origin now: the fallback once the registry was seen to speak plain HTTP.
    fn origin(&self) -> &url::Origin {
        match &self.fallback {
            Some(plain) if scheme::spoken(&self.registry) == Some(scheme::Spoken::Plain) => plain,
            _ => &self.origin,
        }
    }

    /// Whether `url` is on the HTTPS origin of a registry whose scheme is being detected.
    fn detects(&self, url: &Url) -> bool {
        self.fallback.is_some() && url.origin() == self.origin
    }
}

/// A shared HTTP client with one connection pool per trust level.
#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    /// Talks to the registry's origin (client certificate attached).
    home_client: reqwest::Client,
    /// Talks to anything else: token realms, redirected storage (no client certificate).
    other_client: reqwest::Client,
    /// Sends requests with a streamed body to the registry: no read timeout, which in reqwest
    /// runs from the send, so it would limit the whole upload.
    stream_client: reqwest::Client,
    timeouts: Timeouts,
    retry: RetryPolicy,
    /// The low-speed limit of downloads, when on.
    low_speed: Option<LowSpeed>,
    headers: Arc<Vec<CustomHeader>>,
    auth: Arc<AuthState>,
    home: Option<Arc<Home>>,
    port_overrides: Arc<Vec<(String, u16, u16)>>,
    /// `--resolve` addresses by host, for the realm checks (reqwest has its own copy).
    resolve: Arc<Vec<(String, SocketAddr)>>,
    /// Whether a client certificate is presented to the registry (`--cert-file`).
    client_cert: bool,
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
    pub(crate) fn new(opts: &ClientOptions) -> Result<Self> {
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
        let low_speed = match opts.low_speed {
            Some(l) => Some(l).filter(LowSpeed::enabled),
            None => LowSpeed::from_env()?,
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
        let client_cert = identity.is_some();
        let stream_client = build(identity, false)?;
        let mut headers = Vec::new();
        for (typed, text) in &opts.headers {
            let name = HeaderName::from_bytes(typed.trim().as_bytes())
                .map_err(|_| Error::invalid(format!("invalid header: {typed:?}")))?;
            let mut value = HeaderValue::from_str(text.trim())
                .map_err(|_| Error::invalid(format!("invalid header value for {name}")))?;
            value.set_sensitive(true);
            headers.push(CustomHeader {
                name,
                value,
                typed: (typed.trim().to_string(), text.clone()),
            });
        }
        Ok(HttpClient {
            home_client,
            other_client,
            stream_client,
            timeouts,
            retry,
            low_speed,
            headers: Arc::new(headers),
            auth: Arc::new(AuthState::new(opts.credentials.clone())),
            home: None,
            port_overrides: Arc::new(opts.port_overrides.clone()),
            resolve: Arc::new(opts.resolve.clone()),
            client_cert,
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
    /// origin gets credentials, `-H` headers and the client certificate. With a `fallback`
    /// (a loopback registry whose scheme is detected), requests move to that plain-HTTP base
    /// once the registry answered TLS in plaintext.
    pub(crate) fn bind(
        &self,
        base: &Url,
        fallback: Option<&Url>,
        registry: &str,
        explicit_plain_http: bool,
    ) -> HttpClient {
        let mut bound = self.clone();
        bound.home = Some(Arc::new(Home {
            origin: base.origin(),
            fallback: fallback.map(Url::origin),
            registry: registry.to_string(),
            explicit_plain_http,
        }));
        bound
    }

    /// Asks for `scope` (e.g. `repository:r:pull,push`) in every token request from now on, so
    /// that one token covers a whole operation.
    pub(crate) fn add_scope_hint(&self, scope: &str) {
        self.auth.add_hint(scope);
    }

    /// The retry policy of this client (also how long a resumed download waits).
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The low-speed limit of downloads, when on.
    pub(crate) fn low_speed(&self) -> Option<LowSpeed> {
        self.low_speed
    }

    /// Starts a request.
    pub(crate) fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.home_client.request(method, url)
    }

    fn is_home(&self, url: &Url) -> bool {
        let url = self.as_named(url);
        self.home
            .as_ref()
            .is_some_and(|h| *h.origin() == url.origin())
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
    pub(crate) async fn send_raw(&self, req: RequestBuilder) -> Result<Response> {
        let req = req
            .build()
            .map_err(|e| Error::Protocol(format!("invalid request: {}", chain(&e))))?;
        self.retrying(req, Via::Registry).await
    }

    /// The registry's name for messages: the one the user wrote, or the URL's host.
    fn registry_name(&self, url: &Url) -> String {
        match &self.home {
            Some(h) if *h.origin() == url.origin() => h.registry.clone(),
            _ => url.host_str().unwrap_or_default().to_string(),
        }
    }

    /// Sends a request and fails with an [`ErrorResponse`] unless the status is one of `ok`.
    pub(crate) async fn send(&self, req: RequestBuilder, ok: &[StatusCode]) -> Result<Response> {
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
        // "Drop --plain-http" only to whoever gave it; plain HTTP by default (localhost) is
        // overridden with --plain-http=false.
        let use_https = match self.home.as_ref() {
            Some(h) if !h.explicit_plain_http => Advice::ForceHttps,
            _ => Advice::UseHttps,
        };
        match err {
            Error::Response(mut r)
                if (tls_port && r.hint.is_none()) || r.hint == Some(Advice::UseHttps.into()) =>
            {
                r.hint = Some(use_https.into());
                Err(Error::Response(r))
            }
            Error::Response(mut r) if attempts > 1 && r.hint.is_none() => {
                r.hint = Some(
                    format!(
                        "The registry kept failing ({attempts} attempts): it may be overloaded or down; try again later."
                    )
                    .into(),
                );
                Err(Error::Response(r))
            }
            other => Err(other),
        }
    }
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
