//! Blobs (distribution-spec "Pulling blobs", "Checking if content exists"): a blob `GET`
//! streams, and survives a connection cut off mid-way by asking again with a `Range`; `HEAD`
//! gives a blob's size.

use futures_util::stream::BoxStream;
use reqwest::{Method, Response, StatusCode};
use url::Url;

use super::Repository;
use super::redact::redact_url;
use super::response::{check_digest_header, header_str};
use super::speed::SpeedWindow;
use super::transport::failure::body_io_error;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::Descriptor;

/// Resumptions of one blob download in a row without a byte of progress before it fails.
const RESUME_ATTEMPTS: u32 = 5;

/// Where a blob download stands between two chunks.
struct Download {
    repo: Repository,
    url: Url,
    size: u64,
    /// Bytes handed to the reader so far.
    offset: u64,
    /// Bytes of the current answer still to drop: it restarted from 0 while `offset` bytes had
    /// been handed on already.
    skip: u64,
    body: Option<BoxStream<'static, reqwest::Result<bytes::Bytes>>>,
    /// Resumptions since the last byte of progress.
    failures: u32,
    policy: super::RetryPolicy,
    /// A read timed out and the download was resumed, with no byte of progress since: a
    /// second timeout fails at once, so a stall costs about twice the read timeout, not one
    /// read timeout per resumption.
    stalled: bool,
    /// The low-speed limit's window (the bytes dropped count: they moved too).
    window: SpeedWindow,
}

impl Repository {
    /// The body of a blob `GET` as a stream that survives a cut-off: when the connection breaks
    /// (or the body ends early) after `offset` bytes, the blob is asked for again with
    /// `Range: bytes=<offset>-`. A `206` whose `Content-Range` starts at `offset` continues the
    /// stream; a `200` (no range support, here or at the storage a redirect leads to) restarts
    /// the download and its first `offset` bytes are dropped. The reader above sees one
    /// continuous stream, so the digest it verifies covers the whole content.
    pub(super) fn resuming_body(
        &self,
        resp: Response,
        url: Url,
        size: u64,
    ) -> impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static {
        let start = Download {
            repo: self.clone(),
            url,
            size,
            offset: 0,
            skip: 0,
            body: Some(Box::pin(resp.bytes_stream())),
            failures: 0,
            policy: self.client.retry_policy(),
            stalled: false,
            window: SpeedWindow::new(self.client.low_speed()),
        };
        futures_util::stream::try_unfold(start, |mut d| async move {
            loop {
                let Some(body) = d.body.as_mut() else {
                    unreachable!("a download without a body is resumed first");
                };
                let Some(next) = d.window.next(body).await else {
                    // The low-speed window ended while waiting.
                    d.window.check()?;
                    continue;
                };
                let failure = match next {
                    Some(Ok(mut chunk)) => {
                        d.window.add(chunk.len())?;
                        if d.skip > 0 {
                            let drop = d.skip.min(chunk.len() as u64);
                            d.skip -= drop;
                            chunk = chunk.slice(drop as usize..);
                        }
                        if chunk.is_empty() {
                            continue;
                        }
                        d.offset = d.offset.saturating_add(chunk.len() as u64);
                        d.failures = 0;
                        d.stalled = false;
                        return Ok(Some((chunk, d)));
                    }
                    None if d.offset >= d.size => return Ok(None),
                    None => std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!(
                            "the registry closed the blob download after {} of {} bytes",
                            d.offset, d.size
                        ),
                    ),
                    Some(Err(e)) => {
                        let timed_out = e.is_timeout();
                        let failure = body_io_error(e);
                        if timed_out && d.stalled {
                            return Err(std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                format!("{failure}, again after a resumption"),
                            ));
                        }
                        d.stalled |= timed_out;
                        failure
                    }
                };
                d.body = None;
                d.window.check()?;
                if d.failures >= RESUME_ATTEMPTS {
                    return Err(failure);
                }
                let resuming = std::time::Instant::now();
                tokio::time::sleep(d.policy.backoff(d.failures)).await;
                d.failures += 1;
                tracing::debug!(
                    url = %redact_url(&d.url),
                    offset = d.offset,
                    "blob download cut off ({failure}); resuming"
                );
                let resumed = d.repo.resume(&d.url, d.offset, d.size).await;
                d.window.waited(resuming.elapsed());
                match resumed {
                    Ok((body, skip)) => {
                        d.body = Some(body);
                        d.skip = skip;
                    }
                    // The request itself was already retried by the client.
                    Err(e) => return Err(std::io::Error::other(e.to_string())),
                }
            }
        })
    }

    /// Asks for the blob at `url` again from byte `offset`: the new body, and how many of its
    /// leading bytes to drop (0 after a `206`, `offset` after a `200`).
    async fn resume(
        &self,
        url: &Url,
        offset: u64,
        size: u64,
    ) -> Result<(BoxStream<'static, reqwest::Result<bytes::Bytes>>, u64)> {
        let req = self
            .client
            .request(Method::GET, url.as_str())
            .header(reqwest::header::RANGE, format!("bytes={offset}-"));
        let resp = self
            .client
            .send(req, &[StatusCode::OK, StatusCode::PARTIAL_CONTENT])
            .await?;
        let (expected_len, skip) = if resp.status() == StatusCode::PARTIAL_CONTENT {
            let range = header_str(&resp, "Content-Range").unwrap_or_default();
            if content_range_start(range, size) != Some(offset) {
                return Err(Error::Protocol(format!(
                    "GET {}: asked for bytes {offset}- of {size}, the registry sent Content-Range {range:?}",
                    redact_url(url)
                )));
            }
            (size.saturating_sub(offset), 0)
        } else {
            (size, offset)
        };
        if let Some(len) = resp.content_length()
            && len != expected_len
        {
            return Err(Error::Protocol(format!(
                "GET {}: the registry announced {len} bytes, expected {expected_len}",
                redact_url(url)
            )));
        }
        Ok((Box::pin(resp.bytes_stream()), skip))
    }
}

/// The first byte of a `Content-Range: bytes <first>-<last>/<size>` that runs to the end of a
/// blob of `size` bytes.
fn content_range_start(value: &str, size: u64) -> Option<u64> {
    let (range, total) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let (first, last) = (first.parse::<u64>().ok()?, last.parse::<u64>().ok()?);
    let total_ok = total == "*" || total.parse::<u64>().ok() == Some(size);
    (total_ok && last.checked_add(1) == Some(size) && first <= last).then_some(first)
}

impl Repository {
    /// `HEAD /blobs/<digest>`: the blob's size (`Content-Length`), as an
    /// `application/octet-stream` descriptor.
    pub async fn head_blob(&self, digest: &Digest) -> Result<Descriptor> {
        let url = self.endpoint.blob(&self.repository, &digest.to_string())?;
        let req = self.client.request(Method::HEAD, url.as_str());
        let resp = self
            .client
            .send(req, &[StatusCode::OK])
            .await
            .map_err(|e| self.not_found(e, &digest.to_string()))?;
        check_digest_header(&resp, digest)?;
        let size = header_str(&resp, "Content-Length")
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| {
                Error::Protocol(format!("HEAD {url}: the registry sent no Content-Length"))
            })?;
        Ok(Descriptor::new(
            crate::oci::media_type::OCTET_STREAM,
            digest.clone(),
            size,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_must_run_to_the_end_of_the_blob() {
        assert_eq!(content_range_start("bytes 100-999/1000", 1000), Some(100));
        assert_eq!(content_range_start("bytes 100-999/*", 1000), Some(100));
        assert_eq!(content_range_start("bytes 100-998/1000", 1000), None);
        assert_eq!(content_range_start("bytes 100-999/2000", 1000), None);
        assert_eq!(content_range_start("100-999/1000", 1000), None);
        // Numbers at the edge of u64 neither overflow nor pass.
        let max = u64::MAX;
        assert_eq!(
            content_range_start(&format!("bytes 0-{max}/{max}"), max),
            None
        );
        assert_eq!(content_range_start(&format!("bytes 0-{max}/*"), 0), None);
        assert_eq!(
            content_range_start("bytes 0-18446744073709551616/*", 0),
            None
        );
        assert_eq!(content_range_start("bytes -1-999/1000", 1000), None);
        assert_eq!(content_range_start("bytes 1.5-999/1000", 1000), None);
    }
}
