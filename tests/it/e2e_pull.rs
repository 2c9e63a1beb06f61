//! oras v1.3's e2e scenarios of `oras pull` (`test/e2e/suite/command/pull.go`), re-expressed
//! against Distribution with oras's fixtures rebuilt (`e2e_status`); one test per `It`.

use crate::common::auth::{USER, start_htpasswd};
use crate::common::{OCI_MANIFEST, Registry, fails, ok, oras, oras_in, workdir, write_file};
use crate::e2e_status::{
    IMAGE_LAYERS, attach, match_status, push_foobar_image, push_multi_arch, short,
};

const INVALID_TAG: &str = "i-dont-think-this-tag-exists";

fn hint(reference: &str) -> String {
    format!(
        "Skipped pulling layers without file name in \"org.opencontainers.image.title\"\nUse 'oras copy {reference} --to-oci-layout <layout-dir>' to pull all layers.\n"
    )
}

#[test]
fn should_show_help_description_with_feature_flags() {
    let out = ok(oras().args(["pull", "--help"]));
    assert!(out.contains("Example - "), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("--include-subject"))
        .unwrap();
    assert!(line.contains("[Preview]"), "{line}");
}

#[test]
fn should_show_hint_for_unnamed_layer() {
    let reg = Registry::start();
    reg.push_artifact(
        "artifacts",
        "unnamed",
        &[("application/vnd.oci.image.layer.v1.tar", b"x", None)],
    );
    let r = reg.reference("artifacts:unnamed");
    let work = workdir();
    let out = ok(oras_in(work.path()).args(["pull", &r]));
    assert!(out.contains(&hint(&r)), "{out}");
}

#[test]
fn should_not_show_hint_for_unnamed_config_blob() {
    let reg = Registry::start();
    let r = reg.reference("images:foobar");
    push_foobar_image(&r);
    let work = workdir();
    let out = ok(oras_in(work.path()).args(["pull", &r]));
    assert!(!out.contains("Skipped pulling layers"), "{out}");
}

#[test]
fn should_not_show_hint_for_empty_layer() {
    let reg = Registry::start();
    let r = reg.reference("artifacts:empty");
    let work = workdir();
    ok(oras_in(work.path()).args(["push", &r, "--artifact-type", "test/empty"]));
    let out = ok(oras_in(work.path()).args(["pull", &r]));
    assert!(!out.contains("Skipped pulling layers"), "{out}");
}

#[test]
fn should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().arg("pull"));
    assert!(err.contains("\nUsage: oras pull"), "{err}");
    assert!(err.contains("Run \"oras pull -h\""), "{err}");
}

#[test]
fn should_fail_if_password_is_wrong_with_registry_error_prefix() {
    let reg = start_htpasswd(false);
    let r = reg.reference("artifacts:empty");
    // stderr starts with oras's `--password` warning.
    let out = oras()
        .args(["pull", &r, "-u", USER, "-p", "???"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines()
            .any(|l| l.starts_with("Error response from registry: ")),
        "{err}"
    );
}

#[test]
fn should_fail_if_artifact_is_not_found_with_registry_error_prefix() {
    let reg = Registry::start();
    let err = fails(oras().args(["pull", &reg.reference(&format!("artifacts:{INVALID_TAG}"))]));
    assert!(err.starts_with("Error response from registry: "), "{err}");
}

#[test]
fn should_fail_if_artifact_is_not_found_from_oci_layout() {
    let reg = Registry::start();
    let r = reg.reference("images:foobar");
    push_foobar_image(&r);
    let work = workdir();
    let layout = work.path().join("layout");
    ok(oras().args([
        "cp",
        &r,
        "--to-oci-layout",
        &format!("{}:foobar", layout.display()),
    ]));
    let err = fails(oras().args([
        "pull",
        "--oci-layout",
        &format!("{}:{INVALID_TAG}", layout.display()),
    ]));
    assert!(err.starts_with("Error: "), "{err}");
}

fn foobar_keys<'a>(manifest: &'a str, config: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut keys = IMAGE_LAYERS.to_vec();
    keys.push((
        short(manifest),
        "application/vnd.oci.image.manifest.v1+json",
    ));
    if let Some(name) = config {
        keys.push(("44136fa355b3", name));
    }
    keys
}

fn check_pull_all_files(source: &[&str], digest: &str) {
    let work = workdir();
    let args = ["-v", "--config", "test.config", "-o", "pulled"];
    let out = ok(oras_in(work.path()).arg("pull").args(source).args(args));
    match_status(
        &out,
        "pull",
        &foobar_keys(digest, Some("test.config")),
        true,
        5,
    );
    assert_eq!(
        std::fs::read(work.path().join("pulled/test.config")).unwrap(),
        b"{}"
    );
    for (name, bytes) in [("foo1", "foo"), ("foo2", "foo"), ("bar", "bar")] {
        assert_eq!(
            std::fs::read_to_string(work.path().join("pulled").join(name)).unwrap(),
            bytes
        );
    }
    let again = oras_in(work.path())
        .arg("pull")
        .args(source)
        .args(["-v", "-o", "pulled", "--keep-old-files"])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(1),
        "fail if overwrite old files are disabled"
    );
}

#[test]
fn should_pull_all_files_in_an_image_to_a_target_folder() {
    let reg = Registry::start();
    let r = reg.reference("images:foobar");
    let digest = push_foobar_image(&r);
    check_pull_all_files(&[&r], &digest);
}

#[test]
fn oci_layout_should_pull_all_files_in_an_image_to_a_target_folder() {
    let reg = Registry::start();
    let r = reg.reference("images:foobar");
    let digest = push_foobar_image(&r);
    let work = workdir();
    let layout = format!("{}:foobar", work.path().join("layout").display());
    ok(oras().args(["cp", &r, "--to-oci-layout", &layout]));
    check_pull_all_files(&["--oci-layout", &layout], &digest);
}

#[test]
fn should_skip_config_if_media_type_not_matching() {
    let reg = Registry::start();
    let r = reg.reference("images:foobar");
    let digest = push_foobar_image(&r);
    let work = workdir();
    let out = ok(oras_in(work.path()).args([
        "pull",
        &r,
        "-v",
        "--config",
        "test.config:???",
        "-o",
        "pulled",
    ]));
    match_status(&out, "pull", &foobar_keys(&digest, None), true, 4);
    assert!(!work.path().join("pulled/test.config").exists());
    assert_eq!(
        std::fs::read_to_string(work.path().join("pulled/bar")).unwrap(),
        "bar"
    );
}

/// The fixture's signature is a referrer of its SBOM, a referrer of `foobar`: both are
/// pulled with the subject.
fn check_pull_subject(reg_ref: impl Fn(&str) -> String) {
    let image = reg_ref("foobar");
    let digest = push_foobar_image(&image);
    let sbom = attach(&image, "test/sbom.file");
    let signature = attach(
        &reg_ref(&format!("sbom@{sbom}")).replace(":sbom@", "@"),
        "test/signature.file",
    );
    let work = workdir();
    let target = reg_ref(&format!("x@{signature}")).replace(":x@", "@");
    let out = ok(oras_in(work.path()).args(["pull", &target, "-v", "--include-subject"]));
    let mut keys = foobar_keys(&digest, None);
    keys.push((short(&signature), OCI_MANIFEST));
    keys.push((short(&sbom), OCI_MANIFEST));
    match_status(&out, "pull", &keys, true, 6);
}

#[test]
fn should_pull_subject() {
    let reg = Registry::start();
    check_pull_subject(|tag| reg.reference(&format!("artifacts:{tag}")));
}

#[test]
fn should_pull_subject_with_the_referrers_api() {
    let reg = crate::common::ferro::ApiRegistry::start();
    check_pull_subject(|tag| reg.reference(&format!("artifacts:{tag}")));
}

#[test]
fn should_pull_specific_platform() {
    let reg = Registry::start();
    let [_, amd64, config, layer] = push_multi_arch(&reg, "images");
    let work = workdir();
    let r = reg.reference("images:multi");
    let out =
        ok(oras_in(work.path()).args(["pull", &r, "--platform", "linux/amd64", "-v", "-o", "out"]));
    let keys = [
        (short(&amd64), OCI_MANIFEST),
        (short(&config), "application/vnd.oci.image.config.v1+json"),
        (short(&layer), "hello.tar"),
    ];
    match_status(&out, "pull", &keys, true, 3);
}

#[test]
fn should_pull_an_artifact_with_blob() {
    let reg = Registry::start();
    let work = workdir();
    write_file(work.path(), "hello.tar", "hello");
    let r = reg.reference("artifacts:blob");
    ok(oras_in(work.path()).args(["push", &r, "hello.tar"]));
    let out = workdir();
    ok(oras().args(["pull", &r, "-v", "-o"]).arg(out.path()));
    assert!(out.path().join("hello.tar").is_file());
}

#[test]
fn should_pull_an_artifact_with_config() {
    let reg = Registry::start();
    let work = workdir();
    write_file(work.path(), "hello.tar", "hello");
    write_file(work.path(), "config.json", "{}");
    let r = reg.reference("artifacts:config");
    ok(oras_in(work.path()).args([
        "push",
        &r,
        "hello.tar",
        "--config",
        "config.json:test/config",
    ]));
    let out = workdir();
    ok(oras().args(["pull", &r, "-v", "-o"]).arg(out.path()));
    assert!(out.path().join("hello.tar").is_file());
}

#[test]
fn should_print_skipped_for_an_unnamed_config() {
    let reg = Registry::start();
    let r = reg.reference("images:foobar");
    push_foobar_image(&r);
    let work = workdir();
    let out = ok(oras_in(work.path()).args(["pull", &r, "-v"]));
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == [
                "Skipped",
                "44136fa355b3",
                "application/vnd.unknown.config.v1+json"
            ]),
        "{out}"
    );
}
