//! Transport (issue 12), against the real Distribution: a manifest whose blobs the repository
//! lacks says to push them first.

use crate::common;

use common::{
    EMPTY_DIGEST, OCI_EMPTY, OCI_MANIFEST, Registry, fails, ok, oras_in, sha256_digest, workdir,
    write_file,
};

#[test]
fn manifest_push_with_missing_blobs_says_push_them_first_not_image_spec() {
    let reg = Registry::start();
    let layer = b"a layer never pushed\n";
    // artifactType set: the case where the ECR image-spec hint used to be given.
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.test.artifact",
        "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
        "layers": [{
            "mediaType": "application/octet-stream",
            "digest": sha256_digest(layer),
            "size": layer.len(),
        }],
    });
    let work = workdir();
    let bytes = serde_json::to_vec(&manifest).unwrap();
    write_file(work.path(), "manifest.json", &bytes);
    let reference = reg.reference("demo/missing:v1");
    let stderr =
        fails(oras_in(work.path()).args(["manifest", "push", &reference, "manifest.json"]));
    assert!(stderr.contains("manifest blob unknown"), "{stderr}");
    assert!(stderr.contains("push the blobs first"), "{stderr}");
    assert!(!stderr.contains("image-spec"), "{stderr}");
    assert_eq!(reg.resolve("demo/missing", "v1"), None);

    // Once the blobs are in, the same manifest goes in.
    reg.push_blob("demo/missing", b"{}");
    reg.push_blob("demo/missing", layer);
    ok(oras_in(work.path()).args(["manifest", "push", &reference, "manifest.json"]));
    assert_eq!(
        reg.resolve("demo/missing", "v1"),
        Some(sha256_digest(&bytes))
    );
}
