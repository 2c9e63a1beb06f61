//! oras v1.3's e2e scenarios of `oras blob` (`test/e2e/suite/command/blob.go`), re-expressed
//! against Distribution and OCI layouts; one test per `It`, named after it.

use crate::common::{Registry, fails, ok, oras, workdir, write_file};
use crate::e2e_status::{match_keywords, push_foobar_image};

const PUSH_CONTENT: &str = "test-blob";
const PUSH_DIGEST: &str = "sha256:e1ca41574914ba00e8ed5c8fc78ec8efdfd48941c7e48ad74dad8ada7f2066d8";
const INVALID_DIGEST: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";
const FOO_DIGEST: &str = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
const FOO_DESCRIPTOR: &str = r#"{"mediaType":"application/octet-stream","digest":"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","size":3}"#;

fn push_desc(media_type: &str) -> String {
    format!(r#"{{"mediaType":"{media_type}","digest":"{PUSH_DIGEST}","size":9}}"#)
}

/// Runs `args`, expecting exit code 1 (a warning may come first on stderr); returns stderr.
fn failing(args: &[&str], stdin: &str) -> String {
    let out = oras().args(args).write_stdin(stdin).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn images() -> (Registry, String) {
    let reg = Registry::start();
    push_foobar_image(&reg.reference("images:foobar"));
    let r = reg.reference("images");
    (reg, r)
}

#[test]
fn should_fail_to_read_blob_content_and_password_from_stdin_at_the_same_time() {
    let err = failing(
        &[
            "blob",
            "push",
            "localhost:5000/blob/x",
            "--password-stdin",
            "-",
        ],
        "",
    );
    match_keywords(
        &err,
        &[
            "Error: `-` read file from input and `--password-stdin` read password from input cannot be both used",
        ],
    );
}

#[test]
fn should_fail_to_push_a_blob_from_stdin_but_no_blob_size_provided() {
    let reg = Registry::start();
    let err = failing(
        &[
            "blob",
            "push",
            &reg.reference(&format!("blob@{PUSH_DIGEST}")),
            "-",
        ],
        PUSH_CONTENT,
    );
    match_keywords(
        &err,
        &["Error: `--size` must be provided if the blob is read from stdin"],
    );
}

#[test]
fn should_fail_to_push_a_blob_from_stdin_if_invalid_blob_size_provided() {
    let reg = Registry::start();
    let digest = "sha256:c897eff15c4586525388034f8246346681cb48d75a619039c566c4939a18102e";
    failing(
        &[
            "blob",
            "push",
            &reg.reference(&format!("blob@{digest}")),
            "-",
            "--size",
            "3",
        ],
        "another-test",
    );
}

#[test]
fn should_fail_to_push_a_blob_from_stdin_if_invalid_digest_provided() {
    let reg = Registry::start();
    failing(
        &[
            "blob",
            "push",
            &reg.reference(&format!("blob@{INVALID_DIGEST}")),
            "-",
            "--size",
            "9",
        ],
        PUSH_CONTENT,
    );
}

#[test]
fn should_fail_to_push_a_blob_from_file_if_invalid_blob_size_provided() {
    let reg = Registry::start();
    let work = workdir();
    let blob = write_file(work.path(), "blob", PUSH_CONTENT)
        .display()
        .to_string();
    failing(
        &[
            "blob",
            "push",
            &reg.reference(&format!("blob@{PUSH_DIGEST}")),
            &blob,
            "--size",
            "3",
        ],
        "",
    );
}

#[test]
fn should_fail_to_push_a_blob_from_file_if_invalid_digest_provided() {
    let reg = Registry::start();
    let work = workdir();
    let blob = write_file(work.path(), "blob", PUSH_CONTENT)
        .display()
        .to_string();
    failing(
        &[
            "blob",
            "push",
            &reg.reference(&format!("blob@{INVALID_DIGEST}")),
            &blob,
            "--size",
            "9",
        ],
        PUSH_CONTENT,
    );
}

#[test]
fn blob_push_should_fail_if_no_reference_is_provided() {
    failing(&["blob", "push"], "");
}

#[test]
fn blob_fetch_should_call_sub_commands_with_aliases() {
    match_keywords(
        &ok(oras().args(["blob", "get", "--help"])),
        &["\nExample - "],
    );
}

#[test]
fn should_have_flag_for_prettifying_json_output() {
    match_keywords(
        &ok(oras().args(["blob", "get", "--help"])),
        &["--pretty", "prettify JSON"],
    );
}

#[test]
fn should_fail_if_neither_output_path_nor_descriptor_flag_are_not_provided() {
    let (_reg, r) = images();
    failing(&["blob", "fetch", &format!("{r}@{FOO_DIGEST}")], "");
}

#[test]
fn blob_fetch_should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = failing(&["blob", "fetch"], "");
    assert!(
        err.contains("\nUsage: oras blob fetch") && err.contains("Run \"oras blob fetch -h\""),
        "{err}"
    );
}

#[test]
fn blob_fetch_should_fail_if_no_digest_is_provided() {
    let (_reg, r) = images();
    match_keywords(
        &failing(&["blob", "fetch", "--descriptor", &r], ""),
        &["Error", "no digest specified", "oras blob fetch"],
    );
}

#[test]
fn should_fail_if_provided_digest_doesnt_exist() {
    let (_reg, r) = images();
    let missing = "sha256:2aaa2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
    failing(
        &[
            "blob",
            "fetch",
            &format!("{r}@{missing}"),
            "-o",
            "/dev/null",
        ],
        "",
    );
}

#[test]
fn should_fail_if_output_path_points_to_stdout_and_descriptor_flag_is_provided() {
    let (_reg, r) = images();
    failing(&["blob", "fetch", &r, "--descriptor", "--output", "-"], "");
}

#[test]
fn blob_delete_should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = failing(&["blob", "delete"], "");
    assert!(
        err.contains("\nUsage: oras blob delete") && err.contains("Run \"oras blob delete -h\""),
        "{err}"
    );
}

#[test]
fn should_fail_if_no_force_flag_and_descriptor_flag_is_provided() {
    let (_reg, r) = images();
    failing(
        &[
            "blob",
            "delete",
            &format!("{r}@{FOO_DIGEST}"),
            "--descriptor",
        ],
        "",
    );
    assert_eq!(
        ok(oras().args([
            "blob",
            "fetch",
            &format!("{r}@{FOO_DIGEST}"),
            "--output",
            "-"
        ])),
        "foo"
    );
}

#[test]
fn should_fail_if_the_blob_reference_is_not_in_the_form_of_name_at_digest() {
    let reg = Registry::start();
    for bad in [
        format!("blob:{}", &INVALID_DIGEST.replace('0', "a")),
        "blob:test".into(),
        "blob@test".into(),
    ] {
        failing(
            &[
                "blob",
                "delete",
                &reg.reference(&bad),
                "--descriptor",
                "--force",
            ],
            "",
        );
    }
}

#[test]
fn blob_delete_should_fail_if_no_digest_is_provided() {
    let (_reg, r) = images();
    match_keywords(
        &failing(&["blob", "delete", &r], ""),
        &["Error", "no digest specified", "oras blob delete"],
    );
}

#[test]
fn should_fail_to_delete_a_non_existent_blob_without_force_flag_set() {
    let (_reg, r) = images();
    let target = format!("{r}@{INVALID_DIGEST}");
    match_keywords(
        &failing(&["blob", "delete", &target], ""),
        &[&target, "the specified blob does not exist"],
    );
}

#[test]
fn should_fail_to_delete_a_non_existent_blob_and_output_descriptor_with_force_flag_set() {
    let (_reg, r) = images();
    let target = format!("{r}@{INVALID_DIGEST}");
    match_keywords(
        &failing(&["blob", "delete", &target, "--force", "--descriptor"], ""),
        &[&target, "the specified blob does not exist"],
    );
}

#[test]
fn should_delete_a_blob_with_interactive_confirmation() {
    let (_reg, r) = images();
    let target = format!("{r}@{FOO_DIGEST}");
    let out = ok(oras().args(["blob", "delete", &target]).write_stdin("y"));
    match_keywords(&out, &["Deleted", &target]);
}

#[test]
fn should_delete_a_blob_with_force_flag_and_output_descriptor() {
    let (_reg, r) = images();
    let out = ok(oras().args([
        "blob",
        "delete",
        &format!("{r}@{FOO_DIGEST}"),
        "--force",
        "--descriptor",
    ]));
    assert_eq!(out, FOO_DESCRIPTOR);
}

#[test]
fn should_return_success_when_deleting_a_non_existent_blob_with_force_flag_set() {
    let (_reg, r) = images();
    let target = format!("{r}@{INVALID_DIGEST}");
    match_keywords(
        &ok(oras().args(["blob", "delete", &target, "--force"])),
        &["Missing", &target],
    );
}

#[test]
fn should_push_a_blob_from_a_file_and_output_the_descriptor_with_specific_media_type() {
    let reg = Registry::start();
    let work = workdir();
    let blob = write_file(work.path(), "blob", PUSH_CONTENT)
        .display()
        .to_string();
    let repo = reg.reference("blob/push");
    let out = ok(oras().args([
        "blob",
        "push",
        &repo,
        &blob,
        "--media-type",
        "test.media",
        "--descriptor",
    ]));
    assert_eq!(out, push_desc("test.media"));
    assert_eq!(
        ok(oras().args([
            "blob",
            "fetch",
            &format!("{repo}@{PUSH_DIGEST}"),
            "--output",
            "-"
        ])),
        PUSH_CONTENT
    );
    match_keywords(
        &ok(oras().args(["blob", "push", &repo, &blob, "-v"])),
        &["Exists"],
    );
}

#[test]
fn should_push_a_blob_from_a_stdin_and_output_the_descriptor_with_specific_media_type() {
    let reg = Registry::start();
    let repo = reg.reference("blob/push");
    let args = [
        "blob",
        "push",
        &format!("{repo}@{PUSH_DIGEST}"),
        "-",
        "--media-type",
        "test.media",
        "--descriptor",
        "--size",
        "9",
    ];
    assert_eq!(
        ok(oras().args(args).write_stdin(PUSH_CONTENT)),
        push_desc("test.media")
    );
    assert_eq!(
        ok(oras().args([
            "blob",
            "fetch",
            &format!("{repo}@{PUSH_DIGEST}"),
            "--output",
            "-"
        ])),
        PUSH_CONTENT
    );
}

fn check_fetch(target: &[&str]) {
    let fetch = |extra: &[&str]| ok(oras().args(["blob", "fetch"]).args(target).args(extra));
    assert_eq!(fetch(&["--descriptor"]), FOO_DESCRIPTOR);
    assert_eq!(fetch(&["--output", "-"]), "foo");
    let work = workdir();
    let path = work.path().join("fetched").display().to_string();
    fetch(&["--output", &path]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "foo");
    let path2 = work.path().join("fetched2").display().to_string();
    assert_eq!(fetch(&["--output", &path2, "--descriptor"]), FOO_DESCRIPTOR);
    assert_eq!(std::fs::read_to_string(&path2).unwrap(), "foo");
}

#[test]
fn should_fetch_blob_descriptor_and_content_to_stdout_and_files() {
    let (_reg, r) = images();
    check_fetch(&[&format!("{r}@{FOO_DIGEST}")]);
}

fn layout_with_foobar() -> (tempfile::TempDir, String) {
    let (_reg, r) = images();
    let work = workdir();
    let root = work.path().join("layout").display().to_string();
    ok(oras().args([
        "cp",
        &format!("{r}:foobar"),
        "--to-oci-layout",
        &format!("{root}:foobar"),
    ]));
    (work, root)
}

#[test]
fn oci_layout_should_fetch_blob_descriptor_and_content_to_stdout_and_files() {
    let (_dir, root) = layout_with_foobar();
    check_fetch(&["--oci-layout", &format!("{root}@{FOO_DIGEST}")]);
}

#[test]
fn oci_layout_should_delete_a_blob_with_interactive_confirmation() {
    let (_dir, root) = layout_with_foobar();
    let target = format!("{root}@{FOO_DIGEST}");
    match_keywords(
        &ok(oras()
            .args(["blob", "delete", "--oci-layout", &target])
            .write_stdin("y")),
        &["Deleted", &target],
    );
    fails(oras().args(["blob", "fetch", &target, "--oci-layout", "--output", "-"]));
}

#[test]
fn oci_layout_should_delete_a_blob_with_force_flag_and_output_descriptor() {
    let (_dir, root) = layout_with_foobar();
    let target = format!("{root}@{FOO_DIGEST}");
    assert_eq!(
        ok(oras().args([
            "blob",
            "delete",
            "--oci-layout",
            &target,
            "--force",
            "--descriptor"
        ])),
        FOO_DESCRIPTOR
    );
    fails(oras().args(["blob", "fetch", "--oci-layout", &target, "--output", "-"]));
}

#[test]
fn oci_layout_should_return_success_when_deleting_a_non_existent_blob_with_force_flag_set() {
    let (_dir, root) = layout_with_foobar();
    let target = format!("{root}@{INVALID_DIGEST}");
    match_keywords(
        &ok(oras().args(["blob", "delete", "--oci-layout", &target, "--force"])),
        &["Missing", &target],
    );
}

#[test]
fn oci_layout_should_push_a_blob_from_a_file_and_output_the_descriptor_with_specific_media_type() {
    let work = workdir();
    let blob = write_file(work.path(), "blob", PUSH_CONTENT)
        .display()
        .to_string();
    let target = format!("{}@{PUSH_DIGEST}", work.path().join("layout").display());
    let out = ok(oras().args([
        "blob",
        "push",
        "--oci-layout",
        &target,
        &blob,
        "--media-type",
        "test.media",
        "--descriptor",
    ]));
    assert_eq!(out, push_desc("test.media"));
    match_keywords(
        &ok(oras().args(["blob", "push", "--oci-layout", &target, &blob, "-v"])),
        &["Exists"],
    );
    assert_eq!(
        ok(oras().args(["blob", "fetch", &target, "--oci-layout", "--output", "-"])),
        PUSH_CONTENT
    );
}
