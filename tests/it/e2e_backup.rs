//! oras v1.3's e2e scenarios of `oras backup` and `oras restore` (`test/e2e/suite/command/
//! backup.go`, `restore.go`), re-expressed against Distribution (and ferro-oci-server for the
//! Referrers API) with oras's fixtures rebuilt; one test per `It`, named after it.

use std::path::Path;

use crate::common::{OCI_MANIFEST, Registry, fails, ok, oras, workdir};
use crate::e2e_status::{
    IMAGE_LAYERS, Key, match_keywords, match_status, push_foobar_image, push_foobar_referrers,
    push_multi_arch, short,
};

const INVALID_TAG: &str = "i-dont-think-this-tag-exists";
const UNKNOWN_CONFIG: &str = "application/vnd.unknown.config.v1+json";

/// The registry's foobar image (with its referrers) and multi-arch index, in `artifacts`.
struct Fixture {
    reg: Registry,
    image: String,
    sbom: String,
    signature: String,
    multi: [String; 4],
}

impl Fixture {
    fn new() -> Fixture {
        let reg = Registry::start();
        let image = push_foobar_image(&reg.reference("artifacts:foobar"));
        let (sbom, signature) = push_foobar_referrers(&reg.reference("artifacts"), &image);
        let multi = push_multi_arch(&reg, "artifacts");
        Fixture {
            reg,
            image,
            sbom,
            signature,
            multi,
        }
    }
    fn r(&self, s: &str) -> String {
        self.reg.reference(s)
    }
    fn foobar_keys(&self, config: bool) -> Vec<Key<'_>> {
        let mut keys = IMAGE_LAYERS.to_vec();
        keys.push((short(&self.image), OCI_MANIFEST));
        if config {
            keys.push(("44136fa355b3", UNKNOWN_CONFIG));
        }
        keys
    }
    fn referrer_keys(&self) -> Vec<Key<'_>> {
        let mut keys = self.foobar_keys(false);
        keys.push(("44136fa355b3", "test/signature.file"));
        keys.push((short(&self.signature), OCI_MANIFEST));
        keys.push((short(&self.sbom), OCI_MANIFEST));
        keys
    }
    fn multi_keys(&self) -> Vec<Key<'_>> {
        let [index, amd64, config, layer] = &self.multi;
        vec![
            (short(layer), "hello.tar"),
            (short(config), "application/vnd.oci.image.config.v1+json"),
            (short(amd64), OCI_MANIFEST),
            (short(index), "application/vnd.oci.image.index.v1+json"),
        ]
    }
}

/// oras's `compareBackupRef`: the manifest in the registry and in the layout are the same bytes.
fn compare_backup_ref(src: &str, layout_ref: &str) {
    let a = ok(oras().args(["manifest", "fetch", src]));
    let b = ok(oras().args(["manifest", "fetch", "--oci-layout", layout_ref]));
    assert_eq!(a, b);
}

fn compare_ref(src: &str, dst: &str) {
    assert_eq!(
        ok(oras().args(["manifest", "fetch", src])),
        ok(oras().args(["manifest", "fetch", dst]))
    );
}

fn verify_backup_directory(dir: &Path) {
    assert!(dir.is_dir() && !dir.join("ingest").exists());
}

fn backup(args: &[&str]) -> String {
    ok(oras().arg("backup").args(args))
}

fn layout(dir: &Path, tag: &str) -> String {
    format!("{}:{tag}", dir.display())
}

#[test]
fn backup_should_show_help_description_with_experimental_flag() {
    match_keywords(
        &ok(oras().args(["backup", "--help"])),
        &["\nExample - ", "[Experimental]"],
    );
}

#[test]
fn backup_should_fail_when_no_reference_provided() {
    match_keywords(&fails(oras().arg("backup")), &["Error:"]);
}

#[test]
fn backup_should_fail_when_no_output_path_provided() {
    let err = fails(oras().args(["backup", "localhost:5000/images:foobar"]));
    match_keywords(&err, &["Error:", r#"required flag(s) "output" not set"#]);
}

#[test]
fn backup_should_fail_when_the_output_path_is_empty() {
    let err = fails(oras().args(["backup", "localhost:5000/images:foobar", "-o", ""]));
    match_keywords(&err, &["Error:", "the output path cannot be empty"]);
}

#[test]
fn backup_should_fail_when_source_doesnt_exist() {
    let reg = Registry::start();
    push_foobar_image(&reg.reference("images:foobar"));
    let out = workdir();
    let err = fails(
        oras()
            .args(["backup", "--output"])
            .arg(out.path())
            .arg(reg.reference(&format!("images:{INVALID_TAG}"))),
    );
    match_keywords(&err, &["Error:", INVALID_TAG]);
}

#[test]
fn backup_should_fail_with_appropriate_error_when_digest_is_provided() {
    let out = workdir();
    let dir = out.path().join("digest-reference");
    let err = fails(
        oras()
            .args(["backup", "--output"])
            .arg(&dir)
            .arg("invalid/format@sha256:digest"),
    );
    match_keywords(&err, &["Error:", "digest references are not supported"]);
}

#[test]
fn backup_should_fail_with_appropriate_error_when_invalid_tag_format_provided() {
    let out = workdir();
    let err = fails(
        oras()
            .args(["backup", "--output"])
            .arg(out.path().join("x"))
            .arg("localhost:5000/repo:invalid+tag"),
    );
    match_keywords(&err, &["Error:"]);
}

#[test]
fn backup_should_fail_with_appropriate_error_when_tag_is_provided_with_digest() {
    let out = workdir();
    let err = fails(
        oras()
            .args(["backup", "--output"])
            .arg(out.path().join("x"))
            .arg("invalid/format:v1,@sha256:123abc"),
    );
    match_keywords(&err, &["Error:", "digest references are not supported"]);
}

#[test]
fn should_successfully_backup_an_image_to_a_directory() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("backup-single-tag");
    let src = f.r("artifacts:foobar");
    let out = backup(&["--output", &dir.display().to_string(), &src]);
    match_status(&out, "backup", &f.foobar_keys(true), true, 5);
    match_keywords(&out, &["Successfully backed up 1 tag(s)"]);
    verify_backup_directory(&dir);
    compare_backup_ref(&src, &layout(&dir, "foobar"));
}

#[test]
fn should_backup_an_artifact_with_its_referrers_to_a_directory() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("backup-single-tag-referrers");
    let src = f.r("artifacts:foobar");
    let out = backup(&[
        "--output",
        &dir.display().to_string(),
        "--include-referrers",
        &src,
    ]);
    match_status(&out, "backup", &f.referrer_keys(), true, 7);
    match_keywords(&out, &["2 referrer(s)", "Successfully backed up 1 tag(s)"]);
    verify_backup_directory(&dir);
    compare_backup_ref(&src, &layout(&dir, "foobar"));
    let template = "{{range .referrers}}{{println .digest}}{{end}}";
    let listed = ok(oras().args([
        "discover",
        "--oci-layout",
        &layout(&dir, "foobar"),
        "--format",
        "go-template",
        "--template",
        template,
    ]));
    for digest in listed.split_whitespace() {
        compare_backup_ref(
            &f.r(&format!("artifacts@{digest}")),
            &format!("{}@{digest}", dir.display()),
        );
    }
}

#[test]
fn should_successfully_backup_a_multi_arch_artifact_to_a_directory() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("backup-multi-arch");
    let out = backup(&[
        "--output",
        &dir.display().to_string(),
        &f.r("artifacts:multi"),
    ]);
    match_status(&out, "backup", &f.multi_keys(), true, 4);
    match_keywords(&out, &["Successfully backed up 1 tag(s)"]);
    compare_backup_ref(&f.r("artifacts:multi"), &layout(&dir, "multi"));
}

fn check_backup_tar(name: &str) {
    let f = Fixture::new();
    let work = workdir();
    let tar = work.path().join(name);
    let out = backup(&[
        "--output",
        &tar.display().to_string(),
        &f.r("artifacts:foobar"),
    ]);
    match_status(&out, "backup", &f.foobar_keys(true), true, 5);
    assert!(tar.is_file());
    compare_backup_ref(&f.r("artifacts:foobar"), &layout(&tar, "foobar"));
}

#[test]
fn should_successfully_backup_an_image_to_tar_file() {
    check_backup_tar("backup-single-tag.tar");
}

#[test]
fn should_successfully_backup_an_image_to_tar_file_case_insensitive() {
    check_backup_tar("backup-single-tag.tAr");
}

#[test]
fn should_backup_all_specified_tags() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("backup-multiple-tags");
    let out = backup(&[
        "--output",
        &dir.display().to_string(),
        &f.r("artifacts:foobar,multi"),
    ]);
    let keys = [f.foobar_keys(false), f.multi_keys()].concat();
    match_status(&out, "backup", &keys, true, keys.len());
    match_keywords(&out, &["Successfully backed up 2 tag(s)"]);
    for tag in ["foobar", "multi"] {
        compare_backup_ref(&f.r(&format!("artifacts:{tag}")), &layout(&dir, tag));
    }
}

#[test]
fn should_auto_discover_and_back_up_all_tags_when_no_tag_is_specified() {
    let f = Fixture::new();
    for tag in ["foobar", "multi"] {
        ok(oras().args([
            "cp",
            &f.r(&format!("artifacts:{tag}")),
            &f.r(&format!("discovered:{tag}")),
        ]));
    }
    let work = workdir();
    let dir = work.path().join("backup-discovered-tags");
    let out = backup(&["--output", &dir.display().to_string(), &f.r("discovered")]);
    let keys = [f.foobar_keys(false), f.multi_keys()].concat();
    match_status(&out, "backup", &keys, true, keys.len());
    match_keywords(&out, &["Successfully backed up 2 tag(s)"]);
    for tag in ["foobar", "multi"] {
        compare_backup_ref(&f.r(&format!("artifacts:{tag}")), &layout(&dir, tag));
    }
}

#[test]
fn should_backup_using_referrers_api_with_distribution_spec_v1_1_referrers_api() {
    let api = crate::common::ferro::ApiRegistry::start();
    let image = push_foobar_image(&api.reference("artifacts:foobar"));
    push_foobar_referrers(&api.reference("artifacts"), &image);
    let work = workdir();
    let dir = work.path().join("backup-referrers-api");
    let src = api.reference("artifacts:foobar");
    let out = backup(&[
        "--output",
        &dir.display().to_string(),
        "--include-referrers",
        "--distribution-spec",
        "v1.1-referrers-api",
        &src,
    ]);
    match_keywords(&out, &["2 referrer(s)"]);
    compare_backup_ref(&src, &layout(&dir, "foobar"));
}

#[test]
fn should_backup_using_tag_schema_with_distribution_spec_v1_1_referrers_tag() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("backup-referrers-tag");
    let src = f.r("artifacts:foobar");
    let out = backup(&[
        "--output",
        &dir.display().to_string(),
        "--include-referrers",
        "--distribution-spec",
        "v1.1-referrers-tag",
        &src,
    ]);
    match_keywords(&out, &["2 referrer(s)"]);
    compare_backup_ref(&src, &layout(&dir, "foobar"));
}

#[test]
fn should_successfully_backup_with_custom_concurrency_level() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("concurrency");
    let out = backup(&[
        "--output",
        &dir.display().to_string(),
        "--concurrency",
        "1",
        &f.r("artifacts:multi"),
    ]);
    match_status(&out, "backup", &f.multi_keys(), true, 4);
    compare_backup_ref(&f.r("artifacts:multi"), &layout(&dir, "multi"));
}

#[test]
fn backup_should_fail_when_output_directory_cannot_be_created() {
    let f = Fixture::new();
    let work = workdir();
    let file = crate::common::write_file(work.path(), "backup-conflict-file", "");
    match_keywords(
        &fails(
            oras()
                .args(["backup", "--output"])
                .arg(&file)
                .arg(f.r("artifacts:foobar")),
        ),
        &["Error:"],
    );
}

#[test]
fn should_fail_with_appropriate_error_when_output_path_is_a_directory_but_tar_file_expected() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("backup-dir-conflict.tar");
    std::fs::create_dir_all(&dir).unwrap();
    let err = fails(
        oras()
            .args(["backup", "--output"])
            .arg(&dir)
            .arg(f.r("artifacts:foobar")),
    );
    match_keywords(
        &err,
        &[
            "Error:",
            "already exists and is a directory",
            "To back up to a tar archive, please specify a different output file name or remove the existing directory.",
        ],
    );
}

#[test]
fn backup_should_fail_when_the_repository_doesnt_exist() {
    let reg = Registry::start();
    let work = workdir();
    let err = fails(
        oras()
            .args(["backup", "--output"])
            .arg(work.path().join("x"))
            .arg(reg.reference("nonexistent-repo")),
    );
    match_keywords(&err, &["Error response from registry:"]);
}

#[test]
fn backup_should_fail_when_no_tags_are_found_in_the_repository() {
    // oras's fixture is a repository holding an untagged manifest; Distribution does not know a
    // repository that never had a tag, so this one had a tag whose manifest was then deleted.
    let f = Fixture::new();
    ok(oras().args(["cp", &f.r("artifacts:foobar"), &f.r("no-tags:v1")]));
    ok(oras().args([
        "manifest",
        "delete",
        "--force",
        &f.r(&format!("no-tags@{}", f.image)),
    ]));
    let work = workdir();
    let err = fails(
        oras()
            .args(["backup", "--output"])
            .arg(work.path().join("x"))
            .arg(f.r("no-tags")),
    );
    match_keywords(&err, &["Error:", "no tags found", "oras repo tags"]);
}

#[test]
fn backup_should_fail_when_a_specified_tag_doesnt_exist() {
    let f = Fixture::new();
    let work = workdir();
    let err = fails(
        oras()
            .args(["backup", "--output"])
            .arg(work.path().join("x"))
            .arg(f.r(&format!("artifacts:{INVALID_TAG}"))),
    );
    match_keywords(&err, &["Error:", INVALID_TAG, "not found"]);
}

#[test]
fn restore_should_show_help_description_with_experimental_flag() {
    match_keywords(
        &ok(oras().args(["restore", "--help"])),
        &["\nExample - ", "[Experimental]"],
    );
}

#[test]
fn restore_should_fail_when_no_reference_provided() {
    match_keywords(&fails(oras().arg("restore")), &["Error:"]);
}

#[test]
fn restore_should_fail_when_no_input_path_provided() {
    let err = fails(oras().args(["restore", "localhost:5000/images:foobar"]));
    match_keywords(&err, &["Error:", r#"required flag(s) "input" not set"#]);
}

#[test]
fn restore_should_fail_when_the_input_path_is_empty() {
    let err = fails(oras().args(["restore", "--input", "", "localhost:5000/images:foobar"]));
    match_keywords(&err, &["Error:", "the input path cannot be empty"]);
}

#[test]
fn restore_should_fail_when_input_doesnt_exist() {
    let work = workdir();
    let err = fails(
        oras()
            .args(["restore", "--input"])
            .arg(work.path().join("non-existent-path"))
            .arg("localhost:5000/images:foobar"),
    );
    match_keywords(&err, &["Error:", "no such file or directory"]);
}

#[test]
fn restore_should_fail_with_appropriate_error_when_digest_is_provided() {
    let work = workdir();
    let err = fails(
        oras()
            .args(["restore", "--input"])
            .arg(work.path())
            .arg("invalid/format@sha256:digest"),
    );
    match_keywords(&err, &["Error:", "digest references are not supported"]);
}

#[test]
fn restore_should_fail_with_appropriate_error_when_invalid_tag_format_provided() {
    let work = workdir();
    let err = fails(
        oras()
            .args(["restore", "--input"])
            .arg(work.path())
            .arg("localhost:5000/repo:invalid+tag"),
    );
    match_keywords(&err, &["Error:"]);
}

#[test]
fn restore_should_fail_with_appropriate_error_when_tag_is_provided_with_digest() {
    let work = workdir();
    let err = fails(
        oras()
            .args(["restore", "--input"])
            .arg(work.path())
            .arg("invalid/format:v1,@sha256:123abc"),
    );
    match_keywords(&err, &["Error:", "digest references are not supported"]);
}

fn restore(args: &[&str]) -> String {
    ok(oras().arg("restore").args(args))
}

#[test]
fn should_successfully_restore_an_image_without_referrers_from_a_directory() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&["--output", &dir, &f.r("artifacts:foobar")]);
    let dst = f.r("restored:foobar");
    let out = restore(&["--input", &dir, "--exclude-referrers", &dst]);
    match_status(&out, "restore", &f.foobar_keys(true), true, 5);
    match_keywords(&out, &["0 referrer(s)", "Successfully restored 1 tag(s)"]);
    compare_ref(&f.r("artifacts:foobar"), &dst);
}

#[test]
fn should_restore_an_artifact_with_its_referrers_from_a_directory() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&[
        "--output",
        &dir,
        "--include-referrers",
        &f.r("artifacts:foobar"),
    ]);
    let dst = f.r("restored:foobar");
    let out = restore(&["--input", &dir, &dst]);
    match_status(&out, "restore", &f.referrer_keys(), true, 7);
    match_keywords(&out, &["2 referrer(s)", "Successfully restored 1 tag(s)"]);
    compare_ref(&f.r("artifacts:foobar"), &dst);
    for digest in [&f.sbom, &f.signature] {
        compare_ref(
            &f.r(&format!("artifacts@{digest}")),
            &f.r(&format!("restored@{digest}")),
        );
    }
}

#[test]
fn should_successfully_restore_a_multi_arch_artifact_without_referrers_from_a_directory() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&["--output", &dir, &f.r("artifacts:multi")]);
    let dst = f.r("restored:multi");
    let out = restore(&["--input", &dir, "--exclude-referrers", &dst]);
    match_status(&out, "restore", &f.multi_keys(), true, 4);
    match_keywords(&out, &["0 referrer(s)", "Successfully restored 1 tag(s)"]);
    compare_ref(&f.r("artifacts:multi"), &dst);
}

#[test]
fn should_successfully_restore_an_image_without_referrers_from_a_tar_file() {
    let f = Fixture::new();
    let work = workdir();
    let tar = work.path().join("b.tar").display().to_string();
    backup(&["--output", &tar, &f.r("artifacts:foobar")]);
    let dst = f.r("restored:foobar");
    let out = restore(&["--input", &tar, "--exclude-referrers", &dst]);
    match_status(&out, "restore", &f.foobar_keys(true), true, 5);
    match_keywords(&out, &["0 referrer(s)", "Successfully restored 1 tag(s)"]);
    compare_ref(&f.r("artifacts:foobar"), &dst);
}

#[test]
fn should_restore_an_artifact_with_its_referrers_from_a_tar_file() {
    let f = Fixture::new();
    let work = workdir();
    let tar = work.path().join("b.tar").display().to_string();
    backup(&[
        "--output",
        &tar,
        "--include-referrers",
        &f.r("artifacts:foobar"),
    ]);
    let dst = f.r("restored:foobar");
    let out = restore(&["--input", &tar, &dst]);
    match_status(&out, "restore", &f.referrer_keys(), true, 7);
    match_keywords(&out, &["2 referrer(s)", "Successfully restored 1 tag(s)"]);
    compare_ref(&f.r("artifacts:foobar"), &dst);
}

#[test]
fn should_restore_multiple_specified_tags_without_referrers_from_a_directory() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&["--output", &dir, &f.r("artifacts:foobar,multi")]);
    let out = restore(&[
        "--input",
        &dir,
        "--exclude-referrers",
        &f.r("restored:foobar,multi"),
    ]);
    let keys = [f.foobar_keys(false), f.multi_keys()].concat();
    match_status(&out, "restore", &keys, true, keys.len());
    match_keywords(&out, &["0 referrer(s)", "Successfully restored 2 tag(s)"]);
    for tag in ["foobar", "multi"] {
        compare_ref(
            &f.r(&format!("artifacts:{tag}")),
            &f.r(&format!("restored:{tag}")),
        );
    }
}

#[test]
fn should_restore_all_tags_without_referrers_when_no_specific_tags_are_provided() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&["--output", &dir, &f.r("artifacts:foobar,multi")]);
    let out = restore(&["--input", &dir, "--exclude-referrers", &f.r("restored")]);
    let keys = [f.foobar_keys(false), f.multi_keys()].concat();
    match_status(&out, "restore", &keys, true, keys.len());
    match_keywords(&out, &["0 referrer(s)", "Successfully restored 2 tag(s)"]);
}

#[test]
fn should_simulate_restore_without_referrers() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&["--output", &dir, &f.r("artifacts:foobar")]);
    let dst = f.r("dry:foobar");
    let out = restore(&["--input", &dir, "--exclude-referrers", "--dry-run", &dst]);
    match_keywords(
        &out,
        &[
            "would push tag",
            "0 referrer(s)",
            "Dry run complete",
            "1 tag(s) would be restored",
        ],
    );
    let err = fails(oras().args(["manifest", "fetch", &dst]));
    match_keywords(&err, &["Error response from registry:", "not found"]);
}

#[test]
fn should_simulate_restore_with_referrers() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&[
        "--output",
        &dir,
        "--include-referrers",
        &f.r("artifacts:foobar"),
    ]);
    let dst = f.r("dry:foobar");
    let out = restore(&["--input", &dir, "--dry-run", &dst]);
    match_keywords(
        &out,
        &[
            "would push tag",
            "2 referrer(s)",
            "Dry run complete",
            "1 tag(s) would be restored",
        ],
    );
    match_keywords(
        &fails(oras().args(["manifest", "fetch", &dst])),
        &["Error response from registry:", "not found"],
    );
}

#[test]
fn should_successfully_restore_with_custom_concurrency_level_when_concurrency_flag_is_used() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&["--output", &dir, &f.r("artifacts:multi")]);
    let dst = f.r("restored:multi");
    let out = restore(&["--input", &dir, "--concurrency", "1", &dst]);
    match_status(&out, "restore", &f.multi_keys(), true, 4);
    compare_ref(&f.r("artifacts:multi"), &dst);
}

#[test]
fn should_restore_using_referrers_api_with_distribution_spec_v1_1_referrers_api() {
    let f = Fixture::new();
    let api = crate::common::ferro::ApiRegistry::start();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&[
        "--output",
        &dir,
        "--include-referrers",
        &f.r("artifacts:foobar"),
    ]);
    let dst = api.reference("restored:foobar");
    let out = restore(&[
        "--input",
        &dir,
        "--distribution-spec",
        "v1.1-referrers-api",
        &dst,
    ]);
    match_keywords(&out, &["2 referrer(s)"]);
    compare_ref(&f.r("artifacts:foobar"), &dst);
}

#[test]
fn should_restore_using_tag_schema_with_distribution_spec_v1_1_referrers_tag() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&[
        "--output",
        &dir,
        "--include-referrers",
        &f.r("artifacts:foobar"),
    ]);
    let dst = f.r("restored:foobar");
    let out = restore(&[
        "--input",
        &dir,
        "--distribution-spec",
        "v1.1-referrers-tag",
        &dst,
    ]);
    match_keywords(&out, &["2 referrer(s)"]);
    compare_ref(&f.r("artifacts:foobar"), &dst);
}

fn restore_fails(input: &Path) -> String {
    fails(
        oras()
            .args(["restore", "--input"])
            .arg(input)
            .arg("localhost:5000/restore-test"),
    )
}

#[test]
fn should_fail_when_restoring_from_a_non_existent_backup_directory() {
    let work = workdir();
    match_keywords(
        &restore_fails(&work.path().join("non-existent-backup")),
        &["Error:", "no such file or directory"],
    );
}

#[test]
fn should_fail_when_restoring_from_an_empty_backup_directory() {
    let work = workdir();
    let dir = work.path().join("empty-backup");
    std::fs::create_dir_all(&dir).unwrap();
    match_keywords(
        &restore_fails(&dir),
        &["Error:", "no tags found", "oras repo tags --oci-layout"],
    );
}

#[test]
fn should_fail_when_restoring_from_an_invalid_backup_directory() {
    let work = workdir();
    crate::common::write_file(
        work.path(),
        "invalid-backup/invalid-file.txt",
        "not a valid layout",
    );
    match_keywords(
        &restore_fails(&work.path().join("invalid-backup")),
        &["Error:", "no tags found"],
    );
}

#[test]
fn should_fail_when_restoring_from_a_non_existent_backup_tar_file() {
    let work = workdir();
    match_keywords(
        &restore_fails(&work.path().join("non-existent-backup.tar")),
        &["Error:", "no such file or directory"],
    );
}

#[test]
fn should_fail_when_restoring_from_an_invalid_backup_tar_file() {
    let work = workdir();
    let tar = crate::common::write_file(work.path(), "invalid-backup.tar", "");
    match_keywords(
        &restore_fails(&tar),
        &["Error:", "invalid OCI Image Layout"],
    );
}

#[test]
fn should_fail_when_restoring_from_a_non_tar_file() {
    let work = workdir();
    let file = crate::common::write_file(work.path(), "not-tar.txt", "");
    match_keywords(&restore_fails(&file), &["Error:"]);
}

#[test]
fn should_fail_when_no_tags_are_found_in_the_backup() {
    let work = workdir();
    let dir = work.path().join("backup-no-tags");
    ok(oras().args(["push", "--oci-layout"]).arg(&dir));
    match_keywords(
        &restore_fails(&dir),
        &["Error:", "no tags found", "oras repo tags --oci-layout"],
    );
}

#[test]
fn should_fail_when_the_specified_tag_doesnt_exist_in_the_backup() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&["--output", &dir, &f.r("artifacts:foobar")]);
    let err = fails(oras().args([
        "restore",
        "--input",
        &dir,
        &f.r("restored:non-existent-tag"),
    ]));
    match_keywords(&err, &["Error:", "non-existent-tag"]);
}

#[test]
fn should_fail_when_trying_to_restore_to_a_non_existent_registry() {
    let f = Fixture::new();
    let work = workdir();
    let dir = work.path().join("b").display().to_string();
    backup(&["--output", &dir, &f.r("artifacts:foobar")]);
    let closed = crate::common::ClosedPort::new();
    let dst = format!("127.0.0.1:{}/restore-test:foobar", closed.port());
    match_keywords(
        &fails(oras().args(["restore", "--input", &dir, &dst])),
        &["Error:"],
    );
}
