//! One exchange with a registry: the retry loop ([`HttpClient::retrying`]), the sending of one
//! request with its redirects ([`HttpClient::execute`]), the watch over a streamed upload, and
//! the `--debug` trace of every request with its secrets redacted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, LOCATION};
use reqwest::{Method, Request, Response};
use url::Url;

use super::failure::{error_response, transport_error};
use super::{Attempts, HttpClient, Via};
use crate::error::{Error, Result};
use crate::registry::error::{AuthError, RateLimited, TransportError, TransportKind};
use crate::registry::redact::{redact_url, redact_url_str};
use crate::registry::retry::{
    ENV_READ_TIMEOUT, ENV_RESPONSE_TIMEOUT, human_duration, retry_after, retryable_status,
};

/// At most this many redirects are followed for one request.
const MAX_REDIRECTS: usize = 10;
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

impl HttpClient {
    /// Sends `req` through `send`, and again after a backoff while the failure is transient and
    /// the request can be replayed (see [`RetryPolicy`]). A streamed body and a `PATCH` are
    /// sent once. The last answer is returned as it is (its [`Attempts`] recorded); a
    /// `Retry-After` longer than the cap fails at once with [`RateLimited`].
    pub(super) async fn retrying(&self, req: Request, via: Via) -> Result<Response> {
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

    /// Sends one request, following redirects of GET and HEAD when `follow`. Requests to the
    /// registry's origin get the `-H` headers and the client certificate; once a redirect leaves
    /// that origin, `Authorization` and the `-H` headers are gone for the rest of the chain.
    pub(super) async fn execute(&self, req: Request, follow: bool) -> Result<Response> {
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
                        ).into()),
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
            hint: Some(hint.into()),
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
}
