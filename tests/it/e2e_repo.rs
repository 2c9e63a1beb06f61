//! oras v1.3's e2e scenarios of `oras repo ls` / `oras repo tags` (`test/e2e/suite/command/
//! repo.go`), re-expressed against Distribution; one test per `It`, named after it.

use crate::common::auth::{USER, start_htpasswd};
use crate::common::{Registry, fails, ok, oras, workdir};
use crate::e2e_status::{match_keywords, push_foobar_image, push_multi_arch};

fn stderr_of(args: &[&str]) -> String {
    let out = oras().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn repo_ls_should_show_help_description() {
    match_keywords(
        &ok(oras().args(["repo", "ls", "--help"])),
        &["\nExample - "],
    );
}

#[test]
fn repo_ls_should_call_sub_commands_with_aliases() {
    match_keywords(
        &ok(oras().args(["repository", "list", "--help"])),
        &["\nExample - "],
    );
}

#[test]
fn should_fail_listing_repositories_if_wrong_registry_provided() {
    let reg = Registry::start();
    match_keywords(
        &fails(oras().args(["repo", "ls", &reg.reference("images:some-tag")])),
        &["Error:"],
    );
}

#[test]
fn repo_ls_should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().args(["repo", "ls"]));
    assert!(
        err.contains("\nUsage: oras repo ls") && err.contains("Run \"oras repo ls -h\""),
        "{err}"
    );
}

#[test]
fn repo_ls_should_fail_if_password_is_wrong_with_registry_error_prefix() {
    let reg = start_htpasswd(false);
    let err = stderr_of(&["repo", "ls", &reg.addr(), "-u", USER, "-p", "???"]);
    assert!(
        err.lines()
            .any(|l| l.starts_with("Error response from registry: ")),
        "{err}"
    );
}

#[test]
fn repo_tags_should_show_help_description_with_feature_flags() {
    let out = ok(oras().args(["repo", "tags", "--help"]));
    match_keywords(&out, &["\nExample - "]);
    crate::e2e_status::flag_marked(&out, "--exclude-digest-tags", "[Preview]");
}

#[test]
fn repo_tags_should_call_sub_commands_with_aliases() {
    match_keywords(
        &ok(oras().args(["repository", "show-tags", "--help"])),
        &["\nExample - "],
    );
}

#[test]
fn should_fail_listing_repositories_if_wrong_reference_provided() {
    let reg = Registry::start();
    push_foobar_image(&reg.reference("images:foobar"));
    match_keywords(&fails(oras().args(["repo", "tags"])), &["Error:"]);
    match_keywords(
        &fails(oras().args(["repo", "tags", &reg.addr()])),
        &["Error:"],
    );
    let err = fails(oras().args(["repo", "tags", &reg.reference("images:some-tag")]));
    match_keywords(&err, &["Error response from registry: "]);
}

#[test]
fn repo_tags_should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().args(["repo", "tags"]));
    assert!(
        err.contains("\nUsage: oras repo tags") && err.contains("Run \"oras repo tags -h\""),
        "{err}"
    );
}

#[test]
fn repo_tags_of_a_missing_repository_has_the_registry_prefix() {
    let reg = Registry::start();
    let err = fails(oras().args(["repo", "tags", &reg.reference("missing")]));
    assert!(err.starts_with("Error response from registry: "), "{err}");
}

#[test]
fn should_list_repositories() {
    let reg = Registry::start();
    push_foobar_image(&reg.reference("command/images:foobar"));
    match_keywords(
        &ok(oras().args(["repository", "list", &reg.addr()])),
        &["command/images"],
    );
    match_keywords(
        &ok(oras().args(["repo", "ls", &reg.addr()])),
        &["command/images"],
    );
}

#[test]
fn should_list_repositories_under_provided_namespace() {
    let reg = Registry::start();
    push_foobar_image(&reg.reference("command/images:foobar"));
    match_keywords(
        &ok(oras().args(["repo", "ls", &reg.reference("command")])),
        &["images"],
    );
}

#[test]
fn should_not_list_repositories_without_a_fully_matched_namespace() {
    let reg = Registry::start();
    push_foobar_image(&reg.reference("command/images:foobar"));
    ok(oras().args([
        "cp",
        &reg.reference("command/images:foobar"),
        &reg.reference("command-draft/images:foobar"),
    ]));
    match_keywords(
        &ok(oras().args(["repo", "ls", &reg.addr()])),
        &["command/images", "command-draft/images"],
    );
    let out = ok(oras().args(["repo", "ls", &reg.reference("command")]));
    match_keywords(&out, &["images"]);
    assert!(!out.contains("draft/images"), "{out}");
}

#[test]
fn should_list_partial_repositories_via_last_flag() {
    let reg = Registry::start();
    push_foobar_image(&reg.reference("command/artifacts:foobar"));
    push_foobar_image(&reg.reference("command/images:foobar"));
    push_foobar_image(&reg.reference("command/aaa:foobar"));
    let out = ok(oras().args(["repo", "ls", &reg.addr(), "--last", "command/artifacts"]));
    assert!(!out.contains("command/aaa\n"), "{out}");
    assert!(out.contains("command/images\n"), "{out}");
}

#[test]
fn should_list_tags() {
    let reg = Registry::start();
    push_foobar_image(&reg.reference("images:foobar"));
    push_multi_arch(&reg, "images");
    for cmd in [["repository", "show-tags"], ["repo", "tags"]] {
        match_keywords(
            &ok(oras().args(cmd).arg(reg.reference("images"))),
            &["multi", "foobar"],
        );
    }
}

#[test]
fn should_list_out_tags_associated_to_the_provided_reference() {
    let reg = Registry::start();
    let digest = push_foobar_image(&reg.reference("images:foobar"));
    push_multi_arch(&reg, "images");
    let tags = ["foobar", "bax", "bay", "baz"];
    ok(oras().args([
        "cp",
        &reg.reference("images:foobar"),
        &reg.reference(&format!("filter-tag:{}", tags.join(","))),
    ]));
    ok(oras().args([
        "cp",
        &reg.reference("images:multi"),
        &reg.reference("filter-tag"),
    ]));
    for reference in [
        reg.reference("filter-tag:foobar"),
        reg.reference(&format!("filter-tag@{digest}")),
    ] {
        let out = oras()
            .args(["repo", "tags", "-v", &reference])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        match_keywords(&stdout, &tags);
        match_keywords(&stderr, &["[Experimental]", &digest]);
        assert!(!stdout.contains("multi"), "{stdout}");
    }
}

fn layout_with_foobar(extra_tags: &[&str]) -> (tempfile::TempDir, String, String) {
    let reg = Registry::start();
    let digest = push_foobar_image(&reg.reference("images:foobar"));
    let work = workdir();
    let root = work.path().join("layout").display().to_string();
    ok(oras().args([
        "cp",
        &reg.reference("images:foobar"),
        "--to-oci-layout",
        &format!("{root}:foobar"),
    ]));
    if !extra_tags.is_empty() {
        ok(oras()
            .args(["tag", &format!("{root}:foobar"), "--oci-layout"])
            .args(extra_tags));
    }
    (work, root, digest)
}

#[test]
fn oci_layout_should_list_tags() {
    let (_dir, root, _) = layout_with_foobar(&[]);
    match_keywords(
        &ok(oras().args(["repository", "show-tags", &root, "--oci-layout"])),
        &["foobar\n"],
    );
    match_keywords(
        &ok(oras().args(["repository", "tags", &root, "--oci-layout"])),
        &["foobar\n"],
    );
}

#[test]
fn oci_layout_should_list_partial_tags_via_last_flag() {
    let (_dir, root, _) = layout_with_foobar(&["zzz"]);
    let out = ok(oras().args([
        "repository",
        "tags",
        &root,
        "--last",
        "foobar",
        "--oci-layout",
    ]));
    match_keywords(&out, &["zzz"]);
    assert!(!out.contains("foobar\n"), "{out}");
}

#[test]
fn oci_layout_should_list_out_tags_associated_to_the_provided_reference() {
    let tags = ["foobar", "bax", "bay", "baz"];
    let (_dir, root, digest) = layout_with_foobar(&tags);
    for reference in [format!("{root}:foobar"), format!("{root}@{digest}")] {
        let out = oras()
            .args(["repo", "tags", "-v", &reference, "--oci-layout"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        match_keywords(&String::from_utf8_lossy(&out.stdout), &tags);
        match_keywords(
            &String::from_utf8_lossy(&out.stderr),
            &["[Experimental]", &digest],
        );
    }
}
