//! The result of `oras pull`.

use oras_rs::Pulled;

use super::model;
use super::report::Report;

/// What a pull wrote.
pub struct PullReport {
    /// `[registry]` or `[oci-layout]`.
    pub marker: &'static str,
    /// The source as the user wrote it.
    pub reference: String,
    /// `registry/repository` or the layout path.
    pub name: String,
    /// The library's account of the pull.
    pub pulled: Pulled,
}

impl Report for PullReport {
    type Json = model::Pull;

    fn text(&self) -> Vec<String> {
        if self.pulled.skipped_untitled() {
            return vec![
                "Skipped pulling layers without file name in \"org.opencontainers.image.title\""
                    .to_string(),
                format!(
                    "Use 'oras copy {} --to-oci-layout <layout-dir>' to pull all layers.",
                    self.reference
                ),
            ];
        }
        vec![
            format!("Pulled {} {}", self.marker, self.reference),
            format!("Digest: {}", self.pulled.manifest.digest),
        ]
    }

    fn json(&self) -> model::Pull {
        let files: Vec<model::PulledFile> = self
            .pulled
            .files
            .iter()
            .map(|f| model::PulledFile {
                path: f.path.display().to_string(),
                blob: model::DescriptorRef::new(&self.name, &f.descriptor),
            })
            .collect();
        model::Pull {
            reference: format!("{}@{}", self.name, self.pulled.manifest.digest),
            files: (!files.is_empty()).then_some(files),
        }
    }
}
