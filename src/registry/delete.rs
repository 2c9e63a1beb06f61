//! Deleting (distribution-spec "Deleting Manifests", "Deleting Blobs"), keeping the referrers
//! tag schema up to date when a manifest with a `subject` goes.

use reqwest::{Method, StatusCode};

use super::Repository;
use super::endpoint::is_manifest;
use super::response::check_digest_header;
use crate::content::{ReadOnlyTarget, read_manifest};
use crate::error::Result;
use crate::oci::Descriptor;
use crate::referrers::{self, ReferrersState};

impl Repository {
    /// Deletes a manifest or blob; a manifest with a `subject` is also taken out of the
    /// subject's tag-schema index unless the registry has the Referrers API (asked once when
    /// not known yet), as oras-go does.
    pub(super) async fn delete_indexed(&self, desc: &Descriptor) -> Result<()> {
        if !is_manifest(&desc.media_type) || self.referrers.state() == ReferrersState::Supported {
            return self.delete_descriptor(desc).await;
        }
        let bytes = read_manifest(self.fetch(desc).await?, desc).await?;
        let entry = referrers::referrer_entry(desc, &bytes)?;
        self.delete_descriptor(desc).await?;
        let Some((subject, _)) = entry else {
            return Ok(());
        };
        if self.referrers.state() == ReferrersState::Unknown {
            // Listing detects whether the API exists; its answer is not needed.
            self.list_referrers(&subject, None).await?;
        }
        if self.referrers.state() == ReferrersState::Supported {
            return Ok(());
        }
        let _guard = self.referrers.index_lock.lock().await;
        referrers::remove_from_tag_schema(self, &subject, &desc.digest).await
    }

    /// `DELETE /manifests/<digest>` or `DELETE /blobs/<digest>` (by media type), expecting
    /// `202 Accepted`. A `404` is [`Error::NotFound`](crate::Error::NotFound).
    pub async fn delete_descriptor(&self, desc: &Descriptor) -> Result<()> {
        let url = self.endpoint.descriptor(&self.repository, desc)?;
        let req = self.client.request(Method::DELETE, url.as_str());
        let resp = self
            .client
            .send(req, &[StatusCode::ACCEPTED])
            .await
            .map_err(|e| self.not_found(e, &desc.digest.to_string()))?;
        check_digest_header(&resp, &desc.digest)
    }
}
