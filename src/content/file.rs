//! Local files as a target. As a source (push) it serves files added with [`FileStore::add`],
//! hashed once when added. As a destination (pull) it writes each titled blob to
//! `<root>/<title>` through a temp file in the same directory, renamed into place only after the
//! whole blob arrived and verified, so a failed pull never leaves a file under its final name.
//! Untitled manifests are kept in memory: they are walked, not written.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use async_trait::async_trait;

use super::dir::{self, DirPackOptions, UnpackOptions};
use super::memory::MemoryStore;
use super::names;
use super::{BlobReader, ReadOnlyTarget, Target};
use crate::digest::{Algorithm, Digest, Digester};
use crate::error::{Error, Result};
use crate::oci::{Descriptor, annotations, media_type};

/// How a pull writes files.
#[derive(Debug, Clone, Default)]
pub struct WritePolicy {
    /// Fail instead of overwriting an existing file (`-k/--keep-old-files`).
    pub keep_old_files: bool,
    /// Allow titles that point outside the root (`-T/--allow-path-traversal`).
    pub allow_path_traversal: bool,
    /// Keep the permission bits of unpacked directories' entries instead of masking them by the
    /// umask (`--preserve-permissions`; setuid/setgid are stripped either way).
    pub preserve_permissions: bool,
    /// Cap on the decompressed bytes of one directory layer; `None` means
    /// [`dir::DEFAULT_UNPACK_LIMIT`].
    pub unpack_limit: Option<u64>,
    /// Keep a file already in place with the blob's size and sha256 instead of downloading it
    /// again (`--skip-unchanged`): [`ReadOnlyTarget::exists`] hashes it and says yes, so a copy
    /// reports it as existing. Directory layers are always written.
    pub skip_unchanged: bool,
}

/// The environment variable capping the decompressed size (bytes) of one pulled directory.
pub const ENV_MAX_UNPACK_SIZE: &str = "ORAS_MAX_UNPACK_SIZE";

impl WritePolicy {
    /// The default policy with [`WritePolicy::unpack_limit`] from [`ENV_MAX_UNPACK_SIZE`] when
    /// it is set (and not empty); a value that is not a number of bytes is refused.
    pub fn from_env() -> Result<Self> {
        let unpack_limit = match std::env::var(ENV_MAX_UNPACK_SIZE) {
            Ok(v) if !v.is_empty() => Some(v.parse().map_err(|_| {
                Error::invalid(format!(
                    "invalid {ENV_MAX_UNPACK_SIZE} value {v:?}: expected a number of bytes"
                ))
            })?),
            _ => None,
        };
        Ok(WritePolicy {
            unpack_limit,
            ..WritePolicy::default()
        })
    }
}

/// A file written by a pull.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// The blob's descriptor.
    pub descriptor: Descriptor,
    /// Where it was written (absolute).
    pub path: PathBuf,
}

/// Files on disk as a [`Target`].
pub struct FileStore {
    root: PathBuf,
    policy: WritePolicy,
    /// Source side: (digest, title) → path on disk.
    sources: Mutex<HashMap<(Digest, String), PathBuf>>,
    /// Destination side: what this run wrote.
    written: Mutex<Vec<WrittenFile>>,
    /// Destination side: titles taken so far, by [`names::fold_key`], with their digests.
    claimed: Mutex<HashMap<String, Vec<(String, Digest)>>>,
    /// Untitled manifests met while walking a graph.
    memory: MemoryStore,
    /// How directories added as sources are packed.
    pack: DirPackOptions,
    /// Packed directories, removed when the store is dropped.
    packed: Mutex<Vec<tempfile::TempPath>>,
    /// Directories this store made or found for small files: not made again per file.
    made_dirs: Mutex<HashSet<PathBuf>>,
    /// `root` made absolute once, for [`WrittenFile::path`] (not a `getcwd` per file).
    root_abs: OnceLock<PathBuf>,
}

/// Size of the read buffer used when hashing a file: large reads keep the hasher busy.
const HASH_BUF: usize = 1024 * 1024;

impl FileStore {
    /// A store rooted at `root` (the output directory of a pull; the working directory of a push).
    pub fn new(root: impl Into<PathBuf>, policy: WritePolicy) -> Self {
        FileStore {
            root: root.into(),
            policy,
            sources: Mutex::new(HashMap::new()),
            written: Mutex::new(Vec::new()),
            claimed: Mutex::new(HashMap::new()),
            memory: MemoryStore::new(),
            pack: DirPackOptions::default(),
            packed: Mutex::new(Vec::new()),
            made_dirs: Mutex::new(HashSet::new()),
            root_abs: OnceLock::new(),
        }
    }

    /// Sets how directories given to [`FileStore::add`] are packed (e.g. reproducibly).
    pub fn with_pack_options(mut self, pack: DirPackOptions) -> Self {
        self.pack = pack;
        self
    }

    /// Hashes `path` (read once, streaming) and registers it as a source blob, titled `name` when
    /// given (a config file has no title). A directory is packed first ([`dir::pack_dir`]): the
    /// descriptor then carries the `io.deis.oras.content.digest` and
    /// `io.deis.oras.content.unpack` annotations, and the temp archive lives as long as the store.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use oras_rs::{FileStore, WritePolicy, blob};
    /// use std::path::Path;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("hi.txt"), "hi\n").unwrap();
    /// let files = FileStore::new(dir.path(), WritePolicy::default());
    /// let layer = files.add(Some("hi.txt"), "text/plain", Path::new("hi.txt")).await?;
    /// assert_eq!((layer.size, layer.title()), (3, Some("hi.txt")));
    ///
    /// // The store now serves the file as that blob (a copy to a registry reads it from here;
    /// // `oras_rs::PackFiles` packs the manifest around such layers).
    /// let mut out = Vec::new();
    /// blob::fetch_to(&files, &layer, &mut out).await?;
    /// assert_eq!(out, b"hi\n");
    /// # Ok::<(), oras_rs::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn add(
        &self,
        name: Option<&str>,
        media_type: &str,
        path: &Path,
    ) -> Result<Descriptor> {
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        // One trip to a blocking thread for the kind of file and, for a regular file, its hash:
        // a thousand small files cost a thousand hand-offs, not two thousand.
        let probe = path.clone();
        let (meta, hashed) = tokio::task::spawn_blocking(move || {
            let meta = std::fs::metadata(&probe).ok();
            let hashed = match &meta {
                Some(m) if m.is_file() => Some(hash_open(&probe, m.len())),
                _ => None,
            };
            (meta, hashed)
        })
        .await
        .map_err(|e| Error::Protocol(format!("hashing task failed: {e}")))?;
        let is_dir = meta.as_ref().is_some_and(|m| m.is_dir());
        // A FIFO would block the hash forever, a device never ends: files and directories only.
        if meta.as_ref().is_some_and(|m| !m.is_dir() && !m.is_file()) {
            return Err(Error::invalid_with_hint(
                format!(
                    "{}: not a regular file (a FIFO, socket or device)",
                    path.display()
                ),
                "Push regular files or directories; copy the stream to a file first.",
            ));
        }
        let mut annotations = crate::oci::Annotations::new();
        let (digest, size, source) = match (is_dir, name) {
            (true, Some(title)) => {
                let (dir, title_owned, opts) = (path.clone(), title.to_string(), self.pack);
                let packed =
                    tokio::task::spawn_blocking(move || dir::pack_dir(&dir, &title_owned, &opts))
                        .await
                        .map_err(|e| Error::Protocol(format!("packing task failed: {e}")))??;
                annotations.insert(
                    annotations::CONTENT_DIGEST.to_string(),
                    packed.tar_digest.to_string(),
                );
                annotations.insert(annotations::CONTENT_UNPACK.to_string(), "true".to_string());
                let source = packed.path.to_path_buf();
                let (digest, size) = (packed.digest.clone(), packed.size);
                self.packed
                    .lock()
                    .expect("file store lock")
                    .push(packed.path);
                (digest, size, source)
            }
            (true, None) => {
                return Err(Error::invalid(format!(
                    "{}: is a directory, the config must be a file",
                    path.display()
                )));
            }
            (false, _) => {
                let (digest, size) = match hashed {
                    Some(hashed) => hashed?,
                    // Gone or unreadable: hash_file says why, naming the path.
                    None => hash_file(path.clone()).await?,
                };
                (digest, size, path)
            }
        };
        let mut desc = Descriptor::new(media_type.to_string(), digest.clone(), size);
        if let Some(name) = name {
            annotations.insert(annotations::TITLE.to_string(), name.to_string());
            desc.annotations = Some(annotations);
        }
        self.sources
            .lock()
            .expect("file store lock")
            .insert((digest, name.unwrap_or_default().to_string()), source);
        Ok(desc)
    }

    /// Keeps a temporary source file (e.g. stdin spooled to disk) until the store is dropped,
    /// and returns its path for [`FileStore::add`].
    pub fn keep_temp(&self, path: tempfile::TempPath) -> PathBuf {
        let owned = path.to_path_buf();
        self.packed.lock().expect("file store lock").push(path);
        owned
    }

    /// Files written by pushes into this store, in completion order.
    pub fn written_files(&self) -> Vec<WrittenFile> {
        self.written.lock().expect("file store lock").clone()
    }

    /// [`FileStore::written_files`], handed over instead of copied: the store's own list is
    /// empty afterwards.
    pub fn take_written_files(&self) -> Vec<WrittenFile> {
        std::mem::take(&mut *self.written.lock().expect("file store lock"))
    }

    /// Checks, before anything is written, that every titled descriptor maps to an allowed path,
    /// and that no title names two different blobs (they would overwrite each other; oras-go's
    /// `ErrDuplicateName`), nor two names the output directory's filesystem cannot tell apart
    /// or cannot store (see [`super::names`]).
    pub fn check_titles(&self, descs: &[Descriptor]) -> Result<()> {
        let titles: Vec<&str> = descs.iter().filter_map(Descriptor::title).collect();
        for title in &titles {
            self.target_path(title)?;
        }
        {
            let mut claimed = self.claimed.lock().expect("file store lock");
            for desc in descs {
                if let Some(title) = desc.title() {
                    take(&mut claimed, title, &desc.digest)?;
                }
            }
        }
        // Each titled blob is recorded once written: size the list once, not by doubling.
        self.written
            .lock()
            .expect("file store lock")
            .reserve(titles.len());
        // Names the destination filesystem would merge or refuse, tried there together before
        // any write; writing them later needs no further check among themselves.
        names::check_on_disk(&self.root, &titles)
    }

    /// Takes `title` for the blob `digest` before it is written. Titles [`Self::check_titles`]
    /// did not see (those of nested manifests, e.g. an index's children) get the same checks
    /// here: a title already taken by another blob is a duplicate, and a title that differs only
    /// by case from a taken one, or that some filesystem may refuse, is tried on the disk first.
    fn claim(&self, title: &str, digest: &Digest) -> Result<()> {
        let group = take(
            &mut self.claimed.lock().expect("file store lock"),
            title,
            digest,
        )?;
        match group {
            Some(group) => {
                let group: Vec<&str> = group.iter().map(String::as_str).collect();
                names::check_on_disk(&self.root, &group)
            }
            None => Ok(()),
        }
    }

    /// The path a title maps to, refusing paths outside the root unless allowed.
    fn target_path(&self, title: &str) -> Result<PathBuf> {
        let rel = Path::new(title);
        if self.policy.allow_path_traversal {
            return Ok(if rel.is_absolute() {
                rel.to_path_buf()
            } else {
                self.root.join(rel)
            });
        }
        let refuse = || Error::PathTraversal {
            path: self.root.join(rel),
        };
        let mut depth: i64 = 0;
        for comp in rel.components() {
            match comp {
                Component::Normal(_) => depth += 1,
                Component::CurDir => {}
                Component::ParentDir => {
                    depth -= 1;
                    if depth < 0 {
                        return Err(refuse());
                    }
                }
                Component::RootDir | Component::Prefix(_) => return Err(refuse()),
            }
        }
        if depth == 0 {
            return Err(Error::invalid(format!(
                "invalid file name {title:?}: it names the output directory itself"
            )));
        }
        let target = self.root.join(rel);
        // Directly in the root: no parent of ours to resolve (the usual case, and a pull of many
        // files would resolve the root once per file).
        if target.parent() == Some(self.root.as_path()) {
            return Ok(target);
        }
        // A symlink among the existing parents could lead out of the root: resolve them.
        let Ok(root) = std::fs::canonicalize(&self.root) else {
            // The root does not exist yet, so nothing below it can be a symlink.
            return Ok(target);
        };
        let mut ancestor = target.parent();
        while let Some(dir) = ancestor {
            match std::fs::canonicalize(dir) {
                Ok(real) => {
                    if !real.starts_with(&root) {
                        return Err(refuse());
                    }
                    break;
                }
                Err(_) => ancestor = dir.parent(),
            }
        }
        Ok(target)
    }

    async fn write_file(&self, desc: &Descriptor, title: &str, content: BlobReader) -> Result<()> {
        if desc.size <= SMALL_FILE {
            return self.write_small_file(desc, title, content).await;
        }
        tokio::fs::create_dir_all(&self.root)
            .await
            .map_err(|e| Error::io(&self.root, e))?;
        let target = self.target_path(title)?;
        if self.policy.keep_old_files && tokio::fs::symlink_metadata(&target).await.is_ok() {
            return Err(Error::OverwriteDisallowed { path: target });
        }
        let dir = target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| Error::io(&dir, e))?;
        // The temp file lives beside the target so the final rename is atomic; its name says
        // what it is, and it is removed on any failure (tempfile deletes it on drop).
        let mut builder = tempfile::Builder::new();
        builder.prefix(".oras-partial-");
        // Pulled files get the usual 0666 minus umask, not tempfile's private 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&dir).map_err(|e| Error::io(&dir, e))?;
        let std_file = tmp.reopen().map_err(|e| Error::io(tmp.path(), e))?;
        write_pipelined(desc, tmp.path(), content, std_file).await?;
        let persisted = if self.policy.keep_old_files {
            tmp.persist_noclobber(&target)
        } else {
            tmp.persist(&target)
        };
        persisted.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::OverwriteDisallowed {
                    path: target.clone(),
                }
            } else {
                Error::io(&target, e.error)
            }
        })?;
        self.record_written(desc, target);
        Ok(())
    }

    /// With [`WritePolicy::skip_unchanged`]: whether the file `title` is already in place as
    /// `desc` says (a regular file of its size and digest). It then counts as written by this
    /// pull, and its title as taken.
    async fn unchanged(&self, desc: &Descriptor, title: &str) -> Result<bool> {
        if !self.policy.skip_unchanged || is_unpack_dir(desc) {
            return Ok(false);
        }
        let target = self.target_path(title)?;
        let (path, size) = (target.clone(), desc.size);
        let same = tokio::task::spawn_blocking(move || match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() && meta.len() == size => {
                hash_open(&path, size).ok().map(|(digest, _)| digest)
            }
            _ => None,
        })
        .await
        .map_err(|e| Error::Protocol(format!("hashing task failed: {e}")))?;
        if same.as_ref() != Some(&desc.digest) {
            return Ok(false);
        }
        self.claim(title, &desc.digest)?;
        self.record_written(desc, target);
        Ok(true)
    }

    fn record_written(&self, desc: &Descriptor, target: PathBuf) {
        let path = match target.strip_prefix(&self.root) {
            Ok(rel) => self
                .root_abs
                .get_or_init(|| std::path::absolute(&self.root).unwrap_or(self.root.clone()))
                .join(rel),
            Err(_) => std::path::absolute(&target).unwrap_or(target),
        };
        self.written
            .lock()
            .expect("file store lock")
            .push(WrittenFile {
                descriptor: desc.clone(),
                path,
            });
    }

    /// [`FileStore::write_file`] for a blob of at most [`SMALL_FILE`] bytes: read whole (and so
    /// verified, by the reader's check at its end) before anything touches the disk, then
    /// written, synced and renamed into place in one blocking call. A pull of many small files
    /// pays one hand-off to a blocking thread per file instead of five.
    async fn write_small_file(
        &self,
        desc: &Descriptor,
        title: &str,
        content: BlobReader,
    ) -> Result<()> {
        use tokio::io::AsyncReadExt;
        let target = self.target_path(title)?;
        let mut bytes = Vec::with_capacity(desc.size as usize + 1);
        content
            .take(desc.size + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| crate::error::read_error(desc, e))?;
        if bytes.len() as u64 != desc.size {
            return Err(crate::error::read_error(
                desc,
                std::io::Error::other(format!(
                    "size mismatch: expected {} bytes, got {}",
                    desc.size,
                    bytes.len()
                )),
            ));
        }
        let (root, keep_old) = (self.root.clone(), self.policy.keep_old_files);
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        let known = self
            .made_dirs
            .lock()
            .expect("file store lock")
            .contains(&dir);
        let dest = target.clone();
        tokio::task::spawn_blocking(move || write_whole(&root, &dest, &bytes, keep_old, known))
            .await
            .map_err(|e| Error::Protocol(format!("writing task failed: {e}")))??;
        self.made_dirs.lock().expect("file store lock").insert(dir);
        self.record_written(desc, target);
        Ok(())
    }
}

/// Writes `bytes` to a temp file beside `target`, syncs it and renames it into place (blocking),
/// as [`FileStore::write_file`] does for larger files. `dir_known`: the target's directory was
/// there for an earlier file (it is made again only if it has gone since).
fn write_whole(
    root: &Path,
    target: &Path,
    bytes: &[u8],
    keep_old_files: bool,
    dir_known: bool,
) -> Result<()> {
    use std::io::Write;
    let dir = target.parent().unwrap_or(root);
    let make_dirs = || -> Result<()> {
        // The root exists once the file's directory does, unless a title leads outside it.
        if !dir.starts_with(root) {
            std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
    };
    if keep_old_files && std::fs::symlink_metadata(target).is_ok() {
        return Err(Error::OverwriteDisallowed {
            path: target.to_path_buf(),
        });
    }
    if !dir_known {
        make_dirs()?;
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".oras-partial-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = match builder.tempfile_in(dir) {
        Err(e) if dir_known && e.kind() == std::io::ErrorKind::NotFound => {
            make_dirs()?;
            builder.tempfile_in(dir)
        }
        other => other,
    }
    .map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_data())
        .map_err(|e| Error::io(tmp.path(), e))?;
    let persisted = if keep_old_files {
        tmp.persist_noclobber(target)
    } else {
        tmp.persist(target)
    };
    persisted.map(drop).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::OverwriteDisallowed {
                path: target.to_path_buf(),
            }
        } else {
            Error::io(target, e.error)
        }
    })
}

impl FileStore {
    /// Unpacks a directory layer to `<root>/<title>`: the blob is extracted as it arrives into a
    /// temp directory beside the target, which is renamed into place only after the blob's size
    /// and digest checked (see [`dir::unpack_into_place`]).
    async fn write_dir(&self, desc: &Descriptor, title: &str, content: BlobReader) -> Result<()> {
        tokio::fs::create_dir_all(&self.root)
            .await
            .map_err(|e| Error::io(&self.root, e))?;
        let target = self.target_path(title)?;
        if self.policy.keep_old_files && tokio::fs::symlink_metadata(&target).await.is_ok() {
            return Err(Error::OverwriteDisallowed { path: target });
        }
        let expected_tar = match annotation(desc, annotations::CONTENT_DIGEST) {
            Some(text) => Some(text.parse::<Digest>().map_err(|e| {
                Error::invalid(format!(
                    "{title}: invalid {} annotation: {e}",
                    annotations::CONTENT_DIGEST
                ))
            })?),
            None => None,
        };
        let opts = UnpackOptions {
            preserve_permissions: self.policy.preserve_permissions,
            keep_old_files: self.policy.keep_old_files,
            limit: self
                .policy
                .unpack_limit
                .unwrap_or(dir::DEFAULT_UNPACK_LIMIT),
        };
        // The archive is extracted as it arrives, on a blocking thread fed through a bounded
        // channel (no temp copy of the archive to write and read back). Verified here too,
        // whoever the caller is: the stream ends only after the digest checked, and the tree is
        // placed only once the stream has ended, so unverified bytes are never placed.
        let mut reader =
            crate::digest::VerifyingReader::new(content, desc.digest.clone(), desc.size);
        let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(WRITE_QUEUE);
        let (spare_tx, mut spare_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
        let (title_owned, target_owned) = (title.to_string(), target.clone());
        let extractor = tokio::task::spawn_blocking(move || {
            let archive = ChunkReader {
                rx,
                spare: spare_tx,
                buf: Vec::new(),
                pos: 0,
                ended: false,
            };
            dir::unpack_into_place(
                archive,
                &title_owned,
                expected_tar.as_ref(),
                &target_owned,
                &opts,
            )
        });
        let read = async {
            loop {
                let mut buf = spare_rx
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(WRITE_BUF));
                let eof = fill(&mut reader, &mut buf).await?;
                // A failed send means the extractor stopped: its error is reported below.
                if !buf.is_empty() && tx.send(Chunk::Data(buf)).await.is_err() {
                    return Ok(());
                }
                if eof {
                    let _ = tx.send(Chunk::End).await;
                    return Ok::<(), std::io::Error>(());
                }
            }
        };
        let read_result = read.await;
        if let Err(e) = &read_result {
            let _ = tx.send(Chunk::Failed(e.to_string())).await;
        }
        drop(tx);
        let extracted = extractor
            .await
            .map_err(|e| Error::Protocol(format!("unpacking task failed: {e}")))?;
        // A transfer or digest failure is the cause of whatever the extractor then reported.
        read_result.map_err(|e| crate::error::read_error(desc, e))?;
        extracted?;
        let path = std::path::absolute(&target).unwrap_or(target);
        self.written
            .lock()
            .expect("file store lock")
            .push(WrittenFile {
                descriptor: desc.clone(),
                path,
            });
        Ok(())
    }
}

/// Records `title` for `digest` in `claimed` (keyed by [`names::fold_key`]). A title already
/// taken by another blob is oras-go's `ErrDuplicateName`. Returns `None` when the title was
/// already taken by this blob, otherwise the titles it may be confused with, itself included.
fn take(
    claimed: &mut HashMap<String, Vec<(String, Digest)>>,
    title: &str,
    digest: &Digest,
) -> Result<Option<Vec<String>>> {
    // `a`, `./a` and `a/` name one file, as do `d/a` and `d//a`: compare what the path means.
    let title = &normal_title(title);
    let taken = claimed.entry(names::fold_key(title)).or_default();
    if let Some((_, d)) = taken.iter().find(|(t, _)| t == title) {
        if d == digest {
            return Ok(None);
        }
        return Err(Error::invalid_with_hint(
            format!("{title}: duplicate name"),
            crate::error::Advice::DuplicateTitle,
        ));
    }
    // Almost every name is alone in its group: one slot, not `Vec`'s first four.
    taken.reserve_exact(1);
    taken.push((title.to_string(), digest.clone()));
    Ok(Some(taken.iter().map(|(t, _)| t.clone()).collect()))
}

/// `title` as the path it names: `.` components and repeated or trailing separators dropped
/// (`..` kept: the traversal check judges it).
fn normal_title(title: &str) -> String {
    let mut out = PathBuf::new();
    for c in Path::new(title).components() {
        if c != Component::CurDir {
            out.push(c.as_os_str());
        }
    }
    out.to_string_lossy().into_owned()
}

/// The value of an annotation of `desc`.
fn annotation<'a>(desc: &'a Descriptor, key: &str) -> Option<&'a str> {
    desc.annotations.as_ref()?.get(key)
}

/// Whether `desc` is a directory to unpack (`io.deis.oras.content.unpack: "true"`), as oras-go
/// decides it.
pub fn is_unpack_dir(desc: &Descriptor) -> bool {
    annotation(desc, annotations::CONTENT_UNPACK) == Some("true")
}

/// The media type a layer gets when the command line names none: tar+gzip for a directory,
/// tar for a file (`oras-cli.md` §2.3).
pub fn default_layer_media_type(path: &Path) -> &'static str {
    if path.is_dir() {
        media_type::LAYER_TAR_GZIP
    } else {
        media_type::LAYER_TAR
    }
}

/// Reading the source failed (e.g. a digest mismatch) or writing the disk failed.
fn write_error(desc: &Descriptor, tmp: &Path, e: std::io::Error) -> Error {
    // OS errors come from the disk (full, read-only, permissions); anything else from the source.
    if e.raw_os_error().is_some() && crate::digest::verify_error(&e).is_none() {
        Error::io(tmp, e)
    } else {
        crate::error::read_error(desc, e)
    }
}

/// What the network side of a directory pull hands its extracting thread.
enum Chunk {
    /// More of the archive.
    Data(Vec<u8>),
    /// The archive ended, and its size and digest checked.
    End,
    /// The transfer failed (the network side reports the error itself).
    Failed(String),
}

/// The extracting thread's side of the channel, as a blocking `Read`. A channel closed without
/// [`Chunk::End`] (the transfer was cancelled) is an error, never a clean end of the archive.
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
    /// Read buffers go back for reuse.
    spare: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
    /// [`Chunk::End`] came: every later read is the end too.
    ended: bool,
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use std::io::{Error as IoError, ErrorKind};
        while self.pos == self.buf.len() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Chunk::Data(next)) => {
                    let mut used = std::mem::replace(&mut self.buf, next);
                    used.clear();
                    let _ = self.spare.send(used);
                    self.pos = 0;
                }
                Some(Chunk::End) => self.ended = true,
                Some(Chunk::Failed(message)) => return Err(IoError::other(message)),
                None => {
                    return Err(IoError::new(
                        ErrorKind::UnexpectedEof,
                        "the transfer stopped before the archive ended",
                    ));
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Size of the buffers a pull hands from the reading task to the writing thread.
const WRITE_BUF: usize = 1024 * 1024;
/// Buffers in flight between the two: bounds a pull's memory to a few MiB per blob.
const WRITE_QUEUE: usize = 3;

/// Reads into `buf` until it is full or `reader` ends; `true` at the end.
async fn fill(
    reader: &mut (impl tokio::io::AsyncRead + Unpin),
    buf: &mut Vec<u8>,
) -> std::io::Result<bool> {
    use tokio::io::AsyncReadExt;
    while buf.len() < buf.capacity() {
        if reader.read_buf(buf).await? == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Copies `content` into `file` with the reading (network, hashing by the caller's verifying
/// reader) on this task and the writing (and the final `fsync`) on a blocking thread, handed
/// over in large buffers through a bounded channel, so hashing and disk writes overlap. Returns
/// once every byte is written and synced and the reader reached a verified EOF; on any error
/// the writer stops and the caller's temp file is dropped.
pub(crate) async fn write_pipelined(
    desc: &Descriptor,
    tmp: &Path,
    mut content: BlobReader,
    file: std::fs::File,
) -> Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    // Written buffers come back for reuse: no allocation (and page faults) per chunk.
    let (spare_tx, mut spare_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        let mut file = file;
        let mut writeback = Writeback::default();
        while let Some(mut buf) = rx.blocking_recv() {
            file.write_all(&buf)?;
            writeback.wrote(&file, buf.len() as u64);
            buf.clear();
            let _ = spare_tx.send(buf);
        }
        file.sync_data()
    });
    let chunk = usize::try_from(desc.size)
        .unwrap_or(WRITE_BUF)
        .saturating_add(1)
        .clamp(4096, WRITE_BUF);
    let read = async {
        loop {
            let mut buf = spare_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(chunk));
            // Fill the buffer (many network reads) before handing it over: few, large writes.
            let eof = fill(&mut content, &mut buf).await?;
            if !buf.is_empty() && tx.send(buf).await.is_err() {
                // The writer stopped: its error is reported below.
                return Ok(());
            }
            if eof {
                return Ok::<(), std::io::Error>(());
            }
        }
    };
    let read_result = read.await;
    drop(tx);
    let write_result = writer
        .await
        .map_err(|e| Error::Protocol(format!("writing task failed: {e}")))?;
    read_result.map_err(|e| write_error(desc, tmp, e))?;
    write_result.map_err(|e| Error::io(tmp, e))
}

/// Starts the kernel's writeback of a file being written every few MiB (Linux
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`, which does not wait), so the final `fdatasync`
/// of a large pull only waits for the last few MiB instead of flushing the whole file after the
/// transfer. Elsewhere it does nothing.
#[derive(Default)]
struct Writeback {
    /// Bytes written so far.
    written: u64,
    /// Bytes whose writeback was started.
    started: u64,
}

/// How much is written between two writeback starts.
const WRITEBACK_STEP: u64 = 8 * 1024 * 1024;

impl Writeback {
    fn wrote(&mut self, file: &std::fs::File, n: u64) {
        self.written += n;
        if self.written - self.started < WRITEBACK_STEP {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (offset, len) = (self.started, self.written - self.started);
            // SAFETY: a plain syscall on a file descriptor we own; failure only means no
            // early writeback (the fdatasync at the end still makes the file durable).
            unsafe {
                libc::sync_file_range(
                    file.as_raw_fd(),
                    offset as libc::off64_t,
                    len as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = file;
        self.started = self.written;
    }
}

/// Reads a file once, in large blocks on a blocking thread, returning its sha256 and size.
pub async fn hash_file(path: PathBuf) -> Result<(Digest, u64)> {
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            return Err(Error::invalid(format!(
                "{}: is a directory",
                path.display()
            )));
        }
        let hashed = hash_open(&path, meta.len())?;
        tracing::debug!(
            path = %path.display(),
            size = hashed.1,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "file hashed"
        );
        Ok(hashed)
    })
    .await
    .map_err(|e| Error::Protocol(format!("hashing task failed: {e}")))?
}

/// Files up to this size are read whole when fetched: one blocking call instead of an open and
/// two reads, each a hand-off to a blocking thread (the cost of a push of many small files).
/// Memory stays bounded: at most this much per concurrent upload.
const SMALL_FILE: u64 = 64 * 1024;

/// A reader of the source file `path` of a blob of `size` bytes (blocking): its bytes when it
/// is small, the open file otherwise.
fn open_source(path: &Path, size: u64) -> Result<BlobReader> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    if size > SMALL_FILE {
        return Ok(Box::pin(tokio::fs::File::from_std(file)));
    }
    // One byte more than expected shows a file that grew since it was hashed; the upload's
    // digest check refuses it either way.
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(Box::pin(std::io::Cursor::new(bytes)))
}

/// Opens and hashes the regular file `path` of about `len` bytes (blocking).
pub(crate) fn hash_open(path: &Path, len: u64) -> Result<(Digest, u64)> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut digester = Digester::new(Algorithm::Sha256);
    // No larger than the file (plus one byte to see EOF in one read): a thousand small files
    // must not each touch a 1 MiB buffer on a blocking thread (glibc keeps freed memory of
    // every thread's arena, which is what made a 1000-file push reach 46 MiB).
    let len = usize::try_from(len).unwrap_or(HASH_BUF);
    let mut buf = vec![0u8; len.saturating_add(1).clamp(4096, HASH_BUF)];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(path, e)),
        };
        digester.update(&buf[..n]);
        size += n as u64;
    }
    Ok((digester.finalize(), size))
}

#[async_trait]
impl ReadOnlyTarget for FileStore {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        if let Some(bytes) = self.memory.get(&desc.digest) {
            return Ok(Box::pin(std::io::Cursor::new(bytes)));
        }
        let title = desc.title().unwrap_or_default().to_string();
        let path = self
            .sources
            .lock()
            .expect("file store lock")
            .get(&(desc.digest.clone(), title))
            .cloned()
            .ok_or_else(|| Error::NotFound(desc.digest.to_string()))?;
        let size = desc.size;
        tokio::task::spawn_blocking(move || open_source(&path, size))
            .await
            .map_err(|e| Error::Protocol(format!("reading task failed: {e}")))?
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        // Files on disk hold a blob only when asked to check them (and they are checked):
        // otherwise a pull always rewrites.
        if let Some(title) = desc.title() {
            return self.unchanged(desc, title).await;
        }
        Ok(self.memory.get(&desc.digest).is_some())
    }

    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        self.memory.resolve(reference).await
    }
}

#[async_trait]
impl Target for FileStore {
    async fn push(&self, desc: &Descriptor, content: BlobReader) -> Result<()> {
        if let Some(title) = desc.title() {
            self.claim(title, &desc.digest)?;
        }
        match desc.title() {
            Some(title) if is_unpack_dir(desc) => {
                let title = title.to_string();
                self.write_dir(desc, &title, content).await
            }
            Some(title) => {
                let title = title.to_string();
                self.write_file(desc, &title, content).await
            }
            None if media_type::is_manifest(&desc.media_type) => {
                self.memory.push(desc, content).await
            }
            None => Err(Error::invalid(format!(
                "{}: a blob without a file name cannot be written to a directory",
                desc.digest
            ))),
        }
    }

    async fn push_reference(
        &self,
        desc: &Descriptor,
        bytes: Vec<u8>,
        reference: &str,
    ) -> Result<()> {
        if desc.title().is_none() && media_type::is_manifest(&desc.media_type) {
            // The pulled root: kept in memory as it is, not copied through a reader.
            return self.memory.push_reference(desc, bytes, reference).await;
        }
        super::push_then_tag(self, desc, bytes, reference).await
    }

    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        self.memory.tag(desc, reference).await
    }
}
