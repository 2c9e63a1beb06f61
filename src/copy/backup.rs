//! Backup and restore: the tagged graphs of a repository (and their referrers) copied into an
//! OCI image layout, a directory or a tar file, and back. Each tag is one [`copy_root`] between
//! the repository and the layout, followed by [`copy_referrers`] when referrers are wanted;
//! subjects are not followed (a referrer's subject is a tag of its own, or not part of the
//! backup). What happens along the way is told to [`BackupOptions::progress`] as
//! [`BackupEvent`]s, so a caller can print it in order with the transfer's status lines.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{CopyObserver, CopyOptions, NoopObserver, copy_referrers, copy_root};
use crate::content::layout::{self, OciLayout};
use crate::content::{ReadOnlyTarget, Target};
use crate::error::{Error, Result};
use crate::oci::{self, Descriptor, media_type};
use crate::reference::{Reference, parse_with_tags};

/// A step of a backup or restore, in the order they happen.
#[derive(Debug, Clone, Copy)]
pub enum BackupEvent<'a> {
    /// The tags to copy are known (listed from the source when none were given); `place` is
    /// the repository name, or `the backup`.
    Found {
        /// The tags, in the order they will be copied.
        tags: &'a [String],
        /// Where they were found.
        place: &'a str,
    },
    /// Restore: the backup is a tar archive of `size` bytes.
    Loaded {
        /// The archive.
        path: &'a Path,
        /// Its size in bytes.
        size: u64,
    },
    /// Backup: the tag and its referrers are in the layout.
    BackedUp {
        /// The tag.
        tag: &'a str,
        /// How many referrers (direct or not) it has there.
        referrers: usize,
    },
    /// Restore: the tag and its referrers are in the repository.
    Restored {
        /// The tag.
        tag: &'a str,
        /// How many referrers (direct or not) came with it.
        referrers: usize,
    },
    /// Restore, dry run: the tag would be restored.
    WouldRestore {
        /// The tag.
        tag: &'a str,
        /// How many referrers (direct or not) would come with it.
        referrers: usize,
    },
    /// Backup to a tar file: the layout is being archived.
    Exporting {
        /// The tar file.
        path: &'a Path,
    },
    /// Backup to a tar file: the archive is written.
    Exported {
        /// The tar file.
        path: &'a Path,
        /// Its size in bytes.
        size: u64,
    },
}

/// Hears the [`BackupEvent`]s of a backup or restore.
pub type BackupProgress = Arc<dyn Fn(BackupEvent<'_>) + Send + Sync>;

/// How a backup or restore runs. The [`Default`]: 3 blobs at once, no referrers, no dry run,
/// no progress.
#[derive(Clone)]
pub struct BackupOptions {
    /// Blobs transferring at once.
    pub concurrency: usize,
    /// Who hears about the transfer of each blob and manifest.
    pub observer: Arc<dyn CopyObserver>,
    /// Copy the referrers of each tagged manifest too (recursively).
    pub referrers: bool,
    /// Restore: only say what would be restored ([`BackupEvent::WouldRestore`]).
    pub dry_run: bool,
    /// Who hears about each step.
    pub progress: BackupProgress,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions {
            concurrency: 3,
            observer: Arc::new(NoopObserver),
            referrers: false,
            dry_run: false,
            progress: Arc::new(|_| {}),
        }
    }
}

impl BackupOptions {
    /// The defaults ([`BackupOptions::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`BackupOptions::concurrency`].
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets [`BackupOptions::observer`].
    pub fn with_observer(mut self, observer: Arc<dyn CopyObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Sets [`BackupOptions::referrers`].
    pub fn with_referrers(mut self, referrers: bool) -> Self {
        self.referrers = referrers;
        self
    }

    /// Sets [`BackupOptions::dry_run`].
    pub fn with_dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Sets [`BackupOptions::progress`].
    pub fn with_progress(
        mut self,
        progress: impl Fn(BackupEvent<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Arc::new(progress);
        self
    }

    fn copy_options(&self) -> CopyOptions {
        CopyOptions::new()
            .with_concurrency(self.concurrency)
            .with_observer(self.observer.clone())
            .with_include_subject(false)
    }
}

/// The repository and the tags of `<registry>/<repository>[:<tag>[,<tag>...]]`; digests are
/// refused.
///
/// ```
/// use oras_rs::copy::backup::repository_tags;
///
/// let (repo, tags) = repository_tags("localhost:5000/hello:v1,latest")?;
/// assert_eq!(repo.repo_ref(), "localhost:5000/hello");
/// assert_eq!(tags, ["v1", "latest"]);
/// assert!(repository_tags("localhost:5000/hello").unwrap().1.is_empty());
/// let digest = format!("localhost:5000/hello@sha256:{}", "a".repeat(64));
/// assert!(repository_tags(&digest).is_err());
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn repository_tags(raw: &str) -> Result<(Reference, Vec<String>)> {
    // Any `@` is a digest reference, refused before the reference is parsed (as oras does), so
    // `repo@sha256:<bad>` and `repo:v1,@sha256:…` get this error rather than a parse error.
    if raw.contains('@') {
        return Err(Error::invalid(format!(
            "digest references are not supported: {raw:?}"
        )));
    }
    let (reference, extra) = parse_with_tags(raw)?;
    if reference.digest.is_some() {
        return Err(Error::invalid(format!(
            "digest references are not supported: {raw:?}"
        )));
    }
    let mut tags: Vec<String> = reference.tag.iter().cloned().collect();
    tags.extend(extra);
    Ok((reference, tags))
}

/// Whether a backup to `output` writes a tar file (its name ends in `.tar`, in any case) rather
/// than a layout directory.
///
/// ```
/// use oras_rs::copy::backup::is_tar_path;
/// use std::path::Path;
///
/// assert!(is_tar_path(Path::new("backup.TAR")));
/// assert!(!is_tar_path(Path::new("backup-dir")));
/// ```
pub fn is_tar_path(output: &Path) -> bool {
    output
        .to_string_lossy()
        .to_ascii_lowercase()
        .ends_with(".tar")
}

/// Backs up `tags` of `src` (every tag, sorted, when empty) into `output`: a tar file when its
/// name ends in `.tar` ([`is_tar_path`]), else an OCI layout directory. `name` names the source
/// in messages. Returns the tags backed up.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::content::Target;
/// use oras_rs::content::memory::MemoryStore;
/// use oras_rs::copy::backup::{BackupOptions, backup};
/// use oras_rs::digest::Digest;
/// use oras_rs::oci::{Descriptor, media_type};
///
/// let src = MemoryStore::new();
/// src.insert(&Descriptor::empty_json(), b"{}".to_vec());
/// let manifest = format!(
///     r#"{{"schemaVersion":2,"mediaType":"{}","config":{},"layers":[]}}"#,
///     media_type::OCI_MANIFEST,
///     serde_json::to_string(&Descriptor::empty_json()).unwrap(),
/// );
/// let root = Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256_of(manifest.as_bytes()), manifest.len() as u64);
/// src.push_reference(&root, manifest.into_bytes(), "v1").await?;
///
/// let dir = tempfile::tempdir().unwrap();
/// let tar = dir.path().join("backup.tar");
/// let tags = backup(&src, "memory", vec!["v1".into()], &tar, &BackupOptions::new()).await?;
/// assert_eq!(tags, ["v1"]);
/// assert!(tar.is_file());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn backup(
    src: &dyn ReadOnlyTarget,
    name: &str,
    mut tags: Vec<String>,
    output: &Path,
    opts: &BackupOptions,
) -> Result<Vec<String>> {
    if output.as_os_str().is_empty() {
        return Err(Error::invalid("the output path cannot be empty"));
    }
    let to_tar = is_tar_path(output);
    if to_tar && output.is_dir() {
        return Err(Error::invalid_with_hint(
            format!(
                "{}: is a directory, a tar file was expected: the output path already exists and is a directory",
                output.display()
            ),
            "To back up to a tar archive, please specify a different output file name or remove the existing directory.",
        ));
    }
    if tags.is_empty() {
        tags = crate::content::tags(src, None)
            .await
            .map_err(|e| e.context(format!("listing the tags of {name}")))?;
        tags.sort();
        if tags.is_empty() {
            return Err(Error::NoTags {
                name: name.to_string(),
                layout: false,
            });
        }
    }
    (opts.progress)(BackupEvent::Found {
        tags: &tags,
        place: name,
    });
    let temp_dir;
    let layout_dir = if to_tar {
        let parent = parent_dir(output);
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        temp_dir = tempfile::Builder::new()
            .prefix(".oras-backup-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, e))?;
        temp_dir.path().join("layout")
    } else {
        output.to_path_buf()
    };
    let layout = OciLayout::new(&layout_dir);
    let copy = opts.copy_options();
    for tag in &tags {
        let context = || format!("backing up {name}:{tag}");
        let (root, bytes) = src
            .fetch_reference(tag)
            .await
            .map_err(|e| e.context(context()))?;
        copy_root(src, &layout, &root, bytes.clone(), Some(tag), &copy)
            .await
            .map_err(|e| e.context(context()))?;
        let mut referrers = 0;
        if opts.referrers {
            copy_referrers(src, &layout, &root, &bytes, &copy)
                .await
                .map_err(|e| e.context(format!("backing up the referrers of {name}:{tag}")))?;
            referrers = count_referrers(&layout, &root, &bytes).await?;
        }
        (opts.progress)(BackupEvent::BackedUp { tag, referrers });
    }
    let _ = std::fs::remove_dir_all(layout_dir.join(layout::INGEST_DIR));
    if to_tar {
        (opts.progress)(BackupEvent::Exporting { path: output });
        let (dir, path) = (layout_dir.clone(), output.to_path_buf());
        tokio::task::spawn_blocking(move || write_tar(&dir, &path))
            .await
            .map_err(|e| Error::Protocol(format!("archiving the backup: {e}")))??;
        let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
        (opts.progress)(BackupEvent::Exported { path: output, size });
    }
    Ok(tags)
}

/// Restores `tags` of the backup `input` (an OCI layout directory or tar file; every tag when
/// empty) into `dst`, with their referrers when [`BackupOptions::referrers`] is set. `name`
/// names the destination in messages. Returns the tags restored (or, in a dry run, that would
/// be).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::backup::{BackupOptions, backup, restore};
/// use oras_rs::{MemoryStore, OciLayout, PackOptions, ReadOnlyTarget, Target, pack_manifest};
///
/// let src = MemoryStore::new();
/// let root = pack_manifest(&src, &PackOptions::default()).await?;
/// src.tag(&root, "v1").await?;
/// let dir = tempfile::tempdir().unwrap();
/// let tar = dir.path().join("backup.tar");
/// backup(&src, "memory", vec!["v1".into()], &tar, &BackupOptions::new()).await?;
///
/// // Every tag of the backup (none named), into an OCI layout.
/// let dst = OciLayout::new(dir.path().join("restored"));
/// let tags = restore(&tar, &dst, "restored", Vec::new(), &BackupOptions::new()).await?;
/// assert_eq!(tags, ["v1"]);
/// assert_eq!(dst.resolve("v1").await?.digest, root.digest);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn restore(
    input: &Path,
    dst: &dyn Target,
    name: &str,
    mut tags: Vec<String>,
    opts: &BackupOptions,
) -> Result<Vec<String>> {
    if input.as_os_str().is_empty() {
        return Err(Error::invalid("the input path cannot be empty"));
    }
    let no_tags = || Error::NoTags {
        name: input.display().to_string(),
        layout: true,
    };
    // A directory that is not a layout holds no tags (oras-go's `oci.New` would make it one).
    if input.is_dir() && !input.join("oci-layout").exists() {
        return Err(no_tags());
    }
    let source = layout::open_read(input)
        .map_err(|e| e.context(format!("opening the backup {}", input.display())))?;
    if input.is_file() {
        let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
        (opts.progress)(BackupEvent::Loaded { path: input, size });
    }
    if tags.is_empty() {
        tags = crate::content::tags(&*source, None).await?;
        if tags.is_empty() {
            return Err(no_tags());
        }
    }
    (opts.progress)(BackupEvent::Found {
        tags: &tags,
        place: "the backup",
    });
    let copy = opts.copy_options();
    for tag in &tags {
        let (root, bytes) = source
            .fetch_reference(tag)
            .await
            .map_err(|e| e.context(format!("reading the tag {tag} of the backup")))?;
        let referrers = if opts.referrers {
            count_referrers(&*source, &root, &bytes).await?
        } else {
            0
        };
        if opts.dry_run {
            (opts.progress)(BackupEvent::WouldRestore { tag, referrers });
            continue;
        }
        copy_root(&*source, dst, &root, bytes.clone(), Some(tag), &copy)
            .await
            .map_err(|e| e.context(format!("restoring {tag} to {name}")))?;
        if opts.referrers {
            copy_referrers(&*source, dst, &root, &bytes, &copy)
                .await
                .map_err(|e| e.context(format!("restoring the referrers of {tag}")))?;
        }
        (opts.progress)(BackupEvent::Restored { tag, referrers });
    }
    Ok(tags)
}

/// How many manifests refer to `root` (directly or not), and, for an index, to its children.
async fn count_referrers(
    src: &dyn ReadOnlyTarget,
    root: &Descriptor,
    bytes: &[u8],
) -> Result<usize> {
    fn count(nodes: &[crate::referrers::ReferrerNode], seen: &mut HashSet<String>) {
        for n in nodes {
            if seen.insert(n.descriptor.digest.to_string()) {
                count(&n.referrers, seen);
            }
        }
    }
    let mut seen = HashSet::new();
    let mut subjects = vec![root.clone()];
    if media_type::is_index(&root.media_type) {
        subjects.extend(
            oci::successors(&root.media_type, bytes)?
                .into_iter()
                .filter(|d| media_type::is_manifest(&d.media_type)),
        );
    }
    for s in &subjects {
        let nodes = crate::referrers::discover(src, s, None, None).await?;
        count(&nodes, &mut seen);
    }
    Ok(seen.len())
}

/// The directory a file is created in: its parent, or `.`.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes the layout directory `dir` into the tar file `path` (entries relative to the layout,
/// `ingest/` left out), through a temp file renamed at the end.
fn write_tar(dir: &Path, path: &Path) -> Result<()> {
    let parent = parent_dir(path);
    let mut temp = tempfile::Builder::new();
    temp.prefix(".oras-backup-");
    // The archive gets the usual 0666 minus umask, as Go's os.Create gives, not tempfile's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temp = temp
        .tempfile_in(&parent)
        .map_err(|e| Error::io(&parent, e))?;
    {
        let mut builder = tar::Builder::new(temp.as_file());
        builder.mode(tar::HeaderMode::Deterministic);
        for name in ["oci-layout", "index.json"] {
            builder
                .append_path_with_name(dir.join(name), name)
                .map_err(|e| Error::io(dir.join(name), e).context(format!("archiving {name}")))?;
        }
        let blobs = dir.join("blobs");
        if blobs.exists() {
            builder
                .append_dir_all("blobs", &blobs)
                .map_err(|e| Error::io(&blobs, e).context("archiving blobs"))?;
        }
        builder
            .finish()
            .map_err(|e| Error::io(path, e).context("writing the tar archive"))?;
    }
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
