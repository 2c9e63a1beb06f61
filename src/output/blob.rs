//! The result of `oras blob push`.

use oras_rs::oci::Descriptor;

use super::model;
use super::report::Report;

/// What `oras blob push` stored.
pub struct BlobPushReport {
    /// `[registry]` or `[oci-layout]`.
    pub marker: &'static str,
    /// `registry/repository` or the layout path.
    pub name: String,
    /// The blob.
    pub blob: Descriptor,
}

impl Report for BlobPushReport {
    type Json = model::DescriptorRef;

    fn text(&self) -> Vec<String> {
        vec![
            format!("Pushed: {} {}@{}", self.marker, self.name, self.blob.digest),
            format!("Digest: {}", self.blob.digest),
        ]
    }

    fn json(&self) -> model::DescriptorRef {
        model::DescriptorRef::new(&self.name, &self.blob)
    }
}
