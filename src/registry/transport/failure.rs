//! Turning what reqwest reports into the library's errors: an error status into an
//! [`ErrorResponse`], a failure without an answer into a [`TransportError`] with a hint.

use crate::error::Advice;
use std::time::Duration;

use reqwest::Response;

use crate::error::Error;
use crate::registry::error::{ErrorResponse, MAX_ERROR_BODY, TransportError, TransportKind};
use crate::registry::redact::redact_url;
use crate::registry::retry::{
    ENV_CONNECT_TIMEOUT, ENV_READ_TIMEOUT, READ_TIMEOUT_MS, human_duration,
};

/// Reads at most [`MAX_ERROR_BODY`] bytes of an error response and parses the registry's codes.
pub(crate) async fn error_response(method: &str, resp: Response) -> Error {
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
        (TransportKind::Tls, Some(Advice::UsePlainHttp.into()))
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        (TransportKind::Tls, Some(Advice::TrustCertificate.into()))
    } else if e.is_timeout() {
        (
            TransportKind::Timeout,
            Some(
                format!(
                    "The registry did not answer in time. If it is only slow, raise {ENV_CONNECT_TIMEOUT} or {ENV_READ_TIMEOUT} (e.g. 5m)."
                )
                .into(),
            ),
        )
    } else if e.is_connect() {
        let hint = Advice::CheckReachable {
            https: scheme_https,
        };
        (TransportKind::Connect, Some(hint.into()))
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
