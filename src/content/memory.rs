//! An in-memory store for small documents: the manifest and empty config a push builds, and the
//! manifests a pull walks through. Blobs never go here; they stream.

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
    blobs: Mutex<HashMap<Digest, Vec<u8>>>,
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
            .insert(desc.digest.clone(), bytes);
    }

    /// The bytes stored for `digest`, if any.
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        self.blobs
            .lock()
            .expect("memory store lock")
            .get(digest)
            .cloned()
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
        Err(Error::NotFound(reference.to_string()))
    }
}

#[async_trait]
impl Target for MemoryStore {
    async fn push(&self, desc: &Descriptor, content: BlobReader) -> Result<()> {
        // Bounded: only small documents belong here.
        let mut bytes = Vec::new();
        content
            .take(MAX_MANIFEST_BYTES + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| crate::error::read_error(desc, e))?;
        if bytes.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(Error::Protocol(format!(
                "{}: too large to keep in memory",
                desc.digest
            )));
        }
        self.insert(desc, bytes);
        Ok(())
    }

    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        self.tags
            .lock()
            .expect("memory store lock")
            .insert(reference.to_string(), desc.clone());
        Ok(())
    }
}
