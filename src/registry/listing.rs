//! Listing and deleting (distribution-spec "Listing Tags", "Deleting Manifests", "Deleting
//! Blobs", and Distribution's `_catalog`): tag lists and the catalog follow `Link: <…>;
//! rel="next"` pages on the registry's own origin only, at most [`MAX_LIST_PAGES`] pages of at
//! most 4 MiB each.

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use url::Url;

use super::referrers::next_link;
use super::{HttpClient, Repository, read_capped};
use crate::content::{MAX_MANIFEST_BYTES, ReadOnlyTarget, read_manifest};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::Descriptor;
use crate::reference::Reference;
use crate::referrers::{self, ReferrersState};

/// Most pages of one tag list or catalog followed through `Link` headers.
pub const MAX_LIST_PAGES: usize = 1024;

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Catalog {
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

/// Follows the pages of a listing from `url`, collecting what `extract` takes from each body.
async fn paged(
    client: &HttpClient,
    mut url: Url,
    what: &str,
    extract: impl Fn(&[u8]) -> Result<Vec<String>>,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for _ in 0..MAX_LIST_PAGES {
        let req = client.request(Method::GET, url.as_str());
        let resp = client.send(req, &[StatusCode::OK]).await?;
        let next = next_link(&resp, &url)?;
        let body = read_capped(resp, MAX_MANIFEST_BYTES, what).await?;
        found.extend(extract(&body)?);
        match next {
            Some(n) => url = n,
            None => return Ok(found),
        }
    }
    Err(Error::Protocol(format!(
        "{what}: more than {MAX_LIST_PAGES} pages; giving up"
    )))
}

impl Repository {
    /// `GET /tags/list[?last=]`, every page: the repository's tags in the registry's order.
    pub async fn list_tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        let mut url = self.url("tags/list")?;
        if let Some(last) = last.filter(|l| !l.is_empty()) {
            url.query_pairs_mut().append_pair("last", last);
        }
        let what = format!("tags of {}", self.name());
        paged(&self.client, url, &what, |body| {
            let list: TagList = serde_json::from_slice(body)
                .map_err(|e| Error::Protocol(format!("{what}: invalid tag list: {e}")))?;
            Ok(list.tags.unwrap_or_default())
        })
        .await
        .map_err(|e| match &e {
            Error::Response(r) if r.status == 404 => Error::NotFound(self.name()),
            _ => e,
        })
    }

    /// `HEAD /blobs/<digest>`: the blob's size (`Content-Length`), as an
    /// `application/octet-stream` descriptor.
    pub async fn head_blob(&self, digest: &Digest) -> Result<Descriptor> {
        let url = self.url(&format!("blobs/{digest}"))?;
        let req = self.client.request(Method::HEAD, url.as_str());
        let resp = self
            .client
            .send(req, &[StatusCode::OK])
            .await
            .map_err(|e| self.not_found(e, &digest.to_string()))?;
        super::check_digest_header(&resp, digest)?;
        let size = super::header_str(&resp, "Content-Length")
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

    /// Deletes a manifest or blob; a manifest with a `subject` is also taken out of the
    /// subject's tag-schema index unless the registry has the Referrers API (asked once when
    /// not known yet), as oras-go does.
    pub(super) async fn delete_indexed(&self, desc: &Descriptor) -> Result<()> {
        let is_manifest = Self::endpoint(&desc.media_type) == "manifests";
        if !is_manifest || self.referrers.state() == ReferrersState::Supported {
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
    /// `202 Accepted`. A `404` is [`Error::NotFound`].
    pub async fn delete_descriptor(&self, desc: &Descriptor) -> Result<()> {
        let url = self.descriptor_url(desc)?;
        let req = self.client.request(Method::DELETE, url.as_str());
        let resp = self
            .client
            .send(req, &[StatusCode::ACCEPTED])
            .await
            .map_err(|e| self.not_found(e, &desc.digest.to_string()))?;
        super::check_digest_header(&resp, &desc.digest)
    }
}

/// A registry as a whole: what is not about one repository (the catalog).
#[derive(Debug, Clone)]
pub struct Registry {
    client: HttpClient,
    /// `<scheme>://<registry>/v2/`
    base: Url,
    host: String,
}

impl Registry {
    /// The registry `host` (`name[:port]`); plain HTTP as for [`Repository::new`].
    pub fn new(client: HttpClient, host: &str, plain_http: Option<bool>) -> Result<Self> {
        // A throw-away reference gives the host the same validation and loopback rule.
        let probe: Reference = format!("{host}/probe").parse()?;
        let scheme = if super::use_plain_http(&probe, plain_http) {
            "http"
        } else {
            "https"
        };
        let base = Url::parse(&format!("{scheme}://{host}/v2/"))
            .map_err(|e| Error::invalid(format!("invalid registry address {host}: {e}")))?;
        Ok(Registry {
            client,
            base,
            host: host.to_string(),
        })
    }

    /// The registry's host, as given.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `GET /v2/_catalog[?last=]`, every page: the repository names the registry lists.
    pub async fn repositories(&self, last: Option<&str>) -> Result<Vec<String>> {
        let mut url = self
            .base
            .join("_catalog")
            .map_err(|e| Error::Protocol(format!("cannot build the catalog URL: {e}")))?;
        if let Some(last) = last.filter(|l| !l.is_empty()) {
            url.query_pairs_mut().append_pair("last", last);
        }
        let what = format!("catalog of {}", self.host);
        paged(&self.client, url, &what, |body| {
            let list: Catalog = serde_json::from_slice(body)
                .map_err(|e| Error::Protocol(format!("{what}: invalid catalog: {e}")))?;
            Ok(list.repositories.unwrap_or_default())
        })
        .await
    }
}
