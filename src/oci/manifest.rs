//! Image manifests and indexes (serde types in image-spec field order) and [`successors`], the
//! only reason fetched manifests are parsed: to find the blobs and manifests they point to.
//!
//! Fetched bytes are never re-serialized; copy pushes the original bytes so digests stay stable.
//! Parsing follows Go's decoder where it matters for robustness (unknown fields ignored, `null`
//! read as empty, the last of duplicate keys wins) and refuses ambiguous documents that carry
//! both `manifests` and `layers`.
//! <https://github.com/opencontainers/image-spec/blob/v1.1.1/manifest.md>

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::OciError;
use super::annotations::Annotations;
use super::descriptor::{Descriptor, map_is_absent, null_as_default, str_is_absent};
use super::media_type;

/// An OCI image manifest (also the shape of a Docker schema 2 manifest), serialized in the Go
/// field order `schemaVersion, mediaType, artifactType, config, layers, subject, annotations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// "This REQUIRED property specifies the image manifest schema version"; it MUST be `2`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub schema_version: u32,
    /// `application/vnd.oci.image.manifest.v1+json` in every manifest oras builds.
    #[serde(default, skip_serializing_if = "str_is_absent")]
    pub media_type: Option<String>,
    /// Type of an artifact when the manifest is used for one (image-spec v1.1).
    #[serde(default, skip_serializing_if = "str_is_absent")]
    pub artifact_type: Option<String>,
    /// The configuration blob.
    pub config: Descriptor,
    /// The layers, in order; always serialized, `[]` when there are none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (referrers API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Arbitrary metadata, e.g. `org.opencontainers.image.created`.
    #[serde(default, skip_serializing_if = "map_is_absent")]
    pub annotations: Option<Annotations>,
}

/// An OCI image index (also the shape of a Docker manifest list), serialized in the Go field
/// order `schemaVersion, mediaType, artifactType, manifests, subject, annotations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Schema version; MUST be `2`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub schema_version: u32,
    /// `application/vnd.oci.image.index.v1+json` in every index oras builds.
    #[serde(default, skip_serializing_if = "str_is_absent")]
    pub media_type: Option<String>,
    /// Type of an artifact when the index is used for one.
    #[serde(default, skip_serializing_if = "str_is_absent")]
    pub artifact_type: Option<String>,
    /// The manifests, usually one per platform; always serialized.
    #[serde(default, deserialize_with = "null_as_default")]
    pub manifests: Vec<Descriptor>,
    /// The manifest this one refers to (referrers API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "map_is_absent")]
    pub annotations: Option<Annotations>,
}

/// The withdrawn image-spec v1.1.0-rc2 artifact manifest; read only, for its successors.
#[derive(Deserialize)]
struct ArtifactManifest {
    #[serde(default, deserialize_with = "null_as_default")]
    blobs: Vec<Descriptor>,
    #[serde(default)]
    subject: Option<Descriptor>,
}

/// Parses an image manifest (OCI or Docker schema 2). Unknown fields are ignored.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, OciError> {
    parse_document("manifest", bytes)
}

/// Parses an image index (OCI index or Docker manifest list). Unknown fields are ignored.
pub fn parse_index(bytes: &[u8]) -> Result<Index, OciError> {
    parse_document("index", bytes)
}

/// The descriptors a manifest of type `media_type` points to, in oras-go's order:
/// - OCI image manifest: `subject` (if any), `config`, then `layers`;
/// - Docker schema 2 manifest: `config`, then `layers`;
/// - OCI index: `subject` (if any), then `manifests`; Docker manifest list: `manifests`;
/// - legacy artifact manifest: `subject` (if any), then `blobs`;
/// - any other media type (blobs): none.
///
/// Callers that do not follow subjects (pull without `--include-subject`) filter them out.
pub fn successors(media_type: &str, bytes: &[u8]) -> Result<Vec<Descriptor>, OciError> {
    Ok(match media_type {
        media_type::OCI_MANIFEST | media_type::DOCKER_MANIFEST => {
            let manifest: Manifest = parse_document(media_type, bytes)?;
            // oras-go reads no subject from Docker manifests, which have none in their spec.
            let subject = manifest
                .subject
                .filter(|_| media_type == media_type::OCI_MANIFEST);
            subject
                .into_iter()
                .chain(std::iter::once(manifest.config))
                .chain(manifest.layers)
                .collect()
        }
        media_type::OCI_INDEX | media_type::DOCKER_MANIFEST_LIST => {
            let index: Index = parse_document(media_type, bytes)?;
            let subject = index
                .subject
                .filter(|_| media_type == media_type::OCI_INDEX);
            subject.into_iter().chain(index.manifests).collect()
        }
        media_type::OCI_ARTIFACT_MANIFEST => {
            let artifact: ArtifactManifest = parse_document(media_type, bytes)?;
            artifact.subject.into_iter().chain(artifact.blobs).collect()
        }
        _ => Vec::new(),
    })
}

/// The `subject` a manifest of type `media_type` refers to, if any (the first of [`successors`]).
pub fn subject(media_type: &str, bytes: &[u8]) -> Result<Option<Descriptor>, OciError> {
    Ok(match media_type {
        media_type::OCI_MANIFEST => parse_document::<Manifest>(media_type, bytes)?.subject,
        media_type::OCI_INDEX => parse_document::<Index>(media_type, bytes)?.subject,
        media_type::OCI_ARTIFACT_MANIFEST => {
            parse_document::<ArtifactManifest>(media_type, bytes)?.subject
        }
        _ => None,
    })
}

/// Parses `bytes` as a JSON object into `T`, refusing documents that are both an index and a
/// manifest. `what` names the document in errors.
fn parse_document<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, OciError> {
    let json_error = |source| OciError::Json {
        what: what.to_string(),
        source,
    };
    // Going through `Value` lets duplicate keys resolve like Go (last wins) and lets us look
    // at which keys are present before committing to a shape.
    let value: Value = serde_json::from_slice(bytes).map_err(json_error)?;
    let Value::Object(map) = &value else {
        // serde would accept a struct written as an array; Go would not.
        return Err(json_error(serde::de::Error::custom(
            "expected a JSON object",
        )));
    };
    // image-spec: a document with both would be read differently by different clients.
    if map.contains_key("manifests") && map.contains_key("layers") {
        return Err(OciError::AmbiguousManifest(what.to_string()));
    }
    serde_json::from_value(value).map_err(json_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::oci::json::to_go_json;

    const EMPTY: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    const HELLO: &str = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    const OTHER: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

    fn digests(descs: &[Descriptor]) -> Vec<String> {
        descs.iter().map(|d| d.digest.to_string()).collect()
    }

    fn manifest_json(extra: &str) -> String {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{EMPTY}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{HELLO}","size":6}}]{extra}}}"#
        )
    }

    #[test]
    fn successors_of_an_image_manifest_are_config_then_layers() {
        let bytes = manifest_json("");
        let succ = successors(media_type::OCI_MANIFEST, bytes.as_bytes()).unwrap();
        assert_eq!(digests(&succ), [EMPTY, HELLO]);
        assert_eq!(succ[1].media_type, media_type::LAYER_TAR);
        assert_eq!(succ[1].size, 6);
    }

    #[test]
    fn successors_of_a_manifest_with_subject_start_with_it() {
        let bytes = manifest_json(&format!(
            r#","subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{OTHER}","size":10}}"#
        ));
        let succ = successors(media_type::OCI_MANIFEST, bytes.as_bytes()).unwrap();
        assert_eq!(digests(&succ), [OTHER, EMPTY, HELLO]);
        // Docker manifests have no subject.
        let succ = successors(media_type::DOCKER_MANIFEST, bytes.as_bytes()).unwrap();
        assert_eq!(digests(&succ), [EMPTY, HELLO]);
    }

    #[test]
    fn successors_of_an_index_are_its_manifests() {
        let bytes = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{HELLO}","size":6,"platform":{{"architecture":"amd64","os":"linux"}}}},{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{OTHER}","size":7}}],"subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{EMPTY}","size":2}}}}"#
        );
        let succ = successors(media_type::OCI_INDEX, bytes.as_bytes()).unwrap();
        assert_eq!(digests(&succ), [EMPTY, HELLO, OTHER]);
        assert_eq!(succ[1].platform.as_ref().unwrap().os, "linux");
        let succ = successors(media_type::DOCKER_MANIFEST_LIST, bytes.as_bytes()).unwrap();
        assert_eq!(digests(&succ), [HELLO, OTHER]);
    }

    #[test]
    fn successors_of_a_legacy_artifact_manifest_are_its_blobs() {
        let bytes = format!(
            r#"{{"mediaType":"application/vnd.oci.artifact.manifest.v1+json","artifactType":"a/b","blobs":[{{"mediaType":"a/b","digest":"{HELLO}","size":6}}],"subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{OTHER}","size":7}}}}"#
        );
        let succ = successors(media_type::OCI_ARTIFACT_MANIFEST, bytes.as_bytes()).unwrap();
        assert_eq!(digests(&succ), [OTHER, HELLO]);
    }

    #[test]
    fn blobs_and_unknown_types_have_no_successors() {
        for mt in [
            media_type::LAYER_TAR,
            media_type::OCI_EMPTY,
            "text/plain",
            "",
        ] {
            assert!(successors(mt, b"not json at all").unwrap().is_empty());
        }
    }

    #[test]
    fn empty_and_null_lists_give_no_successors() {
        let bytes = br#"{"schemaVersion":2,"manifests":null}"#;
        assert!(successors(media_type::OCI_INDEX, bytes).unwrap().is_empty());
        let bytes = br#"{"mediaType":"application/vnd.oci.artifact.manifest.v1+json"}"#;
        assert!(
            successors(media_type::OCI_ARTIFACT_MANIFEST, bytes)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn document_with_manifests_and_layers_is_refused() {
        let bytes = manifest_json(r#","manifests":[]"#);
        for mt in [media_type::OCI_MANIFEST, media_type::OCI_INDEX] {
            let err = successors(mt, bytes.as_bytes()).unwrap_err();
            assert!(matches!(err, OciError::AmbiguousManifest(_)), "{err}");
        }
        assert!(matches!(
            parse_manifest(bytes.as_bytes()),
            Err(OciError::AmbiguousManifest(_))
        ));
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        for bytes in [
            &b""[..],
            b"[]",
            b"null",
            b"{",
            b"{\"config\":5}",
            b"{\"config\":{\"digest\":\"nope\"}}",
            b"{\"layers\":{}}",
            b"[2,null,null,{},[]]",
            b"\xff\xfe",
        ] {
            assert!(
                successors(media_type::OCI_MANIFEST, bytes).is_err(),
                "{bytes:?}"
            );
        }
        let deep = "[".repeat(10_000);
        assert!(successors(media_type::OCI_INDEX, deep.as_bytes()).is_err());
    }

    #[test]
    fn parse_ignores_unknown_fields_and_round_trips() {
        let bytes = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.unknown.artifact.v1","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{EMPTY}","size":2,"data":"e30=","x-config":1}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{HELLO}","size":6,"annotations":{{"org.opencontainers.image.title":"hello.txt"}},"vendor":{{"deep":[null]}}}}],"annotations":{{"org.opencontainers.image.created":"2026-01-02T03:04:05Z"}},"future":"field"}}"#
        );
        let manifest = parse_manifest(bytes.as_bytes()).unwrap();
        assert_eq!(manifest.schema_version, 2);
        assert_eq!(manifest.config.data.as_deref(), Some(&b"{}"[..]));
        assert_eq!(manifest.layers[0].title(), Some("hello.txt"));
        // Re-serializing drops exactly the unknown fields and nothing else.
        let expected = bytes
            .replace(r#","x-config":1"#, "")
            .replace(r#","vendor":{"deep":[null]}"#, "")
            .replace(r#","future":"field""#, "");
        assert_eq!(
            String::from_utf8(to_go_json(&manifest).unwrap()).unwrap(),
            expected
        );
        assert_eq!(parse_manifest(expected.as_bytes()).unwrap(), manifest);
    }

    #[test]
    fn duplicate_keys_resolve_like_go() {
        let bytes = format!(
            r#"{{"schemaVersion":1,"schemaVersion":2,"config":{{"mediaType":"a/b","digest":"{EMPTY}","size":2}},"layers":[]}}"#
        );
        assert_eq!(parse_manifest(bytes.as_bytes()).unwrap().schema_version, 2);
    }

    #[test]
    fn index_serializes_in_go_field_order() {
        let mut child = Descriptor::new(
            media_type::OCI_MANIFEST,
            HELLO.parse::<Digest>().unwrap(),
            6,
        );
        child.artifact_type = Some("a/b".into());
        let index = Index {
            schema_version: 2,
            media_type: Some(media_type::OCI_INDEX.into()),
            artifact_type: None,
            manifests: vec![child],
            subject: None,
            annotations: Some([("k".into(), "v".into())].into()),
        };
        let text = String::from_utf8(to_go_json(&index).unwrap()).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{HELLO}","size":6,"artifactType":"a/b"}}],"annotations":{{"k":"v"}}}}"#
            )
        );
        assert_eq!(parse_index(text.as_bytes()).unwrap(), index);
        let empty = Index {
            manifests: vec![],
            annotations: None,
            ..index
        };
        assert_eq!(
            to_go_json(&empty).unwrap(),
            br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#
        );
    }
}
