//! What a registry said when it refused a request ([`ErrorResponse`]: method, URL, status and the
//! registry's own error codes, unknown codes kept as they are), and what went wrong when no answer
//! came at all ([`TransportError`]). No reqwest type leaks out of this module.

use crate::error::{Advice, Hint};
use serde::Deserialize;

/// Error bodies are read up to this many bytes: enough for any real error list.
pub const MAX_ERROR_BODY: usize = 8 * 1024;

/// One entry of the distribution-spec error list.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The registry's code, e.g. `MANIFEST_UNKNOWN`, `DENIED` or a vendor's own.
    #[serde(default)]
    pub code: String,
    /// Human text from the registry.
    #[serde(default)]
    pub message: String,
    /// Extra detail, any JSON value.
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ErrorList {
    #[serde(default)]
    errors: Vec<ErrorInfo>,
}

/// A non-success answer from the registry.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} \"{url}\": response status code {status}{}", self.suffix())]
pub struct ErrorResponse {
    /// HTTP method of the failed request.
    pub method: String,
    /// URL of the failed request (never carries credentials).
    pub url: String,
    /// HTTP status code.
    pub status: u16,
    /// The registry's error list (empty when the body had none).
    pub errors: Vec<ErrorInfo>,
    /// What to do about it, when we can tell.
    pub hint: Option<Hint>,
}

impl ErrorResponse {
    /// Builds the error from a status and the first bytes of the body.
    pub fn new(method: &str, url: &str, status: u16, body: &[u8]) -> Self {
        let errors = serde_json::from_slice::<ErrorList>(body)
            .map(|l| l.errors)
            .unwrap_or_default();
        let text = String::from_utf8_lossy(body);
        let hint = if text.contains("HTTP request to an HTTPS server") {
            Some(Advice::UseHttps.into())
        } else {
            None
        };
        ErrorResponse {
            method: method.to_string(),
            url: url.to_string(),
            status,
            errors,
            hint,
        }
    }

    /// The registry's errors the way oras prints them: `code in lower case: message[: detail]`,
    /// joined by `; `. Falls back to the request line when the registry sent no error list.
    pub fn registry_message(&self) -> String {
        if self.errors.is_empty() {
            let reason = http_reason(self.status);
            return format!(
                "{} \"{}\": response status code {}: {}",
                self.method, self.url, self.status, reason
            );
        }
        self.errors
            .iter()
            .map(|e| {
                let mut s = format!("{}: {}", e.code.to_lowercase().replace('_', " "), e.message);
                if let Some(d) = &e.detail
                    && !d.is_null()
                {
                    s.push_str(&format!(": {d}"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The first error code the registry sent, if any.
    pub fn code(&self) -> Option<&str> {
        self.errors.first().map(|e| e.code.as_str())
    }

    /// What to do next.
    pub fn hint(&self) -> Option<Hint> {
        if self.hint.is_some() {
            return self.hint.clone();
        }
        match (self.status, self.code()) {
            (401, _) | (_, Some("UNAUTHORIZED")) => Some(Advice::Login.into()),
            (403, _) | (_, Some("DENIED")) => Some(
                "The registry denied access: check your permissions on this repository.".into(),
            ),
            _ => None,
        }
    }

    fn suffix(&self) -> String {
        if self.errors.is_empty() {
            format!(": {}", http_reason(self.status))
        } else {
            format!(": {}", self.registry_message())
        }
    }
}

fn http_reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "unexpected status",
    }
}

/// The registry asked to be left alone for longer than oras waits (`Retry-After` beyond 60 s, or
/// `ORAS_MAX_RETRY_AFTER`): fail at once and say how long.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
pub struct RateLimited {
    /// The registry (or token server) that answered.
    pub registry: String,
    /// Its status: 429, or a 503 and the like with a `Retry-After`.
    pub status: u16,
    /// How long it asked us to wait.
    pub retry_after: std::time::Duration,
    /// The answer itself, with the registry's codes.
    pub response: ErrorResponse,
}

impl RateLimited {
    fn describe(&self) -> String {
        let wait = super::retry::human_duration(self.retry_after);
        let mut text = if self.status == 429 {
            format!("rate limited by {}, retry after {wait}", self.registry)
        } else {
            format!(
                "{} is unavailable (status {}), retry after {wait}",
                self.registry, self.status
            )
        };
        if !self.response.errors.is_empty() {
            text.push_str(&format!(" ({})", self.response.registry_message()));
        }
        text
    }

    /// What to do next.
    pub fn hint(&self) -> String {
        format!(
            "Run the command again after that time. To let oras wait that long itself, set {}={}.",
            super::retry::ENV_MAX_RETRY_AFTER,
            super::retry::human_duration(self.retry_after)
        )
    }
}

/// How a request failed without an HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Nothing listens there, or the host does not resolve.
    Connect,
    /// The TLS handshake failed (certificate, or a plain-HTTP server).
    Tls,
    /// No answer in time.
    Timeout,
    /// The connection broke during the exchange.
    Other,
}

/// A request that got no usable HTTP answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} \"{url}\": {message}")]
pub struct TransportError {
    /// HTTP method.
    pub method: String,
    /// URL (never carries credentials).
    pub url: String,
    /// What failed.
    pub kind: TransportKind,
    /// The underlying error chain, flattened.
    pub message: String,
    /// What to do about it.
    pub hint: Option<Hint>,
}

/// Authentication failures decided on our side: no credential for a challenge, or a challenge,
/// redirect or transport we refuse to answer with a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// The registry asked for Basic auth and no credential was found.
    #[error("basic credential not found")]
    BasicCredentialNotFound {
        /// The config file that was consulted, if any.
        config: Option<std::path::PathBuf>,
    },
    /// A Basic challenge with a credential that has no username or no password.
    #[error("missing username or password for basic auth")]
    MissingUsernameOrPassword,
    /// The bearer realm is one we refuse to send anything to.
    #[error("refusing the token realm {realm:?} of {registry}: {reason}")]
    UnsafeRealm {
        /// The registry that sent the challenge.
        registry: String,
        /// The realm URL (no credentials in it).
        realm: String,
        /// Why it is refused.
        reason: String,
    },
    /// Basic credentials would go over plain HTTP to a host that is not loopback.
    #[error("refusing to send credentials over plain HTTP to {host}")]
    PlainHttpCredentials {
        /// The host.
        host: String,
    },
    /// A redirect we refuse to follow.
    #[error("{method} {url:?}: refusing the redirect to {to:?}: {reason}")]
    Redirect {
        /// The redirected request's method.
        method: String,
        /// The redirected request's URL (redacted).
        url: String,
        /// The Location (redacted).
        to: String,
        /// Why.
        reason: String,
    },
    /// The token server answered without a usable token.
    #[error("{method} {url:?}: {message}")]
    Token {
        /// Method of the token request.
        method: String,
        /// The realm (no secrets).
        url: String,
        /// What was wrong.
        message: String,
    },
    /// A challenge whose scheme we do not speak.
    #[error("the registry {registry} asked for unsupported authentication: {scheme}")]
    UnsupportedScheme {
        /// The registry.
        registry: String,
        /// The scheme it named.
        scheme: String,
    },
}

impl AuthError {
    /// What to do next.
    pub fn hint(&self) -> Option<Hint> {
        match self {
            AuthError::BasicCredentialNotFound { config: Some(path) } => Some(
                format!(
                    "Please check whether the registry credential stored in the authentication file at {:?} is correct",
                    path.display().to_string()
                )
                .into(),
            ),
            AuthError::BasicCredentialNotFound { config: None } => {
                Some(Advice::ProvideCredentials.into())
            }
            AuthError::PlainHttpCredentials { .. } => Some(Advice::CredentialsOverPlainHttp.into()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_registry_errors_like_oras() {
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}"#;
        let e = ErrorResponse::new("GET", "http://r/v2/x/tags/list", 404, body);
        assert_eq!(
            e.registry_message(),
            r#"name unknown: repository name not known to registry: {"name":"x"}"#
        );
        assert_eq!(e.code(), Some("NAME_UNKNOWN"));
    }

    #[test]
    fn keeps_unknown_codes_and_falls_back_without_body() {
        let e = ErrorResponse::new(
            "PUT",
            "u",
            429,
            br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#,
        );
        assert_eq!(e.registry_message(), "toomanyrequests: slow down");
        let e = ErrorResponse::new("HEAD", "http://r/v2/", 500, b"");
        assert_eq!(
            e.registry_message(),
            "HEAD \"http://r/v2/\": response status code 500: Internal Server Error"
        );
    }

    #[test]
    fn recognises_plain_http_sent_to_tls_port() {
        let e = ErrorResponse::new(
            "GET",
            "u",
            400,
            b"Client sent an HTTP request to an HTTPS server.\n",
        );
        assert_eq!(e.hint(), Some(Advice::UseHttps.into()));
    }
}
