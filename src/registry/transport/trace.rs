//! The `--debug` trace of every request, with its secrets redacted, in oras's shape: a
//! `--> Request #<n>` entry when the request is sent and a `<-- Response #<n>` entry (or the
//! error) when it is answered, `n` counting the process's requests from 0 so that a script (and
//! oras's own e2e check) can pair them and tell requests apart.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use reqwest::Response;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName};
use url::Url;

use super::HttpClient;
use crate::registry::redact::{redact_url, redact_url_str};

/// Process-wide, as oras's: every client of one run numbers its requests in one sequence.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// What a scrubbed header value prints as (oras's placeholder).
const SCRUBBED: &str = "*****";

impl HttpClient {
    /// Logs a request about to be sent; returns its id for [`HttpClient::trace_response`], or
    /// `None` when `--debug` is off (no id is drawn then).
    pub(super) fn trace_request(
        &self,
        method: &Method,
        url: &Url,
        sent: &HeaderMap,
    ) -> Option<u64> {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return None;
        }
        let id = REQUESTS.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            "--> Request #{id}\n> Request URL: {:?}\n> Request method: {:?}\n> Request headers:\n{}",
            redact_url(url),
            method.as_str(),
            self.format_headers(sent)
        );
        Some(id)
    }

    /// Logs the answer to request `id` (or why there was none). With `--debug` on, a JSON or
    /// plain-text body of up to [`BODY_LIMIT`] bytes is read ahead to be printed, as oras does,
    /// and handed on unchanged in the returned response; token answers are not printed.
    pub(super) async fn trace_response(&self, id: Option<u64>, resp: Response) -> Response {
        let Some(id) = id else { return resp };
        let status = resp.status();
        let status = match status.canonical_reason() {
            Some(reason) => format!("{} {reason}", status.as_u16()),
            None => status.as_u16().to_string(),
        };
        let headers = self.format_headers(resp.headers());
        let (body, resp) = read_ahead(resp).await;
        tracing::debug!(
            "<-- Response #{id}\n< Response Status: {status:?}\n< Response headers:\n{headers}\n< Response body:\n{body}"
        );
        resp
    }

    /// Logs that request `id` got no answer.
    pub(super) fn trace_failure(&self, id: Option<u64>, method: &Method, url: &Url, error: &str) {
        let Some(id) = id else { return };
        tracing::debug!(
            "<-- Response #{id}\nError in getting response for {method} {:?}: {error}",
            redact_url(url)
        );
    }

    fn format_headers(&self, headers: &HeaderMap) -> String {
        if headers.is_empty() {
            return "   Empty header".into();
        }
        let lines: Vec<String> = headers
            .iter()
            .map(|(name, value)| {
                let custom = self.headers.iter().find(|h| h.name == *name);
                let shown_name = match custom {
                    Some(h) => h.typed.0.clone(),
                    None => go_canonical(name.as_str()),
                };
                let shown = if is_secret_header(name) {
                    SCRUBBED.to_string()
                } else if let Some(h) = custom {
                    // oras prints `-H` values as typed; one whose name suggests a credential
                    // is kept out of the log.
                    if looks_like_credential(name) {
                        SCRUBBED.to_string()
                    } else {
                        h.typed.1.clone()
                    }
                } else if value.is_sensitive() {
                    SCRUBBED.to_string()
                } else if matches!(name.as_str(), "location" | "content-location" | "referer") {
                    redact_url_str(value.to_str().unwrap_or(""))
                } else {
                    value.to_str().unwrap_or("<binary>").to_string()
                };
                format!("   {shown_name:?}: {shown:?}")
            })
            .collect();
        lines.join("\n")
    }
}

/// Headers whose values never reach the log.
fn is_secret_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || name.as_str().contains("token")
        || name.as_str().contains("secret")
        || name.as_str().contains("api-key")
}

/// A `-H` header name that suggests its value is a credential (`X-Auth-Key`, `X-Session`, ...).
fn looks_like_credential(name: &HeaderName) -> bool {
    [
        "auth",
        "key",
        "password",
        "passwd",
        "session",
        "credential",
        "signature",
    ]
    .iter()
    .any(|word| name.as_str().contains(word))
}

/// A header name as Go's `http.Header` prints it (`textproto.CanonicalMIMEHeaderKey`): the
/// first letter and each letter after a hyphen in upper case, the rest in lower case.
fn go_canonical(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// The largest body the trace prints (oras's `payloadSizeLimit`); a longer one is cut there.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// What the trace prints for `resp`'s body, in oras's words, and the response to hand on: the
/// same, with any bytes read ahead put back in front of the rest of the body.
async fn read_ahead(resp: Response) -> (String, Response) {
    let length = resp.content_length();
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if length == Some(0) {
        return ("   No response body to print".into(), resp);
    }
    if content_type.is_empty() {
        return (
            "   Response body without a content type is not printed".into(),
            resp,
        );
    }
    if !printable(&content_type) {
        return (
            format!("   Response body of content type {content_type:?} is not printed"),
            resp,
        );
    }
    let url = resp.url().clone();
    let mut resp = resp;
    let mut read = Vec::new();
    let mut failure = None;
    while read.len() <= BODY_LIMIT {
        match resp.chunk().await {
            Ok(Some(chunk)) => read.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let shown = if let Some(e) = &failure {
        format!("   Error reading response body: {e}")
    } else if read.is_empty() {
        "   Response body is empty".into()
    } else if contains_credentials(&read) {
        "   Response body redacted due to potential credentials".into()
    } else if read.len() > BODY_LIMIT {
        format!(
            "{}\n...(truncated)",
            String::from_utf8_lossy(&read[..BODY_LIMIT])
        )
    } else {
        String::from_utf8_lossy(&read).into_owned()
    };
    (shown, put_back(resp, url, read, failure))
}

/// `resp` with `read` (and then, unless reading failed, the rest of its body) as its body.
fn put_back(resp: Response, url: Url, read: Vec<u8>, failure: Option<reqwest::Error>) -> Response {
    use futures_util::StreamExt;
    use reqwest::ResponseBuilderExt;
    // Setting only an extension cannot fail; the URL travels in it (reqwest's way).
    let (mut parts, ()) = http::Response::builder()
        .url(url)
        .body(())
        .unwrap_or_default()
        .into_parts();
    parts.status = resp.status();
    parts.version = resp.version();
    parts.headers = resp.headers().clone();
    let head = futures_util::stream::once(async move { Ok::<_, reqwest::Error>(read.into()) });
    let body = match failure {
        None => reqwest::Body::wrap_stream(head.chain(resp.bytes_stream())),
        Some(e) => {
            reqwest::Body::wrap_stream(head.chain(futures_util::stream::once(async { Err(e) })))
        }
    };
    Response::from(http::Response::from_parts(parts, body))
}

/// oras's printable types: JSON (`application/json`, `*+json`) and `text/plain`, `text/html`.
fn printable(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        media.as_str(),
        "application/json" | "text/plain" | "text/html"
    ) || media.ends_with("+json")
}

/// A body that carries a token (a token server's answer) is not printed.
fn contains_credentials(body: &[u8]) -> bool {
    [&b"\"token\""[..], b"\"access_token\"", b"\"refresh_token\""]
        .iter()
        .any(|needle| body.windows(needle.len()).any(|w| w == *needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_printed_as_go_canonicalizes_them() {
        assert_eq!(go_canonical("www-authenticate"), "Www-Authenticate");
        assert_eq!(
            go_canonical("docker-content-digest"),
            "Docker-Content-Digest"
        );
        assert_eq!(go_canonical("x-api-key"), "X-Api-Key");
        assert_eq!(go_canonical("etag"), "Etag");
    }

    #[test]
    fn only_json_and_text_bodies_are_printable() {
        assert!(printable("application/json; charset=utf-8"));
        assert!(printable("application/vnd.oci.image.manifest.v1+json"));
        assert!(printable("text/plain"));
        assert!(!printable("application/octet-stream"));
        assert!(!printable("application/vnd.oci.image.layer.v1.tar+gzip"));
    }

    #[test]
    fn token_answers_count_as_credentials() {
        assert!(contains_credentials(br#"{"token":"abc","expires_in":300}"#));
        assert!(contains_credentials(br#"{"access_token":"abc"}"#));
        assert!(!contains_credentials(
            br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#
        ));
    }

    #[test]
    fn credential_like_custom_header_names_are_scrubbed() {
        for name in ["x-auth-key", "x-session-id", "x-signature", "api-password"] {
            assert!(
                looks_like_credential(&HeaderName::from_static(name)),
                "{name}"
            );
        }
        assert!(!looks_like_credential(&HeaderName::from_static("foo")));
    }

    #[tokio::test]
    async fn a_body_read_ahead_is_handed_on_whole_with_its_url_and_headers() {
        use reqwest::ResponseBuilderExt;
        let url = Url::parse("http://registry.test/v2/a/manifests/v1").unwrap();
        let resp = Response::from(
            http::Response::builder()
                .status(404)
                .url(url.clone())
                .header("content-type", "application/json")
                .body(r#"{"errors":[]}"#)
                .unwrap(),
        );
        let (shown, resp) = read_ahead(resp).await;
        assert_eq!(shown, r#"{"errors":[]}"#);
        assert_eq!(resp.url(), &url);
        assert_eq!(resp.status(), 404);
        assert_eq!(resp.headers()["content-type"], "application/json");
        assert_eq!(resp.text().await.unwrap(), r#"{"errors":[]}"#);
    }
}
