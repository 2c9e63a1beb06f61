//! One manifest in a target: resolve it (optionally to one platform of an index), fetch it,
//! push it, delete it. Shaped after oras-go v2's `oras.Resolve`, `oras.FetchBytes` and
//! `oras.PushBytes`; extra tags go through [`crate::tag::tag_bytes_n`].
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use oras_rs::content::layout::OciLayout;
//! use oras_rs::copy::NoopObserver;
//! use oras_rs::manifest::{self, FetchOptions, Stored};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let layout = OciLayout::new(dir.path().join("layout"));
//! let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
//! let desc = manifest::describe(bytes, None)?;
//! assert_eq!(manifest::push(&layout, &desc, bytes, "v1", &NoopObserver).await?, Stored::Pushed);
//! // The same again: the tag already points at it.
//! assert_eq!(manifest::push(&layout, &desc, bytes, "v1", &NoopObserver).await?, Stored::Existed);
//!
//! assert_eq!(manifest::resolve(&layout, "v1", None).await?.digest, desc.digest);
//! let (fetched, content) = manifest::fetch(&layout, "v1", &FetchOptions::default()).await?;
//! assert_eq!((fetched.digest, content.as_slice()), (desc.digest.clone(), &bytes[..]));
//!
//! manifest::delete(&layout, &desc).await?;
//! assert!(manifest::resolve(&layout, "v1", None).await.is_err());
//! # Ok::<(), oras_rs::Error>(())
//! # }).unwrap();
//! ```

use crate::content::{ReadOnlyTarget, Target};
use crate::copy::CopyObserver;
use crate::copy::platform::{resolve_platform, select_platform};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::{self, Descriptor, Platform, media_type};

/// Resolves `reference` (a tag or digest) in `target` to a manifest's descriptor (oras-go's
/// `oras.Resolve`); with `platform`, to the manifest of that platform: the first matching entry
/// of an index, or the manifest itself when its config says it is of that platform.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{MemoryStore, PackOptions, Target, manifest, pack_manifest};
///
/// let store = MemoryStore::new();
/// let root = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&root, "v1").await?;
///
/// // By tag or by digest.
/// assert_eq!(manifest::resolve(&store, "v1", None).await?, root);
/// assert_eq!(manifest::resolve(&store, &root.digest.to_string(), None).await?.digest, root.digest);
/// assert!(manifest::resolve(&store, "v2", None).await.is_err());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn resolve(
    target: &dyn ReadOnlyTarget,
    reference: &str,
    platform: Option<&Platform>,
) -> Result<Descriptor> {
    resolve_platform(target, reference, platform).await
}

/// What [`fetch`] asks for.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// The media types asked for (a registry's `Accept` header); empty: every manifest type.
    /// Stores that cannot negotiate return what they hold: check it with [`check_media_type`].
    pub accept: Vec<String>,
    /// Select the manifest of this platform (see [`resolve`]).
    pub platform: Option<Platform>,
}

/// Fetches the manifest `reference` of `target` with its descriptor (oras-go's
/// `oras.FetchBytes`), the manifest of `options.platform` when one is given.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::manifest::{self, FetchOptions};
/// use oras_rs::{Descriptor, Digest, MemoryStore, PackOptions, Target, oci, pack_manifest};
///
/// let store = MemoryStore::new();
/// let root = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&root, "v1").await?;
///
/// let (desc, bytes) = manifest::fetch(&store, "v1", &FetchOptions::default()).await?;
/// assert_eq!(desc.digest, root.digest);
/// assert_eq!(Digest::sha256_of(&bytes), root.digest);
/// assert_eq!(oci::parse_manifest(&bytes)?.config, Descriptor::empty_json());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn fetch(
    target: &dyn ReadOnlyTarget,
    reference: &str,
    options: &FetchOptions,
) -> Result<(Descriptor, Vec<u8>)> {
    let (desc, bytes) = target
        .fetch_reference_accepting(reference, &options.accept)
        .await?;
    match &options.platform {
        Some(p) => select_platform(target, &desc, bytes, p).await,
        None => Ok((desc, bytes)),
    }
}

/// The descriptor [`fetch`] would return, without reading the manifest when no platform is to
/// be selected.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::manifest::{self, FetchOptions};
/// use oras_rs::{MemoryStore, PackOptions, Target, pack_manifest};
///
/// let store = MemoryStore::new();
/// let root = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&root, "v1").await?;
///
/// let desc = manifest::fetch_descriptor(&store, "v1", &FetchOptions::default()).await?;
/// assert_eq!(desc, root);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn fetch_descriptor(
    target: &dyn ReadOnlyTarget,
    reference: &str,
    options: &FetchOptions,
) -> Result<Descriptor> {
    match &options.platform {
        None => target.resolve(reference).await,
        Some(_) => Ok(fetch(target, reference, options).await?.0),
    }
}

/// The config descriptor of the image manifest `reference` (of `platform`, when given): an
/// error for an index or any manifest without a config.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::oci::media_type;
/// use oras_rs::{MemoryStore, PackOptions, Target, index, manifest, pack_manifest};
///
/// let store = MemoryStore::new();
/// let root = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&root, "v1").await?;
///
/// // An artifact packed by oras has the empty config.
/// let config = manifest::fetch_config(&store, "v1", None).await?;
/// assert_eq!(config.media_type, media_type::OCI_EMPTY);
/// assert_eq!(config.size, 2);
///
/// // An index has no config.
/// let built = index::create(&store, &["v1".to_string()], &Default::default(), &|_| {}).await?;
/// let (desc, bytes) = index::encode(&built)?;
/// index::push(&store, &desc, &bytes, "all").await?;
/// assert!(manifest::fetch_config(&store, "all", None).await.is_err());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn fetch_config(
    target: &dyn ReadOnlyTarget,
    reference: &str,
    platform: Option<&Platform>,
) -> Result<Descriptor> {
    let options = FetchOptions {
        accept: Vec::new(),
        platform: platform.cloned(),
    };
    let (desc, bytes) = fetch(target, reference, &options).await?;
    if desc.media_type != media_type::OCI_MANIFEST && desc.media_type != media_type::DOCKER_MANIFEST
    {
        return Err(Error::invalid(format!(
            "{:?} is not an image manifest and does not have a config",
            desc.digest.to_string()
        )));
    }
    Ok(oci::parse_manifest(&bytes)?.config)
}

/// Fails unless `desc` is of one of the `accepted` media types (none given: any type); `name`
/// is how the error names the manifest.
pub fn check_media_type(desc: &Descriptor, accepted: &[String], name: &str) -> Result<()> {
    if accepted.is_empty() || accepted.contains(&desc.media_type) {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "{name}: the manifest's media type {} is not one of the requested types: {}",
        desc.media_type,
        accepted.join(", ")
    )))
}

/// The `mediaType` field of a manifest document, if it has a non-empty one; an error when the
/// bytes are not a JSON document.
pub fn declared_media_type(bytes: &[u8]) -> Result<Option<String>> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::invalid(format!("not a valid JSON document: {e}")))?;
    Ok(value
        .get("mediaType")
        .and_then(|m| m.as_str())
        .filter(|m| !m.is_empty())
        .map(str::to_string))
}

/// The descriptor of the manifest `bytes`: its sha256 digest, its size and `media_type`, or the
/// type the document declares ([`declared_media_type`]) when `media_type` is `None` or empty.
///
/// ```
/// let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
///
/// let desc = oras_rs::manifest::describe(bytes, None)?;
/// assert_eq!(desc.media_type, oras_rs::oci::media_type::OCI_INDEX);
/// assert_eq!(desc.size, bytes.len() as u64);
/// assert_eq!(desc.digest, oras_rs::Digest::sha256_of(bytes));
/// // A given media type wins; a document that declares none needs one.
/// let typed = oras_rs::manifest::describe(bytes, Some("application/x.mine"))?;
/// assert_eq!(typed.media_type, "application/x.mine");
/// assert!(oras_rs::manifest::describe(b"{}", None).is_err());
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn describe(bytes: &[u8], media_type: Option<&str>) -> Result<Descriptor> {
    let media_type = match media_type.filter(|m| !m.is_empty()) {
        Some(m) => m.to_string(),
        None => declared_media_type(bytes)?
            .ok_or_else(|| Error::invalid("the manifest declares no media type"))?,
    };
    Ok(Descriptor::new(
        media_type,
        Digest::sha256_of(bytes),
        bytes.len() as u64,
    ))
}

/// What [`push`] (and [`crate::blob::push`]) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The content was uploaded.
    Pushed,
    /// The target already had it (for a manifest: `reference` already pointed at it), so
    /// nothing was sent.
    Existed,
}

/// Pushes the manifest `bytes` (described by `desc`) to `target` under `reference`, a tag or
/// the manifest's digest (oras-go's `oras.PushBytes` + `oras.Tag`), unless `reference` already
/// resolves to it. `observer` sees `on_exists`, or `on_start` and `on_done` around the upload.
/// A digest `reference` other than the manifest's is refused before anything is sent, and so is
/// a manifest or index that breaks image-spec's required fields ([`oci::validate`]): what pull
/// and copy refuse to read is not stored either (oras leaves that check to the registry, and
/// Distribution takes `"layers": null`).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::NoopObserver;
/// use oras_rs::manifest::{self, Stored};
/// use oras_rs::{MemoryStore, ReadOnlyTarget};
///
/// let store = MemoryStore::new();
/// let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
/// let desc = manifest::describe(bytes, None)?;
///
/// assert_eq!(manifest::push(&store, &desc, bytes, "v1", &NoopObserver).await?, Stored::Pushed);
/// assert_eq!(manifest::push(&store, &desc, bytes, "v1", &NoopObserver).await?, Stored::Existed);
/// assert_eq!(store.resolve("v1").await?.digest, desc.digest);
/// // A digest reference must be the manifest's own.
/// let other = oras_rs::Digest::sha256_of(b"other").to_string();
/// assert!(manifest::push(&store, &desc, bytes, &other, &NoopObserver).await.is_err());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn push(
    target: &dyn Target,
    desc: &Descriptor,
    bytes: &[u8],
    reference: &str,
    observer: &dyn CopyObserver,
) -> Result<Stored> {
    oci::validate(&desc.media_type, bytes)?;
    if let Ok(given) = reference.parse::<Digest>()
        && given != desc.digest
    {
        return Err(Error::invalid(format!(
            "the digest of the manifest is {}, not {given}",
            desc.digest
        )));
    }
    let existing = match target.resolve(reference).await {
        Ok(found) => Some(found),
        Err(Error::NotFound(_)) => None,
        Err(Error::Response(r)) if r.status == 404 => None,
        Err(e) => return Err(e),
    };
    if existing.is_some_and(|d| d.digest == desc.digest) {
        observer.on_exists(desc);
        return Ok(Stored::Existed);
    }
    observer.on_start(desc);
    target
        .push_reference(desc, bytes.to_vec(), reference)
        .await?;
    observer.on_done(desc);
    Ok(Stored::Pushed)
}

/// Deletes the manifest (or blob) `desc` from `target`, with every tag pointing at it. A
/// registry without the Referrers API also takes a deleted referrer out of its subject's
/// tag-schema index. Missing content is [`Error::NotFound`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{OciLayout, PackOptions, ReadOnlyTarget, Target, manifest, pack_manifest};
///
/// let dir = tempfile::tempdir().unwrap();
/// let layout = OciLayout::new(dir.path());
/// let root = pack_manifest(&layout, &PackOptions::default()).await?;
/// layout.tag(&root, "v1").await?;
///
/// manifest::delete(&layout, &root).await?;
/// assert!(!layout.exists(&root).await?);
/// assert!(layout.resolve("v1").await.is_err());
/// // Deleting it again: it is not there.
/// assert!(matches!(manifest::delete(&layout, &root).await, Err(oras_rs::Error::NotFound(_))));
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn delete(target: &dyn Target, desc: &Descriptor) -> Result<()> {
    crate::content::delete(target, desc).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_by_flag_or_declared_type() {
        let doc = br#"{"mediaType":"a/b"}"#;
        assert_eq!(describe(doc, None).unwrap().media_type, "a/b");
        assert_eq!(describe(doc, Some("c/d")).unwrap().media_type, "c/d");
        assert_eq!(describe(doc, Some("")).unwrap().media_type, "a/b");
        assert!(describe(b"{}", None).is_err());
        assert!(declared_media_type(b"not json").is_err());
    }

    #[test]
    fn checks_accepted_media_types() {
        let desc = Descriptor::new("a/b", Digest::sha256_of(b"x"), 1);
        assert!(check_media_type(&desc, &[], "r").is_ok());
        assert!(check_media_type(&desc, &["a/b".into()], "r").is_ok());
        let err = check_media_type(&desc, &["c/d".into(), "e/f".into()], "r").unwrap_err();
        assert_eq!(
            err.to_string(),
            "r: the manifest's media type a/b is not one of the requested types: c/d, e/f"
        );
    }
}
