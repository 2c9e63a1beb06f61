//! Descriptors of an OCI image layout as oras-go's OCI store gives them: a tag resolves to its
//! whole `index.json` entry, `org.opencontainers.image.ref.name` included (issue 12).

use crate::common;
use common::{ok, oras_in, workdir, write_file};

const REF_NAME: &str = "org.opencontainers.image.ref.name";

#[test]
fn layout_descriptors_keep_the_ref_name_annotation() {
    let work = workdir();
    write_file(work.path(), "a.txt", "a\n");
    ok(oras_in(work.path()).args(["push", "--oci-layout", "lay:v1", "a.txt"]));

    let fetched = ok(oras_in(work.path()).args([
        "manifest",
        "fetch",
        "--oci-layout",
        "lay:v1",
        "--descriptor",
    ]));
    let fetched: serde_json::Value = serde_json::from_str(&fetched).unwrap();
    assert_eq!(fetched["annotations"][REF_NAME], "v1", "{fetched}");
    assert_eq!(
        fetched["artifactType"],
        "application/vnd.unknown.artifact.v1"
    );

    let discovered =
        ok(oras_in(work.path()).args(["discover", "--oci-layout", "lay:v1", "--format", "json"]));
    let discovered: serde_json::Value = serde_json::from_str(&discovered).unwrap();
    assert_eq!(discovered["annotations"][REF_NAME], "v1", "{discovered}");
    assert_eq!(discovered["digest"], fetched["digest"]);

    // By digest, a plain descriptor, as oras-go's `descriptor.Plain`.
    let digest = fetched["digest"].as_str().unwrap();
    let by_digest = ok(oras_in(work.path()).args([
        "manifest",
        "fetch",
        "--oci-layout",
        &format!("lay@{digest}"),
        "--descriptor",
    ]));
    let by_digest: serde_json::Value = serde_json::from_str(&by_digest).unwrap();
    assert!(by_digest.get("annotations").is_none(), "{by_digest}");

    let deleted = ok(oras_in(work.path()).args([
        "manifest",
        "delete",
        "--oci-layout",
        "lay:v1",
        "--descriptor",
        "--force",
    ]));
    let deleted: serde_json::Value = serde_json::from_str(&deleted).unwrap();
    assert_eq!(deleted["annotations"][REF_NAME], "v1", "{deleted}");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.path().join("lay/index.json")).unwrap())
            .unwrap();
    assert_eq!(index["manifests"], serde_json::json!([]));
}

#[test]
fn manifest_push_to_a_new_oci_layout_creates_it() {
    let work = workdir();
    write_file(work.path(), "a.txt", "a\n");
    ok(oras_in(work.path()).args(["push", "--oci-layout", "src:v1", "a.txt"]));
    let manifest = ok(oras_in(work.path()).args(["manifest", "fetch", "--oci-layout", "src:v1"]));
    let mut cmd = oras_in(work.path());
    cmd.args(["manifest", "push", "--oci-layout", "fresh/new:v2", "-"])
        .write_stdin(manifest.clone());
    let out = ok(&mut cmd);
    assert!(out.contains("Pushed: [oci-layout] fresh/new:v2"), "{out}");
    let layout = work.path().join("fresh/new");
    assert_eq!(
        std::fs::read_to_string(layout.join("oci-layout")).unwrap(),
        r#"{"imageLayoutVersion":"1.0.0"}"#
    );
    let again =
        ok(oras_in(work.path()).args(["manifest", "fetch", "--oci-layout", "fresh/new:v2"]));
    assert_eq!(again, manifest);
}
