//! Pull: a [`copy`](super::copy_root) of an artifact into a [`FileStore`], writing its titled
//! layers (and, when asked, its config) as files under the store's root; oras-go's pull is the
//! same copy with a file store and a successor filter. Before any download the titles the pull
//! will write are checked ([`FileStore::check_titles`]), so a bad name fails the pull before a
//! byte lands on the disk. [`pull_layer_to`] streams the one layer of an artifact to a writer
//! instead (`pull -o -`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWrite;

use super::{CopyObserver, CopyOptions, Decision, NoopObserver, SuccessorFilter, copy_root};
use crate::content::ReadOnlyTarget;
use crate::content::file::{FileStore, WrittenFile};
use crate::digest::VerifyingReader;
use crate::error::{Error, Result, read_error};
use crate::oci::{self, Descriptor, Platform, media_type};

/// Where a pull writes the manifest's config (`--config path[:type]`): under the file name
/// `path`, and only when the config has the media type `media_type` if one is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullConfig {
    /// The file name (title) the config is written to.
    pub path: String,
    /// Write the config only when it is of this media type.
    pub media_type: Option<String>,
}

impl std::str::FromStr for PullConfig {
    type Err = Error;

    /// Parses `path[:type]`, split at the last colon; an empty type means any.
    fn from_str(arg: &str) -> Result<Self> {
        let (path, ty) = match arg.rfind(':') {
            Some(i) => (&arg[..i], Some(&arg[i + 1..]).filter(|t| !t.is_empty())),
            None => (arg, None),
        };
        if path.is_empty() {
            return Err(Error::invalid(format!("found empty file path in {arg:?}")));
        }
        Ok(PullConfig {
            path: path.to_string(),
            media_type: ty.map(str::to_string),
        })
    }
}

/// How a pull runs. The [`Default`]: 3 blobs at once, no progress, no platform, subjects not
/// followed, layers of every media type, no config written.
#[derive(Clone)]
pub struct PullOptions {
    /// Blobs transferring at once.
    pub concurrency: usize,
    /// Who hears about progress.
    pub observer: Arc<dyn CopyObserver>,
    /// Pull the manifest of this platform (from an index, or check a single manifest's).
    pub platform: Option<Platform>,
    /// Also pull the manifest's subject, and its subject, recursively.
    pub include_subject: bool,
    /// When non-empty, only layers of these media types are written.
    pub media_types: HashSet<String>,
    /// Write the config too, under this name.
    pub config: Option<PullConfig>,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            concurrency: 3,
            observer: Arc::new(NoopObserver),
            platform: None,
            include_subject: false,
            media_types: HashSet::new(),
            config: None,
        }
    }
}

impl PullOptions {
    /// The defaults ([`PullOptions::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`PullOptions::concurrency`].
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets [`PullOptions::observer`].
    pub fn with_observer(mut self, observer: Arc<dyn CopyObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Sets [`PullOptions::platform`].
    pub fn with_platform(mut self, platform: impl Into<Option<Platform>>) -> Self {
        self.platform = platform.into();
        self
    }

    /// Sets [`PullOptions::include_subject`].
    pub fn with_include_subject(mut self, include: bool) -> Self {
        self.include_subject = include;
        self
    }

    /// Sets [`PullOptions::media_types`] (empty: every type).
    pub fn with_media_types(mut self, types: impl IntoIterator<Item = String>) -> Self {
        self.media_types = types.into_iter().collect();
        self
    }

    /// Sets [`PullOptions::config`].
    pub fn with_config(mut self, config: impl Into<Option<PullConfig>>) -> Self {
        self.config = config.into();
        self
    }
}

/// What a pull did.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The manifest pulled (of the chosen platform, with one).
    pub manifest: Descriptor,
    /// The files written, in completion order.
    pub files: Vec<WrittenFile>,
    /// The blobs left out by the filter: untitled layers, and layers of other media types.
    pub skipped: Vec<Descriptor>,
}

impl Pulled {
    /// Whether layers without a title were left out (a file store cannot name them; copying the
    /// artifact to an OCI layout keeps them).
    pub fn skipped_untitled(&self) -> bool {
        self.skipped.iter().any(|d| d.title().is_none())
    }
}

/// Pulls the artifact `reference` (tag or digest) of `src` into the files of `dst`: every
/// titled layer becomes `<root>/<title>` (a directory layer is unpacked), as
/// [`PullOptions`] says. Errors of the transfer say `pulling <reference>`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::content::file::{FileStore, WritePolicy};
/// use oras_rs::content::memory::MemoryStore;
/// use oras_rs::content::Target;
/// use oras_rs::copy::pull::{PullOptions, pull};
/// use oras_rs::digest::Digest;
/// use oras_rs::oci::{Descriptor, annotations, media_type};
///
/// // A memory store holding `helloworld.txt` and a manifest listing it, tagged `latest`.
/// let src = MemoryStore::new();
/// let hello = b"Hello World!\n".to_vec();
/// let mut layer = Descriptor::new("plain/text", Digest::sha256_of(&hello), hello.len() as u64);
/// layer.annotations.get_or_insert_default()
///     .insert(annotations::TITLE.into(), "helloworld.txt".into());
/// src.insert(&layer, hello);
/// src.insert(&Descriptor::empty_json(), b"{}".to_vec());
/// let manifest = format!(
///     r#"{{"schemaVersion":2,"mediaType":"{}","artifactType":"application/vnd.example","config":{},"layers":[{}]}}"#,
///     media_type::OCI_MANIFEST,
///     serde_json::to_string(&Descriptor::empty_json()).unwrap(),
///     serde_json::to_string(&layer).unwrap(),
/// );
/// let root = Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256_of(manifest.as_bytes()), manifest.len() as u64);
/// src.push_reference(&root, manifest.into_bytes(), "latest").await?;
///
/// // Pull only `plain/text` layers into a directory.
/// let dir = tempfile::tempdir().unwrap();
/// let files = FileStore::new(dir.path(), WritePolicy::default());
/// let opts = PullOptions::new().with_media_types(["plain/text".to_string()]);
/// let pulled = pull(&src, "latest", &files, &opts).await?;
/// assert_eq!(pulled.manifest.digest, root.digest);
/// assert_eq!(std::fs::read(dir.path().join("helloworld.txt")).unwrap(), b"Hello World!\n");
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn pull(
    src: &dyn ReadOnlyTarget,
    reference: &str,
    dst: &FileStore,
    opts: &PullOptions,
) -> Result<Pulled> {
    let plan = PullPlan::prepare(src, reference, dst, opts).await?;
    plan.run()
        .await
        .map_err(|e| e.context(format!("pulling {reference}")))
}

/// A pull resolved and checked, not yet transferred: [`pull`] in two steps, for a caller that
/// wants to see what will be written first or to word the errors of the transfer itself.
pub struct PullPlan<'a> {
    src: &'a dyn ReadOnlyTarget,
    dst: &'a FileStore,
    reference: String,
    root: Descriptor,
    bytes: Vec<u8>,
    files: Vec<Descriptor>,
    copy: CopyOptions,
    skipped: Arc<Skipped>,
}

impl<'a> PullPlan<'a> {
    /// Resolves `reference` (to the manifest of [`PullOptions::platform`] when set), decides
    /// what the root manifest's files are and checks their titles in `dst`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use oras_rs::copy::pull::{PullOptions, PullPlan};
    /// use oras_rs::{FileStore, MemoryStore, PackOptions, Target, WritePolicy, pack_manifest};
    ///
    /// let src = MemoryStore::new();
    /// let layer = src.add(Some("hi.txt"), "text/plain", b"hi\n".to_vec());
    /// let options = PackOptions { layers: vec![layer], ..PackOptions::default() };
    /// let root = pack_manifest(&src, &options).await?;
    /// src.tag(&root, "v1").await?;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let dst = FileStore::new(dir.path(), WritePolicy::default());
    /// let plan = PullPlan::prepare(&src, "v1", &dst, &PullOptions::new()).await?;
    /// assert_eq!(plan.files()[0].title(), Some("hi.txt")); // nothing written yet
    /// assert!(!dir.path().join("hi.txt").exists());
    /// let pulled = plan.run().await?;
    /// assert_eq!(pulled.manifest.digest, root.digest);
    /// assert_eq!(std::fs::read(dir.path().join("hi.txt")).unwrap(), b"hi\n");
    /// # Ok::<(), oras_rs::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn prepare(
        src: &'a dyn ReadOnlyTarget,
        reference: &str,
        dst: &'a FileStore,
        opts: &PullOptions,
    ) -> Result<Self> {
        let (root, bytes) = resolve(src, reference, opts.platform.as_ref()).await?;
        let config = oci::manifest::config_of(&bytes);
        let filter = pull_filter(PullFilter {
            config: config.clone(),
            config_title: opts.config.as_ref().map(|c| c.path.clone()),
            config_type: opts.config.as_ref().and_then(|c| c.media_type.clone()),
            media_types: opts.media_types.clone(),
        });
        // Before writing anything, refuse a title leading outside the output directory, naming
        // two blobs, or that the output directory's filesystem would merge with another or
        // refuse. Only what this pull writes counts: `-t` is how to pull such files one at a
        // time.
        // Each successor is dropped as its decision is made: one list of them at a time.
        let files: Vec<Descriptor> = oci::successors(&root.media_type, &bytes)?
            .into_iter()
            .filter_map(|d| match filter(&d) {
                Decision::Copy(d) => Some(*d),
                _ => None,
            })
            .collect();
        dst.check_titles(&files)?;
        let skipped = Arc::new(Skipped {
            inner: opts.observer.clone(),
            config,
            skipped: Mutex::new(Vec::new()),
        });
        let copy = CopyOptions::new()
            .with_concurrency(opts.concurrency)
            .with_observer(skipped.clone())
            .with_filter(filter)
            .with_include_subject(opts.include_subject);
        Ok(PullPlan {
            src,
            dst,
            reference: reference.to_string(),
            root,
            bytes,
            files,
            copy,
            skipped,
        })
    }

    /// The manifest that will be pulled.
    pub fn manifest(&self) -> &Descriptor {
        &self.root
    }

    /// The files of the root manifest that will be written (those of nested manifests are
    /// checked when they are met).
    pub fn files(&self) -> &[Descriptor] {
        &self.files
    }

    /// Transfers: the files are written, the manifests walked.
    pub async fn run(self) -> Result<Pulled> {
        let PullPlan {
            src,
            dst,
            reference,
            root,
            bytes,
            files,
            copy,
            skipped,
        } = self;
        // The plan's list was for the checks before the copy; the files written are the
        // answer. A manifest of 15,000 layers makes each such list megabytes: one at a time.
        drop(files);
        copy_root(src, dst, &root, bytes, Some(reference.as_str()), &copy).await?;
        Ok(Pulled {
            manifest: root,
            files: dst.take_written_files(),
            skipped: std::mem::take(&mut *skipped.skipped.lock().expect("pull lock")),
        })
    }
}

/// Passes events on and records the skipped blobs.
struct Skipped {
    inner: Arc<dyn CopyObserver>,
    /// The root's config: reported when skipped, but no layer left out.
    config: Option<Descriptor>,
    skipped: Mutex<Vec<Descriptor>>,
}

impl CopyObserver for Skipped {
    fn on_start(&self, desc: &Descriptor) {
        self.inner.on_start(desc);
    }
    fn on_done(&self, desc: &Descriptor) {
        self.inner.on_done(desc);
    }
    fn on_exists(&self, desc: &Descriptor) {
        self.inner.on_exists(desc);
    }
    fn on_skipped(&self, desc: &Descriptor) {
        if self.config.as_ref() != Some(desc) {
            self.skipped.lock().expect("pull lock").push(desc.clone());
        }
        self.inner.on_skipped(desc);
    }
    fn on_mounted(&self, desc: &Descriptor) {
        self.inner.on_mounted(desc);
    }
    fn on_progress(&self, desc: &Descriptor, bytes: u64) {
        self.inner.on_progress(desc, bytes);
    }
}

/// The manifest `reference` names, or with `platform` the one of that platform.
async fn resolve(
    src: &dyn ReadOnlyTarget,
    reference: &str,
    platform: Option<&Platform>,
) -> Result<(Descriptor, Vec<u8>)> {
    let (root, bytes) = src.fetch_reference(reference).await?;
    match platform {
        Some(p) => super::platform::select_platform(src, &root, bytes, p).await,
        None => Ok((root, bytes)),
    }
}

/// `pull -o -`: streams the one layer of the artifact `reference` (after the
/// [`PullOptions::media_types`] filter; with [`PullOptions::platform`], of that platform's
/// manifest), size and digest verified, into `out`, and returns the layer. An index, or an
/// artifact with no or several layers, is refused before anything is written.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::pull::{PullOptions, pull_layer_to};
/// use oras_rs::{MemoryStore, PackOptions, Target, pack_manifest};
///
/// let src = MemoryStore::new();
/// let layer = src.add(Some("hi.txt"), "text/plain", b"hi\n".to_vec());
/// let options = PackOptions { layers: vec![layer.clone()], ..PackOptions::default() };
/// let root = pack_manifest(&src, &options).await?;
/// src.tag(&root, "v1").await?;
///
/// let mut out = Vec::new();
/// let written = pull_layer_to(&src, "v1", &PullOptions::new(), &mut out).await?;
/// assert_eq!(written.digest, layer.digest);
/// assert_eq!(out, b"hi\n");
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn pull_layer_to<W: AsyncWrite + Unpin + ?Sized>(
    src: &dyn ReadOnlyTarget,
    reference: &str,
    opts: &PullOptions,
    out: &mut W,
) -> Result<Descriptor> {
    let (root, bytes) = resolve(src, reference, opts.platform.as_ref()).await?;
    if !media_type::is_manifest(&root.media_type) || media_type::is_index(&root.media_type) {
        return Err(Error::invalid(format!(
            "cannot pull {} ({}) to stdout: only an artifact with a single layer can be streamed",
            root.digest, root.media_type
        )));
    }
    let manifest = oci::parse_manifest(&bytes)?;
    let layers: Vec<&Descriptor> = manifest
        .layers
        .iter()
        .filter(|l| opts.media_types.is_empty() || opts.media_types.contains(&l.media_type))
        .collect();
    let [layer] = layers.as_slice() else {
        return Err(Error::invalid_with_hint(
            format!(
                "cannot pull to stdout: the artifact has {} layers, `-o -` needs exactly one",
                layers.len()
            ),
            crate::error::Advice::SelectOneLayer,
        ));
    };
    let reader = src.fetch(layer).await?;
    let mut verifying = VerifyingReader::new(reader, layer.digest.clone(), layer.size);
    tokio::io::copy(&mut verifying, out)
        .await
        .map_err(|e| read_error(layer, e))?;
    Ok((*layer).clone())
}

/// What `pull` writes: titled layers (optionally only some media types) and, when asked, the
/// config under a chosen name. Manifests are walked, the empty JSON blob is ignored, the config is
/// skipped unless named, and other untitled blobs are skipped (all are reported).
#[derive(Debug, Clone, Default)]
pub struct PullFilter {
    /// The root manifest's config descriptor, if the root is an image manifest.
    pub config: Option<Descriptor>,
    /// `--config <path>`: the file name the config is written to.
    pub config_title: Option<String>,
    /// `--config <path>:<type>`: write the config only when it has this media type.
    pub config_type: Option<String>,
    /// `-t/--media-type`: when non-empty, only layers of these types are written.
    pub media_types: std::collections::HashSet<String>,
}

/// Builds the [`SuccessorFilter`] of a pull.
pub fn pull_filter(f: PullFilter) -> SuccessorFilter {
    Arc::new(move |desc: &Descriptor| {
        if let Some(cfg) = &f.config
            && cfg.digest == desc.digest
            && cfg.media_type == desc.media_type
        {
            return match &f.config_title {
                Some(title) if f.config_type.as_ref().is_none_or(|t| *t == desc.media_type) => {
                    let mut named = desc.clone();
                    named
                        .annotations
                        .get_or_insert_default()
                        .insert(oci::annotations::TITLE.to_string(), title.clone());
                    Decision::Copy(Box::new(named))
                }
                // Reported as skipped, as oras reports an unnamed config (`-v` shows it).
                _ => Decision::Skip,
            };
        }
        if media_type::is_manifest(&desc.media_type) || media_type::is_index(&desc.media_type) {
            return Decision::Copy(Box::new(desc.clone()));
        }
        if desc.is_empty_json() {
            return Decision::Ignore;
        }
        if desc.title().is_none() {
            return Decision::Skip;
        }
        if !f.media_types.is_empty() && !f.media_types.contains(&desc.media_type) {
            return Decision::Skip;
        }
        Decision::Copy(Box::new(desc.clone()))
    })
}
