//! A read-only union of targets: the first one holding a descriptor serves it. A push reads from
//! the manifest and config it built in memory together with the user's files.

use std::sync::Arc;

use async_trait::async_trait;

use super::{BlobReader, ReadOnlyTarget};
use crate::error::{Error, Result};
use crate::oci::Descriptor;

/// Several stores read as one.
pub struct Union {
    members: Vec<Arc<dyn ReadOnlyTarget>>,
}

impl Union {
    /// A union of `members`, asked in order.
    pub fn new(members: Vec<Arc<dyn ReadOnlyTarget>>) -> Self {
        Union { members }
    }
}

#[async_trait]
impl ReadOnlyTarget for Union {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        for m in &self.members {
            match m.fetch(desc).await {
                Err(Error::NotFound(_)) => continue,
                other => return other,
            }
        }
        Err(Error::NotFound(desc.digest.to_string()))
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        for m in &self.members {
            if m.exists(desc).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        for m in &self.members {
            match m.resolve(reference).await {
                Err(Error::NotFound(_)) => continue,
                other => return other,
            }
        }
        Err(Error::NotFound(reference.to_string()))
    }
}
