//! An in-memory store for small documents: the manifest and empty config a push builds, the
//! manifests a pull walks through, and the small blobs of an artifact a program builds in memory
//! ([`MemoryStore::add`]). Large blobs never go here; they stream.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use tokio::io::AsyncReadExt;

use super::{BlobReader, MAX_MANIFEST_BYTES, ReadOnlyTarget, Target};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::Descriptor;

/// Content and tags held in memory.
#[derive(Default)]
pub struct MemoryStore {
    /// Content by digest, with the descriptor it was stored under (to resolve a digest).
    blobs: Mutex<HashMap<Digest, (Descriptor, Vec<u8>)>>,
    tags: Mutex<HashMap<String, Descriptor>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores bytes already known to match `desc` (they were produced here, not received).
    pub fn insert(&self, desc: &Descriptor, bytes: Vec<u8>) {
        self.blobs
            .lock()
            .expect("memory store lock")
            .insert(desc.digest.clone(), (desc.clone(), bytes));
    }

    /// [`MemoryStore::insert`] of pushed bytes, refused past [`MAX_MANIFEST_BYTES`].
    fn keep(&self, desc: &Descriptor, bytes: Vec<u8>) -> Result<()> {
        if bytes.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(Error::Protocol(format!(
                "{}: too large to keep in memory",
                desc.digest
            )));
        }
        self.insert(desc, bytes);
        Ok(())
    }

    /// Stores `bytes` as a blob of `media_type`, titled `name` when given (the file name a pull
    /// writes it to), and returns its descriptor: the in-memory counterpart of
    /// [`crate::content::file::FileStore::add`] (oras-go's `oras.PushBytes` into a
    /// `memory.Store`, plus the title annotation).
    ///
    /// ```
    /// use oras_rs::content::memory::MemoryStore;
    ///
    /// let store = MemoryStore::new();
    /// let layer = store.add(Some("helloworld.txt"), "plain/text", b"Hello World!\n".to_vec());
    /// assert_eq!(layer.size, 13);
    /// assert_eq!(layer.title(), Some("helloworld.txt"));
    /// assert_eq!(store.get(&layer.digest).as_deref(), Some(&b"Hello World!\n"[..]));
    /// ```
    pub fn add(&self, name: Option<&str>, media_type: &str, bytes: Vec<u8>) -> Descriptor {
        let mut desc = Descriptor::new(media_type, Digest::sha256_of(&bytes), bytes.len() as u64);
        if let Some(name) = name {
            let mut annotations = crate::oci::Annotations::new();
            annotations.insert(crate::oci::annotations::TITLE.to_string(), name.to_string());
            desc.annotations = Some(annotations);
        }
        self.insert(&desc, bytes);
        desc
    }

    /// The bytes stored for `digest`, if any.
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        self.blobs
            .lock()
            .expect("memory store lock")
            .get(digest)
            .map(|(_, bytes)| bytes.clone())
    }
}

#[async_trait]
impl ReadOnlyTarget for MemoryStore {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        let bytes = self
            .get(&desc.digest)
            .ok_or_else(|| Error::NotFound(desc.digest.to_string()))?;
        Ok(Box::pin(std::io::Cursor::new(bytes)))
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.get(&desc.digest).is_some())
    }

    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        if let Some(desc) = self.tags.lock().expect("memory store lock").get(reference) {
            return Ok(desc.clone());
        }
        // A digest this store holds resolves to the descriptor it was stored under.
        if let Ok(digest) = reference.parse::<Digest>()
            && let Some((desc, _)) = self.blobs.lock().expect("memory store lock").get(&digest)
        {
            return Ok(desc.clone());
        }
        Err(Error::NotFound(reference.to_string()))
    }
}

#[async_trait]
impl Target for MemoryStore {
    async fn push(&self, desc: &Descriptor, content: BlobReader) -> Result<()> {
        // Bounded: only small documents belong here.
        let mut bytes = Vec::with_capacity(desc.size.min(MAX_MANIFEST_BYTES) as usize);
        content
            .take(MAX_MANIFEST_BYTES + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| crate::error::read_error(desc, e))?;
        self.keep(desc, bytes)
    }

    /// Keeps `bytes` as they are (no second copy of a manifest of megabytes).
    async fn push_reference(
        &self,
        desc: &Descriptor,
        bytes: Vec<u8>,
        reference: &str,
    ) -> Result<()> {
        self.keep(desc, bytes)?;
        self.tag(desc, reference).await
    }

    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        self.tags
            .lock()
            .expect("memory store lock")
            .insert(reference.to_string(), desc.clone());
        Ok(())
    }
}
