//! Uploads (distribution-spec "Pushing blobs"): monolithic (`POST` then one streamed `PUT`),
//! chunked (`PATCH` per chunk, resumed after a `416`), switching to chunks once a monolithic
//! upload was refused with `413`; and cross-repository mounts. Upload sessions must stay on the
//! registry's own origin.

use std::sync::atomic::Ordering;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, Response, StatusCode};
use url::Url;

use super::response::{check_digest_header, header_str};
use super::{FALLBACK_CHUNK, Repository, auth};
use crate::content::{BlobReader, Mount};
use crate::error::{Error, Result};
use crate::oci::Descriptor;

/// Size of the chunks a blob upload reads from its source.
const UPLOAD_CHUNK: usize = 256 * 1024;

impl Repository {
    /// `PUT <Location>?digest=` (distribution-spec "pushing a blob monolithically", POST then PUT).
    /// When a monolithic `PUT` is refused with 413 (a proxy's body limit), later uploads to this
    /// repository are chunked and the error is returned: the copy restarts the upload from the
    /// source.
    pub(super) async fn upload_blob(&self, desc: &Descriptor, content: BlobReader) -> Result<()> {
        self.expect_push();
        let chunk = self.chunk_size.load(Ordering::Relaxed);
        if chunk > 0 {
            return self.upload_chunked(desc, content, chunk).await;
        }
        let start = self.endpoint.uploads(&self.repository)?;
        let req = self
            .client
            .request(Method::POST, start.as_str())
            .header(CONTENT_LENGTH, "0");
        let resp = self.client.send(req, &[StatusCode::ACCEPTED]).await?;
        let mut put_url = self.upload_location(&resp, &start)?;
        put_url
            .query_pairs_mut()
            .append_pair("digest", &desc.digest.to_string());
        let stream = tokio_util::io::ReaderStream::with_capacity(content, UPLOAD_CHUNK);
        let req = self
            .client
            .request(Method::PUT, put_url.as_str())
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, desc.size.to_string())
            .body(reqwest::Body::wrap_stream(stream));
        let resp = match self.client.send(req, &[StatusCode::CREATED]).await {
            Err(Error::Response(r)) if r.status == 413 => {
                tracing::debug!("monolithic upload refused with 413; switching to chunks");
                let _ = self.chunk_size.compare_exchange(
                    0,
                    FALLBACK_CHUNK,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
                return Err(Error::Response(r));
            }
            other => other?,
        };
        check_digest_header(&resp, &desc.digest)
    }

    /// The upload URL of a `POST`/`PATCH` answer's `Location`, resolved against `base`; it must
    /// stay on the registry's own origin: the bytes (and, later, credentials) go only where the
    /// user pointed us.
    fn upload_location(&self, resp: &Response, base: &Url) -> Result<Url> {
        let location = header_str(resp, "Location").ok_or_else(|| {
            Error::Protocol(format!("{base}: the registry sent no upload Location"))
        })?;
        let url = base
            .join(location)
            .map_err(|e| Error::Protocol(format!("invalid upload Location {location:?}: {e}")))?;
        if !self.endpoint.same_origin(&url) {
            return Err(Error::Protocol(format!(
                "the registry sent an upload Location on another origin ({}); refusing to upload there",
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    /// Chunked upload (distribution-spec "pushing a blob in chunks"): a bodiless `POST`, one
    /// `PATCH` per chunk of at most `chunk` bytes with `Content-Range: <first>-<last>`, then a
    /// bodiless `PUT <Location>?digest=`. Only one chunk is held in memory. A `416` (the
    /// registry has other bytes than we think) is answered by asking the upload's status
    /// (`GET <Location>`: `204` with `Range: 0-<last>`) and resending from `last + 1` when that
    /// falls within the chunk in hand.
    async fn upload_chunked(
        &self,
        desc: &Descriptor,
        mut content: BlobReader,
        chunk: u64,
    ) -> Result<()> {
        use tokio::io::AsyncReadExt;
        let start = self.endpoint.uploads(&self.repository)?;
        let req = self
            .client
            .request(Method::POST, start.as_str())
            .header(CONTENT_LENGTH, "0");
        let resp = self.client.send(req, &[StatusCode::ACCEPTED]).await?;
        let mut location = self.upload_location(&resp, &start)?;
        let chunk = usize::try_from(chunk).unwrap_or(usize::MAX).max(1);
        let mut buf = Vec::with_capacity(chunk.min(64 * 1024 * 1024));
        let mut offset: u64 = 0;
        loop {
            buf.clear();
            (&mut content)
                .take(chunk as u64)
                .read_to_end(&mut buf)
                .await
                .map_err(|e| crate::error::read_error(desc, e))?;
            if buf.is_empty() {
                break;
            }
            // Bytes of `buf` the registry has.
            let mut sent = 0usize;
            let mut refusals = 0;
            while sent < buf.len() {
                let first = offset + sent as u64;
                let last = offset + buf.len() as u64 - 1;
                let body = bytes::Bytes::copy_from_slice(&buf[sent..]);
                let req = self
                    .client
                    .request(Method::PATCH, location.as_str())
                    .header(CONTENT_TYPE, "application/octet-stream")
                    .header("Content-Range", format!("{first}-{last}"))
                    .header(CONTENT_LENGTH, body.len().to_string())
                    .body(body);
                match self.client.send(req, &[StatusCode::ACCEPTED]).await {
                    Ok(resp) => {
                        location = self.upload_location(&resp, &location)?;
                        sent = buf.len();
                    }
                    Err(Error::Response(r)) if r.status == 416 && refusals < 3 => {
                        refusals += 1;
                        let (next, status_location) = self.upload_status(&location).await?;
                        location = status_location;
                        if next < offset || next > offset + buf.len() as u64 {
                            return Err(Error::Protocol(format!(
                                "the registry has {next} bytes of the upload of {}, outside the chunk in hand ({offset}-{last}); cannot resume",
                                desc.digest
                            )));
                        }
                        sent = (next - offset) as usize;
                    }
                    Err(e) => return Err(e),
                }
            }
            offset += buf.len() as u64;
        }
        location
            .query_pairs_mut()
            .append_pair("digest", &desc.digest.to_string());
        let req = self
            .client
            .request(Method::PUT, location.as_str())
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, "0");
        let resp = self.client.send(req, &[StatusCode::CREATED]).await?;
        check_digest_header(&resp, &desc.digest)
    }

    /// `GET <upload URL>`: how many bytes the registry holds (`204` with `Range: 0-<last>`), and
    /// the URL to continue at.
    async fn upload_status(&self, location: &Url) -> Result<(u64, Url)> {
        let req = self.client.request(Method::GET, location.as_str());
        let resp = self
            .client
            .send(req, &[StatusCode::NO_CONTENT, StatusCode::OK])
            .await?;
        let next = match header_str(&resp, "Range") {
            Some(range) => next_upload_offset(range).ok_or_else(|| {
                Error::Protocol(format!(
                    "upload status: invalid Range {range:?} from the registry"
                ))
            })?,
            None => 0,
        };
        let url = match header_str(&resp, "Location") {
            Some(_) => self.upload_location(&resp, location)?,
            None => location.clone(),
        };
        Ok((next, url))
    }

    /// Cross-repository mount (distribution-spec "mounting a blob from another repository"):
    /// `POST /blobs/uploads/?mount=<digest>&from=<repository>`. `201 Created` means mounted; a
    /// `202 Accepted` opened an ordinary upload session instead, which is cancelled here (best
    /// effort) so the caller can upload the blob the usual way.
    pub(super) async fn mount_blob(
        &self,
        desc: &Descriptor,
        from_repository: &str,
    ) -> Result<Mount> {
        // One token for both repositories: push here, pull there.
        self.expect_push();
        self.client
            .add_scope_hint(&auth::repository_scope(from_repository, &["pull"]));
        let url =
            self.endpoint
                .mount(&self.repository, &desc.digest.to_string(), from_repository)?;
        let req = self
            .client
            .request(Method::POST, url.as_str())
            .header(CONTENT_LENGTH, "0");
        let resp = self
            .client
            .send(req, &[StatusCode::CREATED, StatusCode::ACCEPTED])
            .await?;
        if resp.status() == StatusCode::CREATED {
            check_digest_header(&resp, &desc.digest)?;
            return Ok(Mount::Mounted);
        }
        if let Some(session) = header_str(&resp, "Location")
            .and_then(|l| url.join(l).ok())
            .filter(|u| self.endpoint.same_origin(u))
        {
            let cancel = self.client.request(Method::DELETE, session.as_str());
            let _ = self.client.send_raw(cancel).await;
        }
        Ok(Mount::NotMounted)
    }
}

/// The byte after the last one an upload holds, from its status `Range: 0-<last>` (`bytes=`
/// allowed); `None` for anything else, a `last` of `u64::MAX` included.
fn next_upload_offset(range: &str) -> Option<u64> {
    range
        .trim()
        .trim_start_matches("bytes=")
        .split_once('-')
        .and_then(|(_, last)| last.parse::<u64>().ok())
        .and_then(|last| last.checked_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_status_ranges_at_the_edge_of_u64_are_refused() {
        assert_eq!(next_upload_offset("0-99"), Some(100));
        assert_eq!(next_upload_offset("bytes=0-0"), Some(1));
        assert_eq!(next_upload_offset("0-18446744073709551614"), Some(u64::MAX));
        assert_eq!(next_upload_offset("0-18446744073709551615"), None);
        assert_eq!(next_upload_offset("0-18446744073709551616"), None);
        assert_eq!(next_upload_offset("0--1"), None);
        assert_eq!(next_upload_offset("0-1.5"), None);
    }
}
