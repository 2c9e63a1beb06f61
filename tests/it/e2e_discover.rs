//! oras v1.3's e2e scenarios of `oras discover` (`test/e2e/suite/command/discover.go`),
//! re-expressed against ferro-oci-server (Referrers API), Distribution (tag schema) and OCI
//! layouts, with oras's foobar referrers rebuilt; one test per `It`, named after it.
//!
//! oras's spec reads `-o json` as an OCI index (`manifests`), the v1.1 preview's document;
//! v1.3 prints `{"reference", …, "referrers": [...]}` with nested referrers, so the JSON cases
//! check the top-level `referrers` instead.

use crate::common::{Registry, fails, ok, oras, workdir};
use crate::e2e_status::{
    flag_marked, match_keywords, push_foobar_image, push_foobar_referrers, push_multi_arch,
};

/// A foobar image with its SBOM and signature: (`ref_of(tag_or_digest)`, image, sbom,
/// signature).
struct Fixture {
    repo: String,
    image: String,
    sbom: String,
    signature: String,
}

impl Fixture {
    fn new(repo: String) -> Fixture {
        let image = push_foobar_image(&format!("{repo}:foobar"));
        let (sbom, signature) = push_foobar_referrers(&repo, &image);
        Fixture {
            repo,
            image,
            sbom,
            signature,
        }
    }
    fn subject(&self) -> String {
        format!("{}:foobar", self.repo)
    }
}

fn json_referrers(args: &[&str]) -> Vec<serde_json::Value> {
    let out = ok(oras().arg("discover").args(args));
    let doc: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    doc["referrers"].as_array().cloned().unwrap_or_default()
}

#[test]
fn should_run_discover_command() {
    match_keywords(
        &ok(oras().args(["discover", "--help"])),
        &["[Preview] discover", "\nUsage:"],
    );
}

#[test]
fn should_show_preview_and_help_doc() {
    let out = ok(oras().args(["discover", "--help"]));
    match_keywords(
        &out,
        &[
            "[Preview] Discover",
            "** This command is in preview and under development. **",
            "\nExample - ",
        ],
    );
    flag_marked(&out, "--distribution-spec", "[Preview]");
}

#[test]
fn should_fail_when_no_subject_reference_provided() {
    match_keywords(&fails(oras().arg("discover")), &["Error:"]);
}

#[test]
fn should_fail_when_no_tag_or_digest_found_in_provided_subject_reference() {
    let reg = Registry::start();
    let err = fails(oras().args(["discover", &reg.reference("images")]));
    match_keywords(
        &err,
        &["Error:", "no tag or digest specified", "oras discover"],
    );
}

#[test]
fn should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().arg("discover"));
    assert!(
        err.contains("\nUsage: oras discover") && err.contains("Run \"oras discover -h\""),
        "{err}"
    );
}

#[test]
fn should_fail_and_show_detailed_error_description_if_more_than_1_argument_are_provided() {
    let err = fails(oras().args(["discover", "foo", "bar"]));
    assert!(
        err.contains("\nUsage: oras discover") && err.contains("Run \"oras discover -h\""),
        "{err}"
    );
}

fn check_direct_referrers(f: &Fixture, extra: &[&str]) {
    let found = json_referrers(&[&[&*f.subject(), "-o", "json"], extra].concat());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["digest"], f.sbom.as_str());
    assert_eq!(found[0]["artifactType"], "test/sbom.file");
    let typed = json_referrers(
        &[
            &[
                &*f.subject(),
                "-o",
                "json",
                "--artifact-type",
                "test/sbom.file",
            ],
            extra,
        ]
        .concat(),
    );
    assert_eq!(typed.len(), 1);
    assert_eq!(typed[0]["digest"], f.sbom.as_str());
    assert!(
        json_referrers(
            &[
                &[&*f.subject(), "-o", "json", "--artifact-type", "???"],
                extra
            ]
            .concat()
        )
        .is_empty()
    );
}

#[test]
fn should_discover_direct_referrers_of_a_subject() {
    let reg = crate::common::ferro::ApiRegistry::start();
    check_direct_referrers(&Fixture::new(reg.reference("artifacts")), &[]);
}

#[test]
fn should_discover_one_referrer_with_matched_platform() {
    let reg = crate::common::ferro::ApiRegistry::start();
    let [_, amd64, ..] = {
        // The index is built on Distribution and copied over.
        let reg2 = Registry::start();
        let out = push_multi_arch(&reg2, "images");
        ok(oras().args([
            "cp",
            &reg2.reference("images:multi"),
            &reg.reference("artifacts:multi"),
        ]));
        out
    };
    let work = workdir();
    let referrer = crate::e2e_status::attach(
        &reg.reference(&format!("artifacts@{amd64}")),
        "referrer/image",
    );
    drop(work);
    let found = json_referrers(&[
        &*reg.reference("artifacts:multi"),
        "-o",
        "json",
        "--platform",
        "linux/amd64",
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["digest"], referrer.as_str());
}

fn check_tree(f: &Fixture, extra: &[&str], verbose: bool) {
    let mut args = vec![f.subject(), "-o".into(), "tree".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    if verbose {
        args.push("-v".into());
    }
    let out = ok(oras().arg("discover").args(&args));
    let subject = format!("{}@{}", f.repo, f.image);
    let mut words = vec![
        &*f.sbom,
        "test/sbom.file",
        &*f.signature,
        "test/signature.file",
        &*subject,
    ];
    if verbose {
        words.push(r#"org.opencontainers.image.created: "2023-01-18T08:37:42Z""#);
    }
    match_keywords(&out, &words);
}

#[test]
fn should_discover_all_referrers_of_a_subject() {
    let reg = crate::common::ferro::ApiRegistry::start();
    check_tree(&Fixture::new(reg.reference("artifacts")), &[], false);
}

#[test]
fn should_discover_all_referrers_of_a_subject_via_referrers_api() {
    let reg = crate::common::ferro::ApiRegistry::start();
    check_tree(
        &Fixture::new(reg.reference("artifacts")),
        &["--distribution-spec", "v1.1-referrers-api"],
        false,
    );
}

#[test]
fn should_discover_all_referrers_of_a_subject_with_annotations() {
    let reg = crate::common::ferro::ApiRegistry::start();
    check_tree(&Fixture::new(reg.reference("artifacts")), &[], true);
}

fn check_table(f: &Fixture, extra: &[&str]) {
    let out = ok(oras()
        .arg("discover")
        .arg(f.subject())
        .args(["-o", "table"])
        .args(extra));
    match_keywords(&out, &[&f.sbom, "test/sbom.file", &f.image]);
}

#[test]
fn should_all_referrers_of_a_subject() {
    let reg = crate::common::ferro::ApiRegistry::start();
    check_table(&Fixture::new(reg.reference("artifacts")), &[]);
}

#[test]
fn fallback_should_discover_direct_referrers_of_a_subject_via_json_output() {
    let reg = Registry::start();
    check_direct_referrers(&Fixture::new(reg.reference("artifacts")), &[]);
}

#[test]
fn fallback_should_discover_all_referrers_of_a_subject_via_tree_output() {
    let reg = Registry::start();
    check_tree(&Fixture::new(reg.reference("artifacts")), &[], false);
}

#[test]
fn fallback_should_discover_all_referrers_with_annotation_via_tree_output() {
    let reg = Registry::start();
    check_tree(&Fixture::new(reg.reference("artifacts")), &[], true);
}

#[test]
fn fallback_should_discover_direct_referrers_of_a_subject_via_table_output() {
    let reg = Registry::start();
    check_table(&Fixture::new(reg.reference("artifacts")), &[]);
}

#[test]
fn fallback_should_discover_direct_referrers_explicitly_via_tag_scheme() {
    let reg = Registry::start();
    check_table(
        &Fixture::new(reg.reference("artifacts")),
        &["--distribution-spec", "v1.1-referrers-tag"],
    );
}

/// The fixture copied with its referrers into an OCI layout: (dir guard, fixture on the layout).
fn layout_fixture() -> (tempfile::TempDir, Fixture) {
    let reg = Registry::start();
    let f = Fixture::new(reg.reference("artifacts"));
    let work = workdir();
    let root = work.path().join("layout").display().to_string();
    ok(oras().args([
        "cp",
        "-r",
        &f.subject(),
        "--to-oci-layout",
        &format!("{root}:foobar"),
    ]));
    (work, Fixture { repo: root, ..f })
}

#[test]
fn oci_layout_should_discover_direct_referrers_of_a_subject() {
    let (_dir, f) = layout_fixture();
    check_direct_referrers(&f, &["--oci-layout"]);
}

#[test]
fn oci_layout_should_discover_all_referrers_of_a_subject() {
    let (_dir, f) = layout_fixture();
    check_tree(&f, &["--oci-layout"], false);
}

#[test]
fn oci_layout_should_discover_all_referrers_of_a_subject_with_annotations() {
    let (_dir, f) = layout_fixture();
    check_tree(&f, &["--oci-layout"], true);
}

#[test]
fn oci_layout_should_get_direct_referrers_of_a_subject() {
    let (_dir, f) = layout_fixture();
    check_table(&f, &["--oci-layout"]);
}

#[test]
fn oci_layout_should_discover_no_matched_referrer() {
    let (_dir, f) = layout_fixture();
    let out = ok(oras().arg("discover").arg(f.subject()).args([
        "-o",
        "table",
        "--artifact-type",
        "???",
        "--oci-layout",
    ]));
    assert!(!out.contains(&f.sbom), "{out}");
}
