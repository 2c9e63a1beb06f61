//! The documents `--format json` prints, with oras's field names and order (oras-cli.md §3.4).

use serde::Serialize;

use oras_rs::oci::{Annotations, Descriptor};

/// A descriptor with the full reference of the content it describes.
#[derive(Serialize)]
pub struct DescriptorRef {
    /// `<registry>/<repository>@<digest>`
    pub reference: String,
    /// Media type.
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// Digest.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// Annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Artifact type.
    #[serde(rename = "artifactType", skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl DescriptorRef {
    /// Describes `desc` as stored in `repo` (`registry/repository`).
    pub fn new(repo: &str, desc: &Descriptor) -> Self {
        DescriptorRef {
            reference: format!("{repo}@{}", desc.digest),
            media_type: desc.media_type.clone(),
            digest: desc.digest.to_string(),
            size: desc.size,
            annotations: desc.annotations.clone().filter(|a| !a.is_empty()),
            artifact_type: desc.artifact_type.clone().filter(|a| !a.is_empty()),
        }
    }
}

/// `oras push --format json`.
#[derive(Serialize)]
pub struct Push {
    #[serde(flatten)]
    /// The pushed manifest.
    pub manifest: DescriptorRef,
    /// `<repo>:<tag>` for every tag, sorted; `null` when none.
    #[serde(rename = "referenceAsTags")]
    pub reference_as_tags: Option<Vec<String>>,
}

/// One file of `oras pull --format json`.
#[derive(Serialize)]
pub struct PulledFile {
    /// Absolute path written.
    pub path: String,
    #[serde(flatten)]
    /// The blob.
    pub blob: DescriptorRef,
}

/// `oras pull --format json`.
#[derive(Serialize)]
pub struct Pull {
    /// `<repo>@<manifest digest>`
    pub reference: String,
    /// Files written; `null` when none.
    pub files: Option<Vec<PulledFile>>,
}

/// `oras manifest fetch --format json`.
#[derive(Serialize)]
pub struct ManifestFetch {
    #[serde(flatten)]
    /// The manifest.
    pub descriptor: DescriptorRef,
    /// The manifest parsed as JSON; `null` when it is not JSON.
    pub content: Option<serde_json::Value>,
}

/// `oras repo ls --format json`.
#[derive(Serialize)]
pub struct RepoList {
    /// The registry host.
    pub registry: String,
    /// Full repository names.
    pub repositories: Vec<String>,
}

/// `oras repo tags --format json`.
#[derive(Serialize)]
pub struct TagList {
    /// The tags.
    pub tags: Vec<String>,
}
