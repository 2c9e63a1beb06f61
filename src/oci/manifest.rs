//! Image manifests and indexes (serde types in image-spec field order) and [`successors`], the
//! only reason fetched manifests are parsed: to find the blobs and manifests they point to.
//!
//! Fetched bytes are never re-serialized; copy pushes the original bytes so digests stay stable.
//! Parsing follows Go's decoder where it matters for robustness (unknown fields ignored, the
//! last of duplicate keys wins) and refuses ambiguous documents that carry both `manifests` and
//! `layers`.
//!
//! Unlike Go's decoder (which oras-go's `content.Successors` uses, so oras reads
//! `"layers": null` as an artifact with no files), a manifest or index missing a field
//! image-spec requires, or carrying `null` in one, is refused with the field named
//! ([`OciError::MissingField`]): `schemaVersion` (which must be 2), `config` and `layers` of a
//! manifest, `manifests` of an index, and `mediaType`, `digest` and `size` of every descriptor
//! in them. [`parse_index_lenient`] keeps Go's reading for lists that Go tools write with
//! `"manifests": null` (an OCI layout's `index.json`, a Referrers API answer).
//! <https://github.com/opencontainers/image-spec/blob/v1.1.1/manifest.md>

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::annotations::Annotations;
use super::descriptor::{Descriptor, map_is_absent, null_as_default, str_is_absent};
use super::media_type;
use super::{FieldProblem, OciError};

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

/// Parses an image manifest (OCI or Docker schema 2), refusing one without a field image-spec
/// requires (see the module docs). Unknown fields are ignored.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, OciError> {
    parse_document("manifest", Some(Shape::Manifest), bytes)
}

/// Parses an image index (OCI index or Docker manifest list), refusing one without a field
/// image-spec requires (see the module docs). Unknown fields are ignored.
pub fn parse_index(bytes: &[u8]) -> Result<Index, OciError> {
    parse_document("index", Some(Shape::Index), bytes)
}

/// Parses an index as Go's decoder reads it: a missing or `null` `schemaVersion` or `manifests`
/// is zero or empty, as are `null` descriptor fields. Only for documents that are lists rather
/// than content to copy (an OCI layout's `index.json`, a Referrers API answer, a tag-schema
/// referrers index), which Go tools write with `"manifests": null` when the list is empty.
///
/// ```
/// let bytes = br#"{"schemaVersion":2,"manifests":null}"#;
/// assert!(oras_rs::oci::parse_index_lenient(bytes)?.manifests.is_empty());
/// assert!(oras_rs::oci::parse_index(bytes).is_err());
/// # Ok::<(), oras_rs::oci::OciError>(())
/// ```
pub fn parse_index_lenient(bytes: &[u8]) -> Result<Index, OciError> {
    parse_document("index", None, bytes)
}

/// The config of a manifest, read without decoding its layers (a manifest of 15,000 layers
/// would otherwise be decoded whole, for one descriptor, before its successors are decoded
/// again). `None` for an index, or for a document that is not a manifest: the successors'
/// parse says what is wrong with it.
pub(crate) fn config_of(bytes: &[u8]) -> Option<Descriptor> {
    #[derive(Deserialize)]
    struct ConfigOnly {
        config: Descriptor,
    }
    serde_json::from_slice::<ConfigOnly>(bytes)
        .ok()
        .map(|m| m.config)
}

/// What makes a manifest or index a referrer, read by [`referrer_fields`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReferrerFields {
    #[serde(default)]
    pub subject: Option<Descriptor>,
    #[serde(default)]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub annotations: Option<Annotations>,
}

/// The [`ReferrerFields`] of a manifest or index, read without decoding its layers or
/// manifests. `None` when this quick read fails (a repeated key, a wrong type): the caller then
/// parses the whole document, which says what is wrong or reads it as the copy did.
pub(crate) fn referrer_fields(bytes: &[u8]) -> Option<ReferrerFields> {
    serde_json::from_slice(bytes).ok()
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
    let (subject, rest) = subject_and_successors(media_type, bytes)?;
    Ok(subject.into_iter().chain(rest).collect())
}

/// [`successors`] with the subject apart: `(subject, the others)`, from one parse.
pub fn subject_and_successors(
    media_type: &str,
    bytes: &[u8],
) -> Result<(Option<Descriptor>, Vec<Descriptor>), OciError> {
    Ok(match media_type {
        media_type::OCI_MANIFEST | media_type::DOCKER_MANIFEST => {
            let manifest: Manifest = parse_document(media_type, Some(Shape::Manifest), bytes)?;
            // oras-go reads no subject from Docker manifests, which have none in their spec.
            let subject = manifest
                .subject
                .filter(|_| media_type == media_type::OCI_MANIFEST);
            // The config goes in front of the decoded layers, in their own buffer: a second
            // list for 15,000 layers would be 4.7 MiB more while both are alive.
            let mut rest = manifest.layers;
            rest.reserve_exact(1);
            rest.insert(0, manifest.config);
            (subject, rest)
        }
        media_type::OCI_INDEX | media_type::DOCKER_MANIFEST_LIST => {
            let index: Index = parse_document(media_type, Some(Shape::Index), bytes)?;
            let subject = index
                .subject
                .filter(|_| media_type == media_type::OCI_INDEX);
            (subject, index.manifests)
        }
        media_type::OCI_ARTIFACT_MANIFEST => {
            let artifact: ArtifactManifest = parse_document(media_type, None, bytes)?;
            (artifact.subject, artifact.blobs)
        }
        _ => (None, Vec::new()),
    })
}

/// The `subject` a manifest of type `media_type` refers to, if any (the first of [`successors`]).
pub fn subject(media_type: &str, bytes: &[u8]) -> Result<Option<Descriptor>, OciError> {
    Ok(match media_type {
        media_type::OCI_MANIFEST => {
            parse_document::<Manifest>(media_type, Some(Shape::Manifest), bytes)?.subject
        }
        media_type::OCI_INDEX => {
            parse_document::<Index>(media_type, Some(Shape::Index), bytes)?.subject
        }
        media_type::OCI_ARTIFACT_MANIFEST => {
            parse_document::<ArtifactManifest>(media_type, None, bytes)?.subject
        }
        _ => None,
    })
}

/// Checks that `bytes` are a manifest or an index of media type `media_type` as image-spec
/// requires (see the module docs), for a document about to be stored: what pull and copy
/// refuse to read should not be written either. Other media types are not checked.
///
/// ```
/// use oras_rs::oci::{OciError, media_type, validate};
///
/// let good = br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
/// validate(media_type::OCI_MANIFEST, good)?;
/// let bad = String::from_utf8_lossy(good).replace(r#""layers":[]"#, r#""layers":null"#);
/// let err = validate(media_type::OCI_MANIFEST, bad.as_bytes()).unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid manifest: required field "layers" is null"#);
/// // Not a manifest type: not checked.
/// validate("application/x.mine", bad.as_bytes())?;
/// # Ok::<(), OciError>(())
/// ```
pub fn validate(media_type: &str, bytes: &[u8]) -> Result<(), OciError> {
    match media_type {
        media_type::OCI_MANIFEST | media_type::DOCKER_MANIFEST => {
            parse_document::<Manifest>(media_type, Some(Shape::Manifest), bytes).map(drop)
        }
        media_type::OCI_INDEX | media_type::DOCKER_MANIFEST_LIST => {
            parse_document::<Index>(media_type, Some(Shape::Index), bytes).map(drop)
        }
        _ => Ok(()),
    }
}

/// The documents whose required fields are checked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// An image manifest: `schemaVersion`, `config`, `layers`.
    Manifest,
    /// An image index: `schemaVersion`, `manifests`.
    Index,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Manifest => "manifest",
            Shape::Index => "index",
        }
    }
}

/// The image-spec version of manifests and indexes ("This REQUIRED property ... MUST be 2").
const SCHEMA_VERSION: u64 = 2;

/// Fails unless `map` has the fields image-spec requires of a `shape` document, none of them
/// `null`. Values of the wrong type are left to the decoder, which names the type.
fn check_required(shape: Shape, map: &Map<String, Value>) -> Result<(), OciError> {
    let what = shape.name();
    let version = required(what, map, "schemaVersion", || "schemaVersion".into())?;
    if let Some(found) = version.as_u64()
        && found != SCHEMA_VERSION
    {
        return Err(OciError::SchemaVersion {
            what: what.into(),
            found,
        });
    }
    let list = match shape {
        Shape::Manifest => {
            let config = required(what, map, "config", || "config".into())?;
            check_descriptor(what, "config", config)?;
            "layers"
        }
        Shape::Index => "manifests",
    };
    if let Value::Array(items) = required(what, map, list, || list.into())? {
        for (i, item) in items.iter().enumerate() {
            check_descriptor(what, &format!("{list}[{i}]"), item)?;
        }
    }
    // `subject` is optional; when there is one it is a descriptor like any other.
    if let Some(subject) = map.get("subject").filter(|v| !v.is_null()) {
        check_descriptor(what, "subject", subject)?;
    }
    Ok(())
}

/// Fails unless the descriptor at `path` has `mediaType`, `digest` and `size`, none `null`.
fn check_descriptor(what: &str, path: &str, value: &Value) -> Result<(), OciError> {
    let Value::Object(map) = value else {
        return Ok(());
    };
    for field in ["mediaType", "digest", "size"] {
        required(what, map, field, || format!("{path}.{field}"))?;
    }
    Ok(())
}

/// The value of the required `field` of `map`; `path` names it in the error.
fn required<'a>(
    what: &str,
    map: &'a Map<String, Value>,
    field: &str,
    path: impl FnOnce() -> String,
) -> Result<&'a Value, OciError> {
    let absent = |problem| OciError::MissingField {
        what: what.into(),
        field: path(),
        problem,
    };
    match map.get(field) {
        None => Err(absent(FieldProblem::Missing)),
        Some(Value::Null) => Err(absent(FieldProblem::Null)),
        Some(value) => Ok(value),
    }
}

/// Parses `bytes` as a JSON object into `T`, refusing documents that are both an index and a
/// manifest, and (with `shape`) documents without the fields image-spec requires of that
/// shape. `what` names the document in decoder errors.
fn parse_document<T: DeserializeOwned>(
    what: &str,
    shape: Option<Shape>,
    bytes: &[u8],
) -> Result<T, OciError> {
    let json_error = |source| OciError::Json {
        what: what.to_string(),
        source,
    };
    // A well-formed document is decoded directly; in its own type it is a fraction of the
    // size of a `Value` (see `census`). The first attempt can only fail on a document the slow
    // way below would also refuse or read differently (duplicate keys).
    if super::census::complete(shape, bytes)
        && let Ok(doc) = serde_json::from_slice(bytes)
    {
        return Ok(doc);
    }
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
    if let Some(shape) = shape {
        check_required(shape, map)?;
    }
    serde_json::from_value(value).map_err(json_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_of_reads_a_manifests_config_and_nothing_of_an_index() {
        let manifest = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"text/plain","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}]}"#;
        let config = config_of(manifest).expect("a manifest has a config");
        assert_eq!(config.media_type, "application/vnd.oci.empty.v1+json");
        assert_eq!(config.size, 2);
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        assert!(config_of(index).is_none());
        assert!(config_of(b"not json").is_none());
    }
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
    fn empty_lists_give_no_successors() {
        let bytes = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert!(successors(media_type::OCI_INDEX, bytes).unwrap().is_empty());
        let bytes = br#"{"mediaType":"application/vnd.oci.artifact.manifest.v1+json"}"#;
        assert!(
            successors(media_type::OCI_ARTIFACT_MANIFEST, bytes)
                .unwrap()
                .is_empty()
        );
    }

    /// The error for `json` read as `media_type` by every strict entry point.
    fn refusal(media_type: &str, json: &str) -> String {
        let shape_err = if media_type::is_index(media_type) {
            parse_index(json.as_bytes()).unwrap_err()
        } else {
            parse_manifest(json.as_bytes()).unwrap_err()
        };
        let err = successors(media_type, json.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), shape_err.to_string());
        assert_eq!(
            validate(media_type, json.as_bytes())
                .unwrap_err()
                .to_string(),
            err.to_string()
        );
        if matches!(media_type, media_type::OCI_MANIFEST | media_type::OCI_INDEX) {
            let err = subject(media_type, json.as_bytes()).unwrap_err();
            assert_eq!(err.to_string(), shape_err.to_string());
        }
        err.to_string()
    }

    #[test]
    fn manifest_with_layers_null_is_refused_naming_the_field() {
        let json = manifest_json("").replace(
            &format!(
                r#""layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{HELLO}","size":6}}]"#
            ),
            r#""layers":null"#,
        );
        assert!(json.contains(r#""layers":null"#), "{json}");
        for mt in [media_type::OCI_MANIFEST, media_type::DOCKER_MANIFEST] {
            assert_eq!(
                refusal(mt, &json),
                r#"invalid manifest: required field "layers" is null"#
            );
        }
        let err = parse_manifest(json.as_bytes()).unwrap_err();
        assert!(matches!(
            err,
            OciError::MissingField {
                problem: crate::oci::FieldProblem::Null,
                ..
            }
        ));
    }

    #[test]
    fn manifests_missing_required_fields_are_refused_naming_them() {
        let good = manifest_json("");
        let config = format!(
            r#""config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{EMPTY}","size":2}},"#
        );
        let layer = format!(
            r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{HELLO}","size":6}}"#
        );
        let cases = [
            (
                good.replace(r#""schemaVersion":2,"#, ""),
                r#"required field "schemaVersion" is missing"#,
            ),
            (
                good.replace(r#""schemaVersion":2"#, r#""schemaVersion":null"#),
                r#"required field "schemaVersion" is null"#,
            ),
            (
                good.replace(r#""schemaVersion":2"#, r#""schemaVersion":1"#),
                r#""schemaVersion" must be 2, got 1"#,
            ),
            (
                good.replace(&config, ""),
                r#"required field "config" is missing"#,
            ),
            (
                good.replace(&config, r#""config":null,"#),
                r#"required field "config" is null"#,
            ),
            (
                good.replace(r#","digest":"sha256:4413"#, r#","x":"sha256:4413"#),
                r#"required field "config.digest" is missing"#,
            ),
            (
                good.replace(&format!(",\"layers\":[{layer}]"), ""),
                r#"required field "layers" is missing"#,
            ),
            (
                good.replace(r#""size":6"#, r#""size":null"#),
                r#"required field "layers[0].size" is null"#,
            ),
            (
                good.replace(
                    &layer,
                    &format!(
                        r#"{layer},{}"#,
                        layer.replace(
                            r#""mediaType":"application/vnd.oci.image.layer.v1.tar","#,
                            ""
                        )
                    ),
                ),
                r#"required field "layers[1].mediaType" is missing"#,
            ),
            (
                manifest_json(&format!(
                    r#","subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{OTHER}"}}"#
                )),
                r#"required field "subject.size" is missing"#,
            ),
        ];
        for (json, expected) in cases {
            assert_ne!(
                json, good,
                "{expected}: the case did not change the document"
            );
            assert_eq!(
                refusal(media_type::OCI_MANIFEST, &json),
                format!("invalid manifest: {expected}"),
                "{json}"
            );
        }
        // `subject: null` is an absent optional field, as Go reads it.
        let json = manifest_json(r#","subject":null"#);
        assert!(parse_manifest(json.as_bytes()).unwrap().subject.is_none());
    }

    #[test]
    fn indexes_missing_required_fields_are_refused_naming_them() {
        let entry = format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{HELLO}","size":6}}"#
        );
        let cases = [
            (
                r#"{"schemaVersion":2,"manifests":null}"#.to_string(),
                r#"required field "manifests" is null"#,
            ),
            (
                r#"{"schemaVersion":2}"#.to_string(),
                r#"required field "manifests" is missing"#,
            ),
            (
                format!(r#"{{"manifests":[{entry}]}}"#),
                r#"required field "schemaVersion" is missing"#,
            ),
            (
                format!(
                    r#"{{"schemaVersion":2,"manifests":[{entry},{}]}}"#,
                    entry.replace(r#""size":6"#, r#""size":null"#)
                ),
                r#"required field "manifests[1].size" is null"#,
            ),
        ];
        for (json, expected) in cases {
            for mt in [media_type::OCI_INDEX, media_type::DOCKER_MANIFEST_LIST] {
                assert_eq!(
                    refusal(mt, &json),
                    format!("invalid index: {expected}"),
                    "{json}"
                );
            }
            // Lists Go tools write are read as Go reads them.
            assert!(parse_index_lenient(json.as_bytes()).is_ok(), "{json}");
        }
    }

    #[test]
    fn what_oras_packs_passes_the_schema_checks() {
        // pack_manifest's own output for an artifact with no files: image-spec v1.0 writes
        // `"layers": []`, never null; v1.1 lists the empty blob as its one layer.
        use crate::oci::pack::{ImageSpec, PackOptions, pack_manifest};
        for (image_spec, layers) in [
            (ImageSpec::V1_0, r#""layers":[]"#.to_string()),
            (
                ImageSpec::V1_1,
                format!(
                    r#""layers":[{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{EMPTY}","size":2,"data":"e30="}}]"#
                ),
            ),
        ] {
            let opts = PackOptions {
                image_spec,
                artifact_type: Some("application/x.test".into()),
                ..PackOptions::default()
            };
            let packed = pack_manifest(&opts).unwrap();
            let text = String::from_utf8_lossy(&packed.bytes);
            assert!(text.contains(&layers), "{text}");
            validate(media_type::OCI_MANIFEST, &packed.bytes).unwrap();
        }
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
