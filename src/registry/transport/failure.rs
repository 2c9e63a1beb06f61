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

/// Whether a failure's message says that a TLS handshake got a plaintext answer: what a
/// plain-HTTP server does with a `ClientHello` (it answers `400 Bad Request` in clear text,
/// which rustls reads as a record of an invalid content type).
pub(crate) fn plaintext_answer(message: &str) -> bool {
    let lower = message.to_lowercase();
    lower.contains("invalidcontenttype")
        || lower.contains("corrupt message")
        || lower.contains("wrong version number")
}

/// Whether a failure's message is the registry's TLS alert about our client certificate: it
/// wanted one (`certificate_required`, or `bad_certificate` before TLS 1.3) or refused the one
/// given. Alerts we receive are the server's; our own verdicts on its certificate read
/// "invalid peer certificate".
fn client_certificate_alert(lower: &str) -> bool {
    lower.contains("alert")
        && [
            "certificaterequired",
            "badcertificate",
            "unknownca",
            "certificateunknown",
            "unsupportedcertificate",
            "certificaterevoked",
            "certificateexpired",
            "accessdenied",
        ]
        .iter()
        .any(|alert| lower.contains(alert))
}

/// Classifies a reqwest failure and says what to do about it; `client_cert` says whether the
/// request presented a client certificate.
pub(crate) fn transport_error(
    method: &str,
    url: &str,
    e: &reqwest::Error,
    client_cert: bool,
) -> TransportError {
    let message = root_cause(e);
    let lower = message.to_lowercase();
    let scheme_https = url.starts_with("https://");
    let (kind, hint) = if plaintext_answer(&message) {
        (TransportKind::Tls, Some(Advice::UsePlainHttp.into()))
    } else if client_certificate_alert(&lower) {
        let hint = Advice::ClientCertificate { given: client_cert };
        (TransportKind::Tls, Some(hint.into()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plaintext_answer_and_a_client_certificate_alert_are_told_apart_from_certificate_errors() {
        assert!(plaintext_answer(
            "received corrupt message of type InvalidContentType"
        ));
        assert!(!plaintext_answer("invalid peer certificate: UnknownIssuer"));
        for alert in ["CertificateRequired", "BadCertificate", "UnknownCA"] {
            let text = format!("received fatal alert: {alert}").to_lowercase();
            assert!(client_certificate_alert(&text), "{text}");
        }
        // Our own verdict on the server's certificate is not about the client certificate.
        assert!(!client_certificate_alert(
            "invalid peer certificate: unknownissuer"
        ));
        assert!(!client_certificate_alert(
            "received fatal alert: handshakefailure"
        ));
    }
}
