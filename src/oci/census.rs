//! A quick look at a manifest's shape before it is decoded: which required fields are there and
//! not `null`, read without building a `serde_json::Value` of the whole document. A manifest of
//! 15,000 layers is 3.7 MiB of JSON; as a `Value` it took 1.3 KiB per layer (19 MiB), more than
//! everything else a push or pull of it holds. [`complete`] says whether the document may be
//! decoded straight into its type; anything else (a missing or `null` field, a duplicate key, a
//! value of an unexpected type) goes the slow way, through `Value`, which words the error or
//! resolves duplicates as Go does, so the answer is the same either way.

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny};

use super::manifest::Shape;

/// A field as found: absent, `null`, or there.
#[derive(Default)]
enum Field<T> {
    #[default]
    Missing,
    Null,
    Present(T),
}

impl<T> Field<T> {
    fn present(&self) -> Option<&T> {
        match self {
            Field::Present(v) => Some(v),
            _ => None,
        }
    }
}

/// `Option` tells `null` from a value; `#[serde(default)]` makes an absent field `Missing`.
fn field<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Field<T>, D::Error> {
    Ok(match Option::<T>::deserialize(d)? {
        None => Field::Null,
        Some(v) => Field::Present(v),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default, deserialize_with = "field")]
    media_type: Field<IgnoredAny>,
    #[serde(default, deserialize_with = "field")]
    digest: Field<IgnoredAny>,
    #[serde(default, deserialize_with = "field")]
    size: Field<IgnoredAny>,
}

impl Descriptor {
    fn complete(&self) -> bool {
        self.media_type.present().is_some()
            && self.digest.present().is_some()
            && self.size.present().is_some()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default, deserialize_with = "field")]
    schema_version: Field<serde_json::Number>,
    #[serde(default, deserialize_with = "field")]
    config: Field<Descriptor>,
    #[serde(default, deserialize_with = "field")]
    layers: Field<Vec<Descriptor>>,
    #[serde(default, deserialize_with = "field")]
    manifests: Field<Vec<Descriptor>>,
    #[serde(default, deserialize_with = "field")]
    subject: Field<Descriptor>,
}

/// Whether `bytes` are a JSON object that is not both an index and a manifest and, with
/// `shape`, has every field image-spec requires of it (`schemaVersion` 2), none `null`: then
/// decoding it directly gives what the `Value` route gives. `false` means "take the slow way",
/// not "invalid".
pub(super) fn complete(shape: Option<Shape>, bytes: &[u8]) -> bool {
    let Ok(doc) = serde_json::from_slice::<Document>(bytes) else {
        return false;
    };
    if !matches!(doc.layers, Field::Missing) && !matches!(doc.manifests, Field::Missing) {
        return false;
    }
    let Some(shape) = shape else {
        return true;
    };
    let version_ok = doc
        .schema_version
        .present()
        .is_some_and(|v| v.as_u64() == Some(2));
    let list = match shape {
        Shape::Manifest => {
            if !doc.config.present().is_some_and(Descriptor::complete) {
                return false;
            }
            &doc.layers
        }
        Shape::Index => &doc.manifests,
    };
    let subject_ok = match &doc.subject {
        Field::Present(s) => s.complete(),
        Field::Missing | Field::Null => true,
    };
    version_ok
        && subject_ok
        && list
            .present()
            .is_some_and(|items| items.iter().all(Descriptor::complete))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = r#"{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}"#;

    fn manifest(layers: &str) -> String {
        format!(r#"{{"schemaVersion":2,"config":{CFG},"layers":{layers}}}"#)
    }

    #[test]
    fn a_complete_manifest_and_index_take_the_quick_way() {
        assert!(complete(
            Some(Shape::Manifest),
            manifest(&format!("[{CFG}]")).as_bytes()
        ));
        let index = format!(r#"{{"schemaVersion":2,"manifests":[{CFG}],"subject":{CFG}}}"#);
        assert!(complete(Some(Shape::Index), index.as_bytes()));
    }

    #[test]
    fn anything_short_of_complete_takes_the_slow_way() {
        let no_size = r#"{"mediaType":"a/b","digest":"sha256:x"}"#;
        let null_type = r#"{"mediaType":null,"digest":"sha256:x","size":1}"#;
        for doc in [
            manifest("null"),
            manifest("{}"),
            manifest(&format!("[{no_size}]")),
            manifest(&format!("[{null_type}]")),
            manifest("[1]"),
            manifest(&format!("[{CFG}]")).replace(r#""schemaVersion":2"#, r#""schemaVersion":3"#),
            manifest(&format!("[{CFG}]")).replace(r#""schemaVersion":2,"#, ""),
            // Duplicate keys: Go keeps the last, the Value route does too.
            manifest(&format!("[{CFG}]")).replace(
                r#""schemaVersion":2"#,
                r#""schemaVersion":2,"schemaVersion":2"#,
            ),
            format!(r#"{{"schemaVersion":2,"config":{CFG},"layers":[],"manifests":[]}}"#),
            format!("[{CFG}]"),
            "{".into(),
        ] {
            assert!(!complete(Some(Shape::Manifest), doc.as_bytes()), "{doc}");
        }
        let index = format!(r#"{{"schemaVersion":2,"manifests":[{CFG}],"subject":{no_size}}}"#);
        assert!(!complete(Some(Shape::Index), index.as_bytes()));
    }
}
