//! The results of `oras push` and `oras attach`.

use oras_rs::oci::Descriptor;

use super::model;
use super::report::Report;

/// `Preparing <title>` before a layer is hashed.
impl oras_rs::pack::PackObserver for super::StatusPrinter {
    fn on_prepare(&self, title: &str) {
        self.line(&format!("Preparing {title}"));
    }
}

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

/// What `oras attach` stored: a manifest referring to `subject`.
pub struct AttachReport {
    /// `[registry]` or `[oci-layout]`.
    pub marker: &'static str,
    /// The subject as the user wrote it.
    pub reference: String,
    /// `registry/repository` or the layout path.
    pub name: String,
    /// The manifest attached to.
    pub subject: Descriptor,
    /// The pushed manifest.
    pub manifest: Descriptor,
}

impl Report for AttachReport {
    type Json = model::DescriptorRef;

    fn text(&self) -> Vec<String> {
        let digest = self.subject.digest.to_string();
        let shown = if self.reference.ends_with(&format!("@{digest}")) {
            self.reference.clone()
        } else {
            format!("{}@{digest}", self.name)
        };
        vec![
            format!("Attached to {} {shown}", self.marker),
            format!("Digest: {}", self.manifest.digest),
        ]
    }

    fn json(&self) -> model::DescriptorRef {
        model::DescriptorRef::new(&self.name, &self.manifest)
    }
}
