//! Packing an artifact: blobs or files and annotations into an image manifest, pushed with its
//! generated config into a store ([`pack_manifest`], oras-go v2's `oras.PackManifest`), then
//! copied to where it belongs with [`crate::copy::copy`] and tagged with
//! [`crate::tag::tag_bytes_n`].
//!
//! Two ways in:
//! - blobs a program holds: add them to a [`MemoryStore`] ([`MemoryStore::add`]), call
//!   [`pack_manifest`] with their descriptors as layers, and copy from the memory store;
//! - files on disk, as `oras push` and `oras attach` take them: describe the artifact with a
//!   [`PackFiles`] (file arguments `path[:type]`, a config file, annotations from `KEY=VALUE`
//!   pairs and the annotation file, a subject) and [`PackFiles::pack`] it; the resulting
//!   [`PackedFiles`] reads the generated manifest and config from memory and the files from
//!   disk, and copies itself to a destination.
//!
//! The manifest bytes are oras's, byte for byte ([`crate::oci::pack`]); the creation time
//! follows `SOURCE_DATE_EPOCH` ([`source_date_epoch`]) so that pushes can be reproducible.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::OffsetDateTime;

use crate::content::dir::DirPackOptions;
use crate::content::file::{FileStore, WritePolicy, default_layer_media_type};
use crate::content::memory::MemoryStore;
use crate::content::union::Union;
use crate::content::{ReadOnlyTarget, Target};
use crate::copy::{CopyObserver, CopyOptions};
use crate::error::{Error, Result};
use crate::oci::{self, Annotations, Descriptor, Platform, media_type};

pub use crate::oci::pack::{ImageSpec, PackOptions, created_time};

/// Builds the manifest `opts` describes (oras's exact bytes) and pushes it, with the blobs it
/// generated (the `{}` config, the `{}` padding layer of an artifact without layers), into
/// `store`; returns the manifest's descriptor, which carries the artifact type and the manifest
/// annotations. The layers and a config file must already be in `store` (or in a store read
/// together with it). Nothing is tagged: tag the descriptor in `store`, or copy it with a tag.
///
/// This is the blog program of oras ("push a file from memory"), with an OCI layout in a temp
/// directory standing in for the registry:
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::content::layout::OciLayout;
/// use oras_rs::content::memory::MemoryStore;
/// use oras_rs::content::{ReadOnlyTarget, Target};
/// use oras_rs::copy::{CopyOptions, copy};
/// use oras_rs::{PackOptions, pack_manifest};
///
/// // 1. The file, in memory, with a custom media type.
/// let memory = MemoryStore::new();
/// let layer = memory.add(Some("helloworld.txt"), "plain/text", b"Hello World!\n".to_vec());
///
/// // 2. Pack a manifest around it into the memory store, and tag it there.
/// let manifest = pack_manifest(&memory, &PackOptions {
///     artifact_type: Some("application/vnd.example+type".into()),
///     layers: vec![layer.clone()],
///     ..PackOptions::default()
/// })
/// .await?;
/// memory.tag(&manifest, "latest").await?;
///
/// // 3. Copy it, with its config and layer, to the repository (here an OCI layout).
/// let dir = tempfile::tempdir().unwrap();
/// let repo = OciLayout::new(dir.path().join("helloworld"));
/// let root = copy(&memory, "latest", &repo, Some("latest"), &CopyOptions::default()).await?;
/// assert_eq!(root.digest, manifest.digest);
/// assert_eq!(repo.resolve("latest").await?.digest, manifest.digest);
/// assert!(repo.exists(&layer).await?);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn pack_manifest(store: &dyn Target, opts: &PackOptions) -> Result<Descriptor> {
    // What the packing generated first, then the manifest, each unless already there.
    let mut packed = oci::pack_manifest(opts)?;
    for (desc, bytes) in packed.generated_blobs() {
        push_if_missing(store, desc, bytes.to_vec()).await?;
    }
    let bytes = std::mem::take(&mut packed.bytes);
    push_if_missing(store, &packed.descriptor, bytes).await?;
    Ok(packed.descriptor)
}

async fn push_if_missing(store: &dyn Target, desc: &Descriptor, bytes: Vec<u8>) -> Result<()> {
    if store.exists(desc).await? {
        return Ok(());
    }
    store
        .push(desc, Box::pin(std::io::Cursor::new(bytes)))
        .await
}

/// The creation time of a packed manifest when `SOURCE_DATE_EPOCH` is set (and not empty) in
/// the environment, `None` when it is not: the reproducible-builds convention oras follows.
/// An invalid value is an error.
pub fn source_date_epoch() -> Result<Option<OffsetDateTime>> {
    let value = std::env::var("SOURCE_DATE_EPOCH").ok();
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(created_time(Some(&value), OffsetDateTime::now_utc())?))
}

/// Resolves `reference` in `target` to the manifest an artifact is attached to (its subject):
/// with `platform`, the manifest of that platform (from an index). The descriptor keeps only
/// the media type, digest and size, as a manifest's `subject` field holds them.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::pack::resolve_subject;
/// use oras_rs::{MemoryStore, PackOptions, Target, pack_manifest};
///
/// let store = MemoryStore::new();
/// let image = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&image, "v1").await?;
///
/// let subject = resolve_subject(&store, "v1", None).await?;
/// assert_eq!((&subject.digest, subject.size), (&image.digest, image.size));
/// assert_eq!(subject.annotations, None);
/// // It goes in the `subject` of the artifact to attach.
/// let options = PackOptions { subject: Some(subject), ..PackOptions::default() };
/// assert!(pack_manifest(&store, &options).await.is_ok());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn resolve_subject(
    target: &dyn ReadOnlyTarget,
    reference: &str,
    platform: Option<&Platform>,
) -> Result<Descriptor> {
    let found = crate::copy::platform::resolve_platform(target, reference, platform).await?;
    Ok(Descriptor::new(found.media_type, found.digest, found.size))
}

/// A file argument `path[:type]`: a file or directory to pack as a layer, with its media type
/// when given. The path `-` means standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileArg {
    /// The path as given (relative to the working directory, or absolute); `-` is stdin.
    pub path: String,
    /// The layer's media type; `None` means the default for the path
    /// ([`default_layer_media_type`]).
    pub media_type: Option<String>,
}

impl FileArg {
    /// Parses `path[:type]`, split at the last colon ([`split_file_arg`]).
    ///
    /// ```
    /// let arg = oras_rs::pack::FileArg::parse("hi.txt:application/vnd.me.hi");
    /// assert_eq!(arg.path, "hi.txt");
    /// assert_eq!(arg.media_type.as_deref(), Some("application/vnd.me.hi"));
    /// ```
    pub fn parse(arg: &str) -> Self {
        let (path, media_type) = split_file_arg(arg);
        FileArg {
            path: path.to_string(),
            media_type: media_type.map(str::to_string),
        }
    }

    /// Whether the file is standard input (`-`).
    pub fn is_stdin(&self) -> bool {
        self.path == "-"
    }

    /// How the argument was written (for error messages).
    fn display(&self) -> String {
        match &self.media_type {
            Some(t) => format!("{}:{t}", self.path),
            None => self.path.clone(),
        }
    }
}

/// Splits `path[:type]` at the last colon; an empty type means the default.
pub fn split_file_arg(arg: &str) -> (&str, Option<&str>) {
    match arg.rfind(':') {
        Some(i) => {
            let (path, ty) = (&arg[..i], &arg[i + 1..]);
            (path, (!ty.is_empty()).then_some(ty))
        }
        None => (arg, None),
    }
}

/// The layer title oras gives a path: cleaned (`.` and `a/..` removed), with forward slashes.
///
/// ```
/// assert_eq!(oras_rs::pack::title_for("./docs//a/../b.txt"), "docs/b.txt");
/// ```
pub fn title_for(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let absolute = path.starts_with('/');
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// The annotations of an artifact, as `-a KEY=VALUE` and the annotation file give them.
///
/// The annotation file is a JSON object: `$manifest` holds the manifest's annotations,
/// `$config` the config descriptor's, and every other key is a file argument's path (`-` for
/// stdin) whose layer gets those annotations (a `org.opencontainers.image.title` there renames
/// the layer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationSet {
    /// Manifest annotations: `$manifest` of the file, then the `KEY=VALUE` pairs.
    pub manifest: Annotations,
    /// Config descriptor annotations (`$config`).
    pub config: Annotations,
    /// Per-file annotations, keyed by the file argument's path as typed.
    pub files: BTreeMap<String, Annotations>,
}

impl AnnotationSet {
    /// Reads the annotation file `file`, if any, then adds the `KEY=VALUE` `pairs` to the
    /// manifest annotations.
    ///
    /// ```
    /// let set = oras_rs::pack::AnnotationSet::load(&["k=v=w".into()], None)?;
    /// assert_eq!(set.manifest.get("k"), Some("v=w"));
    /// # Ok::<(), oras_rs::Error>(())
    /// ```
    pub fn load(pairs: &[String], file: Option<&Path>) -> Result<Self> {
        let mut files = match file {
            Some(p) => load_annotation_file(p)?,
            None => BTreeMap::new(),
        };
        let mut manifest = files.remove("$manifest").unwrap_or_default();
        manifest.extend(parse_annotations(pairs)?);
        let config = files.remove("$config").unwrap_or_default();
        Ok(AnnotationSet {
            manifest,
            config,
            files,
        })
    }
}

/// Parses `KEY=VALUE` pairs (split at the first `=`); a pair without `=` or a key given twice
/// is an error.
pub fn parse_annotations(pairs: &[String]) -> Result<Annotations> {
    let mut out = Annotations::new();
    for pair in pairs {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(Error::invalid_with_hint(
                "annotation value doesn't match the required format",
                crate::error::Advice::AnnotationFormat,
            ));
        };
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(Error::invalid(format!("duplicate annotation key: {k}")));
        }
    }
    Ok(out)
}

/// Reads an annotation file (see [`AnnotationSet`]), refusing one larger than a manifest may be.
fn load_annotation_file(path: &Path) -> Result<BTreeMap<String, Annotations>> {
    let invalid = || {
        Error::invalid_with_hint(
            format!(
                "invalid annotation json file: failed to load annotations from {}",
                path.display()
            ),
            "Annotation file doesn't match the required format. Please refer to the document at https://oras.land/docs/how_to_guides/manifest_annotations",
        )
    };
    // Nothing larger fits in a manifest (4 MiB): refuse it before reading it.
    let limit = crate::content::MAX_MANIFEST_BYTES;
    let size = std::fs::metadata(path).map_err(|_| invalid())?.len();
    if size > limit {
        return Err(Error::invalid_with_hint(
            format!(
                "invalid annotation json file {}: {size} bytes, more than the {limit} bytes a manifest may have",
                path.display()
            ),
            "Keep annotations small; registries accept manifests of at most 4 MiB.",
        ));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).map_err(|_| invalid())?, limit + 1),
        &mut bytes,
    )
    .map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// Hears what [`PackFiles::pack`] does before anything is copied: each layer is announced before
/// it is hashed (oras prints `Preparing <title>`). Any `Fn(&str)` is one.
pub trait PackObserver: Send + Sync {
    /// The layer titled `title` is about to be hashed (or, for a directory, packed).
    fn on_prepare(&self, _title: &str) {}
}

impl<F: Fn(&str) + Send + Sync> PackObserver for F {
    fn on_prepare(&self, title: &str) {
        self(title)
    }
}

/// An artifact to pack from local files: what `oras push` and `oras attach` are given, as
/// typed values. [`PackFiles::pack`] hashes the files and builds the manifest.
#[derive(Debug, Clone, Default)]
pub struct PackFiles {
    /// The image-spec version of the manifest.
    pub image_spec: ImageSpec,
    /// The artifact type; `None` means oras's default for the image spec.
    pub artifact_type: Option<String>,
    /// The layers, in order.
    pub files: Vec<FileArg>,
    /// A config file (`path[:type]`; the type defaults to
    /// `application/vnd.unknown.config.v1+json`); `None` generates the `{}` config.
    pub config: Option<FileArg>,
    /// Without a `config`: generate an OCI image config from this platform
    /// ([`oci::PackOptions::platform`], oras's `push --artifact-platform`).
    pub platform: Option<Platform>,
    /// Manifest, config and per-file annotations.
    pub annotations: AnnotationSet,
    /// The manifest the artifact refers to (what `oras attach` attaches to).
    pub subject: Option<Descriptor>,
    /// Accept absolute file paths (their titles are then absolute too).
    pub disable_path_validation: bool,
}

impl PackFiles {
    /// Hashes the files (directories are packed as tar+gzip, reproducibly when
    /// `SOURCE_DATE_EPOCH` is set; stdin is spooled to a temp file), then builds the manifest.
    /// `observer` hears each layer's title before it is hashed.
    ///
    /// Every argument is checked before anything is read: an empty path, an absolute path
    /// (unless [`PackFiles::disable_path_validation`]), stdin given twice, two layers with one
    /// title.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use oras_rs::content::layout::OciLayout;
    /// use oras_rs::content::ReadOnlyTarget;
    /// use oras_rs::pack::{FileArg, PackFiles};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = dir.path().join("hi.txt");
    /// std::fs::write(&file, "hi\n").unwrap();
    /// let packed = PackFiles {
    ///     artifact_type: Some("application/vnd.example".into()),
    ///     files: vec![FileArg::parse(&format!("{}:text/plain", file.display()))],
    ///     disable_path_validation: true,
    ///     ..PackFiles::default()
    /// }
    /// .pack(&|title: &str| assert!(title.ends_with("hi.txt")))
    /// .await?;
    ///
    /// let layout = OciLayout::new(dir.path().join("layout"));
    /// let observer = std::sync::Arc::new(oras_rs::copy::NoopObserver);
    /// packed.copy_to(&layout, Some("v1"), 3, observer).await?;
    /// assert_eq!(layout.resolve("v1").await?.digest, packed.descriptor.digest);
    /// # Ok::<(), oras_rs::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn pack(&self, observer: &dyn PackObserver) -> Result<PackedFiles> {
        let epoch = source_date_epoch()?;
        let created = epoch.unwrap_or_else(OffsetDateTime::now_utc);
        let pack = DirPackOptions {
            mtime: epoch.map(|t| u64::try_from(t.unix_timestamp()).unwrap_or(0)),
        };
        let files = Arc::new(FileStore::new(".", WritePolicy::default()).with_pack_options(pack));
        let mut file_annotations = self.annotations.files.clone();
        let layers = add_files(
            &files,
            &self.files,
            &mut file_annotations,
            self.disable_path_validation,
            observer,
        )
        .await?;
        let config = match &self.config {
            Some(arg) => Some(add_config(&files, arg, &self.annotations.config).await?),
            None => None,
        };
        let memory = Arc::new(MemoryStore::new());
        // The options are handed over: their layers move into the manifest, not copied.
        let mut packed = oci::pack::pack_manifest_owned(PackOptions {
            image_spec: self.image_spec,
            artifact_type: self.artifact_type.clone(),
            config,
            platform: self.platform.clone(),
            layers,
            subject: self.subject.clone(),
            manifest_annotations: self.annotations.manifest.clone(),
            config_annotations: self.annotations.config.clone(),
            created,
        })?;
        for (desc, bytes) in packed.generated_blobs() {
            memory.insert(desc, bytes.to_vec());
        }
        // The manifest bytes move into the store: a manifest of 15,000 layers is 3 MiB.
        memory.insert(&packed.descriptor, std::mem::take(&mut packed.bytes));
        Ok(PackedFiles {
            artifact_type: packed
                .descriptor
                .artifact_type
                .clone()
                .unwrap_or_else(|| packed.config.media_type.clone()),
            descriptor: packed.descriptor,
            memory,
            files,
        })
    }
}

/// Hashes every file argument into `files` and returns the layer descriptors in argument order.
/// All arguments are validated before anything is hashed.
async fn add_files(
    files: &FileStore,
    args: &[FileArg],
    file_annotations: &mut BTreeMap<String, Annotations>,
    disable_path_validation: bool,
    observer: &dyn PackObserver,
) -> Result<Vec<Descriptor>> {
    let mut absolute = Vec::new();
    for arg in args {
        if arg.path.is_empty() {
            return Err(Error::invalid(format!(
                "found empty file path in {:?}",
                arg.display()
            )));
        }
        if Path::new(&arg.path).is_absolute() && !disable_path_validation {
            absolute.push(arg.path.clone());
        }
    }
    if !absolute.is_empty() {
        return Err(Error::AbsolutePath { paths: absolute });
    }
    if args.iter().filter(|a| a.is_stdin()).count() > 1 {
        return Err(Error::invalid("stdin (`-`) can be given only once"));
    }
    let mut layers = Vec::new();
    let mut names = HashSet::new();
    for arg in args {
        let stdin = arg.is_stdin();
        let mut name = if stdin {
            "<stdin>".to_string()
        } else {
            title_for(&arg.path)
        };
        let extra = file_annotations.remove(&arg.path);
        if let Some(title) = extra.as_ref().and_then(|a| a.get(oci::annotations::TITLE)) {
            name = title.to_string();
        }
        if !names.insert(name.clone()) {
            return Err(Error::invalid(format!("{name}: duplicate name")));
        }
        observer.on_prepare(&name);
        let abs = if stdin {
            files.keep_temp(spool_stdin().await?)
        } else {
            std::path::absolute(&arg.path).unwrap_or_else(|_| PathBuf::from(&arg.path))
        };
        let ty = arg
            .media_type
            .as_deref()
            .unwrap_or(default_layer_media_type(&abs));
        let mut desc = files.add(Some(&name), ty, &abs).await?;
        if let Some(extra) = extra {
            desc.annotations.get_or_insert_default().extend(extra);
        }
        layers.push(desc);
    }
    Ok(layers)
}

/// Hashes the config file into `files`; its descriptor carries the `$config` annotations.
async fn add_config(
    files: &FileStore,
    arg: &FileArg,
    config_annotations: &Annotations,
) -> Result<Descriptor> {
    if arg.path.is_empty() {
        return Err(Error::invalid(format!(
            "found empty file path in {:?}",
            arg.display()
        )));
    }
    let abs = std::path::absolute(&arg.path).unwrap_or_else(|_| PathBuf::from(&arg.path));
    let ty = arg
        .media_type
        .as_deref()
        .unwrap_or(media_type::UNKNOWN_CONFIG);
    let mut desc = files.add(None, ty, &abs).await?;
    if !config_annotations.is_empty() {
        desc.annotations = Some(config_annotations.clone());
    }
    Ok(desc)
}

/// Copies standard input into a temp file (in the system temp dir), removed when dropped, so
/// its digest and size are known before an upload starts.
async fn spool_stdin() -> Result<tempfile::TempPath> {
    tokio::task::spawn_blocking(|| -> Result<tempfile::TempPath> {
        let mut temp = tempfile::Builder::new()
            .prefix(".oras-stdin-")
            .tempfile()
            .map_err(|e| {
                Error::io(std::env::temp_dir(), e).context("creating a temp file for stdin")
            })?;
        let path = temp.path().to_path_buf();
        std::io::copy(&mut std::io::stdin().lock(), temp.as_file_mut())
            .map_err(|e| Error::io(path, e).context("reading stdin"))?;
        Ok(temp.into_temp_path())
    })
    .await
    .map_err(|e| Error::Protocol(format!("spooling stdin: {e}")))?
}

/// A packed artifact of files: the manifest and the `{}` blobs it generated, held in memory, in
/// front of the files it names ([`PackedFiles::source`]).
pub struct PackedFiles {
    /// The manifest's descriptor, with its artifact type (for image-spec v1.0, the config
    /// media type) and annotations.
    pub descriptor: Descriptor,
    artifact_type: String,
    memory: Arc<MemoryStore>,
    files: Arc<FileStore>,
}

impl PackedFiles {
    /// What the artifact is copied from: the generated manifest and blobs in memory, then the
    /// files.
    pub fn source(&self) -> Union {
        Union::new(vec![
            self.memory.clone() as Arc<dyn ReadOnlyTarget>,
            self.files.clone() as Arc<dyn ReadOnlyTarget>,
        ])
    }

    /// A copy of the manifest bytes, exactly as pushed (they are kept once, in the memory store
    /// the artifact is copied from).
    pub fn manifest(&self) -> Vec<u8> {
        self.memory
            .get(&self.descriptor.digest)
            .expect("the packed manifest stays in its memory store")
    }

    /// The artifact type oras reports: the manifest's, or its config's media type.
    pub fn artifact_type(&self) -> &str {
        &self.artifact_type
    }

    /// Copies the artifact to `dst` ([`crate::copy::copy`]), tagged `tag` when given,
    /// `concurrency` blobs at a time, telling `observer` about each blob. The subject is not
    /// copied: it is already where the artifact is attached. More tags:
    /// [`crate::tag::tag_bytes_n`] with [`PackedFiles::manifest`].
    pub async fn copy_to(
        &self,
        dst: &dyn Target,
        tag: Option<&str>,
        concurrency: usize,
        observer: Arc<dyn CopyObserver>,
    ) -> Result<Descriptor> {
        let opts = CopyOptions {
            concurrency,
            observer,
            include_subject: false,
            ..CopyOptions::default()
        };
        let root = self.descriptor.digest.to_string();
        crate::copy::copy(&self.source(), &root, dst, tag, &opts).await
    }

    /// Writes the manifest bytes to `path` (`--export-manifest`).
    pub fn export_manifest(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.manifest())
            .map_err(|e| Error::io(path, e).context("exporting the manifest"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_args_split_at_the_last_colon() {
        assert_eq!(split_file_arg("a.txt"), ("a.txt", None));
        assert_eq!(
            split_file_arg("a.txt:text/plain"),
            ("a.txt", Some("text/plain"))
        );
        assert_eq!(split_file_arg("hi:txt:"), ("hi:txt", None));
        assert_eq!(split_file_arg("a:b:c/d"), ("a:b", Some("c/d")));
        assert_eq!(split_file_arg(":text/plain"), ("", Some("text/plain")));
    }

    #[test]
    fn titles_are_clean_relative_paths() {
        assert_eq!(title_for("./a/b.txt"), "a/b.txt");
        assert_eq!(title_for("a//b/../c.txt"), "a/c.txt");
        assert_eq!(title_for("../x"), "../x");
        assert_eq!(title_for("/abs/./f"), "/abs/f");
    }

    #[tokio::test]
    async fn pack_manifest_stores_the_generated_config_and_the_manifest() {
        let store = MemoryStore::new();
        let layer = store.add(Some("a.txt"), "text/plain", b"a".to_vec());
        let desc = pack_manifest(
            &store,
            &PackOptions {
                layers: vec![layer],
                ..PackOptions::default()
            },
        )
        .await
        .unwrap();
        assert!(store.exists(&Descriptor::empty_json()).await.unwrap());
        let (resolved, bytes) = store
            .fetch_reference(&desc.digest.to_string())
            .await
            .unwrap();
        assert_eq!(resolved, desc);
        let manifest = oci::parse_manifest(&bytes).unwrap();
        assert_eq!(manifest.layers[0].title(), Some("a.txt"));
        assert_eq!(
            desc.artifact_type.as_deref(),
            Some(media_type::UNKNOWN_ARTIFACT)
        );
    }

    #[tokio::test]
    async fn file_arguments_are_checked_before_anything_is_read() {
        let pack = |files: &[&str]| PackFiles {
            files: files.iter().map(|f| FileArg::parse(f)).collect(),
            ..PackFiles::default()
        };
        let refused = |files: &[&str]| {
            let request = pack(files);
            async move {
                let prepared = std::sync::Mutex::new(Vec::new());
                let on_prepare = |t: &str| prepared.lock().unwrap().push(t.to_string());
                let err = request.pack(&on_prepare).await.err().unwrap().to_string();
                assert!(prepared.lock().unwrap().is_empty(), "{err}");
                err
            }
        };
        assert!(
            refused(&["/etc/passwd"])
                .await
                .starts_with("absolute file path detected")
        );
        assert_eq!(
            refused(&["-", "-:a/b"]).await,
            "stdin (`-`) can be given only once"
        );
        assert_eq!(
            refused(&[":text/plain"]).await,
            "found empty file path in \":text/plain\""
        );
    }

    #[tokio::test]
    async fn two_layers_cannot_share_a_title() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, "a").unwrap();
        std::fs::write(&b, "b").unwrap();
        let (a, b) = (a.display().to_string(), b.display().to_string());
        let title = |t: &str| Annotations::from([(oci::annotations::TITLE.to_string(), t.into())]);
        let request = PackFiles {
            files: vec![FileArg::parse(&a), FileArg::parse(&b)],
            annotations: AnnotationSet {
                files: BTreeMap::from([(a, title("same")), (b, title("same"))]),
                ..AnnotationSet::default()
            },
            disable_path_validation: true,
            ..PackFiles::default()
        };
        let err = request.pack(&|_: &str| {}).await.err().unwrap();
        assert_eq!(err.to_string(), "same: duplicate name");
    }

    #[test]
    fn annotation_file_sections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(
            &path,
            r#"{"$manifest":{"m":"1"},"$config":{"c":"2"},"hi.txt":{"f":"3"}}"#,
        )
        .unwrap();
        let set = AnnotationSet::load(&["k=v".into()], Some(&path)).unwrap();
        assert_eq!(set.manifest.len(), 2);
        assert_eq!(set.config.get("c"), Some("2"));
        assert_eq!(set.files["hi.txt"].get("f"), Some("3"));
        std::fs::write(&path, "[]").unwrap();
        assert!(AnnotationSet::load(&[], Some(&path)).is_err());
    }

    #[test]
    fn annotation_pairs_need_key_value() {
        assert!(parse_annotations(&["k".into()]).is_err());
        assert!(parse_annotations(&["k=1".into(), "k=2".into()]).is_err());
        let a = parse_annotations(&["k=v=w".into()]).unwrap();
        assert_eq!(a.get("k"), Some("v=w"));
    }
}
