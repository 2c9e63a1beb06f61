//! oras v1.3's e2e scenarios of `oras attach` (`test/e2e/suite/command/attach.go`), re-expressed
//! against Distribution (tag schema) and ferro-oci-server (Referrers API); one test per `It`.

use crate::common::{OCI_MANIFEST, Registry, fails, ok, oras, oras_in, workdir};
use crate::e2e_status::{flag_marked, foobar_files, match_status, push_foobar_image};

/// The state key of `foobar/to-be-attached` (our fixture's bytes, not oras's: the digest differs).
const ATTACH_KEY: (&str, &str) = ("df35a6e25179", "foobar/to-be-attached");
const FILE: &str = "foobar/to-be-attached:test/oras.e2e";

/// The referrers `discover --format json` lists for `subject`.
fn referrers(subject: &[&str]) -> Vec<serde_json::Value> {
    let out = ok(oras()
        .arg("discover")
        .args(subject)
        .args(["--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    doc["referrers"].as_array().cloned().unwrap_or_default()
}

fn attach_in(work: &std::path::Path, args: &[&str]) -> String {
    ok(oras_in(work)
        .arg("attach")
        .args(["--artifact-type", "test/attach"])
        .args(args))
}

#[test]
fn should_run_attach_command() {
    let out = ok(oras().args(["attach", "--help"]));
    assert!(
        out.contains("[Preview] attach") || out.contains("[Preview] Attach"),
        "{out}"
    );
    assert!(out.contains("\nUsage:"), "{out}");
}

#[test]
fn should_show_preview_and_help_doc() {
    let out = ok(oras().args(["attach", "--help"]));
    for word in [
        "[Preview] Attach",
        "** This command is in preview and under development. **",
        "Example - ",
    ] {
        assert!(out.contains(word), "{word}: {out}");
    }
    flag_marked(&out, "--distribution-spec", "[Preview]");
}

#[test]
fn should_fail_when_no_subject_reference_provided() {
    assert!(fails(oras().args(["attach", "--artifact-type", "oras/test"])).contains("Error:"));
}

#[test]
fn should_fail_if_no_file_reference_or_manifest_annotation_provided_for_registry() {
    let reg = Registry::start();
    let err = fails(oras().args([
        "attach",
        "--artifact-type",
        "oras/test",
        &reg.reference("images:foobar"),
    ]));
    assert!(
        err.contains("Error: neither file nor annotation") && err.contains("Usage:"),
        "{err}"
    );
}

#[test]
fn should_fail_if_no_file_reference_or_manifest_annotation_provided_for_oci_layout() {
    let work = workdir();
    let r = format!("{}:foobar", work.path().display());
    let err = fails(oras().args(["attach", "--artifact-type", "oras/test", &r, "--oci-layout"]));
    assert!(
        err.contains("Error: neither file nor annotation") && err.contains("Usage:"),
        "{err}"
    );
}

#[test]
fn should_fail_if_distribution_spec_is_unknown() {
    let reg = Registry::start();
    let args = [
        "attach",
        "--artifact-type",
        "oras/test",
        &reg.reference("images:foobar"),
        "--distribution-spec",
        "???",
    ];
    assert!(fails(oras().args(args)).contains("unknown distribution specification flag"));
}

#[test]
fn should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().arg("attach"));
    assert!(
        err.contains("\nUsage: oras attach") && err.contains("Run \"oras attach -h\""),
        "{err}"
    );
}

#[test]
fn should_fail_if_distribution_spec_is_not_valid() {
    let reg = Registry::start();
    let subject = reg.reference("attach:foobar");
    push_foobar_image(&subject);
    let work = workdir();
    foobar_files(work.path());
    let err = fails(oras_in(work.path()).args([
        "attach",
        "--artifact-type",
        "test/attach",
        &subject,
        FILE,
        "--distribution-spec",
        "???",
    ]));
    for word in [
        "Error:",
        "???",
        "Available options: v1.1-referrers-tag, v1.1-referrers-api",
    ] {
        assert!(err.contains(word), "{word}: {err}");
    }
}

#[test]
fn should_attach_a_file_to_a_subject() {
    let reg = crate::common::ferro::ApiRegistry::start();
    let subject = reg.reference("attach/simple:foobar");
    push_foobar_image(&subject);
    let work = workdir();
    foobar_files(work.path());
    match_status(
        &attach_in(work.path(), &[&subject, FILE]),
        "attach",
        &[ATTACH_KEY],
        false,
        1,
    );
}

#[test]
fn should_attach_a_file_to_a_subject_and_export_the_built_manifest() {
    let reg = crate::common::ferro::ApiRegistry::start();
    let subject = reg.reference("attach/export:foobar");
    push_foobar_image(&subject);
    let work = workdir();
    foobar_files(work.path());
    let out = attach_in(
        work.path(),
        &[&subject, FILE, "--export-manifest", "manifest.json"],
    );
    match_status(&out, "attach", &[ATTACH_KEY], false, 1);
    let found = referrers(&[&subject]);
    assert_eq!(found.len(), 1);
    let digest = found[0]["digest"].as_str().unwrap();
    let fetched = ok(oras().args([
        "manifest",
        "fetch",
        &reg.reference(&format!("attach/export@{digest}")),
    ]));
    assert_eq!(
        std::fs::read_to_string(work.path().join("manifest.json")).unwrap(),
        fetched
    );
}

/// oras's spec passes `--format {{.Ref}}---{{.ArtifactType}}` (the v1.1 preview form); v1.3
/// takes `--format go-template --template` with the fields `reference` and `artifactType`.
#[test]
fn should_attach_a_file_to_a_subject_and_format_the_digest_reference() {
    let reg = crate::common::ferro::ApiRegistry::start();
    let subject = reg.reference("attach/format-ref:foobar");
    push_foobar_image(&subject);
    let work = workdir();
    foobar_files(work.path());
    let template = "{{.reference}}---{{.artifactType}}";
    let args = [
        &*subject,
        FILE,
        "--export-manifest",
        "manifest.json",
        "--format",
        "go-template",
        "--template",
        template,
    ];
    let out = attach_in(work.path(), &args);
    let (reference, artifact_type) = out.split_once("---").unwrap();
    assert_eq!(artifact_type, "test/attach");
    let fetched = ok(oras().args(["manifest", "fetch", reference]));
    assert_eq!(
        std::fs::read_to_string(work.path().join("manifest.json")).unwrap(),
        fetched
    );
}

#[test]
fn should_attach_a_file_to_a_subject_and_format_json() {
    let reg = crate::common::ferro::ApiRegistry::start();
    let subject = reg.reference("attach/format-json:foobar");
    push_foobar_image(&subject);
    let work = workdir();
    foobar_files(work.path());
    let out = attach_in(
        work.path(),
        &[
            &subject,
            FILE,
            "--export-manifest",
            "manifest.json",
            "--format",
            "json",
        ],
    );
    assert!(out.contains(&reg.reference("attach/format-json")), "{out}");
}

fn check_attach_via_oci_image(subject: &str, extra: &[&str]) {
    push_foobar_image(subject);
    let work = workdir();
    foobar_files(work.path());
    let out = attach_in(work.path(), &[&[subject, FILE], extra].concat());
    match_status(&out, "attach", &[ATTACH_KEY], false, 1);
    let found = referrers(&[&[subject], extra].concat());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["mediaType"], OCI_MANIFEST);
}

#[test]
fn should_attach_a_file_via_a_oci_image() {
    let reg = crate::common::ferro::ApiRegistry::start();
    check_attach_via_oci_image(&reg.reference("attach/image:foobar"), &[]);
}

#[test]
fn should_attach_file_with_path_validation_disabled() {
    let reg = crate::common::ferro::ApiRegistry::start();
    let subject = reg.reference("attach/simple:foobar");
    push_foobar_image(&subject);
    let work = workdir();
    foobar_files(work.path());
    let abs = work
        .path()
        .join("foobar/to-be-attached")
        .display()
        .to_string();
    let file = format!("{abs}:test/oras.e2e");
    let out = ok(oras().args([
        "attach",
        "--artifact-type",
        "test/attach",
        &subject,
        &file,
        "--disable-path-validation",
    ]));
    match_status(&out, "attach", &[(ATTACH_KEY.0, &abs)], false, 1);
}

#[test]
fn should_fail_path_validation_when_attaching_file_with_absolute_path() {
    let reg = crate::common::ferro::ApiRegistry::start();
    let subject = reg.reference("attach/simple:foobar");
    push_foobar_image(&subject);
    let work = workdir();
    foobar_files(work.path());
    let file = format!(
        "{}:test/oras.e2e",
        work.path().join("foobar/to-be-attached").display()
    );
    fails(oras().args(["attach", "--artifact-type", "test/attach", &subject, &file]));
}

#[test]
fn fallback_should_attach_a_file_via_a_oci_image() {
    let reg = Registry::start();
    check_attach_via_oci_image(&reg.reference("attach/fallback/image:foobar"), &[]);
}

#[test]
fn fallback_should_attach_a_file_via_a_oci_image_by_default() {
    let reg = Registry::start();
    check_attach_via_oci_image(&reg.reference("attach/fallback/default:foobar"), &[]);
}

#[test]
fn fallback_should_attach_a_file_via_a_oci_image_and_generate_referrer_via_tag_schema() {
    let reg = Registry::start();
    let subject = reg.reference("attach/fallback/tag_schema:foobar");
    check_attach_via_oci_image(&subject, &["--distribution-spec", "v1.1-referrers-tag"]);
}

fn layout_with_foobar() -> (tempfile::TempDir, String) {
    let reg = Registry::start();
    let image = reg.reference("images:foobar");
    push_foobar_image(&image);
    let work = workdir();
    let layout = format!("{}:foobar", work.path().join("layout").display());
    ok(oras().args(["cp", &image, "--to-oci-layout", &layout]));
    foobar_files(work.path());
    (work, layout)
}

#[test]
fn oci_layout_should_attach_a_file_to_a_subject() {
    let (work, layout) = layout_with_foobar();
    let out = attach_in(work.path(), &["--oci-layout", &layout, FILE]);
    match_status(&out, "attach", &[ATTACH_KEY], false, 1);
}

#[test]
fn oci_layout_should_attach_a_file_to_a_subject_and_export_the_built_manifest() {
    let (work, layout) = layout_with_foobar();
    let out = attach_in(
        work.path(),
        &[
            "--oci-layout",
            &layout,
            FILE,
            "--export-manifest",
            "manifest.json",
        ],
    );
    match_status(&out, "attach", &[ATTACH_KEY], false, 1);
    let found = referrers(&["--oci-layout", &layout]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["mediaType"], OCI_MANIFEST);
    let digest = found[0]["digest"].as_str().unwrap();
    let at = format!("{}@{digest}", work.path().join("layout").display());
    let fetched = ok(oras().args(["manifest", "fetch", "--oci-layout", &at]));
    assert_eq!(
        std::fs::read_to_string(work.path().join("manifest.json")).unwrap(),
        fetched
    );
}
