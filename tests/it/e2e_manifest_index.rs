//! oras v1.3's e2e scenarios of `oras manifest index create|update`
//! (`test/e2e/suite/command/manifest_index.go`), re-expressed against Distribution and OCI
//! layouts with oras's `multi` index (tags `linux-amd64`, `linux-arm64` on its images) and its
//! `nonjson-config` image rebuilt; one test per `It`, named after it (the `oci_layout_` ones are
//! the spec's "OCI image layout users"). Expected entries are computed from what is stored.

use serde_json::{Value, json};

use crate::common::{
    OCI_INDEX, OCI_MANIFEST, Registry, digest_line, fails, ok, oras, sha256_digest, workdir,
    write_file,
};
use crate::e2e_status::{match_keywords, push_multi_arch};

/// The artifact type of oras's `nonjson_config.Descriptor`.
const UNKNOWN_CONFIG: &str = "application/vnd.unknown.config.v1+json";

/// oras's `images` repository rebuilt in a registry: the `multi` index of three images (tagged
/// `amd64`/`linux-amd64`, `arm64`/`linux-arm64`, `armv7`) and `nonjson-config`, an image whose
/// config is not JSON.
struct Fixture {
    reg: Registry,
    amd64: String,
    arm64: String,
    armv7: String,
    multi: String,
    nonjson: String,
    layer: String,
}

impl Fixture {
    fn new() -> Fixture {
        let reg = Registry::start();
        let [multi, amd64, _, layer] = push_multi_arch(&reg, "images");
        for (from, to) in [("amd64", "linux-amd64"), ("arm64", "linux-arm64")] {
            ok(oras().args(["tag", &reg.reference(&format!("images:{from}")), to]));
        }
        let work = workdir();
        write_file(work.path(), "hello.tar", vec![0u8; 10240]);
        write_file(work.path(), "config.bin", "not json at all");
        let out = ok(crate::common::oras_in(work.path()).args([
            "push",
            &reg.reference("images:nonjson-config"),
            "hello.tar",
            "--artifact-type",
            UNKNOWN_CONFIG,
            "--config",
            "config.bin:application/vnd.oci.image.config.v1+json",
        ]));
        let resolve = |tag: &str| reg.resolve("images", tag).unwrap();
        Fixture {
            arm64: resolve("arm64"),
            armv7: resolve("armv7"),
            nonjson: digest_line(&out),
            reg,
            amd64,
            multi,
            layer,
        }
    }

    fn r(&self, s: &str) -> String {
        self.reg.reference(&format!("images{s}"))
    }

    fn size(&self, digest: &str) -> usize {
        self.reg.get_manifest("images", digest).2.len()
    }

    /// The index entry of an image of the fixture, as `manifest index create` writes it.
    fn image(&self, digest: &str) -> Value {
        let platform = if *digest == self.amd64 {
            json!({"architecture": "amd64", "os": "linux"})
        } else if *digest == self.arm64 {
            json!({"architecture": "arm64", "os": "linux"})
        } else {
            json!({"architecture": "arm", "os": "linux", "variant": "v7"})
        };
        json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": self.size(digest), "platform": platform})
    }

    /// oras's `multi_arch.CreatedIndex`: the index of the amd64 image, compact.
    fn created_index(&self) -> String {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":{},"platform":{{"architecture":"amd64","os":"linux"}}}}]}}"#,
            self.amd64,
            self.size(&self.amd64)
        )
    }

    /// The fixture copied into an OCI layout (`PrepareTempOCI(ImageRepo)`): returns its root.
    fn layout(&self, dir: &std::path::Path) -> String {
        let root = dir.join("layout").display().to_string();
        for tag in ["multi", "nonjson-config"] {
            ok(oras().args([
                "cp",
                &self.r(&format!(":{tag}")),
                "--to-oci-layout",
                &format!("{root}:{tag}"),
            ]));
        }
        for (digest, tag) in [(&self.amd64, "linux-amd64"), (&self.arm64, "linux-arm64")] {
            ok(oras().args(["tag", "--oci-layout", &format!("{root}@{digest}"), tag]));
        }
        root
    }
}

/// oras's `ValidateIndex`: the fetched index lists exactly `manifests`.
fn validate_index(fetch: &[&str], manifests: &[Value]) {
    let out = ok(oras().args(["manifest", "fetch"]).args(fetch));
    let index: Value = serde_json::from_str(&out).expect("index JSON");
    assert_eq!(index["mediaType"], OCI_INDEX, "{out}");
    assert_eq!(
        index["manifests"],
        Value::Array(manifests.to_vec()),
        "{out}"
    );
}

fn index(args: &[&str]) -> String {
    ok(oras().args(["manifest", "index"]).args(args))
}

fn index_fails(args: &[&str]) -> String {
    fails(oras().args(["manifest", "index"]).args(args))
}

#[test]
fn should_show_help_doc_with_alias() {
    match_keywords(&index(&["create", "--help"]), &["Aliases", "pack"]);
}

#[test]
fn should_show_help_doc_with_tag_flag() {
    match_keywords(
        &index(&["update", "--help"]),
        &["--tag", "tags for the updated index"],
    );
}

#[test]
fn should_create_index_by_using_source_manifest_digests() {
    let f = Fixture::new();
    let out = index(&["create", &f.r(":latest"), &f.amd64, &f.arm64]);
    let pushed = f.reg.resolve("images", "latest").unwrap();
    match_keywords(
        &out,
        &["Fetched", &f.amd64, "Fetched", &f.arm64, "Pushed", &pushed],
    );
    validate_index(&[&f.r(":latest")], &[f.image(&f.amd64), f.image(&f.arm64)]);
}

#[test]
fn should_create_index_by_using_source_manifest_tags() {
    let f = Fixture::new();
    let out = index(&["create", &f.r(":latest"), "linux-arm64", "linux-amd64"]);
    let pushed = f.reg.resolve("images", "latest").unwrap();
    match_keywords(
        &out,
        &[
            "Fetched",
            "linux-arm64",
            "Fetched",
            "linux-amd64",
            "Pushed",
            &pushed,
        ],
    );
    validate_index(&[&f.r(":latest")], &[f.image(&f.arm64), f.image(&f.amd64)]);
}

#[test]
fn should_create_index_without_tagging_it() {
    let f = Fixture::new();
    let tags = f.reg.tags("images");
    let out = index(&["create", &f.r(""), "linux-arm64", "linux-amd64", &f.armv7]);
    let pushed = digest_line(&out);
    match_keywords(&out, &["Pushed", &pushed]);
    assert_eq!(f.reg.tags("images"), tags, "no tag added");
    let stored = f.reg.get_manifest("images", &pushed).2;
    assert_eq!(sha256_digest(&stored), pushed);
    validate_index(
        &[&f.r(&format!("@{pushed}"))],
        &[f.image(&f.arm64), f.image(&f.amd64), f.image(&f.armv7)],
    );
}

#[test]
fn should_create_index_with_multiple_tags() {
    let f = Fixture::new();
    let target = format!("{},t1,t2,t3", f.r(":t0"));
    let out = index(&["create", &target, &f.armv7, "linux-arm64", "linux-amd64"]);
    let pushed = f.reg.resolve("images", "t0").unwrap();
    match_keywords(&out, &["Fetched", "Pushed", "Tagged", &pushed]);
    let expected = [f.image(&f.armv7), f.image(&f.arm64), f.image(&f.amd64)];
    for tag in ["t0", "t1", "t2", "t3"] {
        validate_index(&[&f.r(&format!(":{tag}"))], &expected);
    }
}

#[test]
fn should_create_nested_indexes() {
    let f = Fixture::new();
    index(&["create", &f.r(":nested"), "multi"]);
    let multi = json!({"mediaType": OCI_INDEX, "digest": f.multi, "size": f.size(&f.multi)});
    validate_index(&[&f.r(":nested")], &[multi]);
}

#[test]
fn should_create_index_from_image_with_non_json_config() {
    let f = Fixture::new();
    index(&["create", &f.r(":unusual-config"), "nonjson-config"]);
    let entry = json!({"mediaType": OCI_MANIFEST, "digest": f.nonjson, "size": f.size(&f.nonjson), "artifactType": UNKNOWN_CONFIG});
    validate_index(&[&f.r(":unusual-config")], &[entry]);
}

#[test]
fn should_output_created_index_to_file() {
    let f = Fixture::new();
    let work = workdir();
    let path = work.path().join("createdIndex");
    let tags = f.reg.tags("images");
    ok(oras()
        .args([
            "manifest",
            "index",
            "create",
            &f.r(""),
            &f.amd64,
            "--output",
        ])
        .arg(&path));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), f.created_index());
    assert_eq!(f.reg.tags("images"), tags);
}

#[test]
fn should_output_created_index_to_stdout() {
    let f = Fixture::new();
    let out = index(&["create", &f.r(""), &f.amd64, "--output", "-"]);
    match_keywords(&out, &[&f.created_index()]);
}

#[test]
fn should_fail_if_given_a_reference_that_does_not_exist_in_the_repo() {
    let f = Fixture::new();
    let err = index_fails(&["create", &f.r(""), "does-not-exist"]);
    match_keywords(&err, &["Error", "could not find", "does-not-exist"]);
}

/// An index `tag` of `sources` in the registry; returns its digest.
fn create(f: &Fixture, tag: &str, sources: &[&str]) -> String {
    let out = index(&[&["create", &f.r(tag)], sources].concat());
    digest_line(&out)
}

#[test]
fn should_update_by_specifying_the_index_tag() {
    let f = Fixture::new();
    create(&f, ":latest", &[&f.amd64, &f.arm64]);
    let out = index(&["update", &f.r(":latest"), "--add", &f.armv7]);
    let updated = f.reg.resolve("images", "latest").unwrap();
    match_keywords(&out, &[&updated]);
    let expected = [f.image(&f.amd64), f.image(&f.arm64), f.image(&f.armv7)];
    validate_index(&[&f.r(":latest")], &expected);
}

#[test]
fn should_update_by_specifying_the_index_digest() {
    let f = Fixture::new();
    let created = create(&f, "", &[&f.amd64, &f.arm64]);
    let out = index(&["update", &f.r(&format!("@{created}")), "--add", &f.armv7]);
    let updated = digest_line(&out);
    match_keywords(&out, &[&updated]);
    let expected = [f.image(&f.amd64), f.image(&f.arm64), f.image(&f.armv7)];
    validate_index(&[&f.r(&format!("@{updated}"))], &expected);
}

#[test]
fn should_update_by_add_merge_and_remove_flags() {
    let f = Fixture::new();
    create(&f, ":index01", &[&f.amd64]);
    create(&f, ":index02", &[&f.arm64]);
    let i1 = f.r(":index01");
    let args = [
        "--add", &f.armv7, "--merge", "index02", "--remove", &f.amd64,
    ];
    index(&[&["update", i1.as_str()][..], &args].concat());
    validate_index(&[&i1], &[f.image(&f.armv7), f.image(&f.arm64)]);
}

#[test]
fn should_update_and_tag_the_updated_index_by_tag_flag() {
    let f = Fixture::new();
    let created = create(&f, "", &[&f.amd64, &f.arm64]);
    let at = f.r(&format!("@{created}"));
    let out = index(&["update", &at, "--add", &f.armv7, "--tag", "updated"]);
    let updated = f.reg.resolve("images", "updated").unwrap();
    match_keywords(&out, &[&updated]);
    let expected = [f.image(&f.amd64), f.image(&f.arm64), f.image(&f.armv7)];
    validate_index(&[&f.r(":updated")], &expected);
}

#[test]
fn should_tell_user_nothing_to_update_if_no_update_flags_are_used() {
    let f = Fixture::new();
    let out = index(&["update", &f.r(":nothing-to-update")]);
    match_keywords(&out, &["nothing to update"]);
}

#[test]
fn should_fail_if_empty_reference_is_given() {
    let f = Fixture::new();
    let err = index_fails(&["update", &f.r(""), "--add", &f.armv7]);
    match_keywords(&err, &["Error:", "no tag or digest specified"]);
}

#[test]
fn should_fail_if_a_wrong_reference_is_given_as_the_index_to_update() {
    let f = Fixture::new();
    let err = index_fails(&["update", &f.r(":does-not-exist"), "--add", &f.armv7]);
    match_keywords(&err, &["Error", "could not find", "does-not-exist"]);
}

#[test]
fn should_fail_if_a_wrong_reference_is_given_as_the_manifest_to_add() {
    let f = Fixture::new();
    let before = create(&f, ":add-wrong-tag", &[&f.amd64, &f.arm64]);
    let err = index_fails(&["update", &f.r(":add-wrong-tag"), "--add", "does-not-exist"]);
    match_keywords(&err, &["Error", "could not find", "does-not-exist"]);
    assert_eq!(f.reg.resolve("images", "add-wrong-tag"), Some(before));
}

#[test]
fn should_fail_if_a_wrong_reference_is_given_as_the_index_to_merge() {
    let f = Fixture::new();
    let before = create(&f, ":merge-wrong-tag", &[&f.amd64, &f.arm64]);
    let err = index_fails(&[
        "update",
        &f.r(":merge-wrong-tag"),
        "--merge",
        "does-not-exist",
    ]);
    match_keywords(&err, &["Error", "could not find", "does-not-exist"]);
    assert_eq!(f.reg.resolve("images", "merge-wrong-tag"), Some(before));
}

#[test]
fn should_fail_if_a_non_digest_reference_is_given_as_the_manifest_to_remove() {
    let f = Fixture::new();
    create(&f, ":remove-by-tag", &[&f.amd64, &f.arm64]);
    let err = index_fails(&["update", &f.r(":remove-by-tag"), "--remove", "latest"]);
    match_keywords(&err, &["Error", "latest", "is not a digest"]);
}

#[test]
fn should_fail_if_delete_a_manifest_that_does_not_exist_in_the_index() {
    let f = Fixture::new();
    create(&f, ":remove-not-exist", &[&f.amd64]);
    let err = index_fails(&["update", &f.r(":remove-not-exist"), "--remove", &f.arm64]);
    match_keywords(&err, &["Error", "does not exist"]);
}

// OCI image layout users.

fn lref(root: &str, tag: &str) -> String {
    format!("{root}{tag}")
}

#[test]
fn oci_layout_should_create_an_index_with_source_manifest_digest() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":latest");
    index(&["create", "--oci-layout", &target, &f.amd64]);
    validate_index(&["--oci-layout", &target], &[f.image(&f.amd64)]);
}

#[test]
fn oci_layout_should_create_an_index_with_source_manifest_tag() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":latest");
    index(&["create", "--oci-layout", &target, "linux-amd64"]);
    validate_index(&["--oci-layout", &target], &[f.image(&f.amd64)]);
}

#[test]
fn oci_layout_should_create_an_index_without_tagging_it() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let out = index(&["create", "--oci-layout", &root, "linux-amd64"]);
    let pushed = digest_line(&out);
    match_keywords(&out, &[&format!("Digest: {pushed}")]);
    let blob = std::path::Path::new(&root).join(format!("blobs/{}", pushed.replace(':', "/")));
    assert_eq!(sha256_digest(&std::fs::read(blob).unwrap()), pushed);
    let at = lref(&root, &format!("@{pushed}"));
    validate_index(&["--oci-layout", &at], &[f.image(&f.amd64)]);
}

#[test]
fn oci_layout_should_create_an_index_with_multiple_tags() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = format!("{},t1,t2,t3", lref(&root, ":t0"));
    index(&["create", "--oci-layout", &target, "linux-amd64"]);
    for tag in ["t0", "t1", "t2", "t3"] {
        let at = lref(&root, &format!(":{tag}"));
        validate_index(&["--oci-layout", &at], &[f.image(&f.amd64)]);
    }
}

#[test]
fn oci_layout_should_create_nested_indexes() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":nested-index");
    index(&["create", "--oci-layout", &target, "multi"]);
    let multi = json!({"mediaType": OCI_INDEX, "digest": f.multi, "size": f.size(&f.multi)});
    validate_index(&["--oci-layout", &target], &[multi]);
}

#[test]
fn oci_layout_should_create_index_from_image_with_non_json_config() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":unusual-config");
    index(&["create", "--oci-layout", &target, "nonjson-config"]);
    let entry = json!({"mediaType": OCI_MANIFEST, "digest": f.nonjson, "size": f.size(&f.nonjson), "artifactType": UNKNOWN_CONFIG});
    validate_index(&["--oci-layout", &target], &[entry]);
}

#[test]
fn oci_layout_should_output_created_index_to_file() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let path = work.path().join("createdIndex");
    let target = lref(&root, ":output-to-file");
    ok(oras()
        .args([
            "manifest",
            "index",
            "create",
            "--oci-layout",
            &target,
            &f.amd64,
            "--output",
        ])
        .arg(&path));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), f.created_index());
    let err = fails(oras().args(["resolve", "--oci-layout", &target]));
    assert!(err.contains("not found"), "not pushed: {err}");
}

#[test]
fn oci_layout_should_output_created_index_to_stdout() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":output-to-stdout");
    let out = index(&["create", "--oci-layout", &target, &f.amd64, "--output", "-"]);
    match_keywords(&out, &[&f.created_index()]);
}

#[test]
fn oci_layout_should_fail_if_given_a_reference_that_does_not_exist_in_the_repo() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let err = index_fails(&[
        "create",
        "--oci-layout",
        &lref(&root, ":latest"),
        "does-not-exist",
    ]);
    match_keywords(&err, &["Error", "could not find", "does-not-exist"]);
}

#[test]
fn oci_layout_should_fail_if_given_a_digest_that_is_not_a_manifest() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let err = index_fails(&["create", "--oci-layout", &lref(&root, ":latest"), &f.layer]);
    match_keywords(&err, &["is not a manifest"]);
}

#[test]
fn oci_layout_should_update_by_specifying_the_index_tag() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":latest");
    index(&["create", "--oci-layout", &target, &f.amd64, &f.arm64]);
    let out = index(&["update", "--oci-layout", &target, "--add", &f.armv7]);
    let updated = digest_line(&out);
    let resolved = ok(oras().args(["resolve", "--oci-layout", &target]));
    assert_eq!(resolved.trim(), updated);
    let expected = [f.image(&f.amd64), f.image(&f.arm64), f.image(&f.armv7)];
    validate_index(&["--oci-layout", &target], &expected);
}

#[test]
fn oci_layout_should_update_by_specifying_the_index_digest() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let out = index(&["create", "--oci-layout", &root, &f.amd64, &f.arm64]);
    let created = lref(&root, &format!("@{}", digest_line(&out)));
    let out = index(&["update", "--oci-layout", &created, "--add", &f.armv7]);
    let updated = digest_line(&out);
    match_keywords(&out, &[&updated]);
    let expected = [f.image(&f.amd64), f.image(&f.arm64), f.image(&f.armv7)];
    validate_index(
        &["--oci-layout", &lref(&root, &format!("@{updated}"))],
        &expected,
    );
}

#[test]
fn oci_layout_should_update_by_add_merge_and_remove_flags() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let (i1, i2) = (lref(&root, ":index01"), lref(&root, ":index02"));
    index(&["create", "--oci-layout", &i1, &f.amd64]);
    index(&["create", "--oci-layout", &i2, &f.arm64]);
    let args = [
        "--add", &f.armv7, "--merge", "index02", "--remove", &f.amd64,
    ];
    index(&[&["update", "--oci-layout", i1.as_str()][..], &args].concat());
    validate_index(
        &["--oci-layout", &i1],
        &[f.image(&f.armv7), f.image(&f.arm64)],
    );
}

#[test]
fn oci_layout_should_tell_user_nothing_to_update_if_no_update_flags_are_used() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let out = index(&["update", "--oci-layout", &lref(&root, ":latest")]);
    match_keywords(&out, &["nothing to update"]);
}

#[test]
fn oci_layout_should_fail_if_empty_reference_is_given() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let err = index_fails(&["update", "--oci-layout", &root, "--add", &f.armv7]);
    match_keywords(&err, &["Error:", "no tag or digest specified"]);
}

#[test]
fn oci_layout_should_fail_if_a_non_index_reference_is_given_as_the_index_to_update() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":linux-amd64");
    let err = index_fails(&["update", "--oci-layout", &target, "--add", &f.armv7]);
    match_keywords(&err, &["Error", "is not an index"]);
}

#[test]
fn oci_layout_should_fail_if_a_non_manifest_reference_is_given_as_the_manifest_to_add() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":latest");
    index(&["create", "--oci-layout", &target, &f.amd64, &f.arm64]);
    let err = index_fails(&["update", "--oci-layout", &target, "--add", &f.layer]);
    match_keywords(&err, &["Error", "is not a manifest"]);
}

#[test]
fn oci_layout_should_fail_if_a_wrong_reference_is_given_as_the_index_to_merge() {
    let f = Fixture::new();
    let work = workdir();
    let root = f.layout(work.path());
    let target = lref(&root, ":latest");
    index(&["create", "--oci-layout", &target, &f.amd64, &f.arm64]);
    let err = index_fails(&["update", "--oci-layout", &target, "--merge", "linux-amd64"]);
    match_keywords(&err, &["Error", "is not an index"]);
}
