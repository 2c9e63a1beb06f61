//! The `--debug` trace of every request, with its secrets redacted, in oras's shape: a
//! `--> Request #<n>` entry when the request is sent and a `<-- Response #<n>` entry (or the
//! error) when it is answered, `n` counting the process's requests from 0 so that a script (and
//! oras's own e2e check) can pair them and tell requests apart.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use reqwest::Response;
use reqwest::header::{HeaderMap, HeaderName};
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

    /// Logs the answer to request `id` (or why there was none).
    pub(super) fn trace_response(
        &self,
        id: Option<u64>,
        method: &Method,
        url: &Url,
        outcome: Result<&Response, &str>,
    ) {
        let Some(id) = id else { return };
        match outcome {
            Ok(r) => {
                let status = r.status();
                let status = match status.canonical_reason() {
                    Some(reason) => format!("{} {reason}", status.as_u16()),
                    None => status.as_u16().to_string(),
                };
                tracing::debug!(
                    "<-- Response #{id}\n< Response Status: {status:?}\n< Response headers:\n{}",
                    self.format_headers(r.headers())
                );
            }
            Err(e) => tracing::debug!(
                "<-- Response #{id}\nError in getting response for {method} {:?}: {e}",
                redact_url(url)
            ),
        }
    }

    fn format_headers(&self, headers: &HeaderMap) -> String {
        if headers.is_empty() {
            return "   Empty header".into();
        }
        let lines: Vec<String> = headers
            .iter()
            .map(|(name, value)| {
                let shown = if self.is_secret_header(name) || value.is_sensitive() {
                    SCRUBBED.to_string()
                } else if matches!(name.as_str(), "location" | "content-location" | "referer") {
                    redact_url_str(value.to_str().unwrap_or(""))
                } else {
                    value.to_str().unwrap_or("<binary>").to_string()
                };
                format!("   {:?}: {shown:?}", name.as_str())
            })
            .collect();
        lines.join("\n")
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
}
