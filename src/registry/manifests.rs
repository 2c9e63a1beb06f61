//! Manifests (distribution-spec "Pulling manifests", "Pushing Manifests", "Checking if content
//! exists"): fetched capped and verified against the digest asked for or announced, resolved with
//! `HEAD` (falling back to `GET` where `HEAD` is refused), and written by the one manifest `PUT`.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};

use super::Repository;
use super::response::{check_digest_header, content_type, head_refused, header_str, read_capped};
use crate::content::{MAX_MANIFEST_BYTES, ReadOnlyTarget};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::{Descriptor, media_type};

impl Repository {
    /// `PUT /manifests/<reference>` (a tag or the digest) with the manifest bytes: the one
    /// manifest PUT. Returns the answer's `OCI-Subject` header, which proves the Referrers API.
    pub(super) async fn put_manifest(
        &self,
        desc: &Descriptor,
        bytes: Vec<u8>,
        reference: &str,
    ) -> Result<Option<String>> {
        self.expect_push();
        let url = self.endpoint.manifest(&self.repository, reference)?;
        let bytes = bytes::Bytes::from(bytes);
        let req = self
            .client
            .request(Method::PUT, url.as_str())
            .header(CONTENT_TYPE, desc.media_type.as_str())
            .body(bytes.clone());
        let resp = self
            .client
            .send(req, &[StatusCode::CREATED])
            .await
            .map_err(|e| v1_1_hint(e, &bytes))?;
        check_digest_header(&resp, &desc.digest)?;
        Ok(header_str(&resp, "OCI-Subject")
            .filter(|v| !v.is_empty())
            .map(str::to_string))
    }

    /// `GET /manifests/<reference>` with `accept`, capped and verified.
    pub(super) async fn get_manifest(
        &self,
        reference: &str,
        accept: &str,
    ) -> Result<(Descriptor, Vec<u8>)> {
        let url = self.endpoint.manifest(&self.repository, reference)?;
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
        // As oras-go: a digest reference must agree with the header the registry sent (checked
        // before the body is read), and the bytes with the digest asked for; by tag, the bytes
        // must match the header when there is one.
        let by_digest = reference.parse::<Digest>().ok();
        if let Some(asked) = &by_digest {
            check_digest_header(&resp, asked)?;
        }
        let announced = match header_str(&resp, "Docker-Content-Digest") {
            Some(value) => Some(value.parse::<Digest>().map_err(|e| {
                Error::Protocol(format!(
                    "GET {url}: invalid response header value: `Docker-Content-Digest: {value}`: {e}"
                ))
            })?),
            None => None,
        };
        let bytes = read_capped(
            resp,
            MAX_MANIFEST_BYTES,
            &format!("manifest {}", self.display_ref(reference)),
            self.client.low_speed(),
        )
        .await?;
        let size = bytes.len() as u64;
        let (expected, context) = match (by_digest, announced) {
            (Some(asked), _) => (asked, format!("manifest {}", self.display_ref(reference))),
            (None, Some(header)) => (
                header,
                format!(
                    "manifest {}: the body does not match the Docker-Content-Digest header",
                    self.display_ref(reference)
                ),
            ),
            (None, None) => {
                let digest = Digest::sha256_of(&bytes);
                return Ok((Descriptor::new(media_type, digest, size), bytes));
            }
        };
        let actual = Digest::of_bytes(expected.algorithm(), &bytes);
        if actual != expected {
            return Err(Error::Verify {
                context,
                mismatch: crate::digest::VerifyError::DigestMismatch { expected, actual },
            });
        }
        Ok((Descriptor::new(media_type, actual, size), bytes))
    }

    /// `HEAD /manifests/<reference>`: the descriptor of a tag or digest, from the answer's
    /// headers. A registry that refuses `HEAD` is asked with `GET`.
    pub(super) async fn resolve_manifest(&self, reference: &str) -> Result<Descriptor> {
        let url = self.endpoint.manifest(&self.repository, reference)?;
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
/// A manifest refused because the repository lacks its blobs (`MANIFEST_BLOB_UNKNOWN`) gets
/// the hint to push them first instead.
fn v1_1_hint(err: Error, manifest: &[u8]) -> Error {
    match err {
        Error::Response(mut r)
            if r.hint.is_none()
                && matches!(r.code(), Some("MANIFEST_BLOB_UNKNOWN" | "BLOB_UNKNOWN")) =>
        {
            r.hint = Some(crate::error::Advice::PushBlobsFirst.into());
            Error::Response(r)
        }
        Error::Response(mut r)
            if matches!(r.status, 400 | 405 | 415)
                && r.hint.is_none()
                && has_artifact_type(manifest) =>
        {
            r.hint = Some(crate::error::Advice::UseImageSpecV1_0.into());
            Error::Response(r)
        }
        other => other,
    }
}
