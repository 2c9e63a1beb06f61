//! The watch over a streamed upload: a request body that stops moving for the read timeout, or a
//! registry that does not answer within the response timeout once the body is sent, fails the
//! request; no limit on the total time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, Response};
use url::Url;

use super::HttpClient;
use super::failure::transport_error;
use crate::registry::error::{TransportError, TransportKind};
use crate::registry::redact::redact_url;
use crate::registry::retry::{ENV_READ_TIMEOUT, ENV_RESPONSE_TIMEOUT, human_duration};

/// When a streamed request body last moved, and when it ended.
#[derive(Debug)]
pub(super) struct Progress(std::sync::Mutex<(Instant, Option<Instant>)>);

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Progress {
    pub(super) fn new() -> Self {
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
pub(super) struct Watched {
    pub(super) inner: reqwest::Body,
    pub(super) progress: Arc<Progress>,
    /// Bytes still to send when the length is known: hyper stops polling a body whose
    /// `Content-Length` is reached, so its end is seen here rather than as a final `None`.
    pub(super) remaining: Option<u64>,
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
    /// Waits for the answer to a request whose body streams, failing when the registry stops
    /// taking the body for the read timeout, or does not answer within the response timeout once
    /// the body is all sent. No limit on the total time.
    pub(super) async fn watch_upload(
        &self,
        pending: impl std::future::Future<Output = reqwest::Result<Response>>,
        progress: &Progress,
        method: &Method,
        url: &Url,
        client_cert: bool,
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
                    return result.map_err(|e| {
                        transport_error(method.as_str(), &redact_url(url), &e, client_cert)
                    });
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
}
