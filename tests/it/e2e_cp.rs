//! oras v1.3's e2e scenarios of `oras cp` (`test/e2e/suite/command/cp.go`), re-expressed
//! against Distribution (and ferro-oci-server for the Referrers API) with oras's fixtures
//! rebuilt (`e2e_status`); one test per `It`, named after it.

use crate::common::auth::{USER, start_htpasswd};
use crate::common::{OCI_INDEX, OCI_MANIFEST, Registry, fails, ok, oras, workdir};
use crate::e2e_status::{
    IMAGE_LAYERS, match_status, push_foobar_image, push_foobar_referrers, push_multi_arch, short,
};

const INVALID_TAG: &str = "i-dont-think-this-tag-exists";

/// oras's `CompareRef`: both manifests fetched byte for byte equal.
fn compare_ref(src: &[&str], dst: &[&str]) {
    let a = ok(oras().args(["manifest", "fetch"]).args(src));
    let b = ok(oras().args(["manifest", "fetch"]).args(dst));
    assert_eq!(a, b);
}

/// `foobarStates`: the layers, the manifest and the config.
fn foobar_states(digest: &str) -> Vec<(&str, &str)> {
    let mut keys = IMAGE_LAYERS.to_vec();
    keys.push((short(digest), OCI_MANIFEST));
    keys.push(("44136fa355b3", "application/vnd.unknown.config.v1+json"));
    keys
}

fn cp(args: &[&str]) -> String {
    ok(oras().arg("cp").args(args))
}

/// Runs a failing command whose stderr may start with a warning; returns stderr.
fn fails_loose(args: &[&str]) -> String {
    let out = oras().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn should_show_help_doc_with_feature_flags() {
    let out = ok(oras().args(["cp", "--help"]));
    assert!(out.contains("Copy") && out.contains("Example - "), "{out}");
    for flag in [
        "--from-distribution-spec",
        "--recursive",
        "--to-distribution-spec",
    ] {
        let line = out.lines().find(|l| l.contains(flag)).unwrap();
        assert!(line.contains("[Preview]"), "{line}");
    }
}

#[test]
fn should_fail_when_no_reference_provided() {
    assert!(fails(oras().arg("cp")).contains("Error:"));
}

#[test]
fn should_fail_when_no_destination_reference_provided() {
    assert!(fails(oras().args(["cp", "localhost:5000/images:foobar"])).contains("Error:"));
}

#[test]
fn should_fail_when_no_tag_or_digest_is_provided_for_source_target() {
    let reg = Registry::start();
    let err = fails(oras().args(["cp", &reg.reference("images"), &reg.reference("images:dst")]));
    for word in ["Error:", "no tag or digest specified", "oras cp"] {
        assert!(err.contains(word), "{word}: {err}");
    }
}

#[test]
fn should_fail_when_source_doesnt_exist() {
    let reg = Registry::start();
    let src = reg.reference(&format!("images:{INVALID_TAG}"));
    assert!(
        fails(oras().args(["cp", &src, &reg.reference("copy/nonexistent-source")]))
            .contains(INVALID_TAG)
    );
}

#[test]
fn should_fail_and_show_detailed_error_description_if_no_argument_provided() {
    let err = fails(oras().arg("cp"));
    assert!(
        err.contains("\nUsage: oras cp") && err.contains("Run \"oras cp -h\""),
        "{err}"
    );
}

#[test]
fn should_fail_and_show_detailed_error_description_if_more_than_2_arguments_are_provided() {
    let err = fails(oras().args(["cp", "foo", "bar", "buz"]));
    assert!(
        err.contains("\nUsage: oras cp") && err.contains("Run \"oras cp -h\""),
        "{err}"
    );
}

#[test]
fn should_fail_and_show_registry_error_prefix_if_source_not_found() {
    let reg = Registry::start();
    let dst = workdir();
    let src = reg.reference(&format!("artifacts:{INVALID_TAG}"));
    let err = fails(oras().args(["cp", &src, "--to-oci-layout"]).arg(dst.path()));
    assert!(err.starts_with("Error response from registry: "), "{err}");
}

/// oras's spec greps the registry prefix; oras v1.3 names the side (`BinaryTarget.ModifyError`):
/// `Error from destination registry for "<ref>": <the registry's words>`.
#[test]
fn should_fail_and_show_registry_error_prefix_if_destination_registry_is_not_logged_in() {
    let plain = Registry::start();
    let image = plain.reference("images:foobar");
    push_foobar_image(&image);
    let work = workdir();
    let layout = format!("{}:foobar", work.path().join("layout").display());
    cp(&[&image, "--to-oci-layout", &layout]);
    let reg = start_htpasswd(false);
    let dst = reg.reference("copy/dest-not-logged-in");
    let err = fails_loose(&[
        "cp",
        "--from-oci-layout",
        &layout,
        &dst,
        "--to-username",
        USER,
        "--to-password",
        "wrong?",
    ]);
    // The first request is a HEAD: no error body, so oras prints the request and status.
    let want = format!("Error from destination registry for {dst:?}: HEAD ");
    assert!(
        err.lines()
            .any(|l| l.starts_with(&want) && l.ends_with("response status code 401: Unauthorized")),
        "{err}"
    );
}

#[test]
fn should_fail_and_show_registry_error_prefix_if_source_registry_is_not_logged_in() {
    let reg = start_htpasswd(false);
    let src = reg.reference("copy/src-not-logged-in:foobar");
    let err = fails_loose(&[
        "cp",
        &src,
        &reg.reference("artifacts"),
        "--from-username",
        USER,
        "--from-password",
        "wrong?",
    ]);
    assert!(
        err.lines()
            .any(|l| l.starts_with("Error response from registry: unauthorized: ")),
        "{err}"
    );
}

/// oras's check: `-d` logs `Request #0` once (ids are not reused). The spec copies its
/// `blob.Tag` artifact; the foobar image has blobs too. Each id's request is also answered
/// under the same id, once.
#[test]
fn should_copy_and_show_logs_with_deduplicated_id() {
    let reg = Registry::start();
    let src = reg.reference("images:foobar");
    push_foobar_image(&src);
    let dst = reg.reference("copy/debug-log:copied");
    let out = oras().args(["cp", &src, &dst, "-d"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("Request #0\n").count(), 1, "{err}");
    let sent = err.matches("--> Request #").count();
    assert!(
        sent >= 5,
        "a manifest, three blobs and a PUT at least: {err}"
    );
    for id in 0..sent {
        assert_eq!(
            err.matches(&format!("--> Request #{id}\n")).count(),
            1,
            "{id}: {err}"
        );
        assert_eq!(
            err.matches(&format!("<-- Response #{id}\n")).count(),
            1,
            "{id}: {err}"
        );
    }
    compare_ref(&[&src], &[&dst]);
}

/// oras's `blob.Tag` / `config.Tag` artifacts rebuilt: `hello.tar` (10 KiB) pushed with the
/// empty config, or with an image config; returns the tag's reference and the three status
/// keys oras checks (config, layer, manifest).
fn push_hello_artifact(reg: &Registry, tag: &str, config: bool) -> (String, Vec<(String, String)>) {
    let work = workdir();
    let hello = vec![0u8; 10240];
    crate::common::write_file(work.path(), "hello.tar", &hello);
    let src = reg.reference(&format!("artifacts:{tag}"));
    let mut push = crate::common::oras_in(work.path());
    push.args(["push", &src, "hello.tar"]);
    let config_key = if config {
        let body = r#"{"architecture":"amd64","os":"linux"}"#;
        crate::common::write_file(work.path(), "config.json", body);
        push.args(["--config", &format!("config.json:{IMAGE_CONFIG}")]);
        (
            short(&crate::common::sha256_digest(body.as_bytes())).to_string(),
            IMAGE_CONFIG.to_string(),
        )
    } else {
        (
            "44136fa355b3".to_string(),
            "application/vnd.oci.empty.v1+json".to_string(),
        )
    };
    let manifest = crate::common::digest_line(&ok(&mut push));
    let keys = vec![
        config_key,
        (
            short(&crate::common::sha256_digest(&hello)).into(),
            "hello.tar".into(),
        ),
        (short(&manifest).into(), OCI_MANIFEST.into()),
    ];
    (src, keys)
}

#[test]
fn should_copy_an_artifact_with_blob() {
    let reg = Registry::start();
    let (src, keys) = push_hello_artifact(&reg, "blob", false);
    let dst = reg.reference("copy/artifact-with-blob:copied");
    match_status(
        &cp(&[&src, &dst, "-v"]),
        "cp",
        &as_keys(&keys),
        true,
        keys.len(),
    );
    compare_ref(&[&src], &[&dst]);
}

#[test]
fn should_copy_an_artifact_with_config() {
    let reg = Registry::start();
    let (src, keys) = push_hello_artifact(&reg, "config", true);
    let dst = reg.reference("copy/artifact-with-config:copied");
    match_status(
        &cp(&[&src, &dst, "-v"]),
        "cp",
        &as_keys(&keys),
        true,
        keys.len(),
    );
    compare_ref(&[&src], &[&dst]);
}

/// oras's `index.ManifestDigest` rebuilt: an index (of the amd64 image) whose subject is the
/// multi-arch index; copying it by digest copies the subject's whole graph too.
#[test]
fn should_copy_index_and_its_subject() {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "artifacts");
    let repo = reg.reference("artifacts");
    let size = |d: &str| ok(oras().args(["manifest", "fetch", &format!("{repo}@{d}")])).len();
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":{}}}],"subject":{{"mediaType":"{OCI_INDEX}","digest":"{}","size":{}}}}}"#,
        ma.amd64,
        size(&ma.amd64),
        ma.index,
        size(&ma.index)
    );
    let work = workdir();
    crate::common::write_file(work.path(), "index.json", &index);
    ok(crate::common::oras_in(work.path()).args([
        "manifest",
        "push",
        &repo,
        "index.json",
        "--media-type",
        OCI_INDEX,
    ]));
    let digest = crate::common::sha256_digest(index.as_bytes());
    let mut keys = ma.index_keys.clone();
    keys.push((short(&digest).into(), OCI_INDEX.into()));
    let dst = reg.reference("copy/index-with-subject");
    let out = cp(&[&format!("{repo}@{digest}"), &dst, "-v"]);
    match_status(&out, "cp", &as_keys(&keys), true, keys.len());
    compare_ref(
        &[&format!("{repo}@{digest}")],
        &[&format!("{dst}@{digest}")],
    );
    compare_ref(
        &[&format!("{repo}@{}", ma.index)],
        &[&format!("{dst}@{}", ma.index)],
    );
}

#[test]
fn should_copy_an_image_to_a_new_repository_via_tag() {
    let reg = Registry::start();
    let src = reg.reference("images:foobar");
    let digest = push_foobar_image(&src);
    let dst = reg.reference("copy/tag:copied");
    match_status(
        &cp(&[&src, &dst, "-v"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    compare_ref(&[&src], &[&dst]);
}

#[test]
fn should_copy_an_image_to_a_new_repository_via_digest() {
    let reg = Registry::start();
    let digest = push_foobar_image(&reg.reference("images:foobar"));
    let src = reg.reference(&format!("images@{digest}"));
    let dst = reg.reference("copy/digest:copiedTag");
    match_status(
        &cp(&[&src, &dst, "-v"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    compare_ref(&[&src], &[&dst]);
}

#[test]
fn should_copy_an_image_to_a_new_repository_via_tag_without_tagging() {
    let reg = Registry::start();
    let src = reg.reference("images:foobar");
    let digest = push_foobar_image(&src);
    let dst = reg.reference(&format!("copy/no-tagging@{digest}"));
    match_status(
        &cp(&[&src, &dst, "-v"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    compare_ref(&[&src], &[&dst]);
}

#[test]
fn should_copy_an_image_to_a_new_repository_with_multiple_tagging() {
    let reg = Registry::start();
    let digest = push_foobar_image(&reg.reference("images:foobar"));
    let src = reg.reference(&format!("images@{digest}"));
    let dst = reg.reference("copy/multi-tagging:tag1,tag2,tag3");
    match_status(
        &cp(&[&src, &dst, "-v"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    for tag in ["tag1", "tag2", "tag3"] {
        compare_ref(
            &[&src],
            &[&reg.reference(&format!("copy/multi-tagging:{tag}"))],
        );
    }
}

#[test]
fn should_copy_an_image_artifact_with_mounting() {
    let reg = Registry::start();
    let src = reg.reference("artifacts:foobar");
    let digest = push_foobar_image(&src);
    let out = cp(&[&src, &reg.reference("copy/1.0-mount"), "-v"]);
    assert!(out.contains("Mounted fcde2b2edba5 bar"), "{out}");
    compare_ref(
        &[&src],
        &[&reg.reference(&format!("copy/1.0-mount@{digest}"))],
    );
}

/// The keys of `cp -r` of the foobar image with its referrers: the image, the signature's
/// config and both referrers.
fn referrer_keys<'a>(
    digest: &'a str,
    sbom: &'a str,
    signature: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut keys = IMAGE_LAYERS.to_vec();
    keys.push((short(digest), OCI_MANIFEST));
    keys.push(("44136fa355b3", "test/signature.file"));
    keys.push((short(signature), OCI_MANIFEST));
    keys.push((short(sbom), OCI_MANIFEST));
    keys
}

fn check_copy_with_referrers(src_reg: &dyn Fn(&str) -> String, dst_reg: &dyn Fn(&str) -> String) {
    let src = src_reg("artifacts:foobar");
    let digest = push_foobar_image(&src);
    let (sbom, signature) = push_foobar_referrers(&src_reg("artifacts"), &digest);
    let dst = dst_reg(&format!("copy/referrers@{digest}"));
    let out = cp(&["-r", &src, &dst, "-v"]);
    match_status(
        &out,
        "cp",
        &referrer_keys(&digest, &sbom, &signature),
        true,
        7,
    );
    compare_ref(&[&src], &[&dst]);
    let tree = ok(oras().args(["discover", "--format", "tree", &dst]));
    assert!(tree.contains(&sbom) && tree.contains(&signature), "{tree}");
}

#[test]
fn should_copy_an_image_and_its_referrers_to_a_new_repository() {
    let reg = Registry::start();
    check_copy_with_referrers(&|r| reg.reference(r), &|r| reg.reference(r));
}

#[test]
fn should_copy_an_image_artifact_and_its_referrers_from_a_registry_to_a_fallback_registry() {
    let api = crate::common::ferro::ApiRegistry::start();
    let fallback = Registry::start();
    check_copy_with_referrers(&|r| api.reference(r), &|r| fallback.reference(r));
}

#[test]
fn should_copy_an_image_artifact_and_its_referrers_from_a_fallback_registry_to_a_registry() {
    let api = crate::common::ferro::ApiRegistry::start();
    let fallback = Registry::start();
    check_copy_with_referrers(&|r| fallback.reference(r), &|r| api.reference(r));
}

#[test]
fn should_copy_a_certain_platform_of_image_to_a_new_repository_via_tag() {
    let reg = Registry::start();
    let [_, amd64, config, layer] = push_multi_arch(&reg, "images");
    let dst = reg.reference("copy/platform-tag:copiedTag");
    let out = cp(&[
        &reg.reference("images:multi"),
        &dst,
        "--platform",
        "linux/amd64",
        "-v",
    ]);
    let keys = [
        (short(&amd64), OCI_MANIFEST),
        (short(&config), "application/vnd.oci.image.config.v1+json"),
        (short(&layer), "hello.tar"),
    ];
    match_status(&out, "cp", &keys, true, 3);
    assert!(out.contains(&format!("Digest: {amd64}")), "{out}");
    compare_ref(&[&reg.reference(&format!("images@{amd64}"))], &[&dst]);
}

#[test]
fn should_copy_a_certain_platform_of_image_to_a_new_repository_via_digest() {
    let reg = Registry::start();
    let [index, amd64, config, layer] = push_multi_arch(&reg, "images");
    let src = reg.reference(&format!("images@{index}"));
    let out = cp(&[
        &src,
        &reg.reference("copy/platform-digest"),
        "--platform",
        "linux/amd64",
        "-v",
    ]);
    let keys = [
        (short(&amd64), OCI_MANIFEST),
        (short(&config), "application/vnd.oci.image.config.v1+json"),
        (short(&layer), "hello.tar"),
    ];
    match_status(&out, "cp", &keys, true, 3);
    assert!(out.contains(&format!("Digest: {amd64}")), "{out}");
    compare_ref(
        &[&reg.reference(&format!("images@{amd64}"))],
        &[&reg.reference(&format!("copy/platform-digest@{amd64}"))],
    );
}

#[test]
fn should_copy_an_image_from_a_registry_to_an_oci_image_layout_via_tag() {
    let reg = Registry::start();
    let src = reg.reference("images:foobar");
    let digest = push_foobar_image(&src);
    let work = workdir();
    let dst = format!("{}:copied", work.path().display());
    match_status(
        &cp(&[&src, &dst, "-v", "--to-oci-layout"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    compare_ref(&[&src], &[&dst, "--oci-layout"]);
}

#[test]
fn should_copy_an_image_from_an_oci_image_layout_to_a_registry_via_tag() {
    let reg = Registry::start();
    let image = reg.reference("images:foobar");
    let digest = push_foobar_image(&image);
    let work = workdir();
    let src = format!("{}:copied", work.path().display());
    cp(&[&image, &src, "--to-oci-layout"]);
    let dst = reg.reference("copy/from-layout-tag:foobar");
    match_status(
        &cp(&[&src, &dst, "-v", "--from-oci-layout"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    compare_ref(&[&src, "--oci-layout"], &[&dst]);
}

#[test]
fn should_copy_an_image_between_oci_image_layouts_via_tag() {
    let reg = Registry::start();
    let image = reg.reference("images:foobar");
    let digest = push_foobar_image(&image);
    let (a, b) = (workdir(), workdir());
    let src = format!("{}:from", a.path().display());
    let dst = format!("{}:to", b.path().display());
    cp(&[&image, &src, "--to-oci-layout"]);
    let out = cp(&[&src, &dst, "-v", "--from-oci-layout", "--to-oci-layout"]);
    match_status(&out, "cp", &foobar_states(&digest), true, 5);
    compare_ref(&[&src, "--oci-layout"], &[&dst, "--oci-layout"]);
}

#[test]
fn should_copy_an_image_from_a_registry_to_an_oci_image_layout_via_digest() {
    let reg = Registry::start();
    let src = reg.reference("images:foobar");
    let digest = push_foobar_image(&src);
    let work = workdir();
    let dir = work.path().display().to_string();
    match_status(
        &cp(&[&src, &dir, "-v", "--to-oci-layout"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    compare_ref(&[&src], &[&format!("{dir}@{digest}"), "--oci-layout"]);
}

#[test]
fn should_copy_an_image_between_oci_image_layouts_via_digest() {
    let reg = Registry::start();
    let digest = push_foobar_image(&reg.reference("images:foobar"));
    let (a, b) = (workdir(), workdir());
    cp(&[
        &reg.reference("images:foobar"),
        &a.path().display().to_string(),
        "--to-oci-layout",
    ]);
    let src = format!("{}@{digest}", a.path().display());
    let out = cp(&[
        &src,
        &b.path().display().to_string(),
        "-v",
        "--from-oci-layout",
        "--to-oci-layout",
    ]);
    match_status(&out, "cp", &foobar_states(&digest), true, 5);
    compare_ref(
        &[&src, "--oci-layout"],
        &[&format!("{}@{digest}", b.path().display()), "--oci-layout"],
    );
}

#[test]
fn should_copy_an_image_from_a_registry_to_an_oci_image_layout_with_multiple_tagging() {
    let reg = Registry::start();
    let src = reg.reference("images:foobar");
    let digest = push_foobar_image(&src);
    let work = workdir();
    let dst = format!("{}:tag1,tag2,tag3", work.path().display());
    match_status(
        &cp(&[&src, &dst, "-v", "--to-oci-layout"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    for tag in ["tag1", "tag2", "tag3"] {
        compare_ref(
            &[&src],
            &[&format!("{}:{tag}", work.path().display()), "--oci-layout"],
        );
    }
}

#[test]
fn should_copy_a_tagged_image_and_its_referrers_from_a_registry_to_an_oci_image_layout() {
    let reg = Registry::start();
    let src = reg.reference("artifacts:foobar");
    let digest = push_foobar_image(&src);
    let (sbom, signature) = push_foobar_referrers(&reg.reference("artifacts"), &digest);
    let work = workdir();
    let dst = format!("{}:copied", work.path().display());
    let out = cp(&["-r", &src, &dst, "-v", "--to-oci-layout"]);
    match_status(
        &out,
        "cp",
        &referrer_keys(&digest, &sbom, &signature),
        true,
        7,
    );
    compare_ref(&[&src], &[&dst, "--oci-layout"]);
}

// ---------------------------------------------------------------------------------------------
// The multi-arch index with its referrers (oras's `multi_arch` fixture: a referrer of the index
// and one of the linux/amd64 image), and platform selection with `-r`.
// ---------------------------------------------------------------------------------------------

const IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const INDEX_REFERRER: &str = "test/index.referrer.config";
pub(crate) const AMD64_REFERRER: &str = "test/amd64.referrer.config";

/// The index `<repo>:multi` and its graph, with a referrer of the index and one of amd64.
pub(crate) struct MultiArch {
    pub(crate) index: String,
    pub(crate) amd64: String,
    /// Every node of the index's graph as a status key: the index, its three images, their
    /// configs and their one layer.
    index_keys: Vec<(String, String)>,
    /// The amd64 image's nodes: manifest, config, layer.
    amd64_keys: Vec<(String, String)>,
    pub(crate) index_referrer: String,
    pub(crate) amd64_referrer: String,
}

impl MultiArch {
    pub(crate) fn push(reg: &Registry, repo: &str) -> MultiArch {
        let [index, amd64, config, layer] = push_multi_arch(reg, repo);
        let index_doc: serde_json::Value = serde_json::from_str(&ok(oras().args([
            "manifest",
            "fetch",
            &reg.reference(&format!("{repo}@{index}")),
        ])))
        .unwrap();
        let mut index_keys = vec![(short(&index).to_string(), OCI_INDEX.into())];
        for m in index_doc["manifests"].as_array().unwrap() {
            let digest = m["digest"].as_str().unwrap();
            index_keys.push((short(digest).into(), OCI_MANIFEST.into()));
            let image: serde_json::Value = serde_json::from_str(&ok(oras().args([
                "manifest",
                "fetch",
                &reg.reference(&format!("{repo}@{digest}")),
            ])))
            .unwrap();
            let config = image["config"]["digest"].as_str().unwrap();
            index_keys.push((short(config).into(), IMAGE_CONFIG.into()));
        }
        index_keys.push((short(&layer).into(), "hello.tar".into()));
        let amd64_keys = vec![
            (short(&amd64).into(), OCI_MANIFEST.into()),
            (short(&config).into(), IMAGE_CONFIG.into()),
            (short(&layer).into(), "hello.tar".into()),
        ];
        let repo_ref = reg.reference(repo);
        let index_referrer = push_referrer(&repo_ref, INDEX_REFERRER, &index, OCI_INDEX);
        let amd64_referrer = push_referrer(&repo_ref, AMD64_REFERRER, &amd64, OCI_MANIFEST);
        MultiArch {
            index,
            amd64,
            index_keys,
            amd64_keys,
            index_referrer,
            amd64_referrer,
        }
    }

    /// The keys of `cp -r` of the whole index: its graph, the index referrer and the amd64
    /// referrer's config (as oras's `IndexStateKeys` + referrer keys).
    fn index_referrer_keys(&self) -> Vec<(String, String)> {
        let mut keys = self.index_keys.clone();
        keys.push((short(&self.index_referrer).into(), OCI_MANIFEST.into()));
        keys.push(("44136fa355b3".into(), AMD64_REFERRER.into()));
        keys
    }

    /// The keys of `cp -r --platform linux/amd64`: the image, its referrer and that config.
    fn amd64_referrer_keys(&self) -> Vec<(String, String)> {
        let mut keys = self.amd64_keys.clone();
        keys.push((short(&self.amd64_referrer).into(), OCI_MANIFEST.into()));
        keys.push(("44136fa355b3".into(), AMD64_REFERRER.into()));
        keys
    }
}

/// Pushes (untagged) a referrer of `subject` whose config is `{}` of type `config_type`.
fn push_referrer(repo_ref: &str, config_type: &str, subject: &str, subject_type: &str) -> String {
    let size = ok(oras().args(["manifest", "fetch", &format!("{repo_ref}@{subject}")])).len();
    let empty = crate::common::EMPTY_DIGEST;
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"{config_type}","digest":"{empty}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{empty}","size":2}}],"subject":{{"mediaType":"{subject_type}","digest":"{subject}","size":{size}}}}}"#
    );
    let work = workdir();
    std::fs::write(work.path().join("empty.json"), "{}").unwrap();
    ok(crate::common::oras_in(work.path()).args(["blob", "push", repo_ref, "empty.json"]));
    std::fs::write(work.path().join("referrer.json"), &manifest).unwrap();
    ok(crate::common::oras_in(work.path()).args(["manifest", "push", repo_ref, "referrer.json"]));
    crate::common::sha256_digest(manifest.as_bytes())
}

fn as_keys(keys: &[(String, String)]) -> Vec<(&str, &str)> {
    keys.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// The digests `discover --format json` lists directly under the subject.
pub(crate) fn referrer_digests(args: &[&str]) -> Vec<String> {
    let out = ok(oras().args(["discover", "--format", "json"]).args(args));
    let doc: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    doc["referrers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["digest"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn check_multi_arch_with_referrers(dst_name: &str, extra: &[&str]) {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "artifacts");
    let dst = reg.reference(dst_name);
    let out = cp(&[
        &[reg.reference("artifacts:multi").as_str(), &dst, "-r", "-v"],
        extra,
    ]
    .concat());
    let keys = ma.index_referrer_keys();
    match_status(&out, "cp", &as_keys(&keys), true, keys.len());
    assert!(out.contains(&format!("Digest: {}", ma.index)), "{out}");
    compare_ref(
        &[&reg.reference(&format!("artifacts@{}", ma.index))],
        &[&dst],
    );
    assert_eq!(
        referrer_digests(&[&dst, "--artifact-type", INDEX_REFERRER]),
        vec![ma.index_referrer.clone()]
    );
    let dst_repo = dst_name.split([':', '@']).next().unwrap();
    ok(oras().args([
        "manifest",
        "fetch",
        &reg.reference(&format!("{dst_repo}@{}", ma.amd64_referrer)),
    ]));
}

#[test]
fn should_copy_a_multi_arch_image_and_its_referrers_to_a_new_repository_via_tag() {
    check_multi_arch_with_referrers("copy/index-referrers:copiedTag", &[]);
}

#[test]
fn should_copy_a_multi_arch_image_and_its_referrers_without_concurrency_limitation() {
    check_multi_arch_with_referrers(
        "copy/index-referrers-concurrent:copiedTag",
        &["--concurrency", "0"],
    );
}

#[test]
fn should_copy_a_multi_arch_image_and_its_referrers_to_a_new_repository_via_digest() {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "artifacts");
    let dst = reg.reference(&format!("copy/index-referrers-digest@{}", ma.index));
    let out = cp(&[&reg.reference("artifacts:multi"), &dst, "-r", "-v"]);
    let keys = ma.index_referrer_keys();
    match_status(&out, "cp", &as_keys(&keys), true, keys.len());
    assert!(out.contains(&format!("Digest: {}", ma.index)), "{out}");
    compare_ref(
        &[&reg.reference(&format!("artifacts@{}", ma.index))],
        &[&dst],
    );
    assert_eq!(
        referrer_digests(&[&dst, "--artifact-type", INDEX_REFERRER]),
        vec![ma.index_referrer.clone()]
    );
    ok(oras().args([
        "manifest",
        "fetch",
        &reg.reference(&format!(
            "copy/index-referrers-digest@{}",
            ma.amd64_referrer
        )),
    ]));
}

#[test]
fn should_copy_an_empty_index() {
    let reg = Registry::start();
    let src = reg.reference("images:empty");
    ok(oras().args(["manifest", "index", "create", &src]));
    let dst = reg.reference("copy/empty-index:copiedTag");
    cp(&[&src, &dst, "-r", "-v", "--concurrency", "0"]);
    compare_ref(&[&src], &[&dst]);
    let index: serde_json::Value =
        serde_json::from_str(&ok(oras().args(["manifest", "fetch", &dst]))).unwrap();
    assert_eq!(index["manifests"], serde_json::json!([]), "{index}");
}

/// `cp -r --platform linux/amd64` into `dst_repo` (tagged `copiedTag`, or untagged): the amd64
/// image and its referrer only, neither the index nor its referrer.
fn check_platform_with_referrers(dst_repo: &str, tagged: bool) {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "artifacts");
    let dst = if tagged {
        reg.reference(&format!("{dst_repo}:copiedTag"))
    } else {
        reg.reference(dst_repo)
    };
    let out = cp(&[
        &reg.reference("artifacts:multi"),
        &dst,
        "-r",
        "--platform",
        "linux/amd64",
        "-v",
    ]);
    let keys = ma.amd64_referrer_keys();
    match_status(&out, "cp", &as_keys(&keys), true, keys.len());
    assert!(out.contains(&format!("Digest: {}", ma.amd64)), "{out}");
    let dst_ref = if tagged {
        dst.clone()
    } else {
        reg.reference(&format!("{dst_repo}@{}", ma.amd64))
    };
    compare_ref(
        &[&reg.reference(&format!("artifacts@{}", ma.amd64))],
        &[&dst_ref],
    );
    assert_eq!(
        referrer_digests(&[&dst_ref, "--platform", "linux/amd64"]),
        vec![ma.amd64_referrer.clone()]
    );
    for absent in [&ma.index, &ma.index_referrer] {
        fails(oras().args([
            "manifest",
            "fetch",
            &reg.reference(&format!("{dst_repo}@{absent}")),
        ]));
    }
}

#[test]
fn should_copy_a_certain_platform_of_image_and_its_referrers_to_a_new_repository_with_tag() {
    check_platform_with_referrers("copy/platform-referrers", true);
}

#[test]
fn should_copy_a_certain_platform_of_image_and_its_referrers_to_a_new_repository_without_tagging() {
    check_platform_with_referrers("copy/platform-referrers-no-tag", false);
}

#[test]
fn should_copy_a_certain_platform_of_image_and_its_referrers_from_an_oci_image_layout_to_a_registry()
 {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "artifacts");
    let from = workdir();
    let src = format!("{}:multi", from.path().display());
    // As oras's spec prepares it: the whole index with its referrers, then the amd64 image
    // under the same tag.
    cp(&[
        &reg.reference("artifacts:multi"),
        &src,
        "--to-oci-layout",
        "-r",
    ]);
    cp(&[
        &reg.reference("artifacts:multi"),
        &src,
        "--to-oci-layout",
        "-r",
        "--platform",
        "linux/amd64",
    ]);
    let dst = reg.reference("copy/platform-referrer-from-layout:copied");
    let out = cp(&[
        &src,
        "--from-oci-layout",
        &dst,
        "-r",
        "-v",
        "--platform",
        "linux/amd64",
    ]);
    let keys = ma.amd64_referrer_keys();
    match_status(&out, "cp", &as_keys(&keys), true, keys.len());
    assert!(out.contains(&format!("Digest: {}", ma.amd64)), "{out}");
    compare_ref(
        &[&src, "--oci-layout", "--platform", "linux/amd64"],
        &[&dst],
    );
    fails(oras().args([
        "manifest",
        "fetch",
        &reg.reference(&format!("copy/platform-referrer-from-layout@{}", ma.index)),
    ]));
    assert_eq!(referrer_digests(&[&dst]), vec![ma.amd64_referrer.clone()]);
}

#[test]
fn should_copy_a_certain_platform_of_image_and_its_referrers_from_a_registry_to_an_oci_image_layout()
 {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "artifacts");
    let src = reg.reference("artifacts:multi");
    let to = workdir();
    let dst = format!("{}:copied", to.path().display());
    let out = cp(&[
        &src,
        "--to-oci-layout",
        &dst,
        "-r",
        "-v",
        "--platform",
        "linux/amd64",
    ]);
    let keys = ma.amd64_referrer_keys();
    match_status(&out, "cp", &as_keys(&keys), true, keys.len());
    assert!(out.contains(&format!("Digest: {}", ma.amd64)), "{out}");
    compare_ref(
        &[&src, "--platform", "linux/amd64"],
        &[&dst, "--oci-layout"],
    );
    fails(oras().args([
        "manifest",
        "fetch",
        "--oci-layout",
        &format!("{}@{}", to.path().display(), ma.index),
    ]));
    assert_eq!(
        referrer_digests(&[&dst, "--oci-layout"]),
        vec![ma.amd64_referrer.clone()]
    );
}

#[test]
fn should_copy_a_multi_arch_image_and_its_referrers_from_a_registry_to_an_oci_image_layout_via_tag()
{
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "artifacts");
    let src = reg.reference("artifacts:multi");
    let to = workdir();
    let dst = format!("{}:copied", to.path().display());
    let out = cp(&[&src, "--to-oci-layout", &dst, "-r", "-v"]);
    let keys = ma.index_referrer_keys();
    match_status(&out, "cp", &as_keys(&keys), true, keys.len());
    assert!(out.contains(&format!("Digest: {}", ma.index)), "{out}");
    compare_ref(&[&src], &[&dst, "--oci-layout"]);
    assert_eq!(
        referrer_digests(&[&dst, "--oci-layout", "--artifact-type", INDEX_REFERRER]),
        vec![ma.index_referrer.clone()]
    );
    ok(oras().args([
        "manifest",
        "fetch",
        "--oci-layout",
        &format!("{}@{}", to.path().display(), ma.amd64_referrer),
    ]));
}

#[test]
fn should_copy_a_multi_arch_image_and_its_referrers_from_an_oci_image_layout_to_a_registry_via_digest()
 {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "artifacts");
    let from = workdir();
    let src = format!("{}:multi", from.path().display());
    cp(&[
        &reg.reference("artifacts:multi"),
        &src,
        "--to-oci-layout",
        "-r",
    ]);
    let dst = reg.reference("copy/recursive-from-layout:copied");
    let out = cp(&[&src, "--from-oci-layout", &dst, "-r", "-v"]);
    let keys = ma.index_referrer_keys();
    match_status(&out, "cp", &as_keys(&keys), true, keys.len());
    assert!(out.contains(&format!("Digest: {}", ma.index)), "{out}");
    compare_ref(&[&src, "--oci-layout"], &[&dst]);
    assert_eq!(
        referrer_digests(&[&dst, "--artifact-type", INDEX_REFERRER]),
        vec![ma.index_referrer.clone()]
    );
    ok(oras().args([
        "manifest",
        "fetch",
        &reg.reference(&format!("copy/recursive-from-layout@{}", ma.amd64_referrer)),
    ]));
}

#[test]
fn should_copy_a_image_and_its_referrers_from_a_registry_to_an_oci_image_layout_via_digest() {
    let reg = Registry::start();
    let digest = push_foobar_image(&reg.reference("artifacts:foobar"));
    let (sbom, signature) = push_foobar_referrers(&reg.reference("artifacts"), &digest);
    let src = reg.reference(&format!("artifacts@{digest}"));
    let to = workdir();
    let out = cp(&[
        "-r",
        &src,
        &to.path().display().to_string(),
        "-v",
        "--to-oci-layout",
    ]);
    match_status(
        &out,
        "cp",
        &referrer_keys(&digest, &sbom, &signature),
        true,
        7,
    );
    compare_ref(
        &[&src],
        &[&format!("{}@{digest}", to.path().display()), "--oci-layout"],
    );
}

#[test]
fn should_copy_an_image_from_an_oci_image_layout_to_a_registry_via_digest() {
    let reg = Registry::start();
    let image = reg.reference("images:foobar");
    let digest = push_foobar_image(&image);
    let work = workdir();
    cp(&[
        &image,
        &work.path().display().to_string(),
        "--to-oci-layout",
    ]);
    let src = format!("{}@{digest}", work.path().display());
    let dst = reg.reference("copy/from-layout-digest:copied");
    match_status(
        &cp(&[&src, &dst, "-v", "--from-oci-layout"]),
        "cp",
        &foobar_states(&digest),
        true,
        5,
    );
    compare_ref(&[&src, "--oci-layout"], &[&dst]);
}
