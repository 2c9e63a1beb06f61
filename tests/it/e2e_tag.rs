//! oras v1.3's e2e scenarios of `oras tag` and `oras resolve` (`test/e2e/suite/command/tag.go`,
//! `resolve.go`), re-expressed against Distribution with the `multi` index rebuilt.

use crate::common::auth::{USER, start_htpasswd};
use crate::common::{Registry, fails, ok, oras};
use crate::e2e_status::{match_keywords, push_multi_arch};

const INVALID_TAG: &str = "i-dont-think-this-tag-exists";

#[test]
fn tag_should_fail_when_no_manifest_reference_provided() {
    assert!(fails(oras().arg("tag")).contains("Error:"));
}

#[test]
fn tag_should_fail_when_provided_manifest_reference_is_not_found() {
    let reg = Registry::start();
    let err = fails(oras().args([
        "tag",
        &reg.reference(&format!("images:{INVALID_TAG}")),
        "tagged",
    ]));
    assert!(err.starts_with("Error response from registry: "), "{err}");
}

#[test]
fn tag_should_fail_when_the_given_reference_is_invalid() {
    let err = fails(oras().args(["tag", "localhost:5000/INVALID:test", "latest"]));
    for word in ["Error:", "unable to add tag", "invalid reference"] {
        assert!(err.contains(word), "{word}: {err}");
    }
}

#[test]
fn tag_should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().arg("tag"));
    assert!(
        err.contains("\nUsage: oras tag") && err.contains("Run \"oras tag -h\""),
        "{err}"
    );
}

#[test]
fn tag_should_fail_with_suggestion_if_calling_with_tag_list() {
    let err = fails(oras().args(["tag", "list"]));
    let no_list = r#"there is no "list" sub-command for "oras tag" command"#;
    match_keywords(&err, &["Error:", no_list, "repository", "oras repo tags"]);
    let err = fails(oras().args(["tag", "list", "--oci-layout"]));
    match_keywords(
        &err,
        &["Error:", no_list, "OCI Image Layout", "oras repo tags"],
    );
}

/// oras's `tagAndValidate`: every tag printed, `Tagging <marker> <ref@digest>` once, and
/// `repo tags` lists them.
fn tag_and_validate(source: &[&str], tagging: &str, repo: &[&str], tags: &[&str]) {
    let out = ok(oras().arg("tag").args(source).args(tags));
    for tag in tags {
        assert!(out.contains(tag), "{tag}: {out}");
    }
    assert_eq!(out.matches(tagging).count(), 1, "{tagging}: {out}");
    let listed = ok(oras().args(["repo", "tags"]).args(repo));
    for tag in tags {
        assert!(listed.lines().any(|l| l == *tag), "{tag}: {listed}");
    }
}

fn registry_case(by_digest: bool, tags: &[&str]) {
    let reg = Registry::start();
    let [index, ..] = push_multi_arch(&reg, "images");
    let source = if by_digest {
        reg.reference(&format!("images@{index}"))
    } else {
        reg.reference("images:multi")
    };
    let tagging = format!(
        "Tagging [registry] {}",
        reg.reference(&format!("images@{index}"))
    );
    tag_and_validate(&[&source], &tagging, &[&reg.reference("images")], tags);
}

#[test]
fn should_add_a_tag_to_an_existent_manifest_when_providing_tag_reference() {
    registry_case(false, &["tag-via-tag"]);
}

#[test]
fn should_add_a_tag_to_an_existent_manifest_when_providing_digest_reference() {
    registry_case(true, &["tag-via-digest"]);
}

#[test]
fn should_add_multiple_tags_to_an_existent_manifest_when_providing_digest_reference() {
    registry_case(
        true,
        &["tag1-via-digest", "tag2-via-digest", "tag3-via-digest"],
    );
}

#[test]
fn should_add_multiple_tags_to_an_existent_manifest_when_providing_tag_reference() {
    registry_case(false, &["tag1-via-tag", "tag1-via-tag", "tag1-via-tag"]);
}

fn layout_case(by_digest: bool, tags: &[&str]) {
    let reg = Registry::start();
    let [index, ..] = push_multi_arch(&reg, "images");
    let work = crate::common::workdir();
    let root = work.path().join("layout").display().to_string();
    ok(oras().args([
        "cp",
        &reg.reference("images:multi"),
        "--to-oci-layout",
        &format!("{root}:multi"),
    ]));
    let source = if by_digest {
        format!("{root}@{index}")
    } else {
        format!("{root}:multi")
    };
    let tagging = format!("Tagging [oci-layout] {root}@{index}");
    tag_and_validate(
        &[&source, "--oci-layout"],
        &tagging,
        &["--oci-layout", &root],
        tags,
    );
}

#[test]
fn oci_layout_should_add_a_tag_to_an_existent_manifest_when_providing_tag_reference() {
    layout_case(false, &["tag-via-tag"]);
}

#[test]
fn oci_layout_should_add_a_tag_to_an_existent_manifest_when_providing_digest_reference() {
    layout_case(true, &["tag-via-digest"]);
}

#[test]
fn oci_layout_should_add_multiple_tags_to_an_existent_manifest_when_providing_digest_reference() {
    layout_case(
        true,
        &["tag1-via-digest", "tag2-via-digest", "tag3-via-digest"],
    );
}

#[test]
fn oci_layout_should_add_multiple_tags_to_an_existent_manifest_when_providing_tag_reference() {
    layout_case(false, &["tag1-via-tag", "tag1-via-tag", "tag1-via-tag"]);
}

#[test]
fn should_be_able_to_retag_a_manifest_at_the_current_directory() {
    let reg = Registry::start();
    push_multi_arch(&reg, "images");
    let work = crate::common::workdir();
    ok(oras()
        .args(["cp", &reg.reference("images:multi"), "--to-oci-layout"])
        .arg(format!("{}:multi", work.path().join("layout").display())));
    let out = ok(crate::common::oras_in(work.path()).args([
        "tag",
        "layout:multi",
        "--oci-layout",
        "latest",
    ]));
    assert!(
        out.contains("Tagging [oci-layout]") && out.contains("Tagged latest"),
        "{out}"
    );
    let out = ok(crate::common::oras_in(work.path()).args([
        "tag",
        "layout:multi",
        "--oci-layout",
        "tag2",
    ]));
    assert!(
        out.contains("Tagging [oci-layout]") && out.contains("Tagged tag2"),
        "{out}"
    );
    let listed = ok(crate::common::oras_in(work.path()).args([
        "repo",
        "tags",
        "--oci-layout",
        "layout:multi",
    ]));
    for tag in ["multi", "latest", "tag2"] {
        assert!(listed.contains(tag), "{tag}: {listed}");
    }
}

#[test]
fn resolve_should_show_help_description_with_feature_mark() {
    for cmd in ["resolve", "digest"] {
        let out = ok(oras().args([cmd, "--help"]));
        assert!(
            out.starts_with("[Experimental]") && out.contains("Example - "),
            "{out}"
        );
    }
}

#[test]
fn resolve_should_fail_when_no_manifest_reference_provided() {
    assert!(fails(oras().arg("resolve")).contains("Error:"));
}

#[test]
fn resolve_should_fail_when_repo_is_invalid() {
    let err = fails(oras().args(["resolve", "localhost:7000/INVALID"]));
    for word in [
        "Error:",
        "localhost:7000/INVALID",
        "invalid reference",
        "<registry>/<repo>[:tag|@digest]",
    ] {
        assert!(err.contains(word), "{word}: {err}");
    }
}

#[test]
fn resolve_should_fail_when_no_tag_or_digest_provided() {
    let reg = Registry::start();
    let err = fails(oras().args(["resolve", &reg.reference("images")]));
    for word in [
        "Error:",
        "no tag or digest specified",
        "oras resolve [flags] <name>{:<tag>|@<digest>}",
        "Please specify a reference",
    ] {
        assert!(err.contains(word), "{word}: {err}");
    }
}

#[test]
fn resolve_should_fail_when_provided_manifest_reference_is_not_found() {
    let reg = Registry::start();
    let err = fails(oras().args(["resolve", &reg.reference(&format!("images:{INVALID_TAG}"))]));
    for word in [
        "Error response from registry: ",
        "failed to resolve digest:",
        "not found",
    ] {
        assert!(err.contains(word), "{word}: {err}");
    }
}

/// oras's spec also greps `recognizable error message not found: ` (oras v1.2's wording);
/// v1.3's `ReportErrResp` prints the bodiless response as it is.
#[test]
fn resolve_should_fail_with_empty_response_when_returned_response_doesnt_have_body() {
    let reg = start_htpasswd(false);
    let out = oras()
        .args([
            "resolve",
            &reg.reference(&format!("images:{INVALID_TAG}")),
            "-u",
            USER,
            "-p",
            "wrong1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("Error response from registry: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.ends_with("response status code 401: Unauthorized"),
        "{err}"
    );
}

#[test]
fn resolve_should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().arg("resolve"));
    assert!(
        err.contains("\nUsage: oras resolve") && err.contains("Run \"oras resolve -h\""),
        "{err}"
    );
}

#[test]
fn resolve_should_resolve_with_just_digest() {
    let reg = Registry::start();
    let [index, ..] = push_multi_arch(&reg, "images");
    assert_eq!(
        ok(oras().args(["resolve", &reg.reference(&format!("images@{index}"))])).trim(),
        index
    );
}

#[test]
fn resolve_should_resolve_with_a_fully_qualified_reference() {
    let reg = Registry::start();
    let [index, ..] = push_multi_arch(&reg, "images");
    let out = ok(oras().args(["digest", "-l", &reg.reference("images:multi")]));
    assert!(
        out.contains(&reg.reference(&format!("images@{index}"))),
        "{out}"
    );
}

#[test]
fn resolve_should_resolve_with_a_fully_qualified_reference_for_a_platform() {
    let reg = Registry::start();
    let [_, amd64, ..] = push_multi_arch(&reg, "images");
    let out = ok(oras().args([
        "resolve",
        "--full-reference",
        "--platform",
        "linux/amd64",
        &reg.reference("images:multi"),
    ]));
    assert!(
        out.contains(&reg.reference(&format!("images@{amd64}"))),
        "{out}"
    );
}

#[test]
fn resolve_oci_layout_should_resolve_with_a_fully_qualified_reference_for_a_platform() {
    let reg = Registry::start();
    let [index, amd64, ..] = push_multi_arch(&reg, "images");
    let work = crate::common::workdir();
    let root = work.path().join("layout").display().to_string();
    ok(oras().args([
        "cp",
        &reg.reference("images:multi"),
        "--to-oci-layout",
        &format!("{root}:multi"),
    ]));
    assert_eq!(
        ok(oras().args(["resolve", "--oci-layout", &format!("{root}@{index}")])).trim(),
        index
    );
    let out = ok(oras().args(["digest", "--oci-layout", "-l", &format!("{root}:multi")]));
    assert!(out.contains(&format!("{root}@{index}")), "{out}");
    let out = ok(oras().args([
        "resolve",
        "--oci-layout",
        "--full-reference",
        "--platform",
        "linux/amd64",
        &format!("{root}:multi"),
    ]));
    assert!(out.contains(&format!("{root}@{amd64}")), "{out}");
}
