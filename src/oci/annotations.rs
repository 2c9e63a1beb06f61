//! Annotation keys oras reads or writes, and the [`Annotations`] map type.
//!
//! Annotations are a `BTreeMap` so they serialize in sorted key order, as Go's `encoding/json`
//! does for maps: the same manifest built twice has the same bytes and digest.

use std::collections::BTreeMap;

/// Annotation map of a manifest, index or descriptor, sorted by key.
pub type Annotations = BTreeMap<String, String>;

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
