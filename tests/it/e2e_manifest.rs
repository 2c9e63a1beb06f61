//! oras v1.3's e2e scenarios of `oras manifest` (`test/e2e/suite/command/manifest.go`),
//! re-expressed against Distribution and OCI layouts with the `multi` index and `foobar` image
//! rebuilt (so exact bytes are compared with what the registry stores, not oras's fixture).

use crate::common::{OCI_INDEX, OCI_MANIFEST, Registry, fails, ok, oras, workdir, write_file};
use crate::e2e_status::{flag_marked, match_keywords, push_foobar_image, push_multi_arch};

const INVALID_DIGEST: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";
/// oras's `multi_arch.LinuxAMD64Config`, the config its `manifest push` scenarios point at.
const AMD64_CONFIG: &str = "{\r\n    \"architecture\": \"amd64\",\r\n    \"os\": \"linux\"\r\n}";
const PUSH_MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:fe9dbc99451d0517d65e048c309f0b5afb2cc513b7a3d456b6cc29fe641386c5","size":53},"layers":[]}"#;
const PUSH_DIGEST: &str = "sha256:bc1a59d49fc7c7b0a31f22ca0c743ecdabdb736777e3d9672fa9d97b4fe323f4";

/// A registry with the `multi` index and the `foobar` image in `images`.
struct Fixture {
    reg: Registry,
    index: String,
    amd64: String,
    image: String,
}

impl Fixture {
    fn new() -> Fixture {
        let reg = Registry::start();
        let [index, amd64, ..] = push_multi_arch(&reg, "images");
        let image = push_foobar_image(&reg.reference("images:foobar"));
        Fixture {
            reg,
            index,
            amd64,
            image,
        }
    }
    fn r(&self, s: &str) -> String {
        self.reg.reference(s)
    }
    /// The bytes the registry stores for `digest`.
    fn stored(&self, digest: &str) -> String {
        String::from_utf8(self.reg.get_manifest("images", digest).2).unwrap()
    }
    fn descriptor(&self, media_type: &str, digest: &str) -> String {
        format!(
            r#"{{"mediaType":"{media_type}","digest":"{digest}","size":{}}}"#,
            self.stored(digest).len()
        )
    }
    fn amd64_in_index(&self) -> String {
        let d = self.descriptor(OCI_MANIFEST, &self.amd64);
        format!(
            r#"{},"platform":{{"architecture":"amd64","os":"linux"}}}}"#,
            &d[..d.len() - 1]
        )
    }
}

fn usage_error(args: &[&str], usage: &str) {
    let err = fails(oras().args(args));
    assert!(
        err.contains(&format!("\nUsage: {usage}")) && err.contains(&format!("Run \"{usage} -h\"")),
        "{err}"
    );
}

#[test]
fn manifest_push_should_show_help_doc_with_feature_flags() {
    let out = ok(oras().args(["manifest", "push", "--help"]));
    match_keywords(&out, &["\nExample - ", "--pretty", "prettify JSON"]);
    flag_marked(&out, "--distribution-spec", "[Preview]");
}

#[test]
fn manifest_subcommands_fail_and_show_detailed_error_description_if_no_argument_provided() {
    for cmd in ["push", "fetch", "delete", "fetch-config"] {
        usage_error(&["manifest", cmd], &format!("oras manifest {cmd}"));
    }
}

#[test]
fn should_fail_pushing_with_a_manifest_from_stdin_without_media_type_flag() {
    let err = fails(oras().args([
        "manifest",
        "push",
        "localhost:5000/images:from-stdin",
        "-",
        "--password-stdin",
        "--media-type",
        OCI_MANIFEST,
    ]));
    match_keywords(&err, &["`-`", "`--password-stdin`", " cannot be both used"]);
}

#[test]
fn manifest_fetch_should_call_sub_commands_with_aliases() {
    match_keywords(
        &ok(oras().args(["manifest", "get", "--help"])),
        &["\nExample - "],
    );
}

#[test]
fn should_fail_with_suggestion_if_no_tag_or_digest_is_provided() {
    let reg = Registry::start();
    for (cmd, usage) in [
        (
            "fetch",
            "oras manifest fetch [flags] <name>{:<tag>|@<digest>}",
        ),
        (
            "delete",
            "oras manifest delete [flags] <name>{:<tag>|@<digest>}",
        ),
        ("fetch-config", "oras manifest fetch-config"),
    ] {
        let err = fails(oras().args(["manifest", cmd, &reg.reference("images")]));
        match_keywords(&err, &["Error:", "no tag or digest specified", usage]);
    }
}

#[test]
fn manifest_delete_should_show_help_doc_with_feature_flags() {
    let out = ok(oras().args(["manifest", "delete", "--help"]));
    match_keywords(&out, &["\nExample - "]);
    flag_marked(&out, "--distribution-spec", "[Preview]");
}

#[test]
fn should_cancel_deletion_without_confirmation() {
    let f = Fixture::new();
    ok(oras().args(["cp", &f.r("images:foobar"), &f.r("delete:to-delete")]));
    let out = ok(oras().args(["manifest", "delete", &f.r("delete:to-delete")]));
    match_keywords(
        &out,
        &[
            "Operation cancelled.",
            "Are you sure you want to delete the manifest ",
            " and all tags associated with it?",
        ],
    );
    assert!(f.reg.tags("delete").contains(&"to-delete".to_string()));
}

#[test]
fn should_fail_if_descriptor_flag_is_provided_without_confirmation_flag() {
    let f = Fixture::new();
    fails(oras().args(["manifest", "delete", &f.r("images:foobar"), "--descriptor"]));
}

#[test]
fn should_fail_to_delete_a_non_existent_manifest() {
    let f = Fixture::new();
    let by_digest = f.r(&format!("images@{INVALID_DIGEST}"));
    let by_tag = f.r("images:this.tag.should-not.be-existed");
    for args in [
        vec![&*by_digest],
        vec![&*by_digest, "--force", "--descriptor"],
        vec![&*by_tag, "--force", "--descriptor"],
    ] {
        let err = fails(oras().args(["manifest", "delete"]).args(&args));
        match_keywords(&err, &[args[0], "the specified manifest does not exist"]);
    }
}

#[test]
fn manifest_fetch_config_should_show_preview_hint_in_the_doc() {
    match_keywords(
        &ok(oras().args(["manifest", "fetch-config", "--help"])),
        &["\nExample - ", "\nUsage:"],
    );
}

#[test]
fn manifest_fetch_config_should_fail_if_provided_reference_does_not_exist_or_is_not_an_image() {
    let f = Fixture::new();
    fails(oras().args([
        "manifest",
        "fetch-config",
        &f.r("images:this-tag-should-not-exist"),
    ]));
    fails(oras().args(["manifest", "fetch-config", &f.r("images:multi")]));
}

fn check_fetch(
    f: &Fixture,
    target: &dyn Fn(&str) -> Vec<String>,
    tagged_descriptor: Option<String>,
) {
    let fetch = |reference: &str, extra: &[&str]| {
        ok(oras()
            .args(["manifest", "fetch"])
            .args(target(reference))
            .args(extra))
    };
    let (index, amd64) = (f.stored(&f.index), f.stored(&f.amd64));
    let index_desc = f.descriptor(OCI_INDEX, &f.index);
    assert_eq!(
        fetch(&format!("@{}", f.index), &[]),
        index,
        "manifest list with digest"
    );
    assert_eq!(fetch(":multi", &[]), index, "manifest list with tag");
    assert_eq!(
        fetch(":multi", &["--output", "-"]),
        index,
        "manifest list to stdout"
    );
    let work = workdir();
    let path = work.path().join("fetchedImage").display().to_string();
    assert_eq!(
        fetch(
            &format!("@{}", f.index),
            &["--output", &path, "--descriptor"]
        ),
        index_desc
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), index);
    let amd = ["--platform", "linux/amd64"];
    assert_eq!(
        fetch(":multi", &amd),
        amd64,
        "via tag with platform selection"
    );
    assert_eq!(
        fetch(&format!("@{}", f.index), &amd),
        amd64,
        "via digest with platform selection"
    );
    assert_eq!(
        fetch(&format!("@{}", f.amd64), &amd),
        amd64,
        "with platform validation"
    );
    assert_eq!(
        fetch(&format!("@{}", f.index), &["--descriptor"]),
        index_desc
    );
    assert_eq!(
        fetch(
            &format!("@{}", f.index),
            &["--platform", "linux/amd64", "--descriptor"]
        ),
        f.amd64_in_index()
    );
    assert_eq!(
        fetch(
            &format!("@{}", f.amd64),
            &["--platform", "linux/amd64", "--descriptor"]
        ),
        f.descriptor(OCI_MANIFEST, &f.amd64)
    );
    let tagged = fetch(":multi", &["--descriptor"]);
    match tagged_descriptor {
        // A layout's tag resolves to its index.json entry, `ref.name` included, as in oras.
        Some(expected) => assert_eq!(tagged, expected),
        None => assert_eq!(tagged, index_desc),
    }
    assert_eq!(
        fetch(":multi", &["--platform", "linux/amd64", "--descriptor"]),
        f.amd64_in_index()
    );
}

#[test]
fn should_fetch_manifests_and_descriptors_with_tag_digest_and_platform() {
    let f = Fixture::new();
    check_fetch(&f, &|r| vec![f.r(&format!("images{r}"))], None);
}

#[test]
fn should_fetch_with_media_type_assertion() {
    let f = Fixture::new();
    let fetch = |reference: String, extra: &[&str]| {
        ok(oras().args(["manifest", "fetch", &reference]).args(extra))
    };
    let both = format!("{OCI_INDEX},{OCI_MANIFEST}");
    let at_index = f.r(&format!("images@{}", f.index));
    assert_eq!(
        fetch(at_index.clone(), &["--media-type", OCI_INDEX]),
        f.stored(&f.index)
    );
    assert_eq!(
        fetch(
            at_index.clone(),
            &["--media-type", OCI_INDEX, "--descriptor"]
        ),
        f.descriptor(OCI_INDEX, &f.index)
    );
    let amd = ["--platform", "linux/amd64", "--media-type", &both];
    assert_eq!(fetch(f.r("images:multi"), &amd), f.stored(&f.amd64));
    assert_eq!(
        fetch(at_index, &[&amd[..], &["--descriptor"]].concat()),
        f.amd64_in_index()
    );
    let at_amd = f.r(&format!("images@{}", f.amd64));
    assert_eq!(
        fetch(
            at_amd.clone(),
            &["--platform", "linux/amd64", "--media-type", OCI_MANIFEST]
        ),
        f.stored(&f.amd64)
    );
    assert_eq!(
        fetch(
            at_amd,
            &[
                "--platform",
                "linux/amd64",
                "--media-type",
                OCI_MANIFEST,
                "--descriptor"
            ]
        ),
        f.descriptor(OCI_MANIFEST, &f.amd64)
    );
}

#[test]
fn should_fail_to_fetch_image_if_media_type_assertion_fails() {
    let f = Fixture::new();
    let at = f.r(&format!("images@{}", f.amd64));
    let err = fails(oras().args([
        "manifest",
        "fetch",
        &at,
        "--media-type",
        "this.will.not.be.found",
    ]));
    match_keywords(
        &err,
        &[&f.amd64, "Error response from registry: ", "not found"],
    );
}

fn push_config(f: &Fixture, repo: &str) {
    let digest = f.reg.push_blob(repo, AMD64_CONFIG.as_bytes());
    assert_eq!(
        digest,
        "sha256:fe9dbc99451d0517d65e048c309f0b5afb2cc513b7a3d456b6cc29fe641386c5"
    );
}

#[test]
fn should_push_a_manifest_from_stdin_without_media_type_flag() {
    let f = Fixture::new();
    push_config(&f, "images");
    let out = ok(oras()
        .args(["manifest", "push", &f.r("images:from-stdin"), "-"])
        .write_stdin(PUSH_MANIFEST));
    match_keywords(
        &out,
        &["Pushed", &f.r("images:from-stdin"), "Digest:", PUSH_DIGEST],
    );
}

#[test]
fn should_push_a_manifest_and_output_descriptor() {
    let f = Fixture::new();
    push_config(&f, "images");
    let out = ok(oras()
        .args([
            "manifest",
            "push",
            &f.r("images:from-stdin"),
            "-",
            "--descriptor",
        ])
        .write_stdin(PUSH_MANIFEST));
    assert_eq!(
        out,
        format!(r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{PUSH_DIGEST}","size":247}}"#)
    );
}

#[test]
fn should_push_a_manifest_from_file() {
    let f = Fixture::new();
    push_config(&f, "images");
    let work = workdir();
    let path = write_file(work.path(), "manifest.json", PUSH_MANIFEST)
        .display()
        .to_string();
    let out = ok(oras().args([
        "manifest",
        "push",
        &f.r("images:from-file"),
        &path,
        "--media-type",
        OCI_MANIFEST,
    ]));
    match_keywords(
        &out,
        &["Pushed", &f.r("images:from-file"), "Digest:", PUSH_DIGEST],
    );
}

#[test]
fn should_fail_to_push_manifest_without_media_type_with_suggestion() {
    let f = Fixture::new();
    let work = workdir();
    let manifest = PUSH_MANIFEST.replace(OCI_MANIFEST, "");
    let path = write_file(work.path(), "manifest.json", manifest)
        .display()
        .to_string();
    let err = fails(oras().args(["manifest", "push", &f.r("images:from-file"), &path]));
    match_keywords(
        &err,
        &[
            "Error:",
            " media type is not specified",
            "oras manifest push",
        ],
    );
}

#[test]
fn should_fetch_a_config_via_tag_digest_and_platform() {
    let f = Fixture::new();
    let config_desc = r#"{"mediaType":"application/vnd.unknown.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}"#;
    let fc = |args: &[&str]| ok(oras().args(["manifest", "fetch-config"]).args(args));
    assert_eq!(fc(&[&f.r("images:foobar")]), "{}");
    assert_eq!(fc(&["--descriptor", &f.r("images:foobar")]), config_desc);
    assert_eq!(
        fc(&["--descriptor", &f.r(&format!("images@{}", f.image))]),
        config_desc
    );
    assert_eq!(
        fc(&["--platform", "linux/amd64", &f.r("images:multi")]),
        r#"{"architecture":"amd64","os":"linux"}"#
    );
}

fn check_delete(target: &str, layout: bool, expected_descriptor: &str) {
    let flag: &[&str] = if layout { &["--oci-layout"] } else { &[] };
    let out = ok(oras()
        .args(["manifest", "delete"])
        .args(flag)
        .arg(target)
        .args(["-f", "--descriptor"]));
    assert_eq!(out, expected_descriptor);
    let err = fails(oras().args(["manifest", "fetch"]).args(flag).arg(target));
    match_keywords(&err, &[": not found"]);
}

#[test]
fn should_do_confirmed_deletion_via_input_or_flag() {
    let f = Fixture::new();
    for (tag, confirm) in [("a", vec![]), ("b", vec!["-f"])] {
        ok(oras().args([
            "cp",
            &f.r("images:foobar"),
            &f.r(&format!("delete-{tag}:to-delete")),
        ]));
        let target = f.r(&format!("delete-{tag}:to-delete"));
        ok(oras()
            .args(["manifest", "delete", &target])
            .args(confirm)
            .write_stdin("y"));
        assert!(
            !f.reg
                .tags(&format!("delete-{tag}"))
                .contains(&"to-delete".to_string())
        );
    }
}

#[test]
fn should_do_forced_deletion_and_output_descriptor() {
    let f = Fixture::new();
    ok(oras().args(["cp", &f.r("images:foobar"), &f.r("delete:to-delete")]));
    check_delete(
        &f.r("delete:to-delete"),
        false,
        &f.descriptor(OCI_MANIFEST, &f.image),
    );
}

#[test]
fn should_succeed_when_deleting_a_non_existent_manifest_with_force_flag_set() {
    let f = Fixture::new();
    let target = f.r(&format!("images@{INVALID_DIGEST}"));
    match_keywords(
        &ok(oras().args(["manifest", "delete", &target, "--force"])),
        &["Missing", &target],
    );
}

fn layout_fixture(f: &Fixture) -> (tempfile::TempDir, String) {
    let work = workdir();
    let root = work.path().join("layout").display().to_string();
    for tag in ["multi", "foobar"] {
        ok(oras().args([
            "cp",
            &f.r(&format!("images:{tag}")),
            "--to-oci-layout",
            &format!("{root}:{tag}"),
        ]));
    }
    (work, root)
}

#[test]
fn oci_layout_should_fetch_manifests_and_descriptors_with_tag_digest_and_platform() {
    let f = Fixture::new();
    let (_dir, root) = layout_fixture(&f);
    let d = f.descriptor(OCI_INDEX, &f.index);
    // A tag of the layout: its index.json entry, with the layout's `ref.name`, as oras prints it.
    let tagged = format!(
        r#"{},"annotations":{{"org.opencontainers.image.ref.name":"multi"}}}}"#,
        &d[..d.len() - 1]
    );
    check_fetch(
        &f,
        &|r| vec!["--oci-layout".into(), format!("{root}{r}")],
        Some(tagged),
    );
}

#[test]
fn oci_layout_should_fail_to_fetch_image_if_media_type_assertion_is_used() {
    let f = Fixture::new();
    let (_dir, root) = layout_fixture(&f);
    let err = fails(oras().args([
        "manifest",
        "fetch",
        "--oci-layout",
        &format!("{root}@{}", f.index),
        "--media-type",
        OCI_MANIFEST,
    ]));
    match_keywords(&err, &["Error", "--media-type", "--oci-layout"]);
}

#[test]
fn oci_layout_should_fetch_a_config_via_tag_digest_and_platform() {
    let f = Fixture::new();
    let (_dir, root) = layout_fixture(&f);
    let fc = |args: &[&str]| {
        ok(oras()
            .args(["manifest", "fetch-config", "--oci-layout"])
            .args(args))
    };
    assert_eq!(fc(&[&format!("{root}:foobar")]), "{}");
    assert_eq!(fc(&[&format!("{root}@{}", f.image)]), "{}");
    assert_eq!(
        fc(&["--platform", "linux/amd64", &format!("{root}:multi")]),
        r#"{"architecture":"amd64","os":"linux"}"#
    );
    let err = fails(oras().args(["manifest", "fetch-config", "--oci-layout", &root]));
    match_keywords(
        &err,
        &[
            "Error:",
            "no tag or digest specified",
            "oras manifest fetch-config",
        ],
    );
}

#[test]
fn oci_layout_should_do_forced_deletion_and_output_descriptor() {
    let f = Fixture::new();
    let (_dir, root) = layout_fixture(&f);
    let d = f.descriptor(OCI_MANIFEST, &f.image);
    let expected = format!(
        r#"{},"annotations":{{"org.opencontainers.image.ref.name":"foobar"}}}}"#,
        &d[..d.len() - 1]
    );
    check_delete(&format!("{root}:foobar"), true, &expected);
}

#[test]
fn oci_layout_should_succeed_when_deleting_a_non_existent_manifest_with_force_flag_set() {
    let f = Fixture::new();
    let (_dir, root) = layout_fixture(&f);
    let target = format!("{root}@{INVALID_DIGEST}");
    match_keywords(
        &ok(oras().args(["manifest", "delete", "--oci-layout", &target, "--force"])),
        &["Missing", &target],
    );
}

#[test]
fn oci_layout_should_push_a_manifest_from_stdin() {
    let work = workdir();
    let root = work.path().join("layout").display().to_string();
    let empty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    ok(oras()
        .args([
            "blob",
            "push",
            "--oci-layout",
            &format!("{root}@{empty}"),
            "--size",
            "2",
            "-",
        ])
        .write_stdin("{}"));
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{empty}","size":2}},"layers":[]}}"#
    );
    let digest = "sha256:f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268";
    let out = ok(oras()
        .args(["manifest", "push", "--oci-layout", &root, "-"])
        .write_stdin(manifest.clone()));
    match_keywords(&out, &["Pushed", &root, "Digest:", digest]);
    let index = std::fs::read_to_string(work.path().join("layout/index.json")).unwrap();
    assert!(index.contains(digest), "{index}");
    let out = ok(oras()
        .args([
            "manifest",
            "push",
            "--oci-layout",
            &root,
            "-",
            "--descriptor",
        ])
        .write_stdin(manifest));
    assert_eq!(
        out,
        format!(r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{digest}","size":246}}"#)
    );
}
