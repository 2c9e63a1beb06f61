//! One exchange with a registry: the retry loop ([`HttpClient::retrying`]) and the sending of one
//! request with its redirects ([`HttpClient::execute`]); the watch over a streamed upload is in
//! `watch.rs`, the `--debug` trace in `trace.rs`.

use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, LOCATION};
use reqwest::{Method, Request, Response};
use url::Url;

use super::failure::{error_response, plaintext_answer, transport_error};
use super::scheme::{self, Spoken};
use super::watch::{Progress, Watched};
use super::{Attempts, Home, HttpClient, Via};
use crate::error::{Error, Result};
use crate::registry::error::{AuthError, RateLimited, TransportError, TransportKind};
use crate::registry::redact::{redact_url, redact_url_str};
use crate::registry::retry::{ENV_RESPONSE_TIMEOUT, human_duration, retry_after, retryable_status};

/// At most this many redirects are followed for one request.
const MAX_REDIRECTS: usize = 10;
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
            let Some(mut req) = next.take() else {
                unreachable!("a request is always ready for the next attempt");
            };
            if matches!(via, Via::Registry) {
                self.follow_scheme(&mut req);
            }
            let sent_to = req.url().clone();
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
                // A loopback registry that answered TLS in plaintext: the same request again
                // over plain HTTP, at once (no attempt spent: nothing failed on the registry).
                Err(Error::Transport(t)) if self.fell_back(&sent_to) => match spare {
                    Some(again) => {
                        next = Some(again);
                        continue;
                    }
                    None => return Err(Error::Transport(t)),
                },
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
                for h in self.headers.iter() {
                    headers.remove(&h.name);
                }
            }
            let mut request = match body.take() {
                Some(r) => r,
                None => Request::new(method.clone(), url.clone()),
            };
            *request.headers_mut() = headers.clone();
            if home {
                for h in self.headers.iter() {
                    if !request.headers().contains_key(&h.name) {
                        request
                            .headers_mut()
                            .insert(h.name.clone(), h.value.clone());
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
            let trace_id = self.trace_request(&method, request.url(), request.headers());
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
            let presents_cert = self.client_cert && (home || streamed);
            let sent_url = request.url().clone();
            let pending = client.execute(request);
            let outcome = match self.timeouts.response.filter(|_| !streamed) {
                _ if progress.is_some() => {
                    let progress = progress.clone().unwrap_or_default();
                    self.watch_upload(pending, &progress, &method, &url, presents_cert)
                        .await
                }
                Some(limit) => match tokio::time::timeout(limit, pending).await {
                    Ok(r) => r.map_err(|e| {
                        transport_error(method.as_str(), &redact_url(&url), &e, presents_cert)
                    }),
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
                None => pending.await.map_err(|e| {
                    transport_error(method.as_str(), &redact_url(&url), &e, presents_cert)
                }),
            };
            let outcome = match outcome {
                Err(t) if home && t.kind == TransportKind::Other && url.scheme() == "https" => {
                    Err(self.explain_closed_tls(t, &sent_url, presents_cert).await)
                }
                other => other,
            };
            if let Some(h) = self.home.as_deref().filter(|h| h.detects(&url)) {
                learn(h, &url, &outcome);
            }
            let resp = match outcome {
                Ok(resp) => self.trace_response(trace_id, resp).await,
                Err(e) => {
                    self.trace_failure(trace_id, &method, &url, &e.message);
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

    /// A TLS connection to the registry that broke without an answer (a closed channel, a
    /// reset): when the registry asks for a client certificate, that is why (see `probe`), and
    /// the failure is a TLS one with the hint to give one (or another one). `sent_url` is
    /// where the request really went (after `--resolve`).
    async fn explain_closed_tls(
        &self,
        mut t: TransportError,
        sent_url: &Url,
        presented: bool,
    ) -> TransportError {
        let host = sent_url.host_str().unwrap_or_default().to_string();
        // The probe connects directly: not to a registry reached through an HTTPS proxy.
        let proxied = !crate::reference::is_loopback_host(&host)
            && crate::registry::retry::env_var(&["HTTPS_PROXY", "https_proxy"]).is_some();
        let port = sent_url.port_or_known_default().unwrap_or(443);
        let Some(ip) = self.addresses(sent_url).await.first().copied() else {
            return t;
        };
        if proxied || !super::probe::asks_for_client_certificate(host, (ip, port).into()).await {
            return t;
        }
        t.kind = TransportKind::Tls;
        t.message = format!(
            "{}: the registry asks for a client certificate in the TLS handshake, and closed the connection",
            t.message
        );
        t.hint = Some(crate::error::Advice::ClientCertificate { given: presented }.into());
        t
    }

    /// A request to the HTTPS origin of a loopback registry seen to speak plain HTTP goes to
    /// its plain-HTTP origin instead (it was built before that was known).
    fn follow_scheme(&self, req: &mut Request) {
        if self.fell_back(req.url()) {
            let _ = req.url_mut().set_scheme("http");
        }
    }

    /// Whether `url` is on the HTTPS origin of a loopback registry seen to speak plain HTTP.
    fn fell_back(&self, url: &Url) -> bool {
        self.home
            .as_deref()
            .is_some_and(|h| h.detects(url) && scheme::spoken(&h.registry) == Some(Spoken::Plain))
    }
}

/// Records what a loopback registry speaks from the outcome of an HTTPS request to it: any
/// answer over TLS, or a TLS failure other than a plaintext answer, is TLS (never downgraded);
/// a plaintext answer, or, when no port is written, nothing listening on 443, is plain HTTP.
/// Timeouts and other failures say nothing.
fn learn(home: &Home, url: &Url, outcome: &std::result::Result<Response, TransportError>) {
    let seen = match outcome {
        Ok(_) => Spoken::Tls,
        Err(t) if plaintext_answer(&t.message) => Spoken::Plain,
        Err(t) if t.kind == TransportKind::Tls => Spoken::Tls,
        Err(t)
            if t.kind == TransportKind::Connect
                && url.port().is_none()
                && t.message.to_lowercase().contains("refused") =>
        {
            Spoken::Plain
        }
        Err(_) => return,
    };
    let now = scheme::record(&home.registry, seen);
    if seen == Spoken::Plain && now == Spoken::Plain {
        tracing::debug!(
            "{}: no TLS on {} ({}); using plain HTTP for it from now on",
            home.registry,
            redact_url(url),
            outcome.as_ref().err().map_or("", |t| t.message.as_str())
        );
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

    fn failure(kind: TransportKind, message: &str) -> TransportError {
        TransportError {
            method: "GET".into(),
            url: String::new(),
            kind,
            message: message.into(),
            hint: None,
        }
    }

    fn home(registry: &str) -> Home {
        let url = |scheme: &str| Url::parse(&format!("{scheme}://{registry}/v2/")).unwrap();
        Home {
            origin: url("https").origin(),
            fallback: Some(url("http").origin()),
            registry: registry.into(),
            explicit_plain_http: false,
        }
    }

    #[test]
    fn only_a_plaintext_answer_or_nothing_on_443_makes_a_loopback_registry_plain() {
        // Registries no other test uses: the memory is per process.
        let cases = [
            (
                "127.0.0.1:65021",
                TransportKind::Tls,
                "received corrupt message of type InvalidContentType",
                Some(Spoken::Plain),
            ),
            (
                "127.0.0.1:65022",
                TransportKind::Tls,
                "invalid peer certificate: UnknownIssuer",
                Some(Spoken::Tls),
            ),
            (
                "127.0.0.1:65023",
                TransportKind::Tls,
                "received fatal alert: CertificateRequired",
                Some(Spoken::Tls),
            ),
            // With a port, a refused connection says nothing (plain HTTP would be refused too).
            (
                "127.0.0.1:65024",
                TransportKind::Connect,
                "Connection refused",
                None,
            ),
            // Without one, nothing on 443: plain HTTP on 80, as Docker tries.
            (
                "127.0.0.24",
                TransportKind::Connect,
                "Connection refused",
                Some(Spoken::Plain),
            ),
            (
                "127.0.0.1:65025",
                TransportKind::Timeout,
                "no response within 1s",
                None,
            ),
        ];
        for (registry, kind, message, expected) in cases {
            let url = Url::parse(&format!("https://{registry}/v2/")).unwrap();
            learn(&home(registry), &url, &Err(failure(kind, message)));
            assert_eq!(scheme::spoken(registry), expected, "{registry}: {message}");
        }
        // Once TLS answered, a plaintext answer does not downgrade it.
        let registry = "127.0.0.1:65022";
        let url = Url::parse(&format!("https://{registry}/v2/")).unwrap();
        let plaintext = failure(
            TransportKind::Tls,
            "received corrupt message of type InvalidContentType",
        );
        learn(&home(registry), &url, &Err(plaintext));
        assert_eq!(scheme::spoken(registry), Some(Spoken::Tls));
    }

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
