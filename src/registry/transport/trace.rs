//! The `--debug` trace of every request, with its secrets redacted.

use std::time::Instant;

use reqwest::Method;
use reqwest::Response;
use reqwest::header::{HeaderMap, HeaderName};
use url::Url;

use super::HttpClient;
use crate::registry::redact::{redact_url, redact_url_str};

impl HttpClient {
    pub(super) fn trace(
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
}
