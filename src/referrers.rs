//! Referrers: the manifests whose `subject` points at a given manifest (image-spec v1.1,
//! distribution-spec v1.1 "Listing Referrers").
//!
//! A registry either implements the Referrers API (`GET /v2/<name>/referrers/<digest>`, and an
//! `OCI-Subject` header when a manifest with a subject is pushed) or it does not, in which case
//! clients keep the *referrers tag schema*: an image index tagged `<alg>-<hex>` of the subject,
//! listing one descriptor per referrer. This module owns what does not depend on HTTP:
//! - [`DistributionSpec`] (`--distribution-spec`) and [`Capability`], the per-repository record of
//!   whether the API is there (detected once per run, or forced);
//! - [`list`]: the referrers of a manifest in any store, through its
//!   [`ReferrerLister`](crate::content::ReferrerLister) when it has one, else from the tag schema;
//! - the tag schema: [`tag_schema_referrers`] reads it, [`add_to_tag_schema`] adds a referrer;
//! - [`referrer_entry`]: the descriptor a pushed manifest is listed under;
//! - [`discover`]: the referrers graph below a manifest, level by level, cycles cut.
//!
//! The registry side (API requests, fallback, pushing with `OCI-Subject` detection) lives in
//! `registry/referrers.rs`.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};

use futures_util::future::BoxFuture;

use crate::content::{ReadOnlyTarget, Target};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::{self, Descriptor, Index, media_type};

/// Annotation with which a Referrers API response says which filters the registry applied.
pub const FILTERS_APPLIED_ANNOTATION: &str = "org.opencontainers.referrers.filtersApplied";

/// `--distribution-spec`: how referrers are listed and recorded, instead of detecting it. A
/// repository is given it when opened
/// ([`RemoteOptions::distribution_spec`](crate::registry::RemoteOptions::distribution_spec)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistributionSpec {
    /// `v1.1-referrers-api`: the Referrers API only; no tag-schema index is read or written.
    ReferrersApi,
    /// `v1.1-referrers-tag`: the referrers tag schema only, even when the API exists.
    ReferrersTag,
}

impl FromStr for DistributionSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "v1.1-referrers-api" => Ok(DistributionSpec::ReferrersApi),
            "v1.1-referrers-tag" => Ok(DistributionSpec::ReferrersTag),
            other => Err(Error::invalid_with_hint(
                format!("unknown distribution specification flag: {other}"),
                "Available options: v1.1-referrers-tag, v1.1-referrers-api",
            )),
        }
    }
}

/// What is known about a repository's Referrers API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferrersState {
    /// Not asked yet: the next listing tries the API, the next push looks for `OCI-Subject`.
    Unknown,
    /// The registry implements the Referrers API.
    Supported,
    /// The registry does not: the tag schema is used.
    Unsupported,
}

// 0 is `Unknown`.
const SUPPORTED: u8 = 1;
const UNSUPPORTED: u8 = 2;
const FORCED: u8 = 4;

/// A repository's [`ReferrersState`], shared by its clones, plus the lock that serializes its
/// tag-schema index updates within this process.
#[derive(Debug, Default)]
pub struct Capability {
    state: AtomicU8,
    /// Held while an `<alg>-<hex>` index is read, changed and written back.
    pub(crate) index_lock: tokio::sync::Mutex<()>,
}

impl Capability {
    /// The current state.
    pub fn state(&self) -> ReferrersState {
        match self.state.load(Ordering::SeqCst) & !FORCED {
            SUPPORTED => ReferrersState::Supported,
            UNSUPPORTED => ReferrersState::Unsupported,
            _ => ReferrersState::Unknown,
        }
    }

    /// Whether `--distribution-spec` chose the state (detection then changes nothing).
    pub fn is_forced(&self) -> bool {
        self.state.load(Ordering::SeqCst) & FORCED != 0
    }

    /// Forces the state for the rest of the run.
    pub fn force(&self, spec: DistributionSpec) {
        let state = match spec {
            DistributionSpec::ReferrersApi => SUPPORTED,
            DistributionSpec::ReferrersTag => UNSUPPORTED,
        };
        self.state.store(state | FORCED, Ordering::SeqCst);
    }

    /// Records what a request showed, unless the state was forced.
    pub fn detected(&self, supported: bool) {
        let state = if supported { SUPPORTED } else { UNSUPPORTED };
        let _ = self
            .state
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                (current & FORCED == 0).then_some(state)
            });
    }
}

/// The manifests whose `subject` is `subject` in `target`, only those of `artifact_type` when
/// given: through the store's [`ReferrerLister`](crate::content::ReferrerLister) when it has
/// one (a registry's Referrers API, a layout's index), otherwise from the referrers tag schema
/// ([`tag_schema_referrers`]), as oras-go's `registry.Referrers` does.
///
/// ```
/// use oras_rs::content::memory::MemoryStore;
/// use oras_rs::digest::Digest;
/// use oras_rs::oci::{Descriptor, media_type};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let subject = Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256_of(b"{}"), 2);
/// // A memory store has no listing of its own and no `<alg>-<hex>` index yet: none.
/// let found = oras_rs::referrers::list(&MemoryStore::new(), &subject, None).await?;
/// assert!(found.is_empty());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn list(
    target: &(impl ReadOnlyTarget + ?Sized),
    subject: &Descriptor,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>> {
    match target.referrer_lister() {
        Some(lister) => lister.referrers(subject, artifact_type).await,
        None => tag_schema_referrers(target, subject, artifact_type).await,
    }
}

/// The referrers of `subject` recorded in the tag schema of `target` (the index tagged
/// `<alg>-<hex>`), keeping only `artifact_type` when given. No index means no referrers.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::referrers::tag_schema_referrers;
/// use oras_rs::{MemoryStore, PackOptions, pack_manifest};
///
/// // No `<alg>-<hex>` index: no referrers (see [`add_to_tag_schema`] for one that has them).
/// let store = MemoryStore::new();
/// let image = pack_manifest(&store, &PackOptions::default()).await?;
/// assert!(tag_schema_referrers(&store, &image, None).await?.is_empty());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn tag_schema_referrers(
    target: &(impl ReadOnlyTarget + ?Sized),
    subject: &Descriptor,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>> {
    let Some(index) = read_tag_schema_index(target, &subject.digest).await? else {
        return Ok(Vec::new());
    };
    Ok(filter_artifact_type(index.manifests, artifact_type))
}

/// Keeps the descriptors of `artifact_type` (all of them when `None`).
///
/// ```
/// use oras_rs::referrers::filter_artifact_type;
/// use oras_rs::{Descriptor, Digest, oci::media_type};
///
/// let typed = |t: &str| Descriptor {
///     artifact_type: Some(t.into()),
///     ..Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256_of(t.as_bytes()), 1)
/// };
/// let all = vec![typed("application/x.sbom"), typed("application/x.sig")];
/// assert_eq!(filter_artifact_type(all.clone(), Some("application/x.sig")), [all[1].clone()]);
/// assert_eq!(filter_artifact_type(all.clone(), None), all);
/// ```
pub fn filter_artifact_type(
    referrers: Vec<Descriptor>,
    artifact_type: Option<&str>,
) -> Vec<Descriptor> {
    referrers
        .into_iter()
        .filter(|d| artifact_type.is_none_or(|t| d.artifact_type.as_deref() == Some(t)))
        .collect()
}

async fn read_tag_schema_index(
    target: &(impl ReadOnlyTarget + ?Sized),
    subject: &Digest,
) -> Result<Option<Index>> {
    let tag = subject.tag_form();
    let (desc, bytes) = match target.fetch_reference(&tag).await {
        Ok(found) => found,
        Err(Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if desc.digest == *subject {
        // GitLab answers the fallback tag with the subject itself (oras-go #1396): that is no
        // referrers index, and its children are not referrers.
        tracing::debug!("the referrers tag {tag} resolves to the subject itself: no referrers");
        return Ok(None);
    }
    if !media_type::is_index(&desc.media_type) {
        return Err(Error::Protocol(format!(
            "the referrers tag {tag} points at a {} document, not an image index",
            desc.media_type
        )));
    }
    Ok(Some(oci::parse_index_lenient(&bytes)?))
}

/// For a manifest with a `subject`: the subject and the descriptor the manifest is listed under
/// among its referrers (media type, digest and size of `desc`; `artifactType` = the manifest's
/// `artifactType`, or its config media type when it has none; `annotations` = the manifest's
/// annotations). `None` for documents without a subject and for blobs.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::referrers::referrer_entry;
/// use oras_rs::{MemoryStore, PackOptions, pack_manifest};
///
/// let store = MemoryStore::new();
/// let image = pack_manifest(&store, &PackOptions::default()).await?;
/// let attach = PackOptions {
///     subject: Some(image.clone()),
///     artifact_type: Some("application/x.sbom".into()),
///     ..PackOptions::default()
/// };
/// let sbom = pack_manifest(&store, &attach).await?;
///
/// let (subject, entry) = referrer_entry(&sbom, &store.get(&sbom.digest).unwrap())?.unwrap();
/// assert_eq!(subject.digest, image.digest);
/// assert_eq!(entry.digest, sbom.digest);
/// assert_eq!(entry.artifact_type.as_deref(), Some("application/x.sbom"));
/// // The image has no subject: it is nobody's referrer.
/// assert!(referrer_entry(&image, &store.get(&image.digest).unwrap())?.is_none());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub fn referrer_entry(desc: &Descriptor, bytes: &[u8]) -> Result<Option<(Descriptor, Descriptor)>> {
    let fast = matches!(
        desc.media_type.as_str(),
        media_type::OCI_MANIFEST | media_type::OCI_INDEX
    )
    .then(|| oci::manifest::referrer_fields(bytes))
    .flatten();
    let (subject, artifact_type, annotations) = match desc.media_type.as_str() {
        // A manifest of 15,000 layers is not decoded whole again for these few fields.
        media_type::OCI_MANIFEST
            if let Some(oci::manifest::ReferrerFields {
                subject,
                artifact_type,
                config: Some(config),
                annotations,
            }) = fast =>
        {
            let artifact_type = artifact_type.filter(|t| !t.is_empty());
            (
                subject,
                Some(artifact_type.unwrap_or(config.media_type)),
                annotations,
            )
        }
        media_type::OCI_INDEX if let Some(fields) = fast => {
            (fields.subject, fields.artifact_type, fields.annotations)
        }
        media_type::OCI_MANIFEST => {
            let manifest = oci::parse_manifest(bytes)?;
            let artifact_type = manifest
                .artifact_type
                .filter(|t| !t.is_empty())
                .unwrap_or(manifest.config.media_type);
            (manifest.subject, Some(artifact_type), manifest.annotations)
        }
        media_type::OCI_INDEX => {
            let index = oci::parse_index(bytes)?;
            (index.subject, index.artifact_type, index.annotations)
        }
        _ => return Ok(None),
    };
    let Some(subject) = subject else {
        return Ok(None);
    };
    let mut entry = Descriptor::new(desc.media_type.clone(), desc.digest.clone(), desc.size);
    entry.artifact_type = artifact_type.filter(|t| !t.is_empty());
    entry.annotations = annotations.filter(|a| !a.is_empty());
    Ok(Some((subject, entry)))
}

/// Adds `entry` to the tag-schema index of `subject` in `target`: reads the `<alg>-<hex>` index
/// (none yet means an empty one), appends the entry unless a referrer with its digest is already
/// listed, and pushes the new index under the same tag. The previous index is left in place (as
/// oras does: no garbage collection of replaced indexes).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::referrers::{add_to_tag_schema, referrer_entry, tag_schema_referrers};
/// use oras_rs::{MemoryStore, PackOptions, ReadOnlyTarget, pack_manifest};
///
/// let store = MemoryStore::new();
/// let image = pack_manifest(&store, &PackOptions::default()).await?;
/// let attach = PackOptions {
///     subject: Some(image.clone()),
///     artifact_type: Some("application/x.sbom".into()),
///     ..PackOptions::default()
/// };
/// let sbom = pack_manifest(&store, &attach).await?;
/// let (subject, entry) = referrer_entry(&sbom, &store.get(&sbom.digest).unwrap())?.unwrap();
///
/// add_to_tag_schema(&store, &subject, entry.clone()).await?;
/// add_to_tag_schema(&store, &subject, entry).await?; // listed once
/// let listed = tag_schema_referrers(&store, &image, None).await?;
/// assert_eq!(listed.len(), 1);
/// assert_eq!(listed[0].digest, sbom.digest);
/// assert!(store.resolve(&image.digest.tag_form()).await.is_ok());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn add_to_tag_schema(
    target: &(impl Target + ?Sized),
    subject: &Descriptor,
    entry: Descriptor,
) -> Result<()> {
    let mut manifests = read_tag_schema_index(target, &subject.digest)
        .await?
        .map(|i| i.manifests)
        .unwrap_or_default();
    if manifests.iter().any(|d| d.digest == entry.digest) {
        return Ok(());
    }
    manifests.push(entry);
    let index = Index {
        schema_version: 2,
        media_type: Some(media_type::OCI_INDEX.to_string()),
        artifact_type: None,
        manifests,
        subject: None,
        annotations: None,
    };
    let bytes = oci::to_go_json(&index)?;
    let desc = Descriptor::new(
        media_type::OCI_INDEX,
        Digest::sha256_of(&bytes),
        bytes.len() as u64,
    );
    target
        .push_reference(&desc, bytes, &subject.digest.tag_form())
        .await
}

/// Takes `referrer` out of the tag-schema index of `subject` (after the referrer manifest was
/// deleted): the index is rewritten without it and the old index deleted, or, when it was the
/// last entry, the old index is deleted so the `<alg>-<hex>` tag disappears. Nothing happens
/// when no index lists it.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::referrers::{add_to_tag_schema, referrer_entry, remove_from_tag_schema};
/// use oras_rs::referrers::tag_schema_referrers;
/// use oras_rs::{OciLayout, PackOptions, ReadOnlyTarget, pack_manifest};
///
/// let dir = tempfile::tempdir().unwrap();
/// let layout = OciLayout::new(dir.path());
/// let image = pack_manifest(&layout, &PackOptions::default()).await?;
/// let attach = PackOptions {
///     subject: Some(image.clone()),
///     artifact_type: Some("application/x.sbom".into()),
///     ..PackOptions::default()
/// };
/// let sbom = pack_manifest(&layout, &attach).await?;
/// let bytes = std::fs::read(layout.blob_path(&sbom.digest)).unwrap();
/// let (subject, entry) = referrer_entry(&sbom, &bytes)?.unwrap();
/// add_to_tag_schema(&layout, &subject, entry).await?;
///
/// remove_from_tag_schema(&layout, &subject, &sbom.digest).await?;
/// assert!(tag_schema_referrers(&layout, &image, None).await?.is_empty());
/// // It was the last entry: the `<alg>-<hex>` tag is gone.
/// assert!(layout.resolve(&image.digest.tag_form()).await.is_err());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn remove_from_tag_schema(
    target: &(impl Target + ?Sized),
    subject: &Descriptor,
    referrer: &Digest,
) -> Result<()> {
    let tag = subject.digest.tag_form();
    let (old, bytes) = match target.fetch_reference(&tag).await {
        Ok(found) => found,
        Err(Error::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    if !media_type::is_index(&old.media_type) {
        return Ok(());
    }
    let mut index = oci::parse_index_lenient(&bytes)?;
    let before = index.manifests.len();
    index.manifests.retain(|d| d.digest != *referrer);
    if index.manifests.len() == before {
        return Ok(());
    }
    if !index.manifests.is_empty() {
        let bytes = oci::to_go_json(&index)?;
        let desc = Descriptor::new(
            media_type::OCI_INDEX,
            Digest::sha256_of(&bytes),
            bytes.len() as u64,
        );
        target.push_reference(&desc, bytes, &tag).await?;
    }
    match crate::content::delete(target, &old).await {
        Ok(()) | Err(Error::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// One referrer found by [`discover`], with the referrers found below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferrerNode {
    /// The referrer, as the registry (or tag-schema index) listed it.
    pub descriptor: Descriptor,
    /// Its own referrers; empty at the depth limit and for a manifest already expanded elsewhere
    /// in the graph (which is how cycles end).
    pub referrers: Vec<ReferrerNode>,
}

/// How deep [`discover`] follows referrers of referrers: the copy walk's limit
/// ([`crate::copy::MAX_GRAPH_DEPTH`]). Real chains (a signature of an SBOM of an image) are a
/// few levels; a store holding thousands, each referring to the previous, would otherwise nest
/// the walk, and the tree it returns, one level per referrer.
pub const MAX_REFERRERS_DEPTH: usize = crate::copy::MAX_GRAPH_DEPTH;

/// The referrers graph below `subject`: its referrers (of `artifact_type` when given), theirs,
/// and so on, `depth` levels deep (`None`: all). Each manifest is expanded once: a referrer met
/// again (a cycle written into a tag-schema index, or two paths to one manifest) is listed
/// without children, so the walk always ends. A graph with referrers more than
/// [`MAX_REFERRERS_DEPTH`] levels below `subject` is refused, unless `depth` stops above them.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{Descriptor, OciLayout, PackOptions, discover, pack_manifest};
///
/// let dir = tempfile::tempdir().unwrap();
/// let layout = OciLayout::new(dir.path());
/// let attach = |subject: &Descriptor, artifact_type: &str| PackOptions {
///     artifact_type: Some(artifact_type.into()),
///     subject: Some(subject.clone()),
///     ..PackOptions::default()
/// };
/// let image = pack_manifest(&layout, &PackOptions::default()).await?;
/// let sbom = pack_manifest(&layout, &attach(&image, "application/x.sbom")).await?;
/// let signature = pack_manifest(&layout, &attach(&sbom, "application/x.sig")).await?;
///
/// let graph = discover(&layout, &image, None, None).await?;
/// assert_eq!(graph.len(), 1);
/// assert_eq!(graph[0].descriptor.digest, sbom.digest);
/// assert_eq!(graph[0].descriptor.artifact_type.as_deref(), Some("application/x.sbom"));
/// assert_eq!(graph[0].referrers[0].descriptor.digest, signature.digest);
/// // One level deep, or only signatures: nothing below the SBOM, no SBOM.
/// assert!(discover(&layout, &image, None, Some(1)).await?[0].referrers.is_empty());
/// assert!(discover(&layout, &image, Some("application/x.sig"), None).await?.is_empty());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn discover(
    target: &dyn ReadOnlyTarget,
    subject: &Descriptor,
    artifact_type: Option<&str>,
    depth: Option<usize>,
) -> Result<Vec<ReferrerNode>> {
    let mut walk = Walk {
        target,
        root: subject,
        artifact_type,
        expanded: HashSet::from([subject.digest.clone()]),
    };
    walk.below(subject, 1, depth).await
}

/// One [`discover`] walk.
struct Walk<'a> {
    target: &'a dyn ReadOnlyTarget,
    root: &'a Descriptor,
    artifact_type: Option<&'a str>,
    /// The manifests whose referrers are (being) listed.
    expanded: HashSet<Digest>,
}

impl<'a> Walk<'a> {
    /// The referrers of `subject` (they are `level` levels below the root) and theirs, `depth`
    /// levels deep.
    fn below<'w>(
        &'w mut self,
        subject: &'w Descriptor,
        level: usize,
        depth: Option<usize>,
    ) -> BoxFuture<'w, Result<Vec<ReferrerNode>>> {
        Box::pin(async move {
            if depth == Some(0) {
                return Ok(Vec::new());
            }
            let referrers = list(self.target, subject, self.artifact_type).await?;
            if level > MAX_REFERRERS_DEPTH && !referrers.is_empty() {
                return Err(Error::Protocol(format!(
                    "{}: the referrers graph nests more than {MAX_REFERRERS_DEPTH} levels deep below {}; refusing to walk it (a depth of at most {MAX_REFERRERS_DEPTH} lists its top)",
                    subject.digest, self.root.digest
                )));
            }
            let mut nodes = Vec::with_capacity(referrers.len());
            for referrer in referrers {
                let children = if self.expanded.insert(referrer.digest.clone()) {
                    self.below(&referrer, level + 1, depth.map(|d| d - 1))
                        .await?
                } else {
                    Vec::new()
                };
                nodes.push(ReferrerNode {
                    descriptor: referrer,
                    referrers: children,
                });
            }
            Ok(nodes)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_spec_values_are_oras_ones() {
        assert_eq!(
            "v1.1-referrers-api".parse::<DistributionSpec>().unwrap(),
            DistributionSpec::ReferrersApi
        );
        assert_eq!(
            "v1.1-referrers-tag".parse::<DistributionSpec>().unwrap(),
            DistributionSpec::ReferrersTag
        );
        let err = "v1.1".parse::<DistributionSpec>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown distribution specification flag: v1.1"
        );
        assert_eq!(
            err.hint().unwrap(),
            crate::error::Hint::from("Available options: v1.1-referrers-tag, v1.1-referrers-api")
        );
    }

    #[tokio::test]
    async fn list_falls_back_to_the_tag_schema_without_a_referrer_lister() {
        let store = crate::content::memory::MemoryStore::new();
        assert!(store.referrer_lister().is_none());
        let subject = Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256_of(b"{}"), 2);
        assert!(list(&store, &subject, None).await.unwrap().is_empty());
        let mut entry = Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256_of(b"sbom"), 4);
        entry.artifact_type = Some("application/vnd.sbom".into());
        add_to_tag_schema(&store, &subject, entry.clone())
            .await
            .unwrap();
        assert_eq!(list(&store, &subject, None).await.unwrap(), [entry.clone()]);
        let sboms = list(&store, &subject, Some("application/vnd.sbom"));
        assert_eq!(sboms.await.unwrap(), [entry]);
        assert!(
            list(&store, &subject, Some("other"))
                .await
                .unwrap()
                .is_empty()
        );
    }

    /// A store holding an image and a chain of `n` referrers (in the tag schema), each
    /// referring to the previous.
    async fn chain(n: usize) -> (crate::MemoryStore, Descriptor) {
        use crate::{PackOptions, pack_manifest};
        let store = crate::MemoryStore::new();
        let image = pack_manifest(&store, &PackOptions::default())
            .await
            .unwrap();
        let mut subject = image.clone();
        for _ in 0..n {
            let opts = PackOptions {
                artifact_type: Some("application/x.chain".into()),
                subject: Some(subject.clone()),
                ..PackOptions::default()
            };
            let referrer = pack_manifest(&store, &opts).await.unwrap();
            let bytes = store.get(&referrer.digest).unwrap();
            let (_, entry) = referrer_entry(&referrer, &bytes).unwrap().unwrap();
            add_to_tag_schema(&store, &subject, entry).await.unwrap();
            subject = referrer;
        }
        (store, image)
    }

    fn depth_of(nodes: &[ReferrerNode]) -> usize {
        let mut depth = 0;
        let mut level = nodes;
        while let [node] = level {
            depth += 1;
            level = &node.referrers;
        }
        assert!(level.is_empty());
        depth
    }

    #[tokio::test]
    async fn discover_lists_a_chain_as_deep_as_the_limit_and_refuses_a_deeper_one() {
        let (store, image) = chain(MAX_REFERRERS_DEPTH).await;
        let graph = discover(&store, &image, None, None).await.unwrap();
        assert_eq!(depth_of(&graph), MAX_REFERRERS_DEPTH);

        let (store, image) = chain(MAX_REFERRERS_DEPTH + 1).await;
        let err = discover(&store, &image, None, None).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("the referrers graph nests more than 64 levels deep below"),
            "{err}"
        );
        let err = discover(&store, &image, None, Some(MAX_REFERRERS_DEPTH + 1)).await;
        assert!(err.is_err());
        // A depth that stops above the limit lists the top of the chain.
        let graph = discover(&store, &image, None, Some(MAX_REFERRERS_DEPTH)).await;
        assert_eq!(depth_of(&graph.unwrap()), MAX_REFERRERS_DEPTH);
        let graph = discover(&store, &image, None, Some(3)).await.unwrap();
        assert_eq!(depth_of(&graph), 3);
    }

    #[test]
    fn forced_capability_ignores_detection() {
        let cap = Capability::default();
        assert_eq!(cap.state(), ReferrersState::Unknown);
        cap.detected(false);
        assert_eq!(cap.state(), ReferrersState::Unsupported);
        cap.force(DistributionSpec::ReferrersApi);
        cap.detected(false);
        assert_eq!(cap.state(), ReferrersState::Supported);
        assert!(cap.is_forced());
    }

    #[test]
    fn referrer_entry_takes_artifact_type_or_config_type_and_annotations() {
        let subject = r#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}"#;
        let with_type = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.sbom","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}},"layers":[],"subject":{subject},"annotations":{{"k":"v"}}}}"#
        );
        let desc = Descriptor::new(
            media_type::OCI_MANIFEST,
            Digest::sha256_of(with_type.as_bytes()),
            with_type.len() as u64,
        );
        let (subj, entry) = referrer_entry(&desc, with_type.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(subj.size, 2);
        assert_eq!(entry.artifact_type.as_deref(), Some("application/vnd.sbom"));
        assert_eq!(entry.annotations.unwrap().get("k"), Some("v"));
        assert_eq!(entry.digest, desc.digest);

        let config_type = with_type.replace(r#""artifactType":"application/vnd.sbom","#, "");
        let desc = Descriptor::new(media_type::OCI_MANIFEST, desc.digest.clone(), 1);
        let (_, entry) = referrer_entry(&desc, config_type.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(entry.artifact_type.as_deref(), Some(media_type::OCI_EMPTY));

        let no_subject = config_type.replace(&format!(r#","subject":{subject}"#), "");
        assert!(
            referrer_entry(&desc, no_subject.as_bytes())
                .unwrap()
                .is_none()
        );

        // A repeated key makes the quick read fail; the whole parse reads it (the last value
        // wins, as in Go), so the entry is what the copy saw.
        let repeated = with_type.replace(
            r#""artifactType":"application/vnd.sbom","#,
            r#""artifactType":"first/type","artifactType":"application/vnd.sbom","#,
        );
        let (_, entry) = referrer_entry(&desc, repeated.as_bytes()).unwrap().unwrap();
        assert_eq!(entry.artifact_type.as_deref(), Some("application/vnd.sbom"));
        // Without a config the manifest is refused, as before.
        let no_config = no_subject.replace(
            r#""config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"#,
            "",
        );
        assert_ne!(no_config, no_subject);
        assert!(referrer_entry(&desc, no_config.as_bytes()).is_err());
    }
}
