//! Annotation keys oras reads or writes, and the [`Annotations`] map type.
//!
//! Annotations serialize in sorted key order, as Go's `encoding/json` does for maps: the same
//! manifest built twice has the same bytes and digest. They are stored as one sorted `Vec`
//! ([`litemap`]) rather than a `BTreeMap`: a one-entry `BTreeMap` allocates a whole node of
//! eleven slots (about 540 bytes), and a pull of 15,000 titled files holds 15,000 such maps
//! twice (the manifest's layers, the written files).

use std::fmt;

use litemap::LiteMap;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};

/// Annotation map of a manifest, index or descriptor, sorted by key.
///
/// ```
/// use oras_rs::oci::Annotations;
///
/// let mut a = Annotations::new();
/// a.insert("z".into(), "last".into());
/// a.insert("a".into(), "first".into());
/// assert_eq!(a.get("a"), Some("first"));
/// assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"a":"first","z":"last"}"#);
/// // A duplicate key in a document keeps its last value, as Go's encoding/json does.
/// let b: Annotations = serde_json::from_str(r#"{"k":"1","k":"2"}"#).unwrap();
/// assert_eq!(b.get("k"), Some("2"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Annotations(LiteMap<String, String>);

impl Annotations {
    /// An empty map; allocates nothing.
    pub const fn new() -> Self {
        Annotations(LiteMap::new())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        if self.0.is_empty() {
            // Most maps hold one entry (a title): allocate exactly one slot, not `Vec`'s four.
            self.0 = LiteMap::from_sorted_store_unchecked(vec![(key, value)]);
            return None;
        }
        self.0.insert(key, value)
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.0.as_slice().iter())
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.iter().map(|(k, _)| k)
    }

    /// Builds the map from pairs in any order; a repeated key keeps its last value.
    fn from_pairs(mut pairs: Vec<(String, String)>) -> Self {
        // Reverse, then a stable sort puts each key's last value first in its run; dedup keeps it.
        pairs.reverse();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|a, b| a.0 == b.0);
        pairs.shrink_to_fit();
        Annotations(LiteMap::from_sorted_store_unchecked(pairs))
    }
}

impl fmt::Debug for Annotations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, String)> for Annotations {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Annotations::from_pairs(iter.into_iter().collect())
    }
}

impl Extend<(String, String)> for Annotations {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, String); N]> for Annotations {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

/// The entries of an [`Annotations`] map in key order, as `(key, value)`.
#[derive(Clone, Debug)]
pub struct Iter<'a>(std::slice::Iter<'a, (String, String)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Annotations {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Annotations {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_tuple_vec().into_iter()
    }
}

impl Serialize for Annotations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Annotations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = Annotations;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of strings to strings")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Annotations, A::Error> {
                // The size hint comes from the input; cap it so a claim cannot reserve memory.
                let mut pairs = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some(pair) = access.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(Annotations::from_pairs(pairs))
            }
        }
        deserializer.deserialize_map(MapVisitor)
    }
}

/// `org.opencontainers.image.title`: the file name a layer is pushed from and pulled to.
pub const TITLE: &str = "org.opencontainers.image.title";
/// `org.opencontainers.image.created`: RFC 3339 creation time, set on every packed manifest.
pub const CREATED: &str = "org.opencontainers.image.created";
/// `org.opencontainers.image.ref.name`: the tag of a manifest in an OCI layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// `io.deis.oras.content.digest`: digest of the uncompressed tar of a pushed directory.
pub const CONTENT_DIGEST: &str = "io.deis.oras.content.digest";
/// `io.deis.oras.content.unpack`: `"true"` when a layer is a directory to unpack on pull.
pub const CONTENT_UNPACK: &str = "io.deis.oras.content.unpack";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_stay_sorted_and_unique_whatever_the_insert_order() {
        let mut a = Annotations::new();
        for (k, v) in [("m", "1"), ("b", "2"), ("z", "3"), ("b", "4")] {
            a.insert(k.into(), v.into());
        }
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            [("b", "4"), ("m", "1"), ("z", "3")]
        );
        assert_eq!(a.remove("m").as_deref(), Some("1"));
        assert!(!a.contains_key("m"));
        let unsorted: Annotations = [("y", "1"), ("x", "2"), ("y", "3")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        assert_eq!(
            serde_json::to_string(&unsorted).unwrap(),
            r#"{"x":"2","y":"3"}"#
        );
    }

    #[test]
    fn annotations_that_are_not_a_string_map_are_refused() {
        for doc in [r#"[["k","v"]]"#, r#"{"k":1}"#, r#""k""#] {
            assert!(serde_json::from_str::<Annotations>(doc).is_err(), "{doc}");
        }
    }
}
