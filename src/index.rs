//! Image indexes built from manifests a target holds (`oras manifest index create` / `update`):
//! each entry carries the manifest's media type, digest, size, artifact type and, for an image,
//! the platform its config declares.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use oras_rs::content::layout::OciLayout;
//! use oras_rs::copy::NoopObserver;
//! use oras_rs::index::{self, CreateOptions, Update};
//! use oras_rs::{blob, manifest};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let layout = OciLayout::new(dir.path().join("layout"));
//! // An image for linux/arm64: its config, then its manifest tagged `arm64`.
//! let config = br#"{"architecture":"arm64","os":"linux"}"#;
//! let config_desc = oras_rs::oci::Descriptor::new(
//!     oras_rs::oci::media_type::OCI_CONFIG, oras_rs::digest::Digest::sha256_of(config), config.len() as u64);
//! blob::push(&layout, &config_desc, std::io::Cursor::new(config.to_vec()), &NoopObserver).await?;
//! let image = format!(
//!     r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}}"#,
//!     String::from_utf8(oras_rs::oci::to_go_json(&config_desc)?).unwrap());
//! let image_desc = manifest::describe(image.as_bytes(), None)?;
//! manifest::push(&layout, &image_desc, image.as_bytes(), "arm64", &NoopObserver).await?;
//!
//! let built = index::create(&layout, &["arm64".to_string()], &CreateOptions::default(), &|_| {}).await?;
//! assert_eq!(built.manifests[0].platform.as_ref().unwrap().architecture, "arm64");
//! let (desc, bytes) = index::encode(&built)?;
//! index::push(&layout, &desc, &bytes, "v1").await?;
//!
//! // Take the image out again.
//! let (_, fetched) = index::fetch(&layout, "v1", "v1").await?;
//! let update = Update { remove: vec![image_desc.digest.clone()], ..Update::default() };
//! let updated = index::update(&layout, fetched, &update, "v1", &|_| {}).await?;
//! assert!(updated.manifests.is_empty());
//! # Ok::<(), oras_rs::Error>(())
//! # }).unwrap();
//! ```

use crate::content::{MAX_MANIFEST_BYTES, ReadOnlyTarget, Target, read_manifest};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::{self, Annotations, Descriptor, Index, Platform, media_type};

/// A step of [`create`] or [`update`], for status output.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The manifest `source` (as given) is being looked up.
    Fetching(&'a str),
    /// It was found.
    Fetched {
        /// As given.
        source: &'a str,
        /// The manifest.
        desc: &'a Descriptor,
    },
    /// An entry was taken out of the index.
    Removed(&'a Digest),
    /// The manifest `source` became an entry.
    Added {
        /// As given.
        source: &'a str,
        /// The manifest.
        desc: &'a Descriptor,
    },
    /// The entries of the index `source` were appended.
    Merged {
        /// As given.
        source: &'a str,
        /// The merged index.
        desc: &'a Descriptor,
    },
}

/// Receives the [`Event`]s of an index being built.
pub type OnEvent<'a> = &'a (dyn Fn(Event<'_>) + Sync);

/// `tag`, `digest`, `:tag` or `@digest`: what is looked up in the target.
fn source_reference(source: &str) -> &str {
    source
        .strip_prefix('@')
        .or_else(|| source.strip_prefix(':'))
        .unwrap_or(source)
}

/// Fetches the manifest `source` (`tag`, `digest`, `:tag` or `@digest`) of `target` and returns
/// its index entry with the manifest's bytes: media type, digest, size, artifact type, and the
/// platform of its image config when the config names an OS and an architecture.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{MemoryStore, PackOptions, Target, index, pack_manifest};
///
/// let store = MemoryStore::new();
/// let typed = PackOptions { artifact_type: Some("application/x.one".into()), ..PackOptions::default() };
/// let root = pack_manifest(&store, &typed).await?;
/// store.tag(&root, "v1").await?;
///
/// let (entry, bytes) = index::entry(&store, ":v1", &|_| {}).await?;
/// assert_eq!(entry.digest, root.digest);
/// assert_eq!(entry.artifact_type.as_deref(), Some("application/x.one"));
/// assert_eq!(entry.platform, None); // not an image: no platform
/// assert_eq!(bytes.len() as u64, root.size);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn entry(
    target: &dyn ReadOnlyTarget,
    source: &str,
    on_event: OnEvent<'_>,
) -> Result<(Descriptor, Vec<u8>)> {
    on_event(Event::Fetching(source));
    let (desc, bytes) = match target.fetch_reference(source_reference(source)).await {
        Ok(found) => found,
        Err(e) => {
            // A blob named by its digest (an OCI layout resolves one, as oras-go's does): the
            // source exists but is no manifest.
            if let (Error::NotFound(_), Ok(digest)) =
                (&e, source_reference(source).parse::<Digest>())
                && target.resolve_blob(&digest).await.is_ok()
            {
                return Err(Error::invalid(format!("{source} is not a manifest")));
            }
            return Err(e.context(format!("could not find the manifest {source}")));
        }
    };
    if !media_type::is_manifest(&desc.media_type) {
        return Err(Error::invalid(format!("{source} is not a manifest")));
    }
    on_event(Event::Fetched {
        source,
        desc: &desc,
    });
    let mut entry = Descriptor::new(desc.media_type.clone(), desc.digest.clone(), desc.size);
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    entry.artifact_type = value
        .get("artifactType")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if !media_type::is_index(&desc.media_type)
        && let Ok(manifest) = oci::parse_manifest(&bytes)
    {
        entry.platform = config_platform(target, &manifest.config, source)
            .await?
            .map(Box::new);
    }
    Ok((entry, bytes))
}

/// The platform an image config declares (OS and architecture both set), if it does.
async fn config_platform(
    target: &dyn ReadOnlyTarget,
    config: &Descriptor,
    source: &str,
) -> Result<Option<Platform>> {
    if config.size > MAX_MANIFEST_BYTES {
        return Err(Error::invalid(format!(
            "the config of {source} is {} bytes, more than the {MAX_MANIFEST_BYTES} bytes allowed",
            config.size
        )));
    }
    if let Ok(reader) = target.fetch(config).await
        && let Ok(bytes) = read_manifest(reader, config).await
        && let Ok(platform) = serde_json::from_slice::<Platform>(&bytes)
        && !platform.os.is_empty()
        && !platform.architecture.is_empty()
    {
        return Ok(Some(Platform {
            features: None,
            ..platform
        }));
    }
    Ok(None)
}

/// What [`create`] puts in the index besides its entries.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// `artifactType` of the index (none when `None` or empty).
    pub artifact_type: Option<String>,
    /// Annotations of the index.
    pub annotations: Annotations,
}

/// An image index listing the manifests `sources` of `target` in order (see [`entry`]).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::index::{self, CreateOptions};
/// use oras_rs::{MemoryStore, PackOptions, Target, pack_manifest};
///
/// let store = MemoryStore::new();
/// let root = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&root, "v1").await?;
///
/// let options = CreateOptions {
///     artifact_type: Some("application/x.set".into()),
///     ..CreateOptions::default()
/// };
/// let built = index::create(&store, &["v1".to_string()], &options, &|_| {}).await?;
/// assert_eq!(built.artifact_type.as_deref(), Some("application/x.set"));
/// assert_eq!(built.manifests.len(), 1);
/// assert_eq!((&built.manifests[0].digest, built.manifests[0].size), (&root.digest, root.size));
/// assert!(index::create(&store, &["v2".to_string()], &options, &|_| {}).await.is_err());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn create(
    target: &dyn ReadOnlyTarget,
    sources: &[String],
    options: &CreateOptions,
    on_event: OnEvent<'_>,
) -> Result<Index> {
    let mut manifests = Vec::with_capacity(sources.len());
    for source in sources {
        manifests.push(entry(target, source, on_event).await?.0);
    }
    Ok(Index {
        schema_version: 2,
        media_type: Some(media_type::OCI_INDEX.to_string()),
        artifact_type: options.artifact_type.clone().filter(|t| !t.is_empty()),
        manifests,
        subject: None,
        annotations: (!options.annotations.is_empty()).then(|| options.annotations.clone()),
    })
}

/// Fetches the index `reference` of `target`; `name` is how errors name it.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{MemoryStore, PackOptions, Target, index, pack_manifest};
///
/// let store = MemoryStore::new();
/// let root = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&root, "v1").await?;
/// let built = index::create(&store, &["v1".to_string()], &Default::default(), &|_| {}).await?;
/// let (desc, bytes) = index::encode(&built)?;
/// index::push(&store, &desc, &bytes, "all").await?;
///
/// let (fetched_desc, fetched) = index::fetch(&store, "all", "all").await?;
/// assert_eq!(fetched_desc.digest, desc.digest);
/// assert_eq!(fetched.manifests[0].digest, root.digest);
/// // A manifest is no index.
/// let err = index::fetch(&store, "v1", "v1").await.unwrap_err();
/// assert!(err.to_string().contains("v1 is not an index"));
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn fetch(
    target: &dyn ReadOnlyTarget,
    reference: &str,
    name: &str,
) -> Result<(Descriptor, Index)> {
    let (desc, bytes) = target
        .fetch_reference(reference)
        .await
        .map_err(|e| e.context(format!("could not find the index {name}")))?;
    if !media_type::is_index(&desc.media_type) {
        return Err(Error::invalid(format!("{name} is not an index")));
    }
    Ok((desc, oci::parse_index(&bytes)?))
}

/// The changes [`update`] makes, applied in this order.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// Entries to take out, each of which must be listed.
    pub remove: Vec<Digest>,
    /// Manifests to append (see [`entry`]).
    pub add: Vec<String>,
    /// Indexes whose entries are appended.
    pub merge: Vec<String>,
    /// A new `artifactType`; `Some("")` removes it.
    pub artifact_type: Option<String>,
}

impl Update {
    /// The update removing `remove`, adding `add`, merging `merge` and setting `artifact_type`.
    pub fn new(
        remove: Vec<Digest>,
        add: Vec<String>,
        merge: Vec<String>,
        artifact_type: Option<String>,
    ) -> Self {
        Update {
            remove,
            add,
            merge,
            artifact_type,
        }
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty()
            && self.add.is_empty()
            && self.merge.is_empty()
            && self.artifact_type.is_none()
    }
}

/// `index` (fetched from `target` with [`fetch`]; `name` is how errors name it) with `update`
/// applied; the sources added or merged are looked up in `target`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::index::{self, Update};
/// use oras_rs::{MemoryStore, PackOptions, Target, pack_manifest};
///
/// let store = MemoryStore::new();
/// let one = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&one, "one").await?;
/// let typed = PackOptions { artifact_type: Some("application/x.two".into()), ..PackOptions::default() };
/// let two = pack_manifest(&store, &typed).await?;
/// store.tag(&two, "two").await?;
/// let built = index::create(&store, &["one".to_string()], &Default::default(), &|_| {}).await?;
///
/// let update = Update::new(vec![one.digest.clone()], vec!["two".to_string()], Vec::new(), None);
/// let updated = index::update(&store, built, &update, "all", &|_| {}).await?;
/// assert_eq!(updated.manifests.len(), 1);
/// assert_eq!(updated.manifests[0].digest, two.digest);
/// assert_eq!(updated.manifests[0].artifact_type.as_deref(), Some("application/x.two"));
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn update(
    target: &dyn ReadOnlyTarget,
    mut index: Index,
    update: &Update,
    name: &str,
    on_event: OnEvent<'_>,
) -> Result<Index> {
    for digest in &update.remove {
        let before = index.manifests.len();
        index.manifests.retain(|m| m.digest != *digest);
        if index.manifests.len() == before {
            return Err(Error::invalid(format!(
                "{digest} does not exist in the index {name}"
            )));
        }
        on_event(Event::Removed(digest));
    }
    for source in &update.add {
        let (desc, _) = entry(target, source, on_event).await?;
        on_event(Event::Added {
            source,
            desc: &desc,
        });
        index.manifests.push(desc);
    }
    for source in &update.merge {
        let (desc, bytes) = entry(target, source, on_event).await?;
        if !media_type::is_index(&desc.media_type) {
            return Err(Error::invalid(format!("{source} is not an index")));
        }
        index.manifests.extend(oci::parse_index(&bytes)?.manifests);
        on_event(Event::Merged {
            source,
            desc: &desc,
        });
    }
    if let Some(t) = &update.artifact_type {
        index.artifact_type = (!t.is_empty()).then(|| t.clone());
    }
    Ok(index)
}

/// `index` as the bytes oras writes (Go's JSON encoding) and their descriptor.
///
/// ```
/// use oras_rs::oci::{Index, media_type};
///
/// let empty = Index {
///     schema_version: 2,
///     media_type: Some(media_type::OCI_INDEX.to_string()),
///     artifact_type: None,
///     manifests: Vec::new(),
///     subject: None,
///     annotations: None,
/// };
/// let (desc, bytes) = oras_rs::index::encode(&empty)?;
/// assert_eq!(bytes, br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#);
/// assert_eq!((desc.media_type.as_str(), desc.size), (media_type::OCI_INDEX, bytes.len() as u64));
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn encode(index: &Index) -> Result<(Descriptor, Vec<u8>)> {
    let bytes = oci::to_go_json(index)?;
    let desc = Descriptor::new(
        media_type::OCI_INDEX,
        Digest::sha256_of(&bytes),
        bytes.len() as u64,
    );
    Ok((desc, bytes))
}

/// Pushes the encoded index (see [`encode`]) to `target` under `reference`, a tag or its digest.
/// More tags: [`crate::tag::tag_bytes_n`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{MemoryStore, PackOptions, ReadOnlyTarget, Target, index, pack_manifest};
///
/// let store = MemoryStore::new();
/// let root = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&root, "v1").await?;
/// let built = index::create(&store, &["v1".to_string()], &Default::default(), &|_| {}).await?;
///
/// let (desc, bytes) = index::encode(&built)?;
/// index::push(&store, &desc, &bytes, "all").await?;
/// assert_eq!(store.resolve("all").await?.digest, desc.digest);
/// assert_eq!(store.get(&desc.digest), Some(bytes));
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn push(
    target: &dyn Target,
    desc: &Descriptor,
    bytes: &[u8],
    reference: &str,
) -> Result<()> {
    target.push_reference(desc, bytes.to_vec(), reference).await
}
