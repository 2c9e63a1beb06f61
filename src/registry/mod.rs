//! A remote repository as a [`Target`], speaking the OCI distribution-spec v1.1
//! (<https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md>). Requests are routed
//! to `/blobs/` or `/manifests/` by media type; manifests are small and buffered (so they can be
//! verified and re-sent), blobs always stream.

pub mod auth;
pub mod client;
pub mod error;
pub mod listing;
pub mod referrers;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, Response, StatusCode};
use url::Url;

pub use client::{ClientOptions, HttpClient};
pub use listing::Registry;

use crate::content::{
    BlobReader, MAX_MANIFEST_BYTES, Mount, ReadOnlyTarget, Target, read_manifest,
};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::{Descriptor, media_type};
use crate::reference::Reference;

/// Size of the chunks a blob upload reads from its source.
const UPLOAD_CHUNK: usize = 256 * 1024;

/// One repository on one registry.
#[derive(Debug, Clone)]
pub struct Repository {
    client: HttpClient,
    /// `<scheme>://<registry>/v2/<repository>/`
    base: Url,
    registry: String,
    repository: String,
    /// Whether the registry has the Referrers API (see `referrers.rs`), shared by clones.
    referrers: std::sync::Arc<crate::referrers::Capability>,
    /// Blob uploads are chunked in pieces of this many bytes; 0 for monolithic uploads. Set by
    /// `--chunk-size`, or to [`FALLBACK_CHUNK`] once a monolithic `PUT` was refused with 413.
    chunk_size: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// The chunk size of uploads that switched to chunks after a `413 Payload Too Large`: below the
/// body limits proxies commonly set (nginx's default is 1 MiB).
pub const FALLBACK_CHUNK: u64 = 1024 * 1024;

/// Whether to speak plain HTTP to `reference`'s registry: an explicit `--plain-http[=bool]` wins;
/// otherwise loopback registries (localhost, 127.0.0.0/8, ::1) get HTTP and all others HTTPS.
pub fn use_plain_http(reference: &Reference, plain_http: Option<bool>) -> bool {
    plain_http.unwrap_or_else(|| reference.is_loopback())
}

impl Repository {
    /// The repository named by `reference` (its tag or digest is ignored here).
    pub fn new(
        client: HttpClient,
        reference: &Reference,
        plain_http: Option<bool>,
    ) -> Result<Self> {
        let scheme = if use_plain_http(reference, plain_http) {
            "http"
        } else {
            "https"
        };
        let base = Url::parse(&format!(
            "{scheme}://{}/v2/{}/",
            wire_host(&reference.registry),
            reference.repository
        ))
        .map_err(|e| {
            Error::invalid(format!(
                "invalid registry address {}: {e}",
                reference.registry
            ))
        })?;
        let client = client.bind(&base, &reference.registry, plain_http == Some(true));
        client.add_scope_hint(&auth::repository_scope(&reference.repository, &["pull"]));
        Ok(Repository {
            client,
            base,
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            referrers: Default::default(),
            chunk_size: Default::default(),
        })
    }

    /// Asks for `pull,push` on this repository in every token request from now on, so that one
    /// token covers a whole push (called before the first write, and by the copy's existence
    /// checks, which only a destination makes).
    pub fn expect_push(&self) {
        self.client
            .add_scope_hint(&auth::repository_scope(&self.repository, &["pull", "push"]));
    }

    /// `registry/repository`, as users write it.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The user-facing form of a tag or digest in this repository.
    fn display_ref(&self, reference: &str) -> String {
        if reference.contains(':') {
            format!("{}@{reference}", self.name())
        } else {
            format!("{}:{reference}", self.name())
        }
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base
            .join(path)
            .map_err(|e| Error::Protocol(format!("cannot build URL for {path}: {e}")))
    }

    fn endpoint(desc_media_type: &str) -> &'static str {
        if media_type::is_manifest(desc_media_type) || media_type::is_index(desc_media_type) {
            "manifests"
        } else {
            "blobs"
        }
    }

    fn descriptor_url(&self, desc: &Descriptor) -> Result<Url> {
        self.url(&format!(
            "{}/{}",
            Self::endpoint(&desc.media_type),
            desc.digest
        ))
    }

    /// `PUT /manifests/<reference>` with the manifest bytes.
    async fn put_manifest(&self, desc: &Descriptor, bytes: Vec<u8>, reference: &str) -> Result<()> {
        self.expect_push();
        let url = self.url(&format!("manifests/{reference}"))?;
        let bytes_for_hint = bytes::Bytes::from(bytes);
        let req = self
            .client
            .request(Method::PUT, url.as_str())
            .header(CONTENT_TYPE, desc.media_type.as_str())
            .body(bytes_for_hint.clone());
        let resp = self
            .client
            .send(req, &[StatusCode::CREATED])
            .await
            .map_err(|e| v1_1_hint(e, &bytes_for_hint))?;
        check_digest_header(&resp, &desc.digest)
    }

    /// Monolithic upload: a bodiless `POST /blobs/uploads/`, then one streamed
    /// `PUT <Location>?digest=` (distribution-spec "pushing a blob monolithically", POST then PUT).
    /// When a monolithic `PUT` is refused with 413 (a proxy's body limit), later uploads to this
    /// repository are chunked and the error is returned: the copy restarts the upload from the
    /// source.
    async fn upload_blob(&self, desc: &Descriptor, content: BlobReader) -> Result<()> {
        self.expect_push();
        let chunk = self.chunk_size.load(std::sync::atomic::Ordering::Relaxed);
        if chunk > 0 {
            return self.upload_chunked(desc, content, chunk).await;
        }
        let start = self.url("blobs/uploads/")?;
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
                    std::sync::atomic::Ordering::Relaxed,
                    std::sync::atomic::Ordering::Relaxed,
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
        if url.origin() != self.base.origin() {
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
        let start = self.url("blobs/uploads/")?;
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
                .map_err(|e| crate::copy::read_error(desc, e))?;
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
            Some(range) => {
                let last = range
                    .trim()
                    .trim_start_matches("bytes=")
                    .split_once('-')
                    .and_then(|(_, last)| last.parse::<u64>().ok())
                    .ok_or_else(|| {
                        Error::Protocol(format!(
                            "upload status: invalid Range {range:?} from the registry"
                        ))
                    })?;
                last + 1
            }
            None => 0,
        };
        let url = match header_str(&resp, "Location") {
            Some(_) => self.upload_location(&resp, location)?,
            None => location.clone(),
        };
        Ok((next, url))
    }

    /// Maps a 404 on a manifest to [`Error::NotFound`], keeping other errors.
    fn not_found(&self, err: Error, reference: &str) -> Error {
        match &err {
            Error::Response(r) if r.status == 404 => Error::NotFound(self.display_ref(reference)),
            _ => err,
        }
    }
}

/// The host requests go to: Docker Hub's `docker.io` is served by `registry-1.docker.io` (its
/// credential stays under `https://index.docker.io/v1/`, see
/// [`crate::credentials::server_address`]).
pub fn wire_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    }
}

/// The base URL `<scheme>://<registry>/v2/` of a registry (same plain-HTTP rule as
/// [`use_plain_http`]).
pub fn registry_base(registry: &str, plain_http: Option<bool>) -> Result<Url> {
    let host = match registry.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => registry,
    };
    let plain = plain_http.unwrap_or_else(|| auth::is_loopback_host(host));
    let scheme = if plain { "http" } else { "https" };
    if registry.is_empty() || registry.contains('/') || registry.contains('@') {
        return Err(Error::invalid(format!("invalid registry {registry:?}")));
    }
    Url::parse(&format!("{scheme}://{}/v2/", wire_host(registry)))
        .map_err(|e| Error::invalid(format!("invalid registry {registry:?}: {e}")))
}

/// `GET /v2/` with whatever credential `client` has: how `oras login` checks a credential.
/// Only `200 OK` counts as success.
pub async fn ping(client: &HttpClient, registry: &str, plain_http: Option<bool>) -> Result<()> {
    let base = registry_base(registry, plain_http)?;
    let client = client.bind(&base, registry, plain_http == Some(true));
    let req = client.request(Method::GET, base.as_str());
    match client.send(req, &[StatusCode::OK]).await {
        Ok(_) => Ok(()),
        Err(Error::Response(r)) if r.status == 404 => Err(Error::NotFound(base.to_string())),
        Err(e) => Err(e),
    }
}

/// Whether a manifest carries a top-level `artifactType` (an image-spec v1.1 field some
/// registries refuse).
fn has_artifact_type(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .is_some_and(|v| v.get("artifactType").is_some())
}

/// Adds a hint to a manifest PUT refused with 400/405/415 when the manifest carries
/// `artifactType`: ECR (oras #1133) and others refuse image-spec v1.1 fields with an opaque error.
fn v1_1_hint(err: Error, manifest: &[u8]) -> Error {
    match err {
        Error::Response(mut r)
            if matches!(r.status, 400 | 405 | 415)
                && r.hint.is_none()
                && has_artifact_type(manifest) =>
        {
            r.hint = Some(
                "The registry may not support OCI image-spec v1.1 manifests (with artifactType), as ECR does not: push again with --image-spec v1.0."
                    .into(),
            );
            Error::Response(r)
        }
        other => other,
    }
}

/// Whether a `HEAD` was refused as a method (405, 501): some registries only answer `GET` on
/// manifests (containerd switches to GET the same way).
fn head_refused(err: &Error) -> bool {
    matches!(err, Error::Response(r) if matches!(r.status, 405 | 501))
}

/// Checks `Docker-Content-Digest` when the registry sent one.
fn check_digest_header(resp: &Response, expected: &Digest) -> Result<()> {
    if let Some(value) = resp.headers().get("Docker-Content-Digest") {
        let got = value.to_str().unwrap_or_default();
        if got != expected.to_string() {
            return Err(Error::Protocol(format!(
                "invalid response: digest mismatch in Docker-Content-Digest: expected {expected}, got {got:?}"
            )));
        }
    }
    Ok(())
}

fn header_str<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The media type of a response, without parameters.
fn content_type(resp: &Response) -> Option<String> {
    header_str(resp, "Content-Type").map(|v| v.split(';').next().unwrap_or("").trim().to_string())
}

/// Reads a body into memory, refusing more than `limit` bytes.
async fn read_capped(mut resp: Response, limit: u64, what: &str) -> Result<Vec<u8>> {
    if let Some(len) = resp.content_length()
        && len > limit
    {
        return Err(Error::Protocol(format!(
            "{what}: {len} bytes exceeds the {limit} bytes allowed"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| Error::Protocol(format!("{what}: {}", client::chain(&e))))?
    {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > limit {
            return Err(Error::Protocol(format!(
                "{what}: more than the {limit} bytes allowed"
            )));
        }
    }
    Ok(body)
}

impl Repository {
    /// `GET /manifests/<reference>` with `accept`, capped and verified.
    async fn get_manifest(&self, reference: &str, accept: &str) -> Result<(Descriptor, Vec<u8>)> {
        let url = self.url(&format!("manifests/{reference}"))?;
        let req = self
            .client
            .request(Method::GET, url.as_str())
            .header(ACCEPT, accept);
        let resp = self
            .client
            .send(req, &[StatusCode::OK])
            .await
            .map_err(|e| self.not_found(e, reference))?;
        let media_type = content_type(&resp).ok_or_else(|| {
            Error::Protocol(format!("GET {url}: the registry sent no Content-Type"))
        })?;
        let announced = header_str(&resp, "Docker-Content-Digest").map(str::to_string);
        let bytes = read_capped(
            resp,
            MAX_MANIFEST_BYTES,
            &format!("manifest {}", self.display_ref(reference)),
        )
        .await?;
        let computed = Digest::sha256_of(&bytes);
        // The bytes are the truth: a digest reference, or the digest the registry announced,
        // must match what arrived.
        let expected = match reference.parse::<Digest>() {
            Ok(d) => Some(d),
            Err(_) => match announced {
                Some(a) => Some(a.parse::<Digest>()?),
                None => None,
            },
        };
        if let Some(expected) = expected {
            let actual = Digest::of_bytes(expected.algorithm(), &bytes);
            if actual != expected {
                return Err(Error::Verify {
                    context: format!("manifest {}", self.display_ref(reference)),
                    mismatch: crate::digest::VerifyError::DigestMismatch { expected, actual },
                });
            }
            let size = bytes.len() as u64;
            return Ok((Descriptor::new(media_type, actual, size), bytes));
        }
        let size = bytes.len() as u64;
        Ok((Descriptor::new(media_type, computed, size), bytes))
    }
}

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
    body: Option<futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>>,
    /// Resumptions since the last byte of progress.
    failures: u32,
    policy: client::RetryPolicy,
}

impl Repository {
    /// The body of a blob `GET` as a stream that survives a cut-off: when the connection breaks
    /// (or the body ends early) after `offset` bytes, the blob is asked for again with
    /// `Range: bytes=<offset>-`. A `206` whose `Content-Range` starts at `offset` continues the
    /// stream; a `200` (no range support, here or at the storage a redirect leads to) restarts
    /// the download and its first `offset` bytes are dropped. The reader above sees one
    /// continuous stream, so the digest it verifies covers the whole content.
    fn resuming_body(
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
            policy: client::RetryPolicy::from_env().unwrap_or_default(),
        };
        futures_util::stream::try_unfold(start, |mut d| async move {
            loop {
                let failure = match d.body.as_mut() {
                    Some(body) => match futures_util::StreamExt::next(body).await {
                        Some(Ok(mut chunk)) => {
                            if d.skip > 0 {
                                let drop = d.skip.min(chunk.len() as u64);
                                d.skip -= drop;
                                chunk = chunk.slice(drop as usize..);
                            }
                            if chunk.is_empty() {
                                continue;
                            }
                            d.offset += chunk.len() as u64;
                            d.failures = 0;
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
                        Some(Err(e)) => client::body_io_error(e),
                    },
                    None => unreachable!("a download without a body is resumed first"),
                };
                d.body = None;
                if d.failures >= RESUME_ATTEMPTS {
                    return Err(failure);
                }
                tokio::time::sleep(d.policy.backoff(d.failures)).await;
                d.failures += 1;
                tracing::debug!(
                    url = %client::redact_url(&d.url),
                    offset = d.offset,
                    "blob download cut off ({failure}); resuming"
                );
                match d.repo.resume(&d.url, d.offset, d.size).await {
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
    ) -> Result<(
        futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
        u64,
    )> {
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
                    client::redact_url(url)
                )));
            }
            (size - offset, 0)
        } else {
            (size, offset)
        };
        if let Some(len) = resp.content_length()
            && len != expected_len
        {
            return Err(Error::Protocol(format!(
                "GET {}: the registry announced {len} bytes, expected {expected_len}",
                client::redact_url(url)
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
    (total_ok && last + 1 == size && first <= last).then_some(first)
}

#[async_trait]
impl ReadOnlyTarget for Repository {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        let url = self.descriptor_url(desc)?;
        let mut req = self.client.request(Method::GET, url.as_str());
        if Self::endpoint(&desc.media_type) == "manifests" {
            req = req.header(ACCEPT, desc.media_type.as_str());
        }
        let resp = self
            .client
            .send(req, &[StatusCode::OK])
            .await
            .map_err(|e| self.not_found(e, &desc.digest.to_string()))?;
        if let Some(len) = resp.content_length()
            && len != desc.size
        {
            return Err(Error::Protocol(format!(
                "GET {url}: the registry announced {len} bytes for {}, expected {}",
                desc.digest, desc.size
            )));
        }
        check_digest_header(&resp, &desc.digest)?;
        if Self::endpoint(&desc.media_type) == "manifests" {
            let stream = resp.bytes_stream().map_err(client::body_io_error);
            return Ok(Box::pin(tokio_util::io::StreamReader::new(stream)));
        }
        Ok(Box::pin(tokio_util::io::StreamReader::new(
            self.resuming_body(resp, url, desc.size),
        )))
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        // Only a copy destination checks existence: ask for push rights up front.
        self.expect_push();
        let url = self.descriptor_url(desc)?;
        let mut req = self.client.request(Method::HEAD, url.as_str());
        if Self::endpoint(&desc.media_type) == "manifests" {
            req = req.header(ACCEPT, desc.media_type.as_str());
        }
        let resp = match self
            .client
            .send(req, &[StatusCode::OK, StatusCode::NOT_FOUND])
            .await
        {
            Err(e) if head_refused(&e) && Self::endpoint(&desc.media_type) == "manifests" => {
                let req = self
                    .client
                    .request(Method::GET, url.as_str())
                    .header(ACCEPT, desc.media_type.as_str());
                self.client
                    .send(req, &[StatusCode::OK, StatusCode::NOT_FOUND])
                    .await?
            }
            other => other?,
        };
        Ok(resp.status() == StatusCode::OK)
    }

    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        let url = self.url(&format!("manifests/{reference}"))?;
        let req = self
            .client
            .request(Method::HEAD, url.as_str())
            .header(ACCEPT, media_type::MANIFEST_ACCEPT);
        let resp = match self.client.send(req, &[StatusCode::OK]).await {
            Ok(resp) => resp,
            Err(e) if head_refused(&e) => {
                return self.fetch_reference(reference).await.map(|(desc, _)| desc);
            }
            Err(e) => return Err(self.not_found(e, reference)),
        };
        let media_type = content_type(&resp).ok_or_else(|| {
            Error::Protocol(format!("HEAD {url}: the registry sent no Content-Type"))
        })?;
        let size = header_str(&resp, "Content-Length")
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| {
                Error::Protocol(format!("HEAD {url}: the registry sent no Content-Length"))
            })?;
        let digest = match reference.parse::<Digest>() {
            Ok(d) => {
                check_digest_header(&resp, &d)?;
                d
            }
            Err(_) => header_str(&resp, "Docker-Content-Digest")
                .ok_or_else(|| {
                    Error::Protocol(format!(
                        "HTTP HEAD request missing required header \"Docker-Content-Digest\" ({url})"
                    ))
                })?
                .parse::<Digest>()?,
        };
        Ok(Descriptor::new(media_type, digest, size))
    }

    async fn fetch_reference(&self, reference: &str) -> Result<(Descriptor, Vec<u8>)> {
        self.get_manifest(reference, media_type::MANIFEST_ACCEPT)
            .await
    }

    async fn fetch_reference_accepting(
        &self,
        reference: &str,
        accept: &[String],
    ) -> Result<(Descriptor, Vec<u8>)> {
        if accept.is_empty() {
            return self.fetch_reference(reference).await;
        }
        self.get_manifest(reference, &accept.join(", ")).await
    }

    async fn referrers(
        &self,
        subject: &Descriptor,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        self.list_referrers(subject, artifact_type).await
    }

    fn force_referrers(&self, spec: crate::referrers::DistributionSpec) {
        self.referrers.force(spec);
    }

    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        self.list_tags(last).await
    }

    async fn resolve_blob(&self, digest: &Digest) -> Result<Descriptor> {
        self.head_blob(digest).await
    }
}

#[async_trait]
impl Target for Repository {
    async fn push(&self, desc: &Descriptor, content: BlobReader) -> Result<()> {
        self.expect_push();
        if Self::endpoint(&desc.media_type) == "manifests" {
            let bytes = read_manifest(content, desc).await?;
            return self
                .push_manifest_indexed(desc, bytes, &desc.digest.to_string())
                .await;
        }
        self.upload_blob(desc, content).await
    }

    /// A registry computes the digest of every uploaded blob and refuses it (`DIGEST_INVALID`)
    /// unless it matches the `?digest=` of the closing `PUT`.
    fn verifies_uploads(&self) -> bool {
        true
    }

    fn set_upload_chunk_size(&self, bytes: u64) {
        self.chunk_size
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        self.expect_push();
        let bytes = read_manifest(self.fetch(desc).await?, desc).await?;
        self.put_manifest(desc, bytes, reference).await
    }

    async fn push_reference(
        &self,
        desc: &Descriptor,
        bytes: Vec<u8>,
        reference: &str,
    ) -> Result<()> {
        self.expect_push();
        self.push_manifest_indexed(desc, bytes, reference).await
    }

    /// Cross-repository mount (distribution-spec "mounting a blob from another repository"):
    /// `POST /blobs/uploads/?mount=<digest>&from=<repository>`. `201 Created` means mounted; a
    /// `202 Accepted` opened an ordinary upload session instead, which is cancelled here (best
    /// effort) so the caller can upload the blob the usual way.
    async fn mount(&self, desc: &Descriptor, from_repository: &str) -> Result<Mount> {
        // One token for both repositories: push here, pull there.
        self.expect_push();
        self.client
            .add_scope_hint(&auth::repository_scope(from_repository, &["pull"]));
        let mut url = self.url("blobs/uploads/")?;
        url.query_pairs_mut()
            .append_pair("mount", &desc.digest.to_string())
            .append_pair("from", from_repository);
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
            .filter(|u| u.origin() == self.base.origin())
        {
            let cancel = self.client.request(Method::DELETE, session.as_str());
            let _ = self.client.send_raw(cancel).await;
        }
        Ok(Mount::NotMounted)
    }

    async fn delete(&self, desc: &Descriptor) -> Result<()> {
        self.delete_indexed(desc).await
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
    }

    #[test]
    fn docker_hub_requests_go_to_registry_1() {
        assert_eq!(wire_host("docker.io"), "registry-1.docker.io");
        assert_eq!(wire_host("localhost:5000"), "localhost:5000");
        assert_eq!(
            registry_base("docker.io", None).unwrap().as_str(),
            "https://registry-1.docker.io/v2/"
        );
        assert_eq!(
            registry_base("localhost:5000", None).unwrap().as_str(),
            "http://localhost:5000/v2/"
        );
        assert_eq!(
            registry_base("127.0.0.1:5000", Some(false))
                .unwrap()
                .as_str(),
            "https://127.0.0.1:5000/v2/"
        );
        assert!(registry_base("a/b", None).is_err());
    }
}
