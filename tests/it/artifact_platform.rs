//! `push --artifact-platform` (oras v1.3.0): the config is generated from the platform, so the
//! artifact can be selected by platform, also from an index made of such artifacts (issue 12).

use crate::common;
use common::layout::layout_blob;
use common::{Registry, fails, ok, oras_in, workdir, write_file};

const IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

#[test]
fn push_with_an_artifact_platform_generates_an_image_config_from_it() {
    let registry = Registry::start();
    let work = workdir();
    write_file(work.path(), "tool", "arm tool\n");
    let reference = registry.reference("platform/tool:arm");
    ok(oras_in(work.path()).args([
        "push",
        "--artifact-platform",
        "linux/arm/v5",
        &reference,
        "tool",
    ]));
    let manifest = registry.manifest_json("platform/tool", "arm");
    assert_eq!(manifest["config"]["mediaType"], IMAGE_CONFIG);
    // oras's default artifact type still applies under v1.1.
    assert_eq!(
        manifest["artifactType"],
        "application/vnd.unknown.artifact.v1"
    );
    let digest = manifest["config"]["digest"].as_str().unwrap();
    let (status, _, body) = registry.get(&format!("/v2/platform/tool/blobs/{digest}"));
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"architecture":"arm","os":"linux","variant":"v5"}"#
    );
    assert_eq!(manifest["config"]["size"], 50);

    // Two such artifacts make a multi-platform index, and a pull selects by platform.
    write_file(work.path(), "tool", "amd tool\n");
    let amd = registry.reference("platform/tool:amd");
    ok(oras_in(work.path()).args(["push", "--artifact-platform", "linux/amd64", &amd, "tool"]));
    let index = registry.reference("platform/tool:v1");
    ok(oras_in(work.path()).args(["manifest", "index", "create", &index, "arm", "amd"]));
    let out = work.path().join("out");
    ok(oras_in(work.path())
        .args(["pull", "--platform", "linux/amd64", &index, "-o"])
        .arg(&out));
    assert_eq!(
        std::fs::read_to_string(out.join("tool")).unwrap(),
        "amd tool\n"
    );
}

#[test]
fn artifact_platform_under_image_spec_v1_0_and_its_refusals() {
    let registry = Registry::start();
    let work = workdir();
    write_file(work.path(), "a.txt", "a\n");
    write_file(work.path(), "config.json", "{}");
    let reference = registry.reference("platform/v10:v1");
    // v1.0: the platform's config, and no artifactType field.
    ok(oras_in(work.path()).args([
        "push",
        "--image-spec",
        "v1.0",
        "--artifact-platform",
        "linux/amd64:10.0",
        &reference,
        "a.txt",
    ]));
    let manifest = registry.manifest_json("platform/v10", "v1");
    assert_eq!(manifest["config"]["mediaType"], IMAGE_CONFIG);
    assert!(manifest.get("artifactType").is_none(), "{manifest}");
    let digest = manifest["config"]["digest"].as_str().unwrap();
    let (_, _, body) = registry.get(&format!("/v2/platform/v10/blobs/{digest}"));
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"architecture":"amd64","os":"linux","os.version":"10.0"}"#
    );

    let refused = registry.reference("platform/refused:v1");
    let stderr = fails(oras_in(work.path()).args([
        "push",
        "--image-spec",
        "v1.0",
        "--artifact-type",
        "a/b",
        "--artifact-platform",
        "linux/amd64",
        &refused,
        "a.txt",
    ]));
    assert_eq!(
        stderr,
        "Error: artifact type cannot be customized for OCI image-spec v1.0 when platform is specified\nconsider using image spec v1.1 or remove --artifact-type\n"
    );
    let stderr = fails(oras_in(work.path()).args([
        "push",
        "--config",
        "config.json:a/b",
        "--artifact-type",
        "c/d",
        "--artifact-platform",
        "linux/amd64",
        &refused,
        "a.txt",
    ]));
    assert_eq!(
        stderr,
        "Error: --config, --artifact-platform cannot be used at the same time\n"
    );
    let stderr = fails(oras_in(work.path()).args([
        "push",
        "--artifact-platform",
        "linux/",
        &refused,
        "a.txt",
    ]));
    assert!(stderr.starts_with("Error: "), "{stderr}");
    assert_eq!(registry.resolve("platform/refused", "v1"), None);
}

#[test]
fn artifact_platform_into_an_oci_layout() {
    let work = workdir();
    write_file(work.path(), "a.txt", "a\n");
    let out = ok(oras_in(work.path()).args([
        "push",
        "--oci-layout",
        "layout:v1",
        "--artifact-platform",
        "linux/arm64",
        "a.txt",
        "--format",
        "json",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let manifest_digest = doc["digest"].as_str().unwrap();
    let layout = work.path().join("layout");
    let manifest: serde_json::Value =
        serde_json::from_slice(&layout_blob(&layout, manifest_digest).unwrap()).unwrap();
    assert_eq!(manifest["config"]["mediaType"], IMAGE_CONFIG);
    let config = layout_blob(&layout, manifest["config"]["digest"].as_str().unwrap()).unwrap();
    assert_eq!(config, br#"{"architecture":"arm64","os":"linux"}"#);
}
