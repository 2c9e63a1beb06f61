//! [`HttpClient`]: the only owner of `reqwest::Client`s. Every request to a registry goes through
//! [`HttpClient::send`], which is where tracing, authentication ([`super::auth`]) and redirects
//! live, and which turns transport failures and error statuses into typed errors.
//!
//! Secrets stay with the registry's own origin (scheme, host and port): the `Authorization`
//! header, `-H` headers and the client certificate go nowhere else. Redirects are followed here,
//! not by reqwest, so that a header stripped on the way to another origin is never restored
//! along the chain, and an https→http redirect is refused. `--debug` logs every exchange with
//! secrets redacted.

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
use super::error::{AuthError, ErrorResponse, MAX_ERROR_BODY, TransportError, TransportKind};
use crate::credentials::CredentialProvider;
use crate::error::{Error, Result};

/// At most this many redirects are followed for one request.
const MAX_REDIRECTS: usize = 10;

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Skip TLS certificate verification (`--insecure`).
    pub insecure: bool,
    /// Connect timeout; `None` for the default (30 s).
    pub connect_timeout: Option<Duration>,
    /// Extra CA certificates (PEM) trusted besides the system roots (`--ca-file`).
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM) presented to the registry only (`--cert-file`,
    /// `--key-file`).
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Extra headers sent to the registry's own origin only (`-H`).
    pub headers: Vec<(String, String)>,
    /// `host` → address overrides (`--resolve host:port:address`).
    pub resolve: Vec<(String, SocketAddr)>,
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
    headers: Arc<Vec<(HeaderName, HeaderValue)>>,
    auth: Arc<AuthState>,
    home: Option<Arc<Home>>,
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
        let build = |identity: Option<reqwest::Identity>| {
            let mut builder = reqwest::Client::builder()
                .user_agent(concat!("oras-rs/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(opts.connect_timeout.unwrap_or(Duration::from_secs(30)))
                .tls_danger_accept_invalid_certs(opts.insecure)
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(16);
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
        let home_client = build(identity.clone())?;
        let other_client = if identity.is_some() {
            build(None)?
        } else {
            home_client.clone()
        };
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
            headers: Arc::new(headers),
            auth: Arc::new(AuthState::new(opts.credentials.clone())),
            home: None,
        })
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
        self.home.as_ref().is_some_and(|h| h.origin == url.origin())
    }

    /// Sends a request and returns the response whatever its status.
    pub async fn send_raw(&self, req: RequestBuilder) -> Result<Response> {
        let req = req
            .build()
            .map_err(|e| Error::Protocol(format!("invalid request: {}", chain(&e))))?;
        self.send_authed(req).await
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
        let resp = self.execute(req, false).await?;
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
            let client = if home {
                &self.home_client
            } else {
                &self.other_client
            };
            let sent_headers = request.headers().clone();
            let started = Instant::now();
            let resp = match client.execute(request).await {
                Ok(resp) => {
                    self.trace(&method, &url, &sent_headers, Some(&resp), started, None);
                    resp
                }
                Err(e) => {
                    let text = chain(&e);
                    self.trace(&method, &url, &sent_headers, None, started, Some(&text));
                    return Err(transport_error(method.as_str(), &redact_url(&url), &e).into());
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
        let resp = self.send_authed(req).await?;
        if ok.contains(&resp.status()) {
            return Ok(resp);
        }
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
            Some("The registry did not answer in time.".to_string()),
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
pub(crate) fn body_io_error(e: reqwest::Error) -> std::io::Error {
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
