//! Helpers for OCI image layouts and hand-built graphs (issue 4: layouts, cp, tag, resolve,
//! `--platform`): read a layout from disk as a user's other tools would, pack it into a tar,
//! run skopeo, and push multi-platform indexes and referrers straight over HTTP.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use super::{OCI_INDEX, OCI_MANIFEST, Registry, TITLE, sha256_digest};

/// Media type of an OCI image config.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// `index.json` of the layout at `dir`, parsed.
pub fn layout_index(dir: &Path) -> Value {
    let bytes = fs::read(dir.join("index.json"))
        .unwrap_or_else(|e| panic!("read {}/index.json: {e}", dir.display()));
    serde_json::from_slice(&bytes).expect("index.json is JSON")
}

/// `(tag, digest)` of every tagged entry of the layout's `index.json`, sorted.
pub fn layout_tags(dir: &Path) -> Vec<(String, String)> {
    let index = layout_index(dir);
    let mut tags: Vec<(String, String)> = index["manifests"]
        .as_array()
        .expect("manifests array")
        .iter()
        .filter_map(|m| {
            let tag = m["annotations"]["org.opencontainers.image.ref.name"].as_str()?;
            Some((tag.to_string(), m["digest"].as_str().unwrap().to_string()))
        })
        .collect();
    tags.sort();
    tags
}

/// Digests of every entry of the layout's `index.json` (tagged or not).
pub fn layout_entries(dir: &Path) -> Vec<String> {
    layout_index(dir)["manifests"]
        .as_array()
        .expect("manifests array")
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .collect()
}

/// The bytes of blob `digest` in the layout at `dir`, checked against the digest; `None` when
/// the layout does not have it.
pub fn layout_blob(dir: &Path, digest: &str) -> Option<Vec<u8>> {
    let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
    let bytes = fs::read(dir.join("blobs/sha256").join(hex)).ok()?;
    assert_eq!(
        sha256_digest(&bytes),
        digest,
        "blob stored under the wrong name"
    );
    Some(bytes)
}

/// Packs the directory `dir` into the tar file `tar_path` (entries relative to `dir`).
pub fn tar_layout(dir: &Path, tar_path: &Path) {
    let file = fs::File::create(tar_path).unwrap();
    let mut builder = tar::Builder::new(file);
    builder.append_dir_all(".", dir).unwrap();
    builder.into_inner().unwrap();
}

/// Runs `skopeo` with `args` (no policy surprises: an insecure-accept-anything policy file).
pub fn skopeo(args: &[&str]) -> Output {
    let policy = tempfile::NamedTempFile::new().unwrap();
    fs::write(
        policy.path(),
        r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
    )
    .unwrap();
    Command::new("skopeo")
        .arg("--policy")
        .arg(policy.path())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run skopeo (apt-get install skopeo; scripts/test does it)")
}

/// A pushed manifest: digest, size and bytes.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `sha256:<hex>`.
    pub digest: String,
    /// Size in bytes.
    pub size: usize,
    /// The manifest bytes.
    pub bytes: Vec<u8>,
}

impl Pushed {
    /// The `mediaType` field of the manifest.
    pub fn media_type(&self) -> &'static str {
        let value: Value = serde_json::from_slice(&self.bytes).unwrap();
        if value["mediaType"] == OCI_INDEX {
            OCI_INDEX
        } else {
            OCI_MANIFEST
        }
    }

    /// The OCI descriptor of this manifest with media type `media_type`.
    pub fn descriptor(&self, media_type: &str) -> Value {
        json!({"mediaType": media_type, "digest": self.digest, "size": self.size})
    }
}

/// Pushes an image manifest for `os/arch` (an OCI image config naming the platform and one layer
/// titled `title`) to `repo:tag` and returns it.
pub fn push_platform_image(
    registry: &Registry,
    repo: &str,
    tag: &str,
    os: &str,
    arch: &str,
    title: &str,
    layer: &[u8],
) -> Pushed {
    let config = serde_json::to_vec(&json!({
        "architecture": arch,
        "os": os,
        "rootfs": {"type": "layers", "diff_ids": []},
    }))
    .unwrap();
    let config_digest = registry.push_blob(repo, &config);
    let layer_digest = registry.push_blob(repo, layer);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config.len()},
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": layer_digest,
            "size": layer.len(),
            "annotations": {TITLE: title},
        }],
    }))
    .unwrap();
    let digest = registry.put_manifest(repo, tag, OCI_MANIFEST, &manifest);
    Pushed {
        digest,
        size: manifest.len(),
        bytes: manifest,
    }
}

/// Pushes an image index of `manifests` (each with its `(os, arch)`) to `repo:tag`.
pub fn push_index(
    registry: &Registry,
    repo: &str,
    tag: &str,
    manifests: &[(&Pushed, &str, &str)],
) -> Pushed {
    let entries: Vec<Value> = manifests
        .iter()
        .map(|(m, os, arch)| {
            let mut d = m.descriptor(OCI_MANIFEST);
            d["platform"] = json!({"architecture": arch, "os": os});
            d
        })
        .collect();
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": entries,
    }))
    .unwrap();
    let digest = registry.put_manifest(repo, tag, OCI_INDEX, &index);
    Pushed {
        digest,
        size: index.len(),
        bytes: index,
    }
}

/// Pushes a referrer of `subject` (artifact type `artifact_type`, one layer titled `title`) by
/// digest, and records it in the subject's referrers tag-schema index (`sha256-<hex>`) as a
/// registry without the Referrers API needs. Returns the referrer.
pub fn push_referrer(
    registry: &Registry,
    repo: &str,
    subject: &Pushed,
    artifact_type: &str,
    title: &str,
    layer: &[u8],
) -> Pushed {
    registry.push_blob(repo, b"{}");
    let layer_digest = registry.push_blob(repo, layer);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {
            "mediaType": "application/vnd.oci.empty.v1+json",
            "digest": super::EMPTY_DIGEST,
            "size": 2,
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": layer_digest,
            "size": layer.len(),
            "annotations": {TITLE: title},
        }],
        "subject": subject.descriptor(subject.media_type()),
    }))
    .unwrap();
    let digest = sha256_digest(&manifest);
    registry.put_manifest(repo, &digest, OCI_MANIFEST, &manifest);
    let referrer = Pushed {
        digest,
        size: manifest.len(),
        bytes: manifest,
    };
    let mut entry = referrer.descriptor(OCI_MANIFEST);
    entry["artifactType"] = json!(artifact_type);
    let tag = subject.digest.replace(':', "-");
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [entry],
    }))
    .unwrap();
    registry.put_manifest(repo, &tag, OCI_INDEX, &index);
    referrer
}
