//! oras v1.3's e2e scenarios of `oras push` (`test/e2e/suite/command/push.go`), re-expressed
//! against Distribution; one test per `It`, named after it.

use serde_json::json;

use crate::common::{Registry, fails, ok, oras, oras_in, workdir};
use crate::e2e_status::{BAR, EMPTY_CONFIG, fetch_manifest, foobar_files, match_status};

fn bar_layer(media_type: &str) -> serde_json::Value {
    json!({"mediaType": media_type, "digest": crate::e2e_status::BAR_DIGEST, "size": 3,
        "annotations": {"org.opencontainers.image.title": "foobar/bar"}})
}

#[test]
fn should_show_help_description_with_feature_flags() {
    let out = ok(oras().args(["push", "--help"]));
    assert!(out.contains("Example - "), "{out}");
    let line = out.lines().find(|l| l.contains("--image-spec")).unwrap();
    assert!(line.contains("[Experimental]"), "{line}");
}

#[test]
fn should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().arg("push"));
    assert!(err.contains("Error"), "{err}");
    assert!(err.contains("\nUsage: oras push"), "{err}");
    assert!(err.contains("Run \"oras push -h\""), "{err}");
}

#[test]
fn should_fail_if_the_provided_reference_is_not_valid() {
    let err = fails(oras().args(["push", "/oras"]));
    assert!(
        err.contains(r#"Error: "/oras": invalid reference: invalid registry """#),
        "{err}"
    );
    assert!(err.contains("Please make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]"), "{err}");
}

#[test]
fn should_fail_if_the_to_be_pushed_file_is_not_found() {
    let reg = Registry::start();
    let work = workdir();
    let err =
        fails(oras_in(work.path()).args(["push", &reg.reference("push/nf"), "file/not/found"]));
    let path = work.path().join("file/not/found");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("no such file or directory"), "{err}");
}

#[test]
fn should_fail_to_use_config_and_artifact_type_at_the_same_time_for_oci_spec_v1_0_registry() {
    let reg = Registry::start();
    let work = workdir();
    foobar_files(work.path());
    let args = [
        "push",
        &reg.reference("push/x"),
        "--config",
        "foobar/config.json",
    ];
    fails(oras_in(work.path()).args(args).args([
        "--artifact-type",
        "t/a+json",
        "--image-spec",
        "v1.0",
    ]));
}

#[test]
fn should_fail_if_image_spec_is_not_valid() {
    let reg = Registry::start();
    let err = fails(oras().args([
        "push",
        &reg.reference("push/x:foobar"),
        "--image-spec",
        "???",
    ]));
    for word in ["Error:", "???", "Available options: v1.1, v1.0"] {
        assert!(err.contains(word), "{word}: {err}");
    }
}

/// Runs `oras push <ref> <args> -v` in a fresh foobar work dir; returns stdout.
fn push(reference: &str, args: &[&str]) -> String {
    let work = workdir();
    foobar_files(work.path());
    ok(oras_in(work.path())
        .arg("push")
        .arg(reference)
        .args(args)
        .arg("-v"))
}

#[test]
fn should_push_files_without_customized_media_types() {
    let reg = Registry::start();
    let r = reg.reference("push/no-mediatype:e2e");
    match_status(
        &push(&r, &["foobar/bar"]),
        "push",
        &[EMPTY_CONFIG, BAR],
        true,
        2,
    );
    let m = fetch_manifest(&r);
    assert!(
        m["layers"]
            .as_array()
            .unwrap()
            .contains(&bar_layer("application/vnd.oci.image.layer.v1.tar"))
    );
}

#[test]
fn should_push_files_with_path_validation_disabled() {
    let reg = Registry::start();
    let r = reg.reference("push/dpv:e2e");
    let work = workdir();
    foobar_files(work.path());
    let abs = work.path().join("foobar/bar").display().to_string();
    ok(oras().args(["push", &r, &abs, "-v", "--disable-path-validation"]));
    assert_eq!(
        fetch_manifest(&r)["layers"][0]["annotations"]["org.opencontainers.image.title"],
        abs
    );
}

#[test]
fn should_fail_path_validation_when_pushing_file_with_absolute_path() {
    let reg = Registry::start();
    let work = workdir();
    foobar_files(work.path());
    let abs = work.path().join("foobar/bar").display().to_string();
    // stderr starts with the `--verbose` deprecation warning, as oras's does.
    let out = oras()
        .args(["push", &reg.reference("push/pv:e2e"), &abs, "-v"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--disable-path-validation"), "{err}");
}

#[test]
fn should_push_files_and_tag() {
    let reg = Registry::start();
    let r = reg.reference("push/multi-tag:e2e,2e2");
    match_status(
        &push(&r, &["foobar/bar"]),
        "push",
        &[EMPTY_CONFIG, BAR],
        true,
        2,
    );
    for tag in ["e2e", "2e2"] {
        let m = fetch_manifest(&reg.reference(&format!("push/multi-tag:{tag}")));
        assert!(
            m["layers"]
                .as_array()
                .unwrap()
                .contains(&bar_layer("application/vnd.oci.image.layer.v1.tar"))
        );
    }
}

#[test]
fn should_push_files_with_customized_media_types() {
    let reg = Registry::start();
    let r = reg.reference("push/layer-mediatype:e2e");
    match_status(
        &push(&r, &["foobar/bar:layer/type"]),
        "push",
        &[EMPTY_CONFIG, BAR],
        true,
        2,
    );
    assert!(
        fetch_manifest(&r)["layers"]
            .as_array()
            .unwrap()
            .contains(&bar_layer("layer/type"))
    );
}

#[test]
fn should_push_files_with_manifest_exported() {
    let reg = Registry::start();
    let r = reg.reference("push/export:e2e");
    let work = workdir();
    foobar_files(work.path());
    let out = ok(oras_in(work.path()).args([
        "push",
        &r,
        "foobar/bar:layer/type",
        "-v",
        "--export-manifest",
        "packed.json",
    ]));
    match_status(&out, "push", &[EMPTY_CONFIG, BAR], true, 2);
    let fetched = ok(oras().args(["manifest", "fetch", &r]));
    assert_eq!(
        std::fs::read_to_string(work.path().join("packed.json")).unwrap(),
        fetched
    );
}

#[test]
fn should_push_files_with_customized_config_file() {
    let reg = Registry::start();
    let r = reg.reference("push/config:e2e");
    let config = crate::common::sha256_digest(b"{\"foo\":\"bar\"}");
    let key = (
        crate::e2e_status::short(&config),
        "application/vnd.unknown.config.v1+json",
    );
    match_status(
        &push(&r, &["--config", "foobar/config.json", "foobar/bar"]),
        "push",
        &[key, BAR],
        true,
        2,
    );
    let m = fetch_manifest(&r);
    assert_eq!(
        m["config"],
        json!({"mediaType": "application/vnd.unknown.config.v1+json", "digest": config, "size": 13})
    );
}

#[test]
fn should_push_files_with_customized_config_file_and_mediatype() {
    let reg = Registry::start();
    let r = reg.reference("push/config/mediatype:e2e");
    let config = crate::common::sha256_digest(b"{\"foo\":\"bar\"}");
    let key = (crate::e2e_status::short(&config), "config/type");
    let out = push(
        &r,
        &["--config", "foobar/config.json:config/type", "foobar/bar"],
    );
    match_status(&out, "push", &[key, BAR], true, 2);
    let m = fetch_manifest(&r);
    assert_eq!(
        m["config"],
        json!({"mediaType": "config/type", "digest": config, "size": 13})
    );
}

#[test]
fn should_push_files_with_customized_manifest_annotation() {
    let reg = Registry::start();
    let r = reg.reference("push/manifest-annotation:e2e");
    let out = push(
        &r,
        &[
            "foobar/bar",
            "--annotation",
            "image-anno-key=image-anno-value",
        ],
    );
    match_status(&out, "push", &[EMPTY_CONFIG, BAR], true, 2);
    assert_eq!(
        fetch_manifest(&r)["annotations"]["image-anno-key"],
        "image-anno-value"
    );
}

#[test]
fn should_push_files_with_customized_file_annotation() {
    let reg = Registry::start();
    let r = reg.reference("push/file-annotation:e2e");
    let args = [
        "foobar/bar",
        "--annotation-file",
        "foobar/annotation.json",
        "--config",
        "foobar/config.json",
    ];
    match_status(&push(&r, &args), "push", &[EMPTY_CONFIG, BAR], true, 1);
    let m = fetch_manifest(&r);
    assert_eq!(m["annotations"]["hi"], "manifest");
    assert_eq!(m["config"]["annotations"]["hello"], "config");
    assert_eq!(m["layers"].as_array().unwrap().len(), 1);
    assert_eq!(m["layers"][0]["annotations"]["foo"], "bar");
}

fn empty_json() -> serde_json::Value {
    json!({"mediaType": "application/vnd.oci.empty.v1+json", "digest": crate::common::EMPTY_DIGEST, "size": 2, "data": "e30="})
}

#[test]
fn should_push_artifact_without_layer() {
    let reg = Registry::start();
    let r = reg.reference("push/artifact-no-layer:e2e");
    let out = push(
        &r,
        &["-a", "key=value", "--artifact-type", "test/artifact+json"],
    );
    match_status(&out, "push", &[EMPTY_CONFIG], true, 1);
    let m = fetch_manifest(&r);
    assert_eq!(m["artifactType"], "test/artifact+json");
    assert_eq!(m["layers"], json!([empty_json()]));
    assert_eq!(m["config"], empty_json());
    assert_eq!(m["annotations"]["key"], "value");
}

/// oras's spec passes `--format {{.Ref}}` (the v1.1 preview form); v1.3 takes the template with
/// `--format go-template --template` and names the field `reference`.
#[test]
fn should_push_artifact_and_format_reference() {
    let reg = Registry::start();
    let work = workdir();
    let out = ok(oras_in(work.path()).args([
        "push",
        &reg.reference("push/fmt:e2e"),
        "-a",
        "key=value",
        "--format",
        "go-template",
        "--template",
        "{{.reference}}",
    ]));
    let m = fetch_manifest(&out);
    assert_eq!(m["layers"], json!([empty_json()]));
    assert_eq!(m["config"], empty_json());
    assert_eq!(m["annotations"]["key"], "value");
}

/// oras's spec greps `"ArtifactType"` (the v1.1 preview's field name); v1.3 prints
/// `"artifactType"`.
#[test]
fn should_push_artifact_and_format_json() {
    let reg = Registry::start();
    let work = workdir();
    let args = [
        "push",
        &reg.reference("push/fmt-json:e2e"),
        "-a",
        "key=value",
        "--format",
        "json",
        "--artifact-type",
        "test/artifact+json",
    ];
    let out = ok(oras_in(work.path()).args(args));
    assert!(out.contains(&reg.reference("push/fmt-json")), "{out}");
    assert!(
        out.contains(r#""artifactType": "test/artifact+json""#),
        "{out}"
    );
}

#[test]
fn should_push_files() {
    let reg = Registry::start();
    let r = reg.reference("push/artifact-with-blob:e2e");
    match_status(
        &push(&r, &["foobar/bar"]),
        "push",
        &[BAR, EMPTY_CONFIG],
        true,
        2,
    );
    let m = fetch_manifest(&r);
    assert_eq!(m["artifactType"], "application/vnd.unknown.artifact.v1");
    assert!(
        m["layers"]
            .as_array()
            .unwrap()
            .contains(&bar_layer("application/vnd.oci.image.layer.v1.tar"))
    );
    assert_eq!(m["config"], empty_json());
}

#[test]
fn should_push_v1_1_rc_4_artifact() {
    let reg = Registry::start();
    let r = reg.reference("push/v1.1-artifact:e2e");
    let out = push(&r, &["foobar/bar", "--image-spec", "v1.1"]);
    match_status(&out, "push", &[BAR, EMPTY_CONFIG], true, 2);
    let m = fetch_manifest(&r);
    assert_eq!(m["artifactType"], "application/vnd.unknown.artifact.v1");
    assert_eq!(m["config"], empty_json());
}

#[test]
fn should_push_artifact_with_config() {
    let reg = Registry::start();
    let r = reg.reference("push/artifact-with-config:e2e");
    let config = crate::common::sha256_digest(b"{\"foo\":\"bar\"}");
    let key = (crate::e2e_status::short(&config), "test/config+json");
    let out = push(
        &r,
        &[
            "foobar/bar",
            "--config",
            "foobar/config.json:test/config+json",
        ],
    );
    match_status(&out, "push", &[BAR, key, EMPTY_CONFIG], true, 2);
    let m = fetch_manifest(&r);
    assert!(m.get("artifactType").is_none(), "{m}");
    assert_eq!(m["config"]["mediaType"], "test/config+json");
    assert_eq!(m["config"]["digest"], config.as_str());
}

#[test]
fn should_push_artifact_with_artifact_type_and_config_data() {
    let reg = Registry::start();
    let r = reg.reference("push/artifact-type-and-config:e2e");
    let config = crate::common::sha256_digest(b"{\"foo\":\"bar\"}");
    let key = (crate::e2e_status::short(&config), "test/config+json");
    let args = [
        "foobar/bar",
        "--artifact-type",
        "test/artifact+json",
        "--config",
        "foobar/config.json:test/config+json",
    ];
    match_status(&push(&r, &args), "push", &[BAR, key, EMPTY_CONFIG], true, 2);
    let m = fetch_manifest(&r);
    assert_eq!(m["artifactType"], "test/artifact+json");
    assert_eq!(m["config"]["mediaType"], "test/config+json");
}

#[test]
fn oci_layout_should_push_files_and_tag() {
    let work = workdir();
    foobar_files(work.path());
    let layout = work.path().join("layout");
    let r = format!("{}:e2e,2e2", layout.display());
    let out = ok(oras_in(work.path()).args(["push", "--oci-layout", &r, "foobar/bar", "-v"]));
    match_status(&out, "push", &[EMPTY_CONFIG, BAR], true, 2);
    for tag in ["e2e", "2e2"] {
        let r = format!("{}:{tag}", layout.display());
        let m: serde_json::Value =
            serde_json::from_str(&ok(oras().args(["manifest", "fetch", "--oci-layout", &r])))
                .unwrap();
        assert!(
            m["layers"]
                .as_array()
                .unwrap()
                .contains(&bar_layer("application/vnd.oci.image.layer.v1.tar"))
        );
    }
}

#[test]
fn oci_layout_should_push_files_with_customized_file_annotation() {
    let work = workdir();
    foobar_files(work.path());
    let r = format!("{}:e2e", work.path().join("layout").display());
    let args = [
        "push",
        &r,
        "--oci-layout",
        "foobar/bar",
        "-v",
        "--annotation-file",
        "foobar/annotation.json",
        "--config",
        "foobar/config.json",
    ];
    match_status(
        &ok(oras_in(work.path()).args(args)),
        "push",
        &[EMPTY_CONFIG, BAR],
        true,
        1,
    );
    let m: serde_json::Value =
        serde_json::from_str(&ok(oras().args(["manifest", "fetch", "--oci-layout", &r]))).unwrap();
    assert_eq!(m["annotations"]["hi"], "manifest");
    assert_eq!(m["config"]["annotations"]["hello"], "config");
    assert_eq!(m["layers"][0]["annotations"]["foo"], "bar");
}
