//! The registry side of referrers (distribution-spec v1.1 "Listing Referrers" and "Pushing
//! Manifests with Subject"): the Referrers API with its fallback to the tag schema, and manifest
//! pushes that keep the tag schema up to date when the registry does not index referrers itself.
//!
//! Detection, as oras-go does it: a `GET /v2/<name>/referrers/<digest>` answered `200` with an
//! image index means the API exists; a `404` whose error code is not `NAME_UNKNOWN`, or a `200`
//! of another content type, means it does not, and the tag schema is read instead. A manifest PUT
//! answered with an `OCI-Subject` header also proves the API. The result is remembered for the
//! run (per repository, shared by clones) unless `--distribution-spec` forced it.

use reqwest::StatusCode;
use reqwest::header::ACCEPT;

use super::Repository;
use super::response::{content_type, header_str, read_capped};
use super::tags::next_link;
use super::transport::failure::error_response;
use crate::content::MAX_MANIFEST_BYTES;
use crate::error::{Error, Result};
use crate::oci::{self, Descriptor, media_type};
use crate::referrers::{self, FILTERS_APPLIED_ANNOTATION, ReferrersState};

/// Most pages of one referrers listing followed through `Link` headers.
pub const MAX_REFERRERS_PAGES: usize = 256;

impl Repository {
    /// What this repository knows about its Referrers API.
    pub fn referrers_state(&self) -> ReferrersState {
        self.referrers.state()
    }

    /// The referrers of `subject`: through the Referrers API when the registry has it (detected
    /// on first use, or forced), otherwise from the tag schema.
    pub(super) async fn list_referrers(
        &self,
        subject: &Descriptor,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        match self.referrers.state() {
            ReferrersState::Unsupported => {
                referrers::tag_schema_referrers(self, subject, artifact_type).await
            }
            state => match self.referrers_api(subject, artifact_type).await? {
                Some(found) => {
                    self.referrers.detected(true);
                    Ok(found)
                }
                None if state == ReferrersState::Supported && self.referrers.is_forced() => {
                    Err(Error::invalid_with_hint(
                        format!(
                            "{}: the registry does not implement the Referrers API",
                            self.name()
                        ),
                        crate::error::Advice::UseReferrersTagSchema,
                    ))
                }
                None => {
                    self.referrers.detected(false);
                    referrers::tag_schema_referrers(self, subject, artifact_type).await
                }
            },
        }
    }

    /// `GET /referrers/<digest>[?artifactType=]`, following `Link: <…>; rel="next"` pages on the
    /// registry's own origin. `None` when the registry answers in a way that means it has no
    /// Referrers API.
    async fn referrers_api(
        &self,
        subject: &Descriptor,
        artifact_type: Option<&str>,
    ) -> Result<Option<Vec<Descriptor>>> {
        let mut url = self.endpoint.referrers(
            &self.repository,
            &subject.digest.to_string(),
            artifact_type,
        )?;
        let what = format!("referrers of {}@{}", self.name(), subject.digest);
        let mut found = Vec::new();
        for page in 0..MAX_REFERRERS_PAGES {
            let req = self
                .client
                .request(reqwest::Method::GET, url.as_str())
                .header(ACCEPT, media_type::OCI_INDEX);
            let resp = self.client.send_raw(req).await?;
            let status = resp.status();
            if status == StatusCode::NOT_FOUND {
                let err = error_response("GET", resp).await;
                let name_unknown =
                    matches!(&err, Error::Response(r) if r.code() == Some("NAME_UNKNOWN"));
                if page > 0 || name_unknown {
                    return Err(err);
                }
                return Ok(None);
            }
            if status != StatusCode::OK {
                return Err(error_response("GET", resp).await);
            }
            if content_type(&resp).as_deref() != Some(media_type::OCI_INDEX) {
                if page == 0 {
                    return Ok(None);
                }
                return Err(Error::Protocol(format!(
                    "GET {url}: a referrers page that is not an image index"
                )));
            }
            let server_filtered = header_str(&resp, "OCI-Filters-Applied")
                .is_some_and(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            let next = next_link(&resp, &url)?;
            let body =
                read_capped(resp, MAX_MANIFEST_BYTES, &what, self.client.low_speed()).await?;
            let index = oci::parse_index_lenient(&body)?;
            let annotated = index
                .annotations
                .as_ref()
                .and_then(|a| a.get(FILTERS_APPLIED_ANNOTATION))
                .is_some_and(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            let manifests = if server_filtered || annotated {
                index.manifests
            } else {
                referrers::filter_artifact_type(index.manifests, artifact_type)
            };
            found.extend(manifests);
            match next {
                Some(next) => url = next,
                None => return Ok(Some(found)),
            }
        }
        Err(Error::Protocol(format!(
            "{what}: more than {MAX_REFERRERS_PAGES} pages of referrers; giving up"
        )))
    }

    /// Pushes a manifest (by digest or under a tag) and, when it has a `subject` and the
    /// registry does not index referrers itself (no `OCI-Subject` in the answer) or the tag
    /// schema was forced, adds it to the subject's `<alg>-<hex>` index.
    pub(super) async fn push_manifest_indexed(
        &self,
        desc: &Descriptor,
        bytes: Vec<u8>,
        reference: &str,
    ) -> Result<()> {
        if self.referrers.state() == ReferrersState::Supported {
            return self.put_manifest(desc, bytes, reference).await.map(drop);
        }
        let entry = referrers::referrer_entry(desc, &bytes)?;
        let oci_subject = self.put_manifest(desc, bytes, reference).await?;
        let Some((subject, entry)) = entry else {
            return Ok(());
        };
        if oci_subject.is_some() {
            self.referrers.detected(true);
        } else {
            self.referrers.detected(false);
        }
        if self.referrers.state() == ReferrersState::Supported {
            return Ok(());
        }
        let _guard = self.referrers.index_lock.lock().await;
        referrers::add_to_tag_schema(self, &subject, entry).await
    }
}
