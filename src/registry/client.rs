//! [`HttpClient`]: the only owner of a `reqwest::Client`. Every request to a registry goes through
//! [`HttpClient::send`], which is where tracing (and, later, authentication and retries) lives,
//! and which turns transport failures and error statuses into typed errors.

use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, Response, StatusCode};

use super::error::{ErrorResponse, MAX_ERROR_BODY, TransportError, TransportKind};
use crate::error::{Error, Result};

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Skip TLS certificate verification (`--insecure`).
    pub insecure: bool,
    /// Connect timeout; `None` for the default (30 s).
    pub connect_timeout: Option<Duration>,
}

/// A shared HTTP client with one connection pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

fn install_crypto_provider() {
    // rustls needs a process-wide provider before a client is built; a second install is a no-op
    // error we can ignore.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl HttpClient {
    /// Builds the client.
    pub fn new(opts: &ClientOptions) -> Result<Self> {
        install_crypto_provider();
        let inner = reqwest::Client::builder()
            .user_agent(concat!("oras-rs/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(opts.connect_timeout.unwrap_or(Duration::from_secs(30)))
            .tls_danger_accept_invalid_certs(opts.insecure)
            .pool_max_idle_per_host(16)
            .build()
            .map_err(|e| Error::Protocol(format!("cannot build HTTP client: {}", chain(&e))))?;
        Ok(HttpClient { inner })
    }

    /// Starts a request.
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.inner.request(method, url)
    }

    /// Sends a request and returns the response whatever its status.
    pub async fn send_raw(&self, req: RequestBuilder) -> Result<Response> {
        let req = req
            .build()
            .map_err(|e| Error::Protocol(format!("invalid request: {}", chain(&e))))?;
        self.execute(req).await
    }

    async fn execute(&self, req: reqwest::Request) -> Result<Response> {
        let method = req.method().clone();
        let url = req.url().clone();
        let started = Instant::now();
        match self.inner.execute(req).await {
            Ok(resp) => {
                tracing::debug!(
                    method = %method,
                    url = %url,
                    status = resp.status().as_u16(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "request"
                );
                Ok(resp)
            }
            Err(e) => {
                tracing::debug!(method = %method, url = %url, error = %chain(&e), "request failed");
                Err(transport_error(method.as_str(), url.as_str(), &e).into())
            }
        }
    }

    /// Sends a request and fails with an [`ErrorResponse`] unless the status is one of `ok`.
    pub async fn send(&self, req: RequestBuilder, ok: &[StatusCode]) -> Result<Response> {
        let req = req
            .build()
            .map_err(|e| Error::Protocol(format!("invalid request: {}", chain(&e))))?;
        let method = req.method().to_string();
        let plain = req.url().scheme() == "http";
        let resp = self.execute(req).await?;
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

/// Reads at most [`MAX_ERROR_BODY`] bytes of an error response and parses the registry's codes.
pub async fn error_response(method: &str, resp: Response) -> Error {
    let url = resp.url().to_string();
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
