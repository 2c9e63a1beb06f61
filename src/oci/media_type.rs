//! Media type constants and checks: which types are manifests (served from `/manifests/`) and
//! which are indexes, the `Accept` header used to resolve references, and the media type syntax
//! check that oras-go applies to artifact and config types.
//!
//! The syntax check reproduces oras-go's regular expression exactly, quirk included, so the same
//! `--artifact-type` values are accepted and refused as by `oras`.

use super::OciError;

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The empty JSON blob `{}` (image-spec v1.1 config and padding layer).
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// Uncompressed tar layer; the default for files.
pub const LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// Gzip-compressed tar layer; the default for directories.
pub const LAYER_TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// OCI image configuration (also the type of `--artifact-platform` configs).
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list (the Docker index).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Artifact manifest from image-spec v1.1.0-rc2, withdrawn before v1.1 but still pullable.
pub const OCI_ARTIFACT_MANIFEST: &str = "application/vnd.oci.artifact.manifest.v1+json";
/// Default `artifactType` of an image-spec v1.1 push without `--artifact-type` or `--config`.
pub const UNKNOWN_ARTIFACT: &str = "application/vnd.unknown.artifact.v1";
/// Default config media type for image-spec v1.0 and for `--config` files.
pub const UNKNOWN_CONFIG: &str = "application/vnd.unknown.config.v1+json";
/// Generic binary content.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The `Accept` header oras sends when resolving or fetching a manifest by reference
/// (oras-go's default manifest media types, in its order).
pub const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.artifact.manifest.v1+json";

/// True for every media type stored under `/v2/<repo>/manifests/`: image manifests (OCI and
/// Docker), indexes and manifest lists, and the legacy artifact manifest.
///
/// Indexes are included so that callers that only ask "manifest or blob?" route them right.
pub fn is_manifest(mt: &str) -> bool {
    matches!(
        mt,
        OCI_MANIFEST | DOCKER_MANIFEST | OCI_ARTIFACT_MANIFEST | OCI_INDEX | DOCKER_MANIFEST_LIST
    )
}

/// True for an OCI image index or a Docker manifest list.
pub fn is_index(mt: &str) -> bool {
    matches!(mt, OCI_INDEX | DOCKER_MANIFEST_LIST)
}

/// Checks `mt` against oras-go's media type pattern
/// `^[A-Za-z0-9][A-Za-z0-9!#$&-^_.+]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&-^_.+]{0,126}$`
/// (from image-spec `schema/defs-descriptor.json`, after RFC 6838 §4.2).
///
/// In that class `&-^` is a *range* (0x26–0x5E), so it also admits `'()*,/:;<=>?@[\]`, and
/// since `/` is among them a type may contain several slashes. We match that, because a stricter
/// check would refuse artifact types that `oras` accepts. Go's `$` matches only at the very end,
/// so a trailing newline is refused too.
pub fn validate(mt: &str) -> Result<(), OciError> {
    if matches_media_type(mt.as_bytes()) {
        Ok(())
    } else {
        Err(OciError::InvalidMediaType(mt.to_string()))
    }
}

/// One `[A-Za-z0-9][class]{0,126}` half of the pattern.
fn is_restricted_name(part: &[u8]) -> bool {
    match part.split_first() {
        Some((first, rest)) => {
            first.is_ascii_alphanumeric() && rest.len() <= 126 && rest.iter().all(|&b| in_class(b))
        }
        None => false,
    }
}

/// `[A-Za-z0-9!#$&-^_.+]`: note the range `&-^` (0x26-0x5E), which already holds `.` and `+`.
fn in_class(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'!' | b'#' | b'$' | b'&'..=b'^' | b'_')
}

/// The whole pattern: some `/` splits the string into two restricted names. The class contains
/// `/`, so every slash is a candidate split point, as the regex engine would try.
fn matches_media_type(s: &[u8]) -> bool {
    s.iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'/')
        .any(|(i, _)| is_restricted_name(&s[..i]) && is_restricted_name(&s[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_media_types() {
        for mt in [
            OCI_MANIFEST,
            OCI_INDEX,
            OCI_EMPTY,
            LAYER_TAR_GZIP,
            UNKNOWN_ARTIFACT,
            UNKNOWN_CONFIG,
            OCTET_STREAM,
            "config/type",
            "a/b",
            "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
            "x/y!#$&^_.+-",
        ] {
            assert!(validate(mt).is_ok(), "{mt}");
        }
    }

    #[test]
    fn accepts_what_the_go_range_admits() {
        // `&-^` is a range in the Go pattern: these pass in oras too.
        for mt in [
            "a/b;c=d",
            "a/b/c",
            "a/b:c",
            "text/plain;charset=utf-8",
            "a/b@c",
            "A/B[x]",
            "https://sigstore.dev/cosign/sign/v1",
        ] {
            assert!(validate(mt).is_ok(), "{mt}");
        }
    }

    #[test]
    fn refuses_invalid_media_types() {
        for mt in [
            "", "a", "/b", "a/", ".a/b", "a/-b", "a /b", "a/b c", "a/b\n", "a/b%", "a/b~", "a/b{",
            "a/b|c", "a/b`", "a/b\"", "é/b",
        ] {
            assert!(validate(mt).is_err(), "{mt:?}");
        }
    }

    #[test]
    fn length_limits_follow_the_repetition_counts() {
        let ok = format!("{}/{}", "a".repeat(127), "b".repeat(127));
        assert!(validate(&ok).is_ok());
        assert!(validate(&format!("{}/b", "a".repeat(128))).is_err());
        assert!(validate(&format!("a/{}", "b".repeat(128))).is_err());
        // With several slashes any split that satisfies both halves will do.
        let two = format!("{}/{}/c", "a".repeat(127), "b".repeat(125));
        assert!(validate(&two).is_ok());
        let too_long = format!("{}/{}/c", "a".repeat(127), "b".repeat(126));
        assert!(validate(&too_long).is_err());
    }

    #[test]
    fn error_names_the_value() {
        let err = validate("bad").unwrap_err();
        assert_eq!(err.to_string(), "bad: invalid media type");
    }

    #[test]
    fn manifest_and_index_classification() {
        assert!(is_manifest(OCI_MANIFEST));
        assert!(is_manifest(DOCKER_MANIFEST));
        assert!(is_manifest(OCI_ARTIFACT_MANIFEST));
        assert!(is_manifest(OCI_INDEX));
        assert!(!is_manifest(LAYER_TAR));
        assert!(!is_manifest(OCI_EMPTY));
        assert!(is_index(OCI_INDEX));
        assert!(is_index(DOCKER_MANIFEST_LIST));
        assert!(!is_index(OCI_MANIFEST));
    }

    #[test]
    fn accept_header_lists_every_manifest_type() {
        let listed: Vec<&str> = MANIFEST_ACCEPT.split(", ").collect();
        assert_eq!(
            listed,
            [
                DOCKER_MANIFEST,
                DOCKER_MANIFEST_LIST,
                OCI_MANIFEST,
                OCI_INDEX,
                OCI_ARTIFACT_MANIFEST
            ]
        );
    }
}
