//! OCI image layouts on disk as targets
//! (<https://github.com/opencontainers/image-spec/blob/v1.1.1/image-layout.md>): a directory with
//! an `oci-layout` file (`{"imageLayoutVersion":"1.0.0"}`), an `index.json` image index whose
//! entries carry tags as `org.opencontainers.image.ref.name` annotations, and blobs under
//! `blobs/<alg>/<hex>`.
//!
//! [`OciLayout`] is a directory, readable and writable; it is created on the first write. A blob
//! is streamed into a temp file under `ingest/`, verified (size and digest), then renamed to its
//! final name, so a reader never sees a partial blob. `index.json` is rewritten as a whole (temp
//! file + rename) while holding an exclusive lock on the `oci-layout` file, so concurrent writers
//! (threads or processes) never lose each other's entries. Every manifest pushed is recorded in
//! `index.json` (untagged when it has no tag), as oras-go does, so referrers and child manifests
//! stay discoverable.
//!
//! [`OciLayoutTar`] reads a layout packed in a (plain, uncompressed) tar file without unpacking it:
//! the archive is scanned once for entry offsets and blobs are read in place.
//!
//! This module never prints; it does no network I/O.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::OnceCell;

use super::{
    BlobReader, Deleter, MAX_MANIFEST_BYTES, ReadOnlyTarget, ReferrerLister, TagLister, Target,
    read_manifest,
};
use crate::digest::{Digest, VerifyingReader};
use crate::error::{Error, Result};
use crate::oci::{self, Descriptor, Index, annotations, media_type};

/// Name of the file marking a directory as an OCI image layout.
pub const OCI_LAYOUT_FILE: &str = "oci-layout";
/// Name of the layout's entry point, an image index.
pub const INDEX_FILE: &str = "index.json";
/// The only `imageLayoutVersion` the spec defines.
pub const LAYOUT_VERSION: &str = "1.0.0";
/// Directory of in-progress blob writes inside a layout (oras-go uses the same name).
pub const INGEST_DIR: &str = "ingest";

/// An OCI image layout directory as a [`Target`].
pub struct OciLayout {
    root: PathBuf,
    initialized: OnceCell<()>,
    subjects: SubjectCache,
}

impl OciLayout {
    /// The layout at `root`. Nothing is created or read yet: reads of a missing layout fail
    /// with [`Error::NotFound`], and the first write creates the directory, `oci-layout` and
    /// `index.json`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use oras_rs::{OciLayout, PackOptions, Target, pack_manifest};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let layout = OciLayout::new(dir.path().join("layout")); // created on the first write
    /// let root = pack_manifest(&layout, &PackOptions::default()).await?;
    /// layout.tag(&root, "v1").await?;
    /// assert!(layout.root().join("oci-layout").is_file());
    /// assert!(layout.blob_path(&root.digest).is_file());
    /// assert_eq!(layout.index().await?.manifests[0].digest, root.digest);
    /// # Ok::<(), oras_rs::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn new(root: impl Into<PathBuf>) -> Self {
        OciLayout {
            root: root.into(),
            initialized: OnceCell::new(),
            subjects: SubjectCache::default(),
        }
    }

    /// The layout directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob `digest` lives: `blobs/<alg>/<hex>`. A [`Digest`] is validated, so the
    /// path cannot leave the layout.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        blob_rel_path(digest)
            .iter()
            .fold(self.root.clone(), |p, c| p.join(c))
    }

    /// Reads `index.json`; a layout directory without one has no manifests yet.
    pub async fn index(&self) -> Result<Index> {
        let path = self.root.join(INDEX_FILE);
        match tokio::fs::read(&path).await {
            Ok(bytes) => parse_layout_index(&path, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.check_exists().await?;
                Ok(empty_index())
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Fails with a clear error when the layout directory does not exist or is not a layout.
    async fn check_exists(&self) -> Result<()> {
        let marker = self.root.join(OCI_LAYOUT_FILE);
        match tokio::fs::read(&marker).await {
            Ok(bytes) => check_layout_marker(&marker, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if tokio::fs::metadata(&self.root).await.is_err() {
                    Err(Error::NotFound(format!(
                        "OCI image layout {}",
                        self.root.display()
                    )))
                } else {
                    Err(Error::invalid(format!(
                        "{}: not an OCI image layout (no {OCI_LAYOUT_FILE} file)",
                        self.root.display()
                    )))
                }
            }
            Err(e) => Err(Error::io(marker, e)),
        }
    }

    /// Creates the directory, `oci-layout` and `index.json` when missing; checks the version of
    /// an existing `oci-layout`. Runs once per instance.
    async fn ensure_initialized(&self) -> Result<()> {
        self.initialized
            .get_or_try_init(|| {
                let root = self.root.clone();
                blocking(move || init_layout(&root))
            })
            .await?;
        Ok(())
    }

    /// Applies `edit` to `index.json` under the layout's exclusive lock and replaces the file
    /// atomically. Concurrent writers, in this process or others, are serialised by the lock.
    async fn update_index(&self, edit: impl FnOnce(&mut Index) + Send + 'static) -> Result<()> {
        self.ensure_initialized().await?;
        let root = self.root.clone();
        blocking(move || {
            let _lock = lock_layout(&root)?;
            let path = root.join(INDEX_FILE);
            let mut index = match std::fs::read(&path) {
                Ok(bytes) => parse_layout_index(&path, &bytes)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => empty_index(),
                Err(e) => return Err(Error::io(path, e)),
            };
            edit(&mut index);
            write_atomically(&root, INDEX_FILE, &oci::to_go_json(&index)?)
        })
        .await
    }

    async fn blob_exists(&self, desc: &Descriptor) -> Result<bool> {
        let path = self.blob_path(&desc.digest);
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(meta.is_file() && meta.len() == desc.size),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    async fn read_small_blob(&self, digest: &Digest) -> Result<Option<Vec<u8>>> {
        let path = self.blob_path(digest);
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_MANIFEST_BYTES + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| Error::io(&path, e))?;
        if bytes.len() as u64 > MAX_MANIFEST_BYTES
            || Digest::of_bytes(digest.algorithm(), &bytes) != *digest
        {
            return Ok(None);
        }
        Ok(Some(bytes))
    }
}

#[async_trait]
impl ReadOnlyTarget for OciLayout {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        let path = self.blob_path(&desc.digest);
        match tokio::fs::File::open(&path).await {
            Ok(file) => Ok(Box::pin(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound(format!(
                "{}@{}",
                self.root.display(),
                desc.digest
            ))),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        self.blob_exists(desc).await
    }

    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        let index = self.index().await?;
        if let Some(desc) = resolve_in_index(&index, reference) {
            return Ok(desc);
        }
        if let Ok(digest) = reference.parse::<Digest>()
            && let Some(bytes) = self.read_small_blob(&digest).await?
            && let Some(mt) = sniff_manifest_type(&bytes)
        {
            return Ok(Descriptor::new(mt, digest, bytes.len() as u64));
        }
        Err(Error::NotFound(layout_ref(&self.root, reference)))
    }

    async fn resolve_blob(&self, digest: &Digest) -> Result<Descriptor> {
        let path = self.blob_path(digest);
        match tokio::fs::metadata(&path).await {
            Ok(meta) if meta.is_file() => Ok(Descriptor::new(
                media_type::OCTET_STREAM,
                digest.clone(),
                meta.len(),
            )),
            Ok(_) => Err(Error::NotFound(layout_ref(&self.root, &digest.to_string()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::NotFound(layout_ref(&self.root, &digest.to_string())))
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    fn tag_lister(&self) -> Option<&dyn TagLister> {
        Some(self)
    }

    fn referrer_lister(&self) -> Option<&dyn ReferrerLister> {
        Some(self)
    }
}

#[async_trait]
impl Target for OciLayout {
    async fn push(&self, desc: &Descriptor, content: BlobReader) -> Result<()> {
        self.ensure_initialized().await?;
        if !self.blob_exists(desc).await? {
            write_blob(&self.root, &self.blob_path(&desc.digest), desc, content).await?;
        }
        if is_manifest_type(&desc.media_type) {
            let entry = plain(desc);
            self.update_index(move |index| {
                if !index.manifests.iter().any(|m| m.digest == entry.digest) {
                    index.manifests.push(entry);
                }
            })
            .await?;
        }
        Ok(())
    }

    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        if reference.is_empty() {
            return Err(Error::invalid(
                "the tag of an OCI image layout cannot be empty",
            ));
        }
        if !self.blob_exists(desc).await? {
            return Err(Error::NotFound(format!(
                "{}@{}",
                self.root.display(),
                desc.digest
            )));
        }
        let mut entry = plain(desc);
        let is_digest = reference.parse::<Digest>().is_ok();
        if !is_digest {
            entry.annotations = Some(
                [(annotations::REF_NAME.to_string(), reference.to_string())]
                    .into_iter()
                    .collect(),
            );
        }
        let reference = reference.to_string();
        self.update_index(move |index| {
            if is_digest {
                if !index.manifests.iter().any(|m| m.digest == entry.digest) {
                    index.manifests.push(entry);
                }
                return;
            }
            // A tag names one manifest: drop its old entry, and the untagged entry of this
            // manifest, which the tagged one replaces.
            index.manifests.retain(|m| match ref_name(m) {
                Some(name) => name != reference,
                None => m.digest != entry.digest,
            });
            index.manifests.push(entry);
        })
        .await
    }

    /// Its blob writer checks the digest and size of every blob before it gets its name.
    fn verifies_uploads(&self) -> bool {
        true
    }

    fn deleter(&self) -> Option<&dyn Deleter> {
        Some(self)
    }
}

#[async_trait]
impl TagLister for OciLayout {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        Ok(index_tags(&self.index().await?, last))
    }
}

/// The manifests of `index.json` whose `subject` is the subject.
#[async_trait]
impl ReferrerLister for OciLayout {
    async fn referrers(
        &self,
        subject: &Descriptor,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        let index = self.index().await?;
        find_referrers(self, &self.subjects, &index, subject, artifact_type).await
    }
}

#[async_trait]
impl Deleter for OciLayout {
    /// Removes every `index.json` entry of `desc` (all its tags) and its blob file.
    async fn delete(&self, desc: &Descriptor) -> Result<()> {
        let path = self.blob_path(&desc.digest);
        let listed = self
            .index()
            .await?
            .manifests
            .iter()
            .any(|m| m.digest == desc.digest);
        let on_disk = tokio::fs::metadata(&path).await.is_ok();
        if !listed && !on_disk {
            return Err(Error::NotFound(layout_ref(
                &self.root,
                &desc.digest.to_string(),
            )));
        }
        if listed {
            let digest = desc.digest.clone();
            self.update_index(move |index| index.manifests.retain(|m| m.digest != digest))
                .await?;
        }
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(path, e)),
        }
    }
}

/// A read-only OCI image layout packed in a tar file.
pub struct OciLayoutTar {
    path: PathBuf,
    /// Normalised entry name → (offset of the data in the tar, size).
    entries: HashMap<String, (u64, u64)>,
    index: Index,
    subjects: SubjectCache,
}

impl OciLayoutTar {
    /// Scans the tar at `path` (reading headers only) and reads its `oci-layout` and
    /// `index.json`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let bad = |what: String| {
            Error::invalid(format!(
                "{}: invalid OCI Image Layout tar archive: {what}",
                path.display()
            ))
        };
        let mut archive = tar::Archive::new(file);
        let mut entries = HashMap::new();
        for entry in archive
            .entries_with_seek()
            .map_err(|e| bad(e.to_string()))?
        {
            let entry = entry.map_err(|e| bad(e.to_string()))?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = entry.path().map_err(|e| bad(e.to_string()))?;
            let name = normalise_tar_name(&name.to_string_lossy());
            entries.insert(name, (entry.raw_file_position(), entry.size()));
        }
        let read_entry = |name: &str| -> Result<Vec<u8>> {
            let (offset, size) = *entries
                .get(name)
                .ok_or_else(|| bad(format!("it has no {name}")))?;
            if size > MAX_MANIFEST_BYTES {
                return Err(bad(format!(
                    "{name} is larger than {MAX_MANIFEST_BYTES} bytes"
                )));
            }
            let mut file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
            file.seek(SeekFrom::Start(offset))
                .map_err(|e| Error::io(&path, e))?;
            let mut bytes = Vec::with_capacity(size as usize);
            file.take(size)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(&path, e))?;
            Ok(bytes)
        };
        check_layout_marker(&path.join(OCI_LAYOUT_FILE), &read_entry(OCI_LAYOUT_FILE)?)?;
        let index = parse_layout_index(&path.join(INDEX_FILE), &read_entry(INDEX_FILE)?)?;
        Ok(OciLayoutTar {
            path,
            entries,
            index,
            subjects: SubjectCache::default(),
        })
    }

    /// The layout's `index.json`.
    pub fn index(&self) -> &Index {
        &self.index
    }

    fn blob_entry(&self, digest: &Digest) -> Option<(u64, u64)> {
        self.entries.get(&blob_rel_path(digest).join("/")).copied()
    }

    async fn open_entry(&self, offset: u64, size: u64) -> Result<BlobReader> {
        let mut file = tokio::fs::File::open(&self.path)
            .await
            .map_err(|e| Error::io(&self.path, e))?;
        file.seek(SeekFrom::Start(offset))
            .await
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(Box::pin(file.take(size)))
    }
}

#[async_trait]
impl ReadOnlyTarget for OciLayoutTar {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        let (offset, size) = self
            .blob_entry(&desc.digest)
            .ok_or_else(|| Error::NotFound(format!("{}@{}", self.path.display(), desc.digest)))?;
        self.open_entry(offset, size).await
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self
            .blob_entry(&desc.digest)
            .is_some_and(|(_, size)| size == desc.size))
    }

    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        if let Some(desc) = resolve_in_index(&self.index, reference) {
            return Ok(desc);
        }
        if let Ok(digest) = reference.parse::<Digest>()
            && let Some((offset, size)) = self.blob_entry(&digest)
            && size <= MAX_MANIFEST_BYTES
        {
            let probe = Descriptor::new(media_type::OCTET_STREAM, digest.clone(), size);
            let bytes = read_manifest(self.open_entry(offset, size).await?, &probe).await?;
            if let Some(mt) = sniff_manifest_type(&bytes) {
                return Ok(Descriptor::new(mt, digest, size));
            }
        }
        Err(Error::NotFound(layout_ref(&self.path, reference)))
    }

    async fn resolve_blob(&self, digest: &Digest) -> Result<Descriptor> {
        let (_, size) = self
            .blob_entry(digest)
            .ok_or_else(|| Error::NotFound(layout_ref(&self.path, &digest.to_string())))?;
        Ok(Descriptor::new(
            media_type::OCTET_STREAM,
            digest.clone(),
            size,
        ))
    }

    fn tag_lister(&self) -> Option<&dyn TagLister> {
        Some(self)
    }

    fn referrer_lister(&self) -> Option<&dyn ReferrerLister> {
        Some(self)
    }
}

#[async_trait]
impl TagLister for OciLayoutTar {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        Ok(index_tags(&self.index, last))
    }
}

#[async_trait]
impl ReferrerLister for OciLayoutTar {
    async fn referrers(
        &self,
        subject: &Descriptor,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        find_referrers(self, &self.subjects, &self.index, subject, artifact_type).await
    }
}

/// Opens a layout for reading: a tar file when `path` is a file, else a directory.
pub fn open_read(path: &Path) -> Result<Arc<dyn ReadOnlyTarget>> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Arc::new(OciLayoutTar::open(path)?)),
        Ok(_) => Ok(Arc::new(OciLayout::new(path))),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The components of `blobs/<alg>/<hex>`.
fn blob_rel_path(digest: &Digest) -> [String; 3] {
    [
        "blobs".to_string(),
        digest.algorithm().as_str().to_string(),
        digest.hex().to_string(),
    ]
}

/// `./a//b` → `a/b`: tar writers differ in how they spell the same name.
fn normalise_tar_name(name: &str) -> String {
    name.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn empty_index() -> Index {
    Index {
        schema_version: 2,
        media_type: Some(media_type::OCI_INDEX.to_string()),
        artifact_type: None,
        manifests: Vec::new(),
        subject: None,
        annotations: None,
    }
}

fn parse_layout_index(path: &Path, bytes: &[u8]) -> Result<Index> {
    oci::parse_index_lenient(bytes).map_err(|e| {
        Error::invalid(format!(
            "{}: invalid OCI image layout index: {e}",
            path.display()
        ))
    })
}

fn check_layout_marker(path: &Path, bytes: &[u8]) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Marker {
        #[serde(rename = "imageLayoutVersion")]
        version: String,
    }
    let marker: Marker = serde_json::from_slice(bytes).map_err(|e| {
        Error::invalid(format!(
            "{}: invalid OCI image layout file: {e}",
            path.display()
        ))
    })?;
    if marker.version != LAYOUT_VERSION {
        return Err(Error::invalid(format!(
            "{}: unsupported OCI image layout version {:?} (only {LAYOUT_VERSION} is supported)",
            path.display(),
            marker.version
        )));
    }
    Ok(())
}

/// The tags of a layout's index, sorted and deduplicated, those after `last` only.
fn index_tags(index: &Index, last: Option<&str>) -> Vec<String> {
    let mut tags: Vec<String> = index
        .manifests
        .iter()
        .filter_map(ref_name)
        .filter(|t| last.is_none_or(|l| *t > l))
        .map(str::to_string)
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

fn ref_name(desc: &Descriptor) -> Option<&str> {
    desc.annotations.as_ref()?.get(annotations::REF_NAME)
}

fn is_manifest_type(mt: &str) -> bool {
    media_type::is_manifest(mt) || media_type::is_index(mt)
}

/// Media type, digest and size (and the artifact type), as an index entry or a resolve result.
fn plain(desc: &Descriptor) -> Descriptor {
    let mut out = Descriptor::new(desc.media_type.clone(), desc.digest.clone(), desc.size);
    out.artifact_type = desc.artifact_type.clone();
    out.platform = desc.platform.clone();
    out
}

/// A tag (the last entry with that `ref.name` wins, as when oras-go loads a layout) or a digest
/// listed in `index.json`.
///
/// As oras-go's OCI store: a tag resolves to its whole `index.json` entry (annotations, with
/// `org.opencontainers.image.ref.name`, and platform included), a digest to a plain descriptor.
fn resolve_in_index(index: &Index, reference: &str) -> Option<Descriptor> {
    match reference.parse::<Digest>() {
        Ok(digest) => {
            let found = index.manifests.iter().find(|m| m.digest == digest)?;
            let mut desc = plain(found);
            desc.platform = None;
            Some(desc)
        }
        Err(_) => index
            .manifests
            .iter()
            .rev()
            .find(|m| ref_name(m) == Some(reference))
            .cloned(),
    }
}

/// The media type of a manifest blob found by digest only: its `mediaType` field, or its shape.
fn sniff_manifest_type(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let obj = value.as_object()?;
    if let Some(mt) = obj.get("mediaType").and_then(|v| v.as_str()) {
        return is_manifest_type(mt).then(|| mt.to_string());
    }
    if obj.contains_key("manifests") {
        Some(media_type::OCI_INDEX.to_string())
    } else if obj.contains_key("config") {
        Some(media_type::OCI_MANIFEST.to_string())
    } else {
        None
    }
}

fn layout_ref(root: &Path, reference: &str) -> String {
    if reference.parse::<Digest>().is_ok() {
        format!("{}@{reference}", root.display())
    } else {
        format!("{}:{reference}", root.display())
    }
}

/// Per manifest digest, its subject's digest and its referrer descriptor (`None`: no subject, or
/// not readable as a manifest). Manifests are content-addressed, so an entry never goes stale:
/// walking a chain of referrers reads each manifest once, not once per level.
#[derive(Default)]
struct SubjectCache(std::sync::Mutex<HashMap<Digest, Option<(Digest, Descriptor)>>>);

/// The manifests listed in `index` whose `subject` is `subject`, described as the referrers API
/// describes them (media type, digest, size, artifact type, annotations).
async fn find_referrers(
    store: &dyn ReadOnlyTarget,
    cache: &SubjectCache,
    index: &Index,
    subject: &Descriptor,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for entry in &index.manifests {
        if !is_manifest_type(&entry.media_type) || !seen.insert(entry.digest.clone()) {
            continue;
        }
        let cached = cache
            .0
            .lock()
            .expect("subject cache")
            .get(&entry.digest)
            .cloned();
        let found = match cached {
            Some(found) => found,
            None => {
                // A listed manifest whose blob is missing (yet) is not remembered.
                if entry.size > MAX_MANIFEST_BYTES || !store.exists(entry).await? {
                    continue;
                }
                let found = referrer_of(store, entry).await?;
                cache
                    .0
                    .lock()
                    .expect("subject cache")
                    .insert(entry.digest.clone(), found.clone());
                found
            }
        };
        let Some((found, desc)) = found else {
            continue;
        };
        if found == subject.digest
            && artifact_type.is_none_or(|t| desc.artifact_type.as_deref() == Some(t))
        {
            out.push(desc);
        }
    }
    Ok(out)
}

/// The subject of the manifest `entry` and `entry` described as a referrer, when it has one.
async fn referrer_of(
    store: &dyn ReadOnlyTarget,
    entry: &Descriptor,
) -> Result<Option<(Digest, Descriptor)>> {
    let bytes = read_manifest(store.fetch(entry).await?, entry).await?;
    let Some(found) = oci::subject(&entry.media_type, &bytes).ok().flatten() else {
        return Ok(None);
    };
    {
        let mut desc = Descriptor::new(entry.media_type.clone(), entry.digest.clone(), entry.size);
        if media_type::is_index(&entry.media_type) {
            if let Ok(idx) = oci::parse_index(&bytes) {
                desc.artifact_type = idx.artifact_type;
                desc.annotations = idx.annotations;
            }
        } else if let Ok(m) = oci::parse_manifest(&bytes) {
            desc.artifact_type = m
                .artifact_type
                .filter(|t| !t.is_empty())
                .or(Some(m.config.media_type));
            desc.annotations = m.annotations;
        }
        Ok(Some((found.digest, desc)))
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Protocol(format!("layout task failed: {e}")))?
}

/// Creates the layout skeleton. `oci-layout` is created without ever replacing an existing one
/// (its inode carries the lock), `index.json` only when absent.
pub(crate) fn init_layout(root: &Path) -> Result<()> {
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let marker = root.join(OCI_LAYOUT_FILE);
    match std::fs::read(&marker) {
        Ok(bytes) => check_layout_marker(&marker, &bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let tmp = temp_in(root, ".oci-layout.")?;
            std::fs::write(tmp.path(), br#"{"imageLayoutVersion":"1.0.0"}"#)
                .map_err(|e| Error::io(tmp.path(), e))?;
            match tmp.persist_noclobber(&marker) {
                Ok(_) => {}
                // Another writer created it first: keep theirs.
                Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io(&marker, e.error)),
            }
        }
        Err(e) => return Err(Error::io(marker, e)),
    }
    let _lock = lock_layout(root)?;
    if !root.join(INDEX_FILE).exists() {
        write_atomically(root, INDEX_FILE, &oci::to_go_json(&empty_index())?)?;
    }
    Ok(())
}

/// An exclusive lock on the layout's `oci-layout` file, released when dropped.
fn lock_layout(root: &Path) -> Result<std::fs::File> {
    let marker = root.join(OCI_LAYOUT_FILE);
    let file = std::fs::File::open(&marker).map_err(|e| Error::io(&marker, e))?;
    file.lock().map_err(|e| Error::io(&marker, e))?;
    Ok(file)
}

fn temp_in(dir: &Path, prefix: &str) -> Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))
}

/// Writes `root/name` through a synced temp file renamed over it.
fn write_atomically(root: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut tmp = temp_in(root, &format!(".{name}."))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_data()
        .map_err(|e| Error::io(tmp.path(), e))?;
    let target = root.join(name);
    tmp.persist(&target)
        .map_err(|e| Error::io(&target, e.error))?;
    Ok(())
}

/// Streams `content` into `ingest/`, verifying size and digest, then renames it to `target`.
async fn write_blob(
    root: &Path,
    target: &Path,
    desc: &Descriptor,
    content: BlobReader,
) -> Result<()> {
    let ingest = root.join(INGEST_DIR);
    tokio::fs::create_dir_all(&ingest)
        .await
        .map_err(|e| Error::io(&ingest, e))?;
    let tmp = temp_in(&ingest, ".blob-")?;
    let std_file = tmp.reopen().map_err(|e| Error::io(tmp.path(), e))?;
    // Verified on the way (the layout says it verifies, so a copy does not hash it too), and
    // written on a blocking thread in large buffers with early writeback, as a pulled file is.
    let reader = Box::pin(VerifyingReader::new(
        content,
        desc.digest.clone(),
        desc.size,
    ));
    crate::content::file::write_pipelined(desc, tmp.path(), reader, std_file).await?;
    let dir = target.parent().unwrap_or(root).to_path_buf();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| Error::io(&dir, e))?;
    tmp.persist(target)
        .map_err(|e| Error::io(target, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(bytes: &[u8]) -> (Descriptor, BlobReader) {
        let desc = Descriptor::new(
            media_type::LAYER_TAR,
            Digest::sha256_of(bytes),
            bytes.len() as u64,
        );
        (desc, Box::pin(std::io::Cursor::new(bytes.to_vec())))
    }

    #[tokio::test]
    async fn a_blob_that_does_not_match_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let layout = OciLayout::new(dir.path().join("l"));
        let (desc, _) = blob(b"hello");
        let err = layout
            .push(&desc, Box::pin(std::io::Cursor::new(b"hellO".to_vec())))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Verify { .. }), "{err}");
        assert!(!layout.blob_path(&desc.digest).exists());
        let ingest: Vec<_> = std::fs::read_dir(dir.path().join("l/ingest"))
            .unwrap()
            .collect();
        assert!(ingest.is_empty(), "temp file left behind: {ingest:?}");
    }

    #[tokio::test]
    async fn tags_move_and_replace_the_untagged_entry() {
        let dir = tempfile::tempdir().unwrap();
        let layout = OciLayout::new(dir.path());
        let m1 = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
        let d1 = Descriptor::new(
            media_type::OCI_MANIFEST,
            Digest::sha256_of(m1),
            m1.len() as u64,
        );
        layout
            .push(&d1, Box::pin(std::io::Cursor::new(m1.to_vec())))
            .await
            .unwrap();
        assert_eq!(layout.index().await.unwrap().manifests.len(), 1);
        layout.tag(&d1, "v1").await.unwrap();
        layout.tag(&d1, "v2").await.unwrap();
        let index = layout.index().await.unwrap();
        let names: Vec<_> = index.manifests.iter().map(|m| ref_name(m)).collect();
        assert_eq!(names, vec![Some("v1"), Some("v2")]);
        assert_eq!(layout.resolve("v2").await.unwrap().digest, d1.digest);
        assert_eq!(
            layout
                .resolve(&d1.digest.to_string())
                .await
                .unwrap()
                .media_type,
            media_type::OCI_MANIFEST
        );
        assert!(matches!(
            layout.resolve("v3").await,
            Err(Error::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn reading_a_missing_layout_is_not_found_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let layout = OciLayout::new(dir.path().join("missing"));
        assert!(matches!(
            layout.resolve("v1").await,
            Err(Error::NotFound(_))
        ));
        assert!(!dir.path().join("missing").exists());
    }

    #[tokio::test]
    async fn a_manifest_missing_from_the_index_resolves_by_digest() {
        // Layouts written by other tools list only their roots: a child manifest is found by
        // its digest and its media type read from the blob.
        let dir = tempfile::tempdir().unwrap();
        let layout = OciLayout::new(dir.path());
        let child = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        let as_blob = Descriptor::new(
            media_type::OCTET_STREAM,
            Digest::sha256_of(child),
            child.len() as u64,
        );
        layout
            .push(&as_blob, Box::pin(std::io::Cursor::new(child.to_vec())))
            .await
            .unwrap();
        assert!(layout.index().await.unwrap().manifests.is_empty());
        let found = layout.resolve(&as_blob.digest.to_string()).await.unwrap();
        assert_eq!(found.media_type, media_type::OCI_INDEX);
        assert_eq!(found.size, child.len() as u64);
        // A plain blob is not a manifest.
        let (data, reader) = blob(b"not json");
        layout.push(&data, reader).await.unwrap();
        assert!(matches!(
            layout.resolve(&data.digest.to_string()).await,
            Err(Error::NotFound(_))
        ));
    }

    #[test]
    fn tar_names_are_normalised() {
        assert_eq!(normalise_tar_name("./blobs//sha256/ab"), "blobs/sha256/ab");
        assert_eq!(normalise_tar_name("index.json"), "index.json");
    }
}
