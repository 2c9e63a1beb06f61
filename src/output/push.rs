//! The result of `oras push` (and, with another verb, of `oras attach`).

use oras_rs::oci::Descriptor;

use super::model;
use super::report::Report;

/// What a push stored: the manifest and the tags pointing at it.
pub struct PushReport {
    /// `[registry]` or `[oci-layout]`.
    pub marker: &'static str,
    /// The destination as the user wrote it, up to the first comma.
    pub reference: String,
    /// `registry/repository` or the layout path.
    pub name: String,
    /// The first tag (part of `reference`), if any.
    pub tag: Option<String>,
    /// The further tags, in argument order.
    pub extra_tags: Vec<String>,
    /// The manifest's artifact type, or its config's media type.
    pub artifact_type: String,
    /// The pushed manifest.
    pub manifest: Descriptor,
}

impl Report for PushReport {
    type Json = model::Push;

    fn text(&self) -> Vec<String> {
        let mut lines = vec![format!("Pushed {} {}", self.marker, self.reference)];
        lines.extend(self.extra_tags.iter().map(|t| format!("Tagged {t}")));
        lines.push(format!("ArtifactType: {}", self.artifact_type));
        lines.push(format!("Digest: {}", self.manifest.digest));
        lines
    }

    fn json(&self) -> model::Push {
        let mut tags: Vec<String> = self
            .tag
            .iter()
            .chain(&self.extra_tags)
            .map(|t| format!("{}:{t}", self.name))
            .collect();
        tags.sort();
        model::Push {
            manifest: model::DescriptorRef::new(&self.name, &self.manifest),
            reference_as_tags: (!tags.is_empty()).then_some(tags),
        }
    }
}
