//! The OCI documents oras-rs reads and writes: media types, annotation keys, descriptors,
//! image manifests and indexes, Go-compatible JSON, and the manifest packer used by `push` and
//! `attach`.
//!
//! This module owns byte parity with the Go `oras` CLI: a manifest built here from the same
//! inputs serializes to the same bytes, hence the same digest. It does no I/O: callers hash
//! files and push blobs; this module only describes and serializes them. Fetched manifests are
//! parsed only to find their successors and are never re-serialized (the bytes are the truth).

pub mod annotations;
mod census;
pub mod descriptor;
pub mod json;
pub mod manifest;
pub mod media_type;
pub mod pack;

pub use annotations::Annotations;
pub use descriptor::{Descriptor, Platform};
pub use json::{to_go_json, to_go_json_pretty};
pub use manifest::{
    Index, Manifest, parse_index, parse_index_lenient, parse_manifest, subject, successors,
    validate,
};
pub use pack::{ImageSpec, PackOptions, PackedManifest, created_time, pack_manifest};

/// Why an OCI document could not be built, parsed or validated.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// A string that is not an RFC 6838 `type/subtype` media type.
    #[error("{0}: invalid media type")]
    InvalidMediaType(String),
    /// `--artifact-type` (or the v1.0 config media type taken from it) is not a media type.
    #[error("invalid artifactType format: {0}: invalid media type")]
    InvalidArtifactType(String),
    /// The media type of a `--config` file is not a media type.
    #[error("invalid config mediaType format: {0}: invalid media type")]
    InvalidConfigMediaType(String),
    /// image-spec v1.1 with a `--config` file but no artifact type.
    #[error("missing artifact type for OCI image-spec v1.1 artifacts")]
    MissingArtifactType,
    /// image-spec v1.0 with both an artifact type and a config file.
    #[error(
        "an artifact type and a config file cannot both be given for an OCI image-spec v1.0 manifest"
    )]
    ArtifactTypeWithConfig,
    /// image-spec v1.0 with a platform config and an artifact type (the config's media type is
    /// the image config's, so there is nowhere to put the type).
    #[error(
        "artifact type cannot be customized for OCI image-spec v1.0 when platform is specified"
    )]
    ArtifactTypeWithPlatform,
    /// image-spec v1.0 manifests have no `subject` field.
    #[error("subject is not supported for OCI image-spec v1.0 manifests")]
    SubjectNotSupported,
    /// A user-supplied `org.opencontainers.image.created` that is not RFC 3339.
    #[error("invalid date and time format: {0}")]
    InvalidCreated(String),
    /// An `--image-spec` value other than `v1.0` / `v1.1`.
    #[error("unknown image specification flag: {0}")]
    UnknownImageSpec(String),
    /// `SOURCE_DATE_EPOCH` that is not an integer number of seconds.
    #[error(
        "invalid SOURCE_DATE_EPOCH value {0:?}: expected an integer number of seconds since the Unix epoch"
    )]
    InvalidSourceDateEpoch(String),
    /// A time that cannot be written as an RFC 3339 UTC timestamp.
    #[error("time out of range for an RFC 3339 timestamp")]
    TimeOutOfRange,
    /// A manifest document that has both `manifests` and `layers`, so it could be read as an
    /// index or as an image manifest.
    #[error("invalid manifest of type {0}: it has both \"manifests\" and \"layers\"")]
    AmbiguousManifest(String),
    /// A manifest or index without a field image-spec requires, or with `null` in it.
    #[error("invalid {what}: required field {field:?} is {problem}")]
    MissingField {
        /// `manifest` or `index`.
        what: String,
        /// The field, as a path from the document's top: `layers`, `config.size`,
        /// `manifests[2].digest`.
        field: String,
        /// Missing or `null`.
        problem: FieldProblem,
    },
    /// A manifest or index whose `schemaVersion` is not 2.
    #[error("invalid {what}: \"schemaVersion\" must be 2, got {found}")]
    SchemaVersion {
        /// `manifest` or `index`.
        what: String,
        /// The version the document declares.
        found: u64,
    },
    /// A document that is not valid JSON for its media type, or a value that cannot be
    /// serialized.
    #[error("invalid {what}: {source}")]
    Json {
        /// What was being parsed or serialized, e.g. the media type.
        what: String,
        /// The JSON error.
        source: serde_json::Error,
    },
}

/// How a required field of [`OciError::MissingField`] is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    /// The key is not there.
    Missing,
    /// The key is there with the value `null`.
    Null,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FieldProblem::Missing => "missing",
            FieldProblem::Null => "null",
        })
    }
}
