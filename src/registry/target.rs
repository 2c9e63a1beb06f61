//! [`Repository`] as a [`ReadOnlyTarget`] and a [`Target`], with the [`TagLister`],
//! [`ReferrerLister`] and [`Deleter`] capabilities: each operation routed to the
//! manifest or blob side of the protocol.

use async_trait::async_trait;
use futures_util::TryStreamExt;
use reqwest::header::ACCEPT;
use reqwest::{Method, StatusCode};

use super::Repository;
use super::endpoint::is_manifest;
use super::response::{check_digest_header, head_refused};
use super::transport::failure::body_io_error;
use crate::content::{
    BlobReader, Deleter, Mount, ReadOnlyTarget, ReferrerLister, TagLister, Target, read_manifest,
};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::{Descriptor, media_type};

#[async_trait]
impl ReadOnlyTarget for Repository {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        let url = self.endpoint.descriptor(&self.repository, desc)?;
        let mut req = self.client.request(Method::GET, url.as_str());
        if is_manifest(&desc.media_type) {
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
        if is_manifest(&desc.media_type) {
            let stream = super::speed::floored(
                resp.bytes_stream().map_err(body_io_error),
                self.client.low_speed(),
            );
            return Ok(Box::pin(tokio_util::io::StreamReader::new(Box::pin(
                stream,
            ))));
        }
        Ok(Box::pin(tokio_util::io::StreamReader::new(
            self.resuming_body(resp, url, desc.size),
        )))
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        // Only a copy destination checks existence: ask for push rights up front.
        self.expect_push();
        let url = self.endpoint.descriptor(&self.repository, desc)?;
        let mut req = self.client.request(Method::HEAD, url.as_str());
        if is_manifest(&desc.media_type) {
            req = req.header(ACCEPT, desc.media_type.as_str());
        }
        let resp = match self
            .client
            .send(req, &[StatusCode::OK, StatusCode::NOT_FOUND])
            .await
        {
            Err(e) if head_refused(&e) && is_manifest(&desc.media_type) => {
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
        self.resolve_manifest(reference).await
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

    async fn resolve_blob(&self, digest: &Digest) -> Result<Descriptor> {
        self.head_blob(digest).await
    }

    fn tag_lister(&self) -> Option<&dyn TagLister> {
        Some(self)
    }

    fn referrer_lister(&self) -> Option<&dyn ReferrerLister> {
        Some(self)
    }
}

#[async_trait]
impl TagLister for Repository {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        self.list_tags(last).await
    }
}

/// The Referrers API, detected on first use or forced by
/// [`RemoteOptions::distribution_spec`](super::RemoteOptions::distribution_spec), with the tag
/// schema as its fallback.
#[async_trait]
impl ReferrerLister for Repository {
    async fn referrers(
        &self,
        subject: &Descriptor,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        self.list_referrers(subject, artifact_type).await
    }
}

/// Deleting a manifest also takes it out of its subject's tag-schema index when the registry
/// does not index referrers itself.
#[async_trait]
impl Deleter for Repository {
    async fn delete(&self, desc: &Descriptor) -> Result<()> {
        self.delete_indexed(desc).await
    }
}

#[async_trait]
impl Target for Repository {
    async fn push(&self, desc: &Descriptor, content: BlobReader) -> Result<()> {
        self.expect_push();
        if is_manifest(&desc.media_type) {
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

    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        self.expect_push();
        let bytes = read_manifest(self.fetch(desc).await?, desc).await?;
        self.put_manifest(desc, bytes, reference).await.map(drop)
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
    /// `POST /blobs/uploads/?mount=<digest>&from=<repository>`; a `202` (an ordinary upload
    /// session instead) is cancelled and reported as [`Mount::NotMounted`].
    async fn mount(&self, desc: &Descriptor, from_repository: &str) -> Result<Mount> {
        self.mount_blob(desc, from_repository).await
    }

    fn deleter(&self) -> Option<&dyn Deleter> {
        Some(self)
    }
}
