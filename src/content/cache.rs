//! A read-through blob cache in front of any [`ReadOnlyTarget`]: what `ORAS_CACHE=<dir>` turns on
//! in the Go oras CLI (its `internal/cache` target over an oras-go `oci.Store` at `<dir>`).
//!
//! The cache directory is an OCI image layout (`oci-layout`, `index.json`, blobs under
//! `blobs/<alg>/<hex>`), so Go oras and this crate can share one. [`Cache::fetch`] serves a blob
//! the directory holds from disk, without asking the source; a blob it does not hold is streamed
//! from the source and written to `ingest/` on the way, then renamed to `blobs/<alg>/<hex>` once
//! its size and digest matched. A consumer that stops early, or bytes that do not match, leave no
//! entry behind. Renames are atomic, so processes sharing the directory never see a partial blob.
//!
//! Differences from Go oras, all on the safe side: a cached blob is hashed before it is served
//! (Go serves the file as it is, so a damaged entry fails the pull); one that does not match is
//! removed and fetched from the source again. Manifests fetched by reference are stored too, as
//! in Go, but not recorded in `index.json` (Go tags them there by digest); nothing reads them by
//! tag from a cache.
//!
//! A cache that cannot be written fails the operation, as in Go: [`Cache::new`] when it cannot
//! create the layout, a fetch when its entry cannot be written.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use async_trait::async_trait;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::layout::{INGEST_DIR, OciLayout};
use super::{BlobReader, ReadOnlyTarget};
use crate::digest::{Digest, Digester};
use crate::error::{Error, Result};
use crate::oci::Descriptor;

/// The environment variable naming the cache directory, as in Go oras.
pub const CACHE_ENV: &str = "ORAS_CACHE";

/// A [`ReadOnlyTarget`] that reads blobs through a cache directory (see the [module docs](self)).
///
/// `fetch` looks in the cache first; `exists` answers from the cache when it holds the blob, else
/// asks the source; `resolve`, `fetch_reference`, referrers and tags always go to the source (a
/// manifest fetched by reference is stored in the cache on the way).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use oras_rs::content::cache::Cache;
/// use oras_rs::{MemoryStore, ReadOnlyTarget};
/// use tokio::io::AsyncReadExt;
///
/// let dir = tempfile::tempdir().unwrap();
/// let source = Arc::new(MemoryStore::new());
/// let blob = source.add(None, "text/plain", b"hello\n".to_vec());
///
/// // A miss streams from the source and leaves a verified entry behind.
/// let cache = Cache::new(source, dir.path())?;
/// let mut bytes = Vec::new();
/// cache.fetch(&blob).await?.read_to_end(&mut bytes).await.unwrap();
/// assert_eq!(bytes, b"hello\n");
/// let entry = dir.path().join("blobs/sha256").join(blob.digest.hex());
/// assert_eq!(std::fs::read(&entry).unwrap(), b"hello\n");
///
/// // A hit is served from disk: this source holds nothing.
/// let cache = Cache::new(Arc::new(MemoryStore::new()), dir.path())?;
/// let mut again = Vec::new();
/// cache.fetch(&blob).await?.read_to_end(&mut again).await.unwrap();
/// assert_eq!(again, b"hello\n");
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub struct Cache {
    source: Arc<dyn ReadOnlyTarget>,
    layout: OciLayout,
}

impl Cache {
    /// Puts the cache directory `root` in front of `source`, creating the layout (`oci-layout`,
    /// `index.json`, `blobs/`) when missing, as oras-go's `oci.New` does. Fails when `root`
    /// cannot be created or is not an OCI image layout. Makes a few blocking file system calls.
    pub fn new(source: Arc<dyn ReadOnlyTarget>, root: impl Into<PathBuf>) -> Result<Cache> {
        let root = root.into();
        super::layout::init_layout(&root)?;
        let blobs = root.join("blobs");
        std::fs::create_dir_all(&blobs).map_err(|e| Error::io(&blobs, e))?;
        Ok(Cache {
            source,
            layout: OciLayout::new(root),
        })
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    /// Where the cache keeps `digest`: `<root>/blobs/<alg>/<hex>`.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.layout.blob_path(digest)
    }

    /// A temp file in `<root>/ingest/` for the bytes of `desc`, deleted unless committed.
    fn ingest_file(&self, desc: &Descriptor) -> Result<Ingest> {
        let dir = self.root().join(INGEST_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let (file, temp) = tempfile::Builder::new()
            .prefix(&format!("{}_", desc.digest.hex()))
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, e))?
            .into_parts();
        Ok(Ingest {
            file: tokio::fs::File::from_std(file),
            temp,
            target: self.blob_path(&desc.digest),
            digester: Digester::new(desc.digest.algorithm()),
            expected: desc.digest.clone(),
            size: desc.size,
            read: 0,
        })
    }

    /// Stores a manifest read whole from the source, unless the cache has it or it does not
    /// match `desc`.
    async fn store_bytes(&self, desc: &Descriptor, bytes: &[u8]) -> Result<()> {
        if self.holds(desc).await?
            || bytes.len() as u64 != desc.size
            || Digest::of_bytes(desc.digest.algorithm(), bytes) != desc.digest
        {
            return Ok(());
        }
        let mut ingest = self.ingest_file(desc)?;
        ingest.digester.update(bytes);
        ingest.read = desc.size;
        let written = async {
            tokio::io::AsyncWriteExt::write_all(&mut ingest.file, bytes).await?;
            tokio::io::AsyncWriteExt::flush(&mut ingest.file).await
        };
        if let Err(e) = written.await {
            return Err(ingest.error(e));
        }
        let target = ingest.target.clone();
        ingest.commit().map_err(|e| Error::io(target, e))
    }

    /// Whether the cache has an entry of the right size for `desc` (not hashed: for `exists`).
    async fn holds(&self, desc: &Descriptor) -> Result<bool> {
        let path = self.blob_path(&desc.digest);
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(meta.is_file() && meta.len() == desc.size),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(path, e)),
        }
    }
}

#[async_trait]
impl ReadOnlyTarget for Cache {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        let path = self.blob_path(&desc.digest);
        let wanted = desc.clone();
        let hit = tokio::task::spawn_blocking(move || open_verified(&path, &wanted))
            .await
            .map_err(|e| Error::Protocol(format!("cache task failed: {e}")))?;
        if let Some(file) = hit {
            return Ok(Box::pin(tokio::fs::File::from_std(file)));
        }
        let ingest = self.ingest_file(desc)?;
        let source = self.source.fetch(desc).await?;
        Ok(Box::pin(Tee {
            source,
            ingest: Some(ingest),
            pending: Vec::new(),
            written: 0,
            eof: false,
        }))
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        if matches!(self.holds(desc).await, Ok(true)) {
            return Ok(true);
        }
        self.source.exists(desc).await
    }

    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        self.source.resolve(reference).await
    }

    async fn fetch_reference(&self, reference: &str) -> Result<(Descriptor, Vec<u8>)> {
        let (desc, bytes) = self.source.fetch_reference(reference).await?;
        self.store_bytes(&desc, &bytes).await?;
        Ok((desc, bytes))
    }

    async fn fetch_reference_accepting(
        &self,
        reference: &str,
        accept: &[String],
    ) -> Result<(Descriptor, Vec<u8>)> {
        let (desc, bytes) = self
            .source
            .fetch_reference_accepting(reference, accept)
            .await?;
        self.store_bytes(&desc, &bytes).await?;
        Ok((desc, bytes))
    }

    fn referrer_lister(&self) -> Option<&dyn super::ReferrerLister> {
        self.source.referrer_lister()
    }

    async fn resolve_blob(&self, digest: &Digest) -> Result<Descriptor> {
        self.source.resolve_blob(digest).await
    }

    fn tag_lister(&self) -> Option<&dyn super::TagLister> {
        self.source.tag_lister()
    }
}

/// Opens the cache entry at `path` when it has the size and digest of `desc`, positioned at its
/// start. An entry that does not match is removed (the fetch that follows writes it again).
fn open_verified(path: &Path, desc: &Descriptor) -> Option<std::fs::File> {
    let mut file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let matches = meta.len() == desc.size && {
        let mut digester = Digester::new(desc.digest.algorithm());
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break digester.finalize() == desc.digest,
                Ok(n) => digester.update(&buf[..n]),
                Err(_) => return None,
            }
        }
    };
    if !matches {
        let _ = std::fs::remove_file(path);
        return None;
    }
    file.rewind().ok()?;
    Some(file)
}

/// A blob on its way into the cache.
struct Ingest {
    file: tokio::fs::File,
    temp: tempfile::TempPath,
    target: PathBuf,
    digester: Digester,
    expected: Digest,
    size: u64,
    read: u64,
}

impl Ingest {
    fn error(&self, e: std::io::Error) -> Error {
        Error::io(self.temp.to_path_buf(), e)
    }

    /// Renames the temp file to its entry when the bytes matched (read-only, as oras-go leaves
    /// it); otherwise drops it.
    fn commit(self) -> std::io::Result<()> {
        let Ingest {
            file,
            temp,
            target,
            digester,
            expected,
            size,
            read,
        } = self;
        drop(file);
        if read != size || digester.finalize() != expected {
            return Ok(());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o444))?;
        }
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        temp.persist(&target).map_err(|e| e.error)
    }
}

/// An error writing the cache entry `target`, as the consumer's read error (Go oras fails the
/// fetch too).
fn cache_write_error(target: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(
        e.kind(),
        format!(
            "writing the {CACHE_ENV} entry {}: {}",
            target.display(),
            crate::error::describe_io(&e)
        ),
    )
}

/// The source's bytes, passed through unchanged and written to the cache's temp file on the way.
/// A chunk is handed to the consumer first and written before the next one is read, so memory
/// holds at most one chunk.
struct Tee {
    source: BlobReader,
    /// `None` once the entry is committed or abandoned (the content is longer than described).
    ingest: Option<Ingest>,
    pending: Vec<u8>,
    written: usize,
    eof: bool,
}

impl Tee {
    /// Writes what is pending to the temp file.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while self.written < self.pending.len() {
            let Some(ingest) = self.ingest.as_mut() else {
                break;
            };
            let chunk = &self.pending[self.written..];
            match ready!(Pin::new(&mut ingest.file).poll_write(cx, chunk)) {
                Ok(0) => {
                    let e = std::io::Error::from(std::io::ErrorKind::WriteZero);
                    return Poll::Ready(Err(cache_write_error(&ingest.target, e)));
                }
                Ok(n) => self.written += n,
                Err(e) => return Poll::Ready(Err(cache_write_error(&ingest.target, e))),
            }
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Tee {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        if this.eof {
            if let Some(ingest) = this.ingest.as_mut() {
                if let Err(e) = ready!(Pin::new(&mut ingest.file).poll_flush(cx)) {
                    return Poll::Ready(Err(cache_write_error(&ingest.target, e)));
                }
                let ingest = this.ingest.take().expect("ingest present");
                let target = ingest.target.clone();
                if let Err(e) = ingest.commit() {
                    return Poll::Ready(Err(cache_write_error(&target, e)));
                }
            }
            return Poll::Ready(Ok(()));
        }
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.source).poll_read(cx, buf))?;
        let new = &buf.filled()[before..];
        if new.is_empty() {
            this.eof = true;
            // Commit now rather than on a later read the consumer may never make.
            return Pin::new(this).poll_read(cx, buf);
        }
        if let Some(ingest) = this.ingest.as_mut() {
            ingest.read = ingest.read.saturating_add(new.len() as u64);
            if ingest.read > ingest.size {
                // Longer than described: the consumer's check fails it; cache nothing.
                this.ingest = None;
            } else {
                ingest.digester.update(new);
                this.pending.extend_from_slice(new);
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;
    use crate::content::memory::MemoryStore;

    fn entries(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn a_fetch_dropped_part_way_leaves_no_entry_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let source = Arc::new(MemoryStore::new());
        let blob = source.add(None, "application/octet-stream", vec![5u8; 1 << 20]);
        let cache = Cache::new(source, dir.path()).unwrap();
        let mut reader = cache.fetch(&blob).await.unwrap();
        let mut some = vec![0u8; 4096];
        reader.read_exact(&mut some).await.unwrap();
        drop(reader);
        assert!(!cache.blob_path(&blob.digest).exists());
        assert_eq!(entries(&dir.path().join(INGEST_DIR)), Vec::<PathBuf>::new());
    }

    #[tokio::test]
    async fn a_manifest_fetched_by_reference_is_stored_and_then_served_by_digest() {
        let dir = tempfile::tempdir().unwrap();
        let source = Arc::new(MemoryStore::new());
        let manifest = source.add(None, crate::oci::media_type::OCI_MANIFEST, b"{}".to_vec());
        crate::content::Target::tag(&*source, &manifest, "v1")
            .await
            .unwrap();
        let cache = Cache::new(source, dir.path()).unwrap();
        let (desc, bytes) = cache.fetch_reference("v1").await.unwrap();
        assert_eq!(
            (desc.digest.clone(), bytes),
            (manifest.digest.clone(), b"{}".to_vec())
        );
        assert_eq!(std::fs::read(cache.blob_path(&desc.digest)).unwrap(), b"{}");

        let empty = Cache::new(Arc::new(MemoryStore::new()), dir.path()).unwrap();
        let mut got = Vec::new();
        empty
            .fetch(&desc)
            .await
            .unwrap()
            .read_to_end(&mut got)
            .await
            .unwrap();
        assert_eq!(got, b"{}");
    }
}
