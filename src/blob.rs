//! One blob in a target: describe a file, push a blob from a file or any reader, fetch one
//! verified while it streams to a writer or a file (oras-go's `oras.PushBytes` / `oras.Fetch`
//! for blobs). A blob is addressed by digest; [`crate::content::ReadOnlyTarget::resolve_blob`]
//! finds its size.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use oras_rs::blob;
//! use oras_rs::content::ReadOnlyTarget;
//! use oras_rs::content::layout::OciLayout;
//! use oras_rs::copy::NoopObserver;
//! use oras_rs::manifest::Stored;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let file = dir.path().join("hi.txt");
//! std::fs::write(&file, "hi\n").unwrap();
//! let layout = OciLayout::new(dir.path().join("layout"));
//!
//! let desc = blob::describe_file(&file, "text/plain").await?;
//! assert_eq!(blob::push_file(&layout, &desc, &file, &NoopObserver).await?, Stored::Pushed);
//! assert_eq!(blob::push_file(&layout, &desc, &file, &NoopObserver).await?, Stored::Existed);
//!
//! let found = layout.resolve_blob(&desc.digest).await?;
//! let mut out = Vec::new();
//! blob::fetch_to(&layout, &found, &mut out).await?;
//! assert_eq!(out, b"hi\n");
//! blob::fetch_to_file(&layout, &found, &dir.path().join("copy.txt")).await?;
//! assert_eq!(std::fs::read(dir.path().join("copy.txt")).unwrap(), b"hi\n");
//! # Ok::<(), oras_rs::Error>(())
//! # }).unwrap();
//! ```

use std::path::{Path, PathBuf};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::content::{ReadOnlyTarget, Target};
use crate::copy::CopyObserver;
use crate::digest::VerifyingReader;
use crate::error::read_error;
use crate::error::{Error, Result};
use crate::manifest::Stored;
use crate::oci::Descriptor;

/// The descriptor of the file at `path` as a blob of `media_type`: its sha256 digest and size,
/// hashed in one streaming pass (on a blocking thread).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("hi.txt");
/// std::fs::write(&file, "hi\n").unwrap();
///
/// let desc = oras_rs::blob::describe_file(&file, "text/plain").await?;
/// assert_eq!(desc.media_type, "text/plain");
/// assert_eq!(desc.size, 3);
/// assert_eq!(desc.digest, oras_rs::Digest::sha256_of(b"hi\n"));
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn describe_file(path: &Path, media_type: &str) -> Result<Descriptor> {
    let owned = path.to_path_buf();
    let (digest, size) = tokio::task::spawn_blocking(move || {
        let len = std::fs::metadata(&owned).map_or(0, |m| m.len());
        crate::content::file::hash_open(&owned, len)
    })
    .await
    .map_err(|e| Error::Protocol(format!("hashing {}: {e}", path.display())))??;
    Ok(Descriptor::new(media_type, digest, size))
}

/// Pushes the blob `desc` read from `content` unless `target` already has it. The bytes are
/// checked against the descriptor's size and digest while they stream, so a mismatch fails the
/// upload instead of storing it. `observer` sees `on_exists`, or `on_start` and `on_done`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::NoopObserver;
/// use oras_rs::manifest::Stored;
/// use oras_rs::{Descriptor, Digest, MemoryStore, blob};
///
/// let store = MemoryStore::new();
/// let desc = Descriptor::new("text/plain", Digest::sha256_of(b"hi\n"), 3);
/// let content = std::io::Cursor::new(b"hi\n".to_vec());
/// assert_eq!(blob::push(&store, &desc, content, &NoopObserver).await?, Stored::Pushed);
/// assert_eq!(store.get(&desc.digest).as_deref(), Some(&b"hi\n"[..]));
///
/// // Bytes that do not match their descriptor are refused, not stored.
/// let wrong = Descriptor::new("text/plain", Digest::sha256_of(b"ho\n"), 3);
/// let content = std::io::Cursor::new(b"hi\n".to_vec());
/// assert!(blob::push(&store, &wrong, content, &NoopObserver).await.is_err());
/// assert!(store.get(&wrong.digest).is_none());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn push(
    target: &dyn Target,
    desc: &Descriptor,
    content: impl AsyncRead + Send + Unpin + 'static,
    observer: &dyn CopyObserver,
) -> Result<Stored> {
    if target.exists(desc).await? {
        observer.on_exists(desc);
        return Ok(Stored::Existed);
    }
    observer.on_start(desc);
    let reader = VerifyingReader::new(content, desc.digest.clone(), desc.size);
    target.push(desc, Box::pin(reader)).await?;
    observer.on_done(desc);
    Ok(Stored::Pushed)
}

/// [`push`] of the file at `path` (described by [`describe_file`]).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::NoopObserver;
/// use oras_rs::manifest::Stored;
/// use oras_rs::{OciLayout, blob};
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("hi.txt");
/// std::fs::write(&file, "hi\n").unwrap();
/// let layout = OciLayout::new(dir.path().join("layout"));
///
/// let desc = blob::describe_file(&file, "text/plain").await?;
/// assert_eq!(blob::push_file(&layout, &desc, &file, &NoopObserver).await?, Stored::Pushed);
/// assert_eq!(std::fs::read(layout.blob_path(&desc.digest)).unwrap(), b"hi\n");
/// // Already there: nothing is read or sent.
/// assert_eq!(blob::push_file(&layout, &desc, &file, &NoopObserver).await?, Stored::Existed);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn push_file(
    target: &dyn Target,
    desc: &Descriptor,
    path: &Path,
    observer: &dyn CopyObserver,
) -> Result<Stored> {
    if target.exists(desc).await? {
        observer.on_exists(desc);
        return Ok(Stored::Existed);
    }
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    push(target, desc, file, observer).await
}

/// Streams the blob `desc` of `source` into `out`, checking its size and digest on the way
/// (a mismatch is an error once the bytes are read). `out` is not flushed: the caller that owns
/// it does.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{Descriptor, Digest, MemoryStore, blob};
///
/// let store = MemoryStore::new();
/// let desc = Descriptor::new("text/plain", Digest::sha256_of(b"hi\n"), 3);
/// store.insert(&desc, b"hi\n".to_vec());
///
/// let mut out = Vec::new();
/// blob::fetch_to(&store, &desc, &mut out).await?;
/// assert_eq!(out, b"hi\n");
///
/// // A descriptor the bytes do not match fails once they are read.
/// let wrong = Descriptor::new("text/plain", desc.digest.clone(), 2);
/// assert!(blob::fetch_to(&store, &wrong, &mut Vec::new()).await.is_err());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn fetch_to(
    source: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    out: &mut (dyn AsyncWrite + Send + Unpin),
) -> Result<()> {
    let reader = source.fetch(desc).await?;
    let mut verifying = VerifyingReader::new(reader, desc.digest.clone(), desc.size);
    tokio::io::copy(&mut verifying, out)
        .await
        .map_err(|e| read_error(desc, e))?;
    Ok(())
}

/// Writes the blob `desc` of `source` to the file `path`: into a temporary file beside it,
/// renamed to `path` only once all bytes arrived and matched the descriptor, so `path` never
/// holds partial or wrong content.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{Descriptor, Digest, MemoryStore, blob};
///
/// let store = MemoryStore::new();
/// let desc = Descriptor::new("text/plain", Digest::sha256_of(b"hi\n"), 3);
/// store.insert(&desc, b"hi\n".to_vec());
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("hi.txt");
/// blob::fetch_to_file(&store, &desc, &path).await?;
/// assert_eq!(std::fs::read(&path).unwrap(), b"hi\n");
/// // Only the file itself is left: the temp file was renamed.
/// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn fetch_to_file(
    source: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    path: &Path,
) -> Result<()> {
    let reader = source.fetch(desc).await?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".oras-partial-")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    let (file, temp_path) = temp.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut verifying = VerifyingReader::new(reader, desc.digest.clone(), desc.size);
    tokio::io::copy(&mut verifying, &mut file)
        .await
        .map_err(|e| read_error(desc, e))?;
    file.flush().await.map_err(|e| Error::io(&temp_path, e))?;
    drop(file);
    temp_path
        .persist(path)
        .map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
