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
    // What serde_json skips (unknown fields, the values read as `IgnoredAny`) it checks less
    // than `Value` does: no UTF-8 or surrogate check in strings, no range check on numbers, no
    // depth limit. Such a document goes the slow way and gets the same answer.
    if serde_json::from_slice::<Strict>(bytes).is_err() {
        return false;
    }
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

/// Reads any JSON value as `Value` would, checking what `Value` checks, and keeps nothing.
struct Strict;

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        while seq.next_element::<Strict>()?.is_some() {}
        Ok(Strict)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        while map.next_entry::<Strict, Strict>()?.is_some() {}
        Ok(Strict)
    }
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

    /// Found by the `manifest` fuzz target: the quick way skipped an unknown field's string
    /// without checking its escapes, and accepted what the `Value` route refuses.
    #[test]
    fn manifest_with_lone_surrogate_in_unknown_field_is_rejected_as_before() {
        let plain = manifest("[]");
        for value in [
            r#""\ud800""#,
            r#""\uDC00""#,
            r#""\ud800\u0041""#,
            r#""\ud800x""#,
        ] {
            let doc = plain.replacen('{', &format!(r#"{{"x":{value},"#), 1);
            assert!(serde_json::from_str::<serde_json::Value>(&doc).is_err());
            assert!(!complete(Some(Shape::Manifest), doc.as_bytes()), "{doc}");
            let err = crate::oci::parse_manifest(doc.as_bytes()).unwrap_err();
            assert!(
                err.to_string().contains("surrogate") || err.to_string().contains("escape"),
                "{err}"
            );
        }
        // A well-formed pair is valid JSON and parses, the quick way.
        let pair = plain.replacen('{', r#"{"x":"\ud83d\ude00","#, 1);
        assert!(complete(Some(Shape::Manifest), pair.as_bytes()));
        assert!(crate::oci::parse_manifest(pair.as_bytes()).is_ok());
    }

    #[test]
    fn manifest_with_out_of_range_number_or_deep_nesting_in_unknown_field_is_rejected_as_before() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for value in ["1e400", "-1e400", deep.as_str()] {
            let doc = manifest("[]").replacen('{', &format!(r#"{{"x":{value},"#), 1);
            assert!(serde_json::from_str::<serde_json::Value>(&doc).is_err());
            assert!(!complete(Some(Shape::Manifest), doc.as_bytes()), "{doc}");
            assert!(crate::oci::parse_manifest(doc.as_bytes()).is_err());
        }
    }

    #[test]
    fn manifest_with_invalid_utf8_in_unknown_field_is_rejected_as_before() {
        let mut doc = br#"{"x":""#.to_vec();
        doc.extend_from_slice(&[0xff, 0xfe]);
        doc.extend_from_slice(manifest("[]").replacen('{', "\",", 1).as_bytes());
        assert!(serde_json::from_slice::<serde_json::Value>(&doc).is_err());
        assert!(!complete(Some(Shape::Manifest), &doc));
        assert!(crate::oci::parse_manifest(&doc).is_err());
    }
}
