//! The OCI content descriptor and platform object, with serde that matches Go's
//! `encoding/json` output of image-spec v1.1.1's `specs-go/v1` types byte for byte.
//!
//! Field order is the Go struct order; every optional field is left out when absent *or empty*
//! (Go's `omitempty`), `data` is standard padded base64, and unknown fields are ignored on input.
//! <https://github.com/opencontainers/image-spec/blob/v1.1.1/descriptor.md>

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::annotations::{self, Annotations};
use super::media_type;
use crate::digest::Digest;

/// An OCI content descriptor: what a blob or manifest is, where to find it and how to check it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content. The spec says it "MUST comply with RFC 6838".
    #[serde(default, deserialize_with = "null_as_default")]
    pub media_type: String,
    /// Digest of the referenced content; consumers "MUST verify" it.
    pub digest: Digest,
    /// Size in bytes of the raw content; it "SHOULD be used to verify" the content.
    #[serde(default, deserialize_with = "null_as_default")]
    pub size: u64,
    /// Alternative locations the content "MAY be downloaded" from.
    #[serde(default, skip_serializing_if = "vec_is_absent")]
    pub urls: Option<Vec<String>>,
    /// Arbitrary metadata, such as the file name under [`annotations::TITLE`].
    #[serde(default, skip_serializing_if = "map_is_absent")]
    pub annotations: Option<Annotations>,
    /// The content itself, embedded; serialized as standard base64 with padding.
    #[serde(
        default,
        skip_serializing_if = "vec_is_absent",
        serialize_with = "serialize_data",
        deserialize_with = "deserialize_data"
    )]
    pub data: Option<Vec<u8>>,
    /// Platform of a manifest referenced from an index. Boxed: most descriptors (layers) have
    /// none, and an inline `Platform` would more than double the size of every descriptor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Box<Platform>>,
    /// Artifact type of a referenced manifest (copied from its `artifactType` or config type).
    #[serde(default, skip_serializing_if = "str_is_absent")]
    pub artifact_type: Option<String>,
}

/// The platform a manifest runs on (image-spec `image-index.md`), in the Go field order
/// `architecture, os, os.version, os.features, variant, features`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// CPU architecture, e.g. `amd64`; always serialized.
    #[serde(default, deserialize_with = "null_as_default")]
    pub architecture: String,
    /// Operating system, e.g. `linux`; always serialized.
    #[serde(default, deserialize_with = "null_as_default")]
    pub os: String,
    /// Operating system version, e.g. `10.0.14393.1066`.
    #[serde(rename = "os.version", default, skip_serializing_if = "str_is_absent")]
    pub os_version: Option<String>,
    /// Required operating system features, e.g. `win32k`.
    #[serde(rename = "os.features", default, skip_serializing_if = "vec_is_absent")]
    pub os_features: Option<Vec<String>>,
    /// CPU variant, e.g. `v7` for `arm`.
    #[serde(default, skip_serializing_if = "str_is_absent")]
    pub variant: Option<String>,
    /// Required CPU features; reserved by the spec, kept so nothing read is lost.
    #[serde(default, skip_serializing_if = "vec_is_absent")]
    pub features: Option<Vec<String>>,
}

impl Descriptor {
    /// A descriptor with only the three required fields.
    pub fn new(media_type: impl Into<String>, digest: Digest, size: u64) -> Self {
        Descriptor {
            media_type: media_type.into(),
            digest,
            size,
            urls: None,
            annotations: None,
            data: None,
            platform: None,
            artifact_type: None,
        }
    }

    /// image-spec's empty descriptor: `application/vnd.oci.empty.v1+json`, the digest of `{}`,
    /// size 2 and `data` `e30=` (the blob inline).
    pub fn empty_json() -> Self {
        let mut desc = Descriptor::new(media_type::OCI_EMPTY, Digest::sha256_of(EMPTY_JSON), 2);
        desc.data = Some(EMPTY_JSON.to_vec());
        desc
    }

    /// The `org.opencontainers.image.title` annotation, if any.
    pub fn title(&self) -> Option<&str> {
        self.annotations.as_ref()?.get(annotations::TITLE)
    }

    /// Whether this describes the empty JSON blob, comparing media type, digest and size like
    /// oras-go's `content.Equal` (annotations and `data` do not matter).
    pub fn is_empty_json(&self) -> bool {
        self.media_type == media_type::OCI_EMPTY
            && self.size == EMPTY_JSON.len() as u64
            && self.digest == Digest::sha256_of(EMPTY_JSON)
    }
}

/// The 2-byte empty JSON blob, `{}`.
pub(crate) const EMPTY_JSON: &[u8] = b"{}";

// Go's `omitempty` leaves out nil *and* empty slices, maps and strings alike.
pub(crate) fn vec_is_absent<T>(v: &Option<Vec<T>>) -> bool {
    v.as_ref().is_none_or(Vec::is_empty)
}

pub(crate) fn map_is_absent(v: &Option<Annotations>) -> bool {
    v.as_ref().is_none_or(Annotations::is_empty)
}

pub(crate) fn str_is_absent(v: &Option<String>) -> bool {
    v.as_ref().is_none_or(String::is_empty)
}

/// Go's decoder leaves a field at its zero value on JSON `null`; serde would fail instead.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn serialize_data<S: Serializer>(data: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    use base64::Engine as _;
    match data {
        Some(bytes) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes)),
        None => s.serialize_none(),
    }
}

fn deserialize_data<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    use base64::Engine as _;
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    // Go's base64 decoder skips CR and LF and tolerates non-zero trailing bits; padding is
    // still required.
    let cleaned: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::general_purpose::PAD.with_decode_allow_trailing_bits(true),
    );
    engine
        .decode(cleaned)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("invalid base64 in \"data\": {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::json::to_go_json;

    fn layer() -> Descriptor {
        Descriptor::new(media_type::LAYER_TAR, Digest::sha256_of(b"hello\n"), 6)
    }

    fn json(desc: &Descriptor) -> String {
        String::from_utf8(to_go_json(desc).unwrap()).unwrap()
    }

    #[test]
    fn empty_json_descriptor_is_the_spec_one() {
        let empty = Descriptor::empty_json();
        assert_eq!(
            json(&empty),
            r#"{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="}"#
        );
        assert!(empty.is_empty_json());
        assert_eq!(empty.title(), None);
    }

    #[test]
    fn is_empty_json_ignores_annotations_and_data() {
        let mut desc = Descriptor::empty_json();
        desc.data = None;
        desc.annotations = Some([("k".into(), "v".into())].into());
        assert!(desc.is_empty_json());
        desc.media_type = media_type::UNKNOWN_CONFIG.into();
        assert!(!desc.is_empty_json());
        assert!(!layer().is_empty_json());
    }

    #[test]
    fn minimal_descriptor_has_three_fields() {
        assert_eq!(
            json(&layer()),
            r#"{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","size":6}"#
        );
    }

    #[test]
    fn empty_optional_fields_are_omitted_like_omitempty() {
        let mut desc = layer();
        desc.urls = Some(vec![]);
        desc.annotations = Some(Annotations::new());
        desc.data = Some(vec![]);
        desc.artifact_type = Some(String::new());
        assert_eq!(json(&desc), json(&layer()));
    }

    #[test]
    fn full_descriptor_uses_go_field_order() {
        let mut desc = layer();
        desc.urls = Some(vec!["https://example.com/x".into()]);
        desc.annotations = Some([(annotations::TITLE.into(), "hello.txt".into())].into());
        desc.data = Some(b"hello\n".to_vec());
        desc.platform = Some(Box::new(Platform {
            architecture: "arm".into(),
            os: "linux".into(),
            os_version: Some("1".into()),
            os_features: Some(vec!["f".into()]),
            variant: Some("v7".into()),
            features: None,
        }));
        desc.artifact_type = Some("application/x".into());
        assert_eq!(
            json(&desc),
            concat!(
                r#"{"mediaType":"application/vnd.oci.image.layer.v1.tar","#,
                r#""digest":"sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","#,
                r#""size":6,"urls":["https://example.com/x"],"#,
                r#""annotations":{"org.opencontainers.image.title":"hello.txt"},"#,
                r#""data":"aGVsbG8K","#,
                r#""platform":{"architecture":"arm","os":"linux","os.version":"1","os.features":["f"],"variant":"v7"},"#,
                r#""artifactType":"application/x"}"#
            )
        );
        assert_eq!(desc.title(), Some("hello.txt"));
    }

    #[test]
    fn platform_always_has_architecture_and_os() {
        let platform = Platform::default();
        assert_eq!(
            String::from_utf8(to_go_json(&platform).unwrap()).unwrap(),
            r#"{"architecture":"","os":""}"#
        );
    }

    #[test]
    fn parses_with_unknown_fields_nulls_and_wrapped_base64() {
        let text = r#"{"mediaType":null,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e3\n0=","urls":null,"future":{"x":[1,2]}}"#;
        let desc: Descriptor = serde_json::from_str(text).unwrap();
        assert_eq!(desc.media_type, "");
        assert_eq!(desc.data.as_deref(), Some(&b"{}"[..]));
        assert_eq!(desc.urls, None);
    }

    #[test]
    fn refuses_bad_base64_and_missing_digest() {
        let bad = r#"{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30"}"#;
        assert!(serde_json::from_str::<Descriptor>(bad).is_err());
        assert!(serde_json::from_str::<Descriptor>(r#"{"mediaType":"a/b","size":2}"#).is_err());
    }
}
