//! The Target contract: every place content lives implements [`ReadOnlyTarget`] and, when it can
//! be written, [`Target`]. Optimisations a store can offer (fetching a manifest by tag in one
//! request, pushing a manifest under a tag in one request) are trait methods with default
//! fallbacks, so wrappers pass them through instead of losing them. What only some stores can
//! do (list tags, delete, list referrers themselves) are the small capability traits
//! [`TagLister`], [`Deleter`] and [`ReferrerLister`], found through the discovery methods
//! [`ReadOnlyTarget::tag_lister`], [`Target::deleter`] and [`ReadOnlyTarget::referrer_lister`].

pub mod cache;
mod capability;
pub mod dir;
pub mod file;
pub mod layout;
pub mod memory;
pub mod names;
pub mod union;

use std::pin::Pin;

use async_trait::async_trait;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Error, Result};
use crate::oci::Descriptor;

pub use capability::{Deleter, ReferrerLister, TagLister, delete, tags};

/// A stream of blob bytes. Boxed so any store can hand out its own reader.
pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

/// Largest manifest or index read into memory (oras-go's `MaxMetadataBytes`).
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// [`Target::push_reference`] as two steps, push then tag: the default, and what a store that
/// overrides it for some manifests does for the others.
async fn push_then_tag<T: Target + ?Sized>(
    target: &T,
    desc: &Descriptor,
    bytes: Vec<u8>,
    reference: &str,
) -> Result<()> {
    target
        .push(desc, Box::pin(std::io::Cursor::new(bytes)))
        .await?;
    target.tag(desc, reference).await
}

/// A store content can be read from.
#[async_trait]
pub trait ReadOnlyTarget: Send + Sync {
    /// Opens the content described by `desc`.
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader>;

    /// Whether the store already holds `desc`.
    async fn exists(&self, desc: &Descriptor) -> Result<bool>;

    /// Resolves a tag or digest to the descriptor of a manifest.
    async fn resolve(&self, reference: &str) -> Result<Descriptor>;

    /// Resolves `reference` and returns the manifest bytes with it. Stores that can do both in
    /// one request (a registry's `GET /manifests/<tag>`) override this.
    async fn fetch_reference(&self, reference: &str) -> Result<(Descriptor, Vec<u8>)> {
        let desc = self.resolve(reference).await?;
        let bytes = read_manifest(self.fetch(&desc).await?, &desc).await?;
        Ok((desc, bytes))
    }

    /// [`ReadOnlyTarget::fetch_reference`] asking only for the media types in `accept` (a
    /// registry sends them as its `Accept` header: `manifest fetch --media-type`). Stores that
    /// cannot negotiate return what they hold; the caller checks the type it got.
    async fn fetch_reference_accepting(
        &self,
        reference: &str,
        _accept: &[String],
    ) -> Result<(Descriptor, Vec<u8>)> {
        self.fetch_reference(reference).await
    }

    /// The descriptor of the blob `digest` (`application/octet-stream`, its size), or
    /// [`Error::NotFound`].
    async fn resolve_blob(&self, digest: &crate::digest::Digest) -> Result<Descriptor> {
        Err(Error::NotFound(digest.to_string()))
    }

    /// This store's tag listing, when it has one (registries and layouts do); the default, `None`,
    /// makes [`tags`] say the store cannot list tags.
    fn tag_lister(&self) -> Option<&dyn TagLister> {
        None
    }

    /// This store's own way to list referrers (a registry's Referrers API, a layout's index),
    /// when it has one; the default, `None`, has [`crate::referrers::list`] read the referrers tag schema.
    fn referrer_lister(&self) -> Option<&dyn ReferrerLister> {
        None
    }
}

/// A store content can be written to.
#[async_trait]
pub trait Target: ReadOnlyTarget {
    /// Stores `content` as `desc`. Implementations must not make content visible under its final
    /// name before all of it arrived; the bytes are verified by the caller's reader.
    async fn push(&self, desc: &Descriptor, content: BlobReader) -> Result<()>;

    /// Points `reference` (a tag) at the manifest `desc`, which the store already holds.
    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()>;

    /// Stores a manifest and tags it. Registries override this with a single
    /// `PUT /manifests/<tag>`.
    async fn push_reference(
        &self,
        desc: &Descriptor,
        bytes: Vec<u8>,
        reference: &str,
    ) -> Result<()> {
        push_then_tag(self, desc, bytes, reference).await
    }

    /// Makes the blob `desc`, held by the repository `from_repository` of the same registry,
    /// available here without transferring it (a cross-repository mount). Only registries can;
    /// the default says [`Mount::Unsupported`] and the caller copies the blob instead.
    async fn mount(&self, _desc: &Descriptor, _from_repository: &str) -> Result<Mount> {
        Ok(Mount::Unsupported)
    }

    /// Whether this store itself refuses a blob whose bytes do not match the descriptor's digest
    /// and size (a registry checks the `?digest=` of an upload), so a copy need not hash the
    /// bytes on the way. The default, `false`, has the copy verify them.
    fn verifies_uploads(&self) -> bool {
        false
    }

    /// This store's deletion, when it can delete (registries and layouts can); the default,
    /// `None`, makes [`delete`] say the store cannot delete content.
    fn deleter(&self) -> Option<&dyn Deleter> {
        None
    }
}

/// The outcome of [`Target::mount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mount {
    /// The blob is now in the destination; nothing was transferred.
    Mounted,
    /// The destination declined (a registry answered `202`): copy the blob instead.
    NotMounted,
    /// The destination cannot mount at all.
    Unsupported,
}

/// Reads a whole manifest into memory, refusing anything larger than the descriptor says or than
/// [`MAX_MANIFEST_BYTES`], and verifies its digest.
pub async fn read_manifest(reader: BlobReader, desc: &Descriptor) -> Result<Vec<u8>> {
    if desc.size > MAX_MANIFEST_BYTES {
        return Err(Error::Protocol(format!(
            "manifest {} is {} bytes, more than the {} bytes allowed",
            desc.digest, desc.size, MAX_MANIFEST_BYTES
        )));
    }
    let mut verifying = crate::digest::VerifyingReader::new(reader, desc.digest.clone(), desc.size);
    let mut bytes = Vec::with_capacity(desc.size as usize);
    verifying
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| crate::error::read_error(desc, e))?;
    Ok(bytes)
}
