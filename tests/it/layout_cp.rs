//! OCI image layouts, `cp`, `tag`, `resolve`, `--platform`, `pull --include-subject` and
//! cross-repository mounts (issue 4), against real Distribution processes, real layouts on disk
//! and skopeo.
//!
//! Each test checks what a user sees: the registry's content after the command (fetched over
//! HTTP), the layout's content (read from disk as other tools read it), and the exact output.
//! Status lines of concurrent transfers come in any order, so they are compared as a sorted set
//! while the summary lines are compared in order.

use crate::common;

use std::fs;
use std::path::Path;

use common::layout::*;
use common::*;
use serde_json::Value;

const SDE: &str = "1700000000";
const EMPTY_LINE: &str = "44136fa355b3 application/vnd.oci.empty.v1+json";

fn oras_in(dir: &Path) -> assert_cmd::Command {
    let mut cmd = oras();
    cmd.current_dir(dir).env("SOURCE_DATE_EPOCH", SDE);
    cmd
}

/// Splits stdout into the sorted status lines (before the first summary line starting with
/// `summary_start`) and the summary lines in order.
fn split_output(stdout: &str, summary_start: &str) -> (Vec<String>, Vec<String>) {
    let lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(summary_start))
        .unwrap_or_else(|| panic!("no line starting with {summary_start:?} in:\n{stdout}"));
    let mut status = lines[..at].to_vec();
    status.sort();
    (status, lines[at..].to_vec())
}

fn sorted(lines: &[String]) -> Vec<String> {
    let mut v = lines.to_vec();
    v.sort();
    v
}

/// The status lines of a transfer of `items` (`"<short> <name>"`) with `start`/`done` prompts.
fn transfer_lines(start: &str, done: &str, items: &[String]) -> Vec<String> {
    sorted(
        &items
            .iter()
            .flat_map(|i| [format!("{start} {i}"), format!("{done} {i}")])
            .collect::<Vec<_>>(),
    )
}

fn manifest_line(digest: &str) -> String {
    format!(
        "{} application/vnd.oci.image.manifest.v1+json",
        short(digest)
    )
}

/// Pushes `files` to `reference` (with this file's `SOURCE_DATE_EPOCH`) and returns the digest.
fn oras_push(reference: &str, files: &[(&str, &[u8])]) -> String {
    digest_line(&push_files_with(oras_in, reference, files))
}

fn registry_blob(registry: &Registry, repo: &str, digest: &str) -> Option<Vec<u8>> {
    let (status, _, body) = registry.get(&format!("/v2/{repo}/blobs/{digest}"));
    (status == 200).then_some(body)
}

fn registry_manifest(registry: &Registry, repo: &str, reference: &str) -> Option<Vec<u8>> {
    let (status, _, body) = registry.get_manifest(repo, reference);
    (status == 200).then_some(body)
}

fn layers(manifest: &[u8]) -> Vec<(String, String)> {
    let m: Value = serde_json::from_slice(manifest).unwrap();
    m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["annotations"][TITLE]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                l["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// layouts on their own

#[test]
fn push_to_a_layout_then_pull_from_the_directory_and_from_a_tar() {
    let work = workdir();
    write_file(work.path(), "a.txt", "alpha\n");
    write_file(work.path(), "b.bin", [0u8, 1, 2, 255]);
    let stdout =
        ok(oras_in(work.path()).args(["push", "--oci-layout", "lay:v1,v2", "a.txt", "b.bin"]));
    let digest = digest_line(&stdout);
    let a_digest = sha256_digest(b"alpha\n");
    let b_digest = sha256_digest(&[0u8, 1, 2, 255]);
    let (status, summary) = split_output(&stdout, "Pushed");
    let mut expected = transfer_lines(
        "Uploading",
        "Uploaded ",
        &[
            EMPTY_LINE.to_string(),
            format!("{} a.txt", short(&a_digest)),
            format!("{} b.bin", short(&b_digest)),
            manifest_line(&digest),
        ],
    );
    expected.extend(["Preparing a.txt".to_string(), "Preparing b.bin".to_string()]);
    assert_eq!(status, sorted(&expected));
    assert_eq!(
        summary,
        [
            "Pushed [oci-layout] lay:v1".to_string(),
            "Tagged v2".to_string(),
            "ArtifactType: application/vnd.unknown.artifact.v1".to_string(),
            format!("Digest: {digest}"),
        ]
    );

    // The directory is an image-spec layout: marker, index with both tags, blobs by digest.
    let lay = work.path().join("lay");
    assert_eq!(
        fs::read_to_string(lay.join("oci-layout")).unwrap(),
        r#"{"imageLayoutVersion":"1.0.0"}"#
    );
    let index = layout_index(&lay);
    assert_eq!(index["schemaVersion"], 2);
    assert_eq!(
        layout_tags(&lay),
        [
            ("v1".to_string(), digest.clone()),
            ("v2".to_string(), digest.clone())
        ]
    );
    let manifest = layout_blob(&lay, &digest).expect("manifest blob");
    assert_eq!(
        layers(&manifest),
        [
            ("a.txt".to_string(), a_digest.clone()),
            ("b.bin".to_string(), b_digest.clone())
        ]
    );
    assert_eq!(layout_blob(&lay, &a_digest).unwrap(), b"alpha\n");
    assert_eq!(layout_blob(&lay, &b_digest).unwrap(), [0u8, 1, 2, 255]);
    assert_eq!(layout_blob(&lay, EMPTY_DIGEST).unwrap(), b"{}");
    // Nothing half-written is left behind.
    let leftovers: Vec<String> = list_files(&lay)
        .into_iter()
        .filter(|f| !f.starts_with("blobs/") && f != "index.json" && f != "oci-layout")
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");

    // Pull from the directory.
    let out = workdir();
    let stdout = ok(oras_in(work.path())
        .args(["pull", "--oci-layout", "lay:v2", "-o"])
        .arg(out.path()));
    assert!(
        stdout.ends_with(&format!("Pulled [oci-layout] lay:v2\nDigest: {digest}\n")),
        "{stdout}"
    );
    assert_eq!(list_files(out.path()), ["a.txt", "b.bin"]);
    assert_eq!(fs::read(out.path().join("a.txt")).unwrap(), b"alpha\n");

    // Pull from a tar of the layout, by digest, with JSON output.
    tar_layout(&lay, &work.path().join("lay.tar"));
    let out = workdir();
    let stdout = ok(oras_in(work.path())
        .args([
            "pull",
            "--oci-layout",
            &format!("lay.tar@{digest}"),
            "--format",
            "json",
            "-o",
        ])
        .arg(out.path()));
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["reference"], format!("lay.tar@{digest}"));
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0]["reference"].as_str().unwrap().split('@').next(),
        Some("lay.tar")
    );
    assert_eq!(
        fs::read(out.path().join("b.bin")).unwrap(),
        [0u8, 1, 2, 255]
    );
}

#[test]
fn push_to_a_layout_prints_json_and_oci_layout_path_takes_the_reference_as_tag() {
    let work = workdir();
    write_file(work.path(), "a.txt", "alpha\n");
    let stdout = ok(oras_in(work.path()).args([
        "push",
        "--oci-layout",
        "lay:v1,v2",
        "a.txt",
        "--format",
        "json",
    ]));
    let doc: Value = serde_json::from_str(&stdout).expect("only JSON on stdout");
    let digest = doc["digest"].as_str().unwrap().to_string();
    assert_eq!(doc["reference"], format!("lay@{digest}"));
    assert_eq!(doc["mediaType"], OCI_MANIFEST);
    assert_eq!(
        doc["referenceAsTags"],
        serde_json::json!(["lay:v1", "lay:v2"])
    );

    // --oci-layout-path: the whole argument is the tag, colons and slashes included.
    let tag = "registry.example:5000/team/app:1.0";
    let stdout =
        ok(oras_in(work.path()).args(["push", "--oci-layout-path", "named", tag, "a.txt"]));
    let named_digest = digest_line(&stdout);
    assert!(
        stdout.contains(&format!("Pushed [oci-layout] {tag}\n")),
        "{stdout}"
    );
    assert_eq!(
        layout_tags(&work.path().join("named")),
        [(tag.to_string(), named_digest.clone())]
    );
    let resolved = ok(oras_in(work.path()).args(["resolve", "--oci-layout-path", "named", tag]));
    assert_eq!(resolved, format!("{named_digest}\n"));
}

#[test]
fn skopeo_reads_our_layouts_and_we_read_skopeos() {
    let work = workdir();
    write_file(work.path(), "layer.tar", "pretend this is a tar\n");
    write_file(
        work.path(),
        "config.json",
        r#"{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#,
    );
    let stdout = ok(oras_in(work.path()).args([
        "push",
        "--oci-layout",
        "ours:v1",
        "--config",
        "config.json:application/vnd.oci.image.config.v1+json",
        "layer.tar",
    ]));
    let digest = digest_line(&stdout);
    let ours = work.path().join("ours");
    let skopeo_ref = |dir: &Path, tag: &str| format!("oci:{}:{tag}", dir.display());

    // skopeo understands our layout: the image, its platform and its layer.
    let out = skopeo(&["inspect", &skopeo_ref(&ours, "v1")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inspected: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inspected["Digest"], digest.as_str());
    assert_eq!(inspected["Architecture"], "arm64");
    assert_eq!(inspected["Os"], "linux");
    assert_eq!(
        inspected["Layers"],
        serde_json::json!([sha256_digest(b"pretend this is a tar\n")])
    );
    let raw = skopeo(&["inspect", "--raw", &skopeo_ref(&ours, "v1")]);
    assert_eq!(raw.stdout, layout_blob(&ours, &digest).unwrap());

    // A layout written by skopeo is readable by us.
    let theirs = work.path().join("theirs");
    let out = skopeo(&[
        "copy",
        &skopeo_ref(&ours, "v1"),
        &skopeo_ref(&theirs, "copied"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // skopeo may re-serialize the manifest: what counts is the digest it recorded for the tag.
    let theirs_tags = layout_tags(&theirs);
    assert_eq!(theirs_tags.len(), 1, "{theirs_tags:?}");
    assert_eq!(theirs_tags[0].0, "copied");
    let theirs_digest = theirs_tags[0].1.clone();
    let resolved = ok(oras_in(work.path()).args(["resolve", "--oci-layout", "theirs:copied"]));
    assert_eq!(resolved, format!("{theirs_digest}\n"));
    // skopeo recompressed the layer (and dropped its title): copy its graph with oras and
    // check that every blob it wrote arrives intact.
    let theirs_manifest = layout_blob(&theirs, &theirs_digest).expect("skopeo's manifest");
    let m: Value = serde_json::from_slice(&theirs_manifest).unwrap();
    let mut blobs = vec![m["config"]["digest"].as_str().unwrap().to_string()];
    blobs.extend(layers(&theirs_manifest).into_iter().map(|(_, d)| d));
    let stdout = ok(oras_in(work.path()).args([
        "cp",
        "--from-oci-layout",
        "theirs:copied",
        "--to-oci-layout",
        "again:v2",
    ]));
    assert!(
        stdout.ends_with(&format!(
            "Copied [oci-layout] theirs:copied => [oci-layout] again:v2\nDigest: {theirs_digest}\n"
        )),
        "{stdout}"
    );
    let again = work.path().join("again");
    assert_eq!(
        layout_blob(&again, &theirs_digest).unwrap(),
        theirs_manifest
    );
    for blob in &blobs {
        assert_eq!(
            layout_blob(&again, blob),
            layout_blob(&theirs, blob),
            "{blob}"
        );
    }
    // ... and what we wrote from it is still readable by skopeo.
    let out = skopeo(&["inspect", &skopeo_ref(&work.path().join("again"), "v2")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn concurrent_pushes_to_one_layout_keep_every_tag() {
    let work = workdir();
    let n = 6;
    let children: Vec<_> = (0..n)
        .map(|i| {
            write_file(work.path(), &format!("f{i}.txt"), format!("file {i}\n"));
            let mut cmd = oras_std();
            cmd.current_dir(work.path())
                .args([
                    "push",
                    "--oci-layout",
                    &format!("shared:t{i}"),
                    &format!("f{i}.txt"),
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let mut expected = Vec::new();
    for (i, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().unwrap();
        let stdout = assert_success(&output);
        expected.push((format!("t{i}"), digest_line(&stdout)));
    }
    let shared = work.path().join("shared");
    assert_eq!(layout_tags(&shared), expected);
    for (i, (tag, digest)) in expected.iter().enumerate() {
        let manifest = layout_blob(&shared, digest).expect("manifest blob");
        assert_eq!(layers(&manifest)[0].0, format!("f{i}.txt"));
        let resolved =
            ok(oras_in(work.path()).args(["resolve", "--oci-layout", &format!("shared:{tag}")]));
        assert_eq!(resolved, format!("{digest}\n"));
    }
}

#[test]
fn bad_layouts_fail_cleanly() {
    let work = workdir();
    write_file(work.path(), "a.txt", "alpha\n");
    // A missing layout.
    let stderr = fails(oras_in(work.path()).args(["pull", "--oci-layout", "missing:v1"]));
    assert!(stderr.contains("missing"), "{stderr}");
    assert!(!work.path().join("missing").exists());
    // A tar cannot be written to.
    write_file(work.path(), "file.tar", "not a dir");
    let stderr = fails(oras_in(work.path()).args(["push", "--oci-layout", "file.tar:v1", "a.txt"]));
    assert!(stderr.contains("file.tar"), "{stderr}");
    assert_eq!(
        fs::read(work.path().join("file.tar")).unwrap(),
        b"not a dir"
    );
    // A tar that is not a layout.
    let stderr = fails(oras_in(work.path()).args(["pull", "--oci-layout", "file.tar:v1"]));
    assert!(stderr.contains("file.tar"), "{stderr}");
    // An unknown tag.
    let digest = digest_line(&ok(oras_in(work.path()).args([
        "push",
        "--oci-layout",
        "lay:v1",
        "a.txt",
    ])));
    let stderr = fails(oras_in(work.path()).args(["pull", "--oci-layout", "lay:nope"]));
    assert!(stderr.contains("not found"), "{stderr}");
    // A corrupted blob is refused and no file is written under its name.
    fs::write(
        work.path()
            .join("lay/blobs/sha256")
            .join(&sha256_digest(b"alpha\n")[7..]),
        "alphA\n",
    )
    .unwrap();
    let out = workdir();
    let stderr = fails(
        oras_in(work.path())
            .args(["pull", "--oci-layout", &format!("lay@{digest}"), "-o"])
            .arg(out.path()),
    );
    assert!(stderr.to_lowercase().contains("digest"), "{stderr}");
    assert!(
        list_files(out.path()).is_empty(),
        "{:?}",
        list_files(out.path())
    );

    // A corrupt index.json is reported, and a write does not replace it (nothing is lost).
    fs::write(work.path().join("lay/index.json"), "{not json").unwrap();
    let stderr = fails(oras_in(work.path()).args(["resolve", "--oci-layout", "lay:v1"]));
    assert!(stderr.contains("index.json"), "{stderr}");
    let stderr = fails(oras_in(work.path()).args(["push", "--oci-layout", "lay:v2", "a.txt"]));
    assert!(stderr.contains("index.json"), "{stderr}");
    assert_eq!(
        fs::read_to_string(work.path().join("lay/index.json")).unwrap(),
        "{not json"
    );
}

// ---------------------------------------------------------------------------------------------
// cp

#[test]
fn cp_between_two_registries_with_several_tags_and_by_digest() {
    let a = Registry::start();
    let b = Registry::start();
    let src = a.reference("src/art:v1");
    let digest = oras_push(&src, &[("a.txt", b"alpha\n")]);
    let dst = b.reference("dst/art:c1");
    let stdout = ok(oras().args(["cp", &src, &format!("{dst},c2,c3")]));
    let (status, summary) = split_output(&stdout, "Copied [");
    assert_eq!(
        status,
        transfer_lines(
            "Copying",
            "Copied ",
            &[
                EMPTY_LINE.to_string(),
                format!("{} a.txt", short(&sha256_digest(b"alpha\n"))),
                manifest_line(&digest),
            ]
        )
    );
    assert_eq!(
        summary,
        [
            format!("Copied [registry] {src} => [registry] {dst}"),
            "Tagged c2".to_string(),
            "Tagged c3".to_string(),
            format!("Digest: {digest}"),
        ]
    );
    // The destination holds the same manifest bytes under every tag, and the blobs.
    let original = registry_manifest(&a, "src/art", "v1").unwrap();
    assert_eq!(b.tags("dst/art"), ["c1", "c2", "c3"]);
    for tag in ["c1", "c2", "c3"] {
        assert_eq!(registry_manifest(&b, "dst/art", tag).unwrap(), original);
    }
    assert_eq!(
        registry_blob(&b, "dst/art", &sha256_digest(b"alpha\n")).unwrap(),
        b"alpha\n"
    );

    // By digest to a repository without a tag: copied, untagged.
    let stdout = ok(oras().args([
        "cp",
        &a.reference(&format!("src/art@{digest}")),
        &b.reference("bydigest/art"),
    ]));
    assert!(
        stdout.ends_with(&format!(
            "Copied [registry] {} => [registry] {}\nDigest: {digest}\n",
            a.reference(&format!("src/art@{digest}")),
            b.reference("bydigest/art")
        )),
        "{stdout}"
    );
    assert_eq!(
        registry_manifest(&b, "bydigest/art", &digest).unwrap(),
        original
    );
    assert!(b.tags("bydigest/art").is_empty());

    // A second copy (through the `copy` alias) finds everything there.
    let stdout = ok(oras().args(["copy", &src, &dst]));
    assert!(
        stdout.contains(&format!(
            "Exists  {} a.txt",
            short(&sha256_digest(b"alpha\n"))
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("Copying 44136fa355b3"), "{stdout}");

    // No tag or digest on the source.
    let stderr = fails(oras().args(["cp", &a.reference("src/art"), &dst]));
    assert!(stderr.contains("no tag or digest"), "{stderr}");
}

#[test]
fn cp_within_one_registry_mounts_the_blobs() {
    let registry = Registry::start();
    let src = registry.reference("one/art:v1");
    let digest = oras_push(&src, &[("a.txt", b"alpha\n")]);
    let a_digest = sha256_digest(b"alpha\n");
    let dst = registry.reference("two/art:v1");
    let stdout = ok(oras().args(["cp", &src, &dst]));
    let (status, summary) = split_output(&stdout, "Copied [");
    let mut expected = vec![
        format!("Mounted {EMPTY_LINE}"),
        format!("Mounted {} a.txt", short(&a_digest)),
    ];
    expected.extend(transfer_lines(
        "Copying",
        "Copied ",
        &[manifest_line(&digest)],
    ));
    assert_eq!(status, sorted(&expected));
    assert_eq!(
        summary,
        [
            format!("Copied [registry] {src} => [registry] {dst}"),
            format!("Digest: {digest}"),
        ]
    );
    // The registry saw mount requests answered 201, and no blob upload into `two/art`.
    let requests = registry.requests();
    let mounts: Vec<_> = requests
        .iter()
        .filter(|(m, uri, _)| {
            m == "POST" && uri.starts_with("/v2/two/art/blobs/uploads/?") && uri.contains("mount=")
        })
        .collect();
    assert_eq!(mounts.len(), 2, "{requests:?}");
    assert!(
        mounts
            .iter()
            .all(|(_, uri, status)| *status == 201 && uri.contains("from=one%2Fart")),
        "{mounts:?}"
    );
    assert!(
        !requests
            .iter()
            .any(|(m, uri, _)| m == "PUT" && uri.starts_with("/v2/two/art/blobs/uploads/")),
        "{requests:?}"
    );
    assert_eq!(
        registry_blob(&registry, "two/art", &a_digest).unwrap(),
        b"alpha\n"
    );
    assert_eq!(
        registry_manifest(&registry, "two/art", "v1"),
        registry_manifest(&registry, "one/art", "v1")
    );
}

#[test]
fn cp_between_registry_and_layouts_in_every_direction() {
    let registry = Registry::start();
    let work = workdir();
    let src = registry.reference("src/art:v1");
    let digest = oras_push(&src, &[("a.txt", b"alpha\n"), ("b.txt", b"beta\n")]);
    let original = registry_manifest(&registry, "src/art", "v1").unwrap();

    // registry → layout
    let stdout = ok(oras_in(work.path()).args(["cp", "--to-oci-layout", &src, "lay:copied"]));
    assert!(
        stdout.ends_with(&format!(
            "Copied [registry] {src} => [oci-layout] lay:copied\nDigest: {digest}\n"
        )),
        "{stdout}"
    );
    let lay = work.path().join("lay");
    assert_eq!(layout_tags(&lay), [("copied".to_string(), digest.clone())]);
    assert_eq!(layout_blob(&lay, &digest).unwrap(), original);
    assert_eq!(
        layout_blob(&lay, &sha256_digest(b"beta\n")).unwrap(),
        b"beta\n"
    );

    // layout → registry
    let back = registry.reference("back/art:v9");
    let stdout = ok(oras_in(work.path()).args(["cp", "--from-oci-layout", "lay:copied", &back]));
    assert!(
        stdout.ends_with(&format!(
            "Copied [oci-layout] lay:copied => [registry] {back}\nDigest: {digest}\n"
        )),
        "{stdout}"
    );
    assert_eq!(
        registry_manifest(&registry, "back/art", "v9").unwrap(),
        original
    );
    assert_eq!(
        registry_blob(&registry, "back/art", &sha256_digest(b"alpha\n")).unwrap(),
        b"alpha\n"
    );

    // layout → layout by digest with several tags, and the -path variants
    ok(oras_in(work.path()).args([
        "cp",
        "--from-oci-layout",
        &format!("lay@{digest}"),
        "--to-oci-layout",
        "lay2:t1,t2",
    ]));
    assert_eq!(
        layout_tags(&work.path().join("lay2")),
        [
            ("t1".to_string(), digest.clone()),
            ("t2".to_string(), digest.clone())
        ]
    );
    let stdout = ok(oras_in(work.path()).args([
        "cp",
        "--from-oci-layout-path",
        "lay2",
        "t2",
        "--to-oci-layout-path",
        "lay3",
        "example.com/app:1.0",
    ]));
    assert!(
        stdout.contains("Copied [oci-layout] t2 => [oci-layout] example.com/app:1.0\n"),
        "{stdout}"
    );
    assert_eq!(
        layout_tags(&work.path().join("lay3")),
        [("example.com/app:1.0".to_string(), digest.clone())]
    );

    // tar layout → registry
    tar_layout(&lay, &work.path().join("lay.tar"));
    ok(oras_in(work.path()).args([
        "cp",
        "--from-oci-layout",
        "lay.tar:copied",
        &registry.reference("fromtar/art:v1"),
    ]));
    assert_eq!(
        registry_manifest(&registry, "fromtar/art", "v1").unwrap(),
        original
    );

    // Writing into a tar is refused.
    let stderr = fails(oras_in(work.path()).args(["cp", &src, "--to-oci-layout", "lay.tar:x"]));
    assert!(stderr.contains("lay.tar"), "{stderr}");
}

#[test]
fn cp_recursive_copies_referrers_through_a_layout() {
    let a = Registry::start();
    let b = Registry::start();
    let work = workdir();
    let base = push_platform_image(&a, "ref/art", "v1", "linux", "amd64", "base.txt", b"base\n");
    let sig = push_referrer(
        &a,
        "ref/art",
        &base,
        "application/vnd.test.signature",
        "sig.txt",
        b"signed\n",
    );
    let src = a.reference("ref/art:v1");

    // Without -r only the artifact is copied.
    ok(oras_in(work.path()).args(["cp", "--to-oci-layout", &src, "plain:v1"]));
    assert!(layout_blob(&work.path().join("plain"), &sig.digest).is_none());

    // With -r the referrer comes along (found through the registry's tag schema)...
    let stdout = ok(oras_in(work.path()).args(["cp", "-r", "--to-oci-layout", &src, "lay:v1"]));
    assert!(
        stdout.contains(&format!("Copied  {}", manifest_line(&sig.digest))),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(&format!(
            "Copied [registry] {src} => [oci-layout] lay:v1\nDigest: {}\n",
            base.digest
        )),
        "{stdout}"
    );
    let lay = work.path().join("lay");
    assert_eq!(layout_blob(&lay, &sig.digest).unwrap(), sig.bytes);
    assert_eq!(
        layout_blob(&lay, &sha256_digest(b"signed\n")).unwrap(),
        b"signed\n"
    );
    assert!(layout_entries(&lay).contains(&sig.digest));

    // ... and from the layout (found by its subject) on to another registry.
    ok(oras_in(work.path()).args([
        "cp",
        "-r",
        "--from-oci-layout",
        "lay:v1",
        &b.reference("ref/art:v1"),
    ]));
    assert_eq!(
        registry_manifest(&b, "ref/art", &sig.digest).unwrap(),
        sig.bytes
    );
    assert_eq!(
        registry_blob(&b, "ref/art", &sha256_digest(b"signed\n")).unwrap(),
        b"signed\n"
    );
    assert_eq!(registry_manifest(&b, "ref/art", "v1").unwrap(), base.bytes);
}

#[test]
fn cp_recursive_follows_referrer_chains_and_referrers_of_index_children() {
    let registry = Registry::start();
    let work = workdir();
    let amd = push_platform_image(
        &registry, "deep/app", "amd64", "linux", "amd64", "app.txt", b"amd\n",
    );
    let arm = push_platform_image(
        &registry, "deep/app", "arm64", "linux", "arm64", "app.txt", b"arm\n",
    );
    let index = push_index(
        &registry,
        "deep/app",
        "v1",
        &[(&amd, "linux", "amd64"), (&arm, "linux", "arm64")],
    );
    // A referrer of the index, a referrer of that referrer, and a referrer of one child.
    let on_index = push_referrer(
        &registry,
        "deep/app",
        &index,
        "application/vnd.test.sbom",
        "sbom.txt",
        b"sbom\n",
    );
    let on_referrer = push_referrer(
        &registry,
        "deep/app",
        &on_index,
        "application/vnd.test.signature",
        "sig.txt",
        b"sig\n",
    );
    let on_child = push_referrer(
        &registry,
        "deep/app",
        &arm,
        "application/vnd.test.scan",
        "scan.txt",
        b"scan\n",
    );

    ok(oras_in(work.path()).args([
        "cp",
        "-r",
        &registry.reference("deep/app:v1"),
        "--to-oci-layout",
        "lay:v1",
    ]));
    let lay = work.path().join("lay");
    assert_eq!(
        layout_tags(&lay),
        [("v1".to_string(), index.digest.clone())]
    );
    for referrer in [&on_index, &on_referrer, &on_child] {
        assert_eq!(
            layout_blob(&lay, &referrer.digest).as_ref(),
            Some(&referrer.bytes)
        );
    }
    for content in [&b"sbom\n"[..], b"sig\n", b"scan\n", b"amd\n", b"arm\n"] {
        assert_eq!(
            layout_blob(&lay, &sha256_digest(content)).as_deref(),
            Some(content)
        );
    }

    // With --platform, the selected child and its own referrers only.
    ok(oras_in(work.path()).args([
        "cp",
        "-r",
        "--platform",
        "linux/arm64",
        &registry.reference("deep/app:v1"),
        "--to-oci-layout",
        "arm:v1",
    ]));
    let arm_lay = work.path().join("arm");
    assert_eq!(
        layout_tags(&arm_lay),
        [("v1".to_string(), arm.digest.clone())]
    );
    assert_eq!(
        layout_blob(&arm_lay, &on_child.digest).as_ref(),
        Some(&on_child.bytes)
    );
    for absent in [
        &index.digest,
        &on_index.digest,
        &on_referrer.digest,
        &amd.digest,
    ] {
        assert!(layout_blob(&arm_lay, absent).is_none(), "{absent} copied");
    }
}

// ---------------------------------------------------------------------------------------------
// tag, resolve

#[test]
fn tag_adds_tags_in_a_registry_and_a_layout() {
    let registry = Registry::start();
    let digest = oras_push(&registry.reference("t/art:v1"), &[("a.txt", b"alpha\n")]);
    let name = registry.reference("t/art");
    let stdout = ok(oras().args(["tag", &format!("{name}:v1"), "v2", "v3"]));
    assert_eq!(
        stdout,
        format!("Tagging [registry] {name}@{digest}\nTagged v2\nTagged v3\n")
    );
    ok(oras().args(["tag", &format!("{name}@{digest}"), "v4"]));
    assert_eq!(registry.tags("t/art"), ["v1", "v2", "v3", "v4"]);
    for tag in ["v2", "v3", "v4"] {
        assert_eq!(
            registry.resolve("t/art", tag).as_deref(),
            Some(digest.as_str())
        );
    }
    // Bad input: nothing is added.
    let stderr = fails(oras().args(["tag", &format!("{name}:v1"), "ok", "bad tag!"]));
    assert!(stderr.contains("bad tag!"), "{stderr}");
    let stderr = fails(oras().args(["tag", &format!("{name}:missing"), "x"]));
    assert!(stderr.contains("missing"), "{stderr}");
    assert_eq!(registry.tags("t/art"), ["v1", "v2", "v3", "v4"]);
    let stderr = fails(oras().args(["tag", "list"]));
    assert!(stderr.contains("oras repo tags"), "{stderr}");

    // A layout, tagged by digest.
    let work = workdir();
    write_file(work.path(), "a.txt", "alpha\n");
    let digest = digest_line(&ok(oras_in(work.path()).args([
        "push",
        "--oci-layout",
        "lay:v1",
        "a.txt",
    ])));
    let stdout =
        ok(oras_in(work.path()).args(["tag", "--oci-layout", &format!("lay@{digest}"), "x", "y"]));
    assert_eq!(
        stdout,
        format!("Tagging [oci-layout] lay@{digest}\nTagged x\nTagged y\n")
    );
    assert_eq!(
        layout_tags(&work.path().join("lay")),
        [
            ("v1".to_string(), digest.clone()),
            ("x".to_string(), digest.clone()),
            ("y".to_string(), digest.clone())
        ]
    );
}

#[test]
fn resolve_prints_the_digest_or_the_full_reference() {
    let registry = Registry::start();
    let digest = oras_push(&registry.reference("r/art:v1"), &[("a.txt", b"alpha\n")]);
    let name = registry.reference("r/art");
    assert_eq!(
        ok(oras().args(["resolve", &format!("{name}:v1")])),
        format!("{digest}\n")
    );
    assert_eq!(
        ok(oras().args(["digest", "-l", &format!("{name}:v1")])),
        format!("{name}@{digest}\n")
    );
    let stderr = fails(oras().args(["resolve", &format!("{name}:nope")]));
    assert!(stderr.contains("failed to resolve digest"), "{stderr}");
    let stderr = fails(oras().args(["resolve", &name]));
    assert!(stderr.contains("no tag or digest"), "{stderr}");

    let work = workdir();
    ok(oras_in(work.path()).args(["cp", &format!("{name}:v1"), "--to-oci-layout", "lay:v1"]));
    assert_eq!(
        ok(oras_in(work.path()).args(["resolve", "--full-reference", "--oci-layout", "lay:v1"])),
        format!("lay@{digest}\n")
    );
}

// ---------------------------------------------------------------------------------------------
// --platform, --include-subject

#[test]
fn platform_selects_one_manifest_of_an_index_for_resolve_pull_and_cp() {
    let registry = Registry::start();
    let amd = push_platform_image(
        &registry,
        "multi/app",
        "amd64",
        "linux",
        "amd64",
        "app.txt",
        b"amd64 build\n",
    );
    let arm = push_platform_image(
        &registry,
        "multi/app",
        "arm64",
        "linux",
        "arm64",
        "app.txt",
        b"arm64 build\n",
    );
    let index = push_index(
        &registry,
        "multi/app",
        "v1",
        &[(&amd, "linux", "amd64"), (&arm, "linux", "arm64")],
    );
    let name = registry.reference("multi/app");
    let tagged = format!("{name}:v1");

    // resolve
    assert_eq!(
        ok(oras().args(["resolve", &tagged])),
        format!("{}\n", index.digest)
    );
    assert_eq!(
        ok(oras().args(["resolve", "--platform", "linux/arm64", &tagged])),
        format!("{}\n", arm.digest)
    );

    // pull
    let out = workdir();
    let stdout = ok(oras()
        .args(["pull", "--platform", "linux/arm64", &tagged, "-o"])
        .arg(out.path()));
    assert!(
        stdout.ends_with(&format!(
            "Pulled [registry] {tagged}\nDigest: {}\n",
            arm.digest
        )),
        "{stdout}"
    );
    assert_eq!(
        fs::read(out.path().join("app.txt")).unwrap(),
        b"arm64 build\n"
    );

    // cp by the index digest: the source is printed as the selected child.
    let work = workdir();
    let stdout = ok(oras_in(work.path()).args([
        "cp",
        "--platform",
        "linux/amd64",
        &format!("{name}@{}", index.digest),
        "--to-oci-layout",
        "lay:amd",
    ]));
    assert!(
        stdout.ends_with(&format!(
            "Copied [registry] {name}@{} => [oci-layout] lay:amd\nDigest: {}\n",
            amd.digest, amd.digest
        )),
        "{stdout}"
    );
    let lay = work.path().join("lay");
    assert_eq!(layout_tags(&lay), [("amd".to_string(), amd.digest.clone())]);
    assert_eq!(
        layout_blob(&lay, &sha256_digest(b"amd64 build\n")).unwrap(),
        b"amd64 build\n"
    );
    assert!(layout_blob(&lay, &sha256_digest(b"arm64 build\n")).is_none());
    assert!(layout_blob(&lay, &index.digest).is_none());

    // The whole index into a layout, then platform selection from the layout.
    ok(oras_in(work.path()).args(["cp", &tagged, "--to-oci-layout", "all:v1"]));
    let all = work.path().join("all");
    assert_eq!(layout_blob(&all, &index.digest).unwrap(), index.bytes);
    assert_eq!(
        layout_blob(&all, &sha256_digest(b"arm64 build\n")).unwrap(),
        b"arm64 build\n"
    );
    assert_eq!(
        ok(oras_in(work.path()).args([
            "resolve",
            "--oci-layout",
            "--platform",
            "linux/arm64",
            "all:v1"
        ])),
        format!("{}\n", arm.digest)
    );

    // No such platform; a manifest of another platform; a malformed platform.
    let stderr = fails(oras().args(["resolve", "--platform", "linux/s390x", &tagged]));
    assert!(
        stderr.contains("linux/s390x") && stderr.contains("linux/arm64"),
        "{stderr}"
    );
    let stderr = fails(
        oras()
            .args([
                "pull",
                "--platform",
                "linux/arm64",
                &format!("{name}:amd64"),
                "-o",
            ])
            .arg(out.path()),
    );
    assert!(stderr.contains("linux/amd64"), "{stderr}");
    let stderr = fails(oras().args([
        "cp",
        "--platform",
        "linux/",
        &tagged,
        &registry.reference("x/y:z"),
    ]));
    assert!(stderr.contains("architecture cannot be empty"), "{stderr}");
    assert!(registry.tags("x/y").is_empty());
}

#[test]
fn pull_include_subject_follows_the_subject() {
    let registry = Registry::start();
    let base = push_platform_image(
        &registry, "subj/art", "v1", "linux", "amd64", "base.txt", b"base\n",
    );
    let sig = push_referrer(
        &registry,
        "subj/art",
        &base,
        "application/vnd.test.sig",
        "sig.txt",
        b"sig\n",
    );
    let reference = registry.reference(&format!("subj/art@{}", sig.digest));

    let out = workdir();
    ok(oras().args(["pull", &reference, "-o"]).arg(out.path()));
    assert_eq!(list_files(out.path()), ["sig.txt"]);

    let out = workdir();
    ok(oras()
        .args(["pull", "--include-subject", &reference, "-o"])
        .arg(out.path()));
    assert_eq!(list_files(out.path()), ["base.txt", "sig.txt"]);
    assert_eq!(fs::read(out.path().join("base.txt")).unwrap(), b"base\n");
}

#[test]
fn cp_falls_back_to_an_upload_when_the_registry_declines_a_mount() {
    // A registry that answers every mount with `202 Accepted` (an ordinary upload session), as
    // registries do when they cannot or will not mount.
    let layer = b"alpha\n".to_vec();
    let layer_digest = sha256_digest(&layer);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": layer_digest,
            "size": layer.len(),
            "annotations": {TITLE: "a.txt"},
        }],
    }))
    .unwrap();
    let manifest_digest = sha256_digest(&manifest);
    let (m, md, l, ld) = (
        manifest.clone(),
        manifest_digest.clone(),
        layer.clone(),
        layer_digest.clone(),
    );
    let fake = FakeRegistry::start(move |method, uri| {
        let blob = |d: &str, bytes: &[u8]| {
            FakeResponse::new(
                200,
                &[
                    ("Content-Type", "application/octet-stream"),
                    ("Docker-Content-Digest", d),
                ],
                bytes.to_vec(),
            )
        };
        match (method, uri) {
            ("GET", "/v2/src/art/manifests/v1") => FakeResponse::new(
                200,
                &[
                    ("Content-Type", OCI_MANIFEST),
                    ("Docker-Content-Digest", md.as_str()),
                ],
                m.clone(),
            ),
            ("GET", u) if u == format!("/v2/src/art/blobs/{ld}") => blob(&ld, &l),
            ("GET", u) if u == format!("/v2/src/art/blobs/{EMPTY_DIGEST}") => {
                blob(EMPTY_DIGEST, b"{}")
            }
            ("HEAD", u) if u.starts_with("/v2/dst/art/") => {
                FakeResponse::error(404, "BLOB_UNKNOWN", "unknown")
            }
            ("POST", u) if u.starts_with("/v2/dst/art/blobs/uploads/?") && u.contains("mount=") => {
                FakeResponse::new(
                    202,
                    &[("Location", "/v2/dst/art/blobs/uploads/from-mount")],
                    "",
                )
            }
            ("DELETE", "/v2/dst/art/blobs/uploads/from-mount") => FakeResponse::new(204, &[], ""),
            ("POST", "/v2/dst/art/blobs/uploads/") => {
                FakeResponse::new(202, &[("Location", "/v2/dst/art/blobs/uploads/fresh")], "")
            }
            ("PUT", u) if u.starts_with("/v2/dst/art/blobs/uploads/fresh?digest=") => {
                FakeResponse::new(201, &[], "")
            }
            ("PUT", "/v2/dst/art/manifests/v1") => {
                FakeResponse::new(201, &[("Docker-Content-Digest", md.as_str())], "")
            }
            _ => FakeResponse::error(404, "NAME_UNKNOWN", "not scripted"),
        }
    });
    let src = format!("{}/src/art:v1", fake.addr());
    let dst = format!("{}/dst/art:v1", fake.addr());
    let stdout = ok(oras().args(["cp", &src, &dst]));
    let (status, summary) = split_output(&stdout, "Copied [");
    assert_eq!(
        status,
        transfer_lines(
            "Copying",
            "Copied ",
            &[
                EMPTY_LINE.to_string(),
                format!("{} a.txt", short(&layer_digest)),
                manifest_line(&manifest_digest),
            ]
        )
    );
    assert_eq!(
        summary[0],
        format!("Copied [registry] {src} => [registry] {dst}")
    );
    // Each blob: a mount attempt, the declined session cancelled, then a normal upload.
    let requests = fake.requests();
    let count =
        |pred: &dyn Fn(&(String, String)) -> bool| requests.iter().filter(|r| pred(r)).count();
    assert_eq!(
        count(&|(m, u)| m == "POST" && u.contains("mount=") && u.contains("from=src%2Fart")),
        2,
        "{requests:?}"
    );
    assert_eq!(
        count(&|(m, u)| m == "DELETE" && u == "/v2/dst/art/blobs/uploads/from-mount"),
        2,
        "{requests:?}"
    );
    assert_eq!(
        count(&|(m, u)| m == "PUT" && u.starts_with("/v2/dst/art/blobs/uploads/fresh?digest=")),
        2,
        "{requests:?}"
    );
    assert_eq!(
        count(&|(m, u)| m == "PUT" && u == "/v2/dst/art/manifests/v1"),
        1,
        "{requests:?}"
    );
}

#[test]
fn headers_are_refused_on_a_layout_target() {
    let work = workdir();
    write_file(work.path(), "a.txt", "a\n");
    let layout = work.path().join("layout");
    let out = oras()
        .current_dir(work.path())
        .args(["push", "--oci-layout", "-H", "X-Api-Key: secret"])
        .arg(format!("{}:v1", layout.display()))
        .arg("a.txt")
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("-H/--header"), "{stderr}");
    assert!(!layout.exists(), "nothing may be written");
}

#[test]
fn cp_of_corrupt_source_bytes_is_refused_by_the_destination_registry() {
    // A push does not hash blobs a second time on the way out: the destination registry checks
    // `?digest=` itself. A source serving other bytes (same length) than its digest says must
    // still fail the copy, and leave no manifest behind.
    let layer = b"alpha\n".to_vec();
    let corrupt = b"alphA\n".to_vec();
    let layer_digest = sha256_digest(&layer);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": layer_digest,
            "size": layer.len(),
            "annotations": {TITLE: "a.txt"},
        }],
    }))
    .unwrap();
    let manifest_digest = sha256_digest(&manifest);
    let (m, md, ld) = (manifest, manifest_digest, layer_digest.clone());
    let fake = FakeRegistry::start(move |method, uri| {
        let blob = |d: &str, bytes: &[u8]| {
            FakeResponse::new(
                200,
                &[
                    ("Content-Type", "application/octet-stream"),
                    ("Docker-Content-Digest", d),
                ],
                bytes.to_vec(),
            )
        };
        match (method, uri) {
            ("GET", "/v2/src/art/manifests/v1") => FakeResponse::new(
                200,
                &[
                    ("Content-Type", OCI_MANIFEST),
                    ("Docker-Content-Digest", md.as_str()),
                ],
                m.clone(),
            ),
            ("GET", u) if u == format!("/v2/src/art/blobs/{ld}") => blob(&ld, &corrupt),
            ("GET", u) if u == format!("/v2/src/art/blobs/{EMPTY_DIGEST}") => {
                blob(EMPTY_DIGEST, b"{}")
            }
            _ => FakeResponse::error(404, "NAME_UNKNOWN", "not scripted"),
        }
    });
    let registry = Registry::start();
    let src = format!("{}/src/art:v1", fake.addr());
    let dst = registry.reference("dst/art:v1");
    let out = oras().args(["cp", &src, &dst]).output().unwrap();
    assert!(!out.status.success(), "the copy must fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.to_lowercase().contains("digest"), "{stderr}");
    assert_eq!(
        registry.resolve("dst/art", "v1"),
        None,
        "no manifest was stored"
    );
    let (status, _, _) = registry.head(&format!("/v2/dst/art/blobs/{layer_digest}"));
    assert_eq!(status, 404, "the corrupt layer was not stored");
}

/// Issue 12: `repo tags --oci-layout-path <dir> <registry>/<repo>:<tag>` lists, of that
/// repository's tags in the layout, those pointing where `<tag>` does (as `repo tags` of a
/// tagged registry reference does), with the experimental notice; other repositories' tags
/// sharing the layout, and the same repository's other tags, are left out.
#[test]
fn repo_tags_with_oci_layout_path_and_a_tag_lists_the_tags_associated_with_it() {
    let work = workdir();
    write_file(work.path(), "a.txt", "a\n");
    write_file(work.path(), "b.txt", "b\n");
    let layout = ["--oci-layout-path", "shared"];
    let push = |tag: &str, file: &str| {
        ok(oras_in(work.path())
            .arg("push")
            .args(layout)
            .args([tag, file]));
    };
    push("localhost:5000/x:v1", "a.txt");
    push("localhost:5000/x:v2", "b.txt");
    push("localhost:5000/y:v1", "a.txt");
    ok(oras_in(work.path())
        .arg("tag")
        .args(layout)
        .args(["localhost:5000/x:v1", "localhost:5000/x:v1b"]));
    let all = ok(oras_in(work.path())
        .args(["repo", "tags"])
        .args(layout)
        .arg("localhost:5000/x"));
    assert_eq!(all, "v1\nv1b\nv2\n");
    let out = oras_in(work.path())
        .args(["repo", "tags"])
        .args(layout)
        .arg("localhost:5000/x:v1")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "v1\nv1b\n");
    let digest = ok(oras_in(work.path())
        .arg("resolve")
        .args(layout)
        .arg("localhost:5000/x:v1"));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "[Experimental] querying tags associated to {}, it may take a while...\n",
            digest.trim()
        )
    );
    let by_digest = ok(oras_in(work.path())
        .args(["repo", "tags"])
        .args(layout)
        .arg(format!("localhost:5000/x@{}", digest.trim())));
    assert_eq!(by_digest, "v1\nv1b\n");
}
