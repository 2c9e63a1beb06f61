//! oras v1.3's e2e scenarios of `oras cp --platform a,b` (`test/e2e/suite/command/
//! cp_multiplatform.go`), re-expressed against Distribution with oras's multi-arch fixture
//! rebuilt (`e2e_cp::MultiArch`: linux/amd64, linux/arm64, linux/arm/v7, a referrer of the index
//! and one of amd64); one test per `It`, named after it, and the cases around them.

use crate::common::{OCI_INDEX, OCI_MANIFEST, Registry, fails, ok, oras, oras_in, workdir};
use crate::e2e_cp::{AMD64_REFERRER, MultiArch, referrer_digests};

fn fetch_json(reference: &str) -> serde_json::Value {
    let out = ok(oras().args(["manifest", "fetch", reference]));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// The `os/arch[/variant]` of each entry of the index at `reference`, in order.
fn platforms_of(reference: &str) -> Vec<String> {
    let index = fetch_json(reference);
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let p = &m["platform"];
            let mut s = format!(
                "{}/{}",
                p["os"].as_str().unwrap(),
                p["architecture"].as_str().unwrap()
            );
            if let Some(v) = p["variant"].as_str() {
                s = format!("{s}/{v}");
            }
            s
        })
        .collect()
}

/// The digest a `cp` printed.
fn printed_digest(out: &str) -> String {
    crate::common::digest_line(out)
}

/// Copies `--platform <platforms>` of the fixture's index to `dst_repo:tag` and checks that
/// the destination is the source index with exactly the entries of `expected`, as written, and
/// that the images left out were not copied.
fn check_narrowed(
    platforms: &str,
    expected: &[&str],
    extra: &[&str],
) -> (Registry, MultiArch, String, String) {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "images");
    let dst = reg.reference("copy/multiplatform:copied");
    let out = ok(oras()
        .args([
            "cp",
            &reg.reference("images:multi"),
            &dst,
            "--platform",
            platforms,
        ])
        .args(extra));
    assert_eq!(platforms_of(&dst), expected);
    let source = fetch_json(&reg.reference("images:multi"));
    let copied = fetch_json(&dst);
    let raw = ok(oras().args(["manifest", "fetch", &dst]));
    assert_eq!(
        printed_digest(&out),
        crate::common::sha256_digest(raw.as_bytes()),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "Copied [registry] {} => [registry] {dst}",
            reg.reference("images:multi")
        )),
        "{out}"
    );
    // Everything but the dropped entries is the source's.
    for (key, value) in source.as_object().unwrap() {
        if key != "manifests" {
            assert_eq!(&copied[key], value, "{key}");
        }
    }
    for entry in source["manifests"].as_array().unwrap() {
        let digest = entry["digest"].as_str().unwrap();
        let kept = copied["manifests"].as_array().unwrap().contains(entry);
        let in_dst = oras()
            .args([
                "manifest",
                "fetch",
                &reg.reference(&format!("copy/multiplatform@{digest}")),
            ])
            .output()
            .unwrap()
            .status
            .success();
        assert_eq!(
            kept, in_dst,
            "{entry}: an entry's image is copied exactly when the entry is kept"
        );
    }
    (reg, ma, out, dst)
}

#[test]
fn should_copy_multiple_platforms_of_image_to_a_new_repository() {
    let (_reg, ma, _, dst) = check_narrowed(
        "linux/amd64,linux/arm64",
        &["linux/amd64", "linux/arm64"],
        &[],
    );
    // A new index: the source's digest is not the destination's.
    let copied = ok(oras().args(["resolve", &dst]));
    assert_ne!(copied.trim(), ma.index);
    // Top-level keys as Go's encoding/json writes a map: sorted.
    let raw = ok(oras().args(["manifest", "fetch", &dst]));
    let keys: Vec<String> = fetch_json(&dst)
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut positions: Vec<usize> = keys
        .iter()
        .map(|k| raw.find(&format!("\"{k}\":")).unwrap())
        .collect();
    let sorted = {
        let mut by_name = keys.clone();
        by_name.sort();
        by_name
            .iter()
            .map(|k| raw.find(&format!("\"{k}\":")).unwrap())
            .collect::<Vec<_>>()
    };
    positions.sort();
    assert_eq!(positions, sorted, "{raw}");
    assert!(!raw.contains(' ') && !raw.contains('\n'), "compact: {raw}");
}

#[test]
fn should_fail_to_copy_multiple_platforms_when_some_platforms_are_not_available() {
    let reg = Registry::start();
    MultiArch::push(&reg, "images");
    let dst = reg.reference("copy/missing-platform:copiedMissing");
    let err = fails(oras().args([
        "cp",
        &reg.reference("images:multi"),
        &dst,
        "--platform",
        "linux/amd64,linux/nonexistent",
    ]));
    assert!(err.starts_with("Error: some requested platforms were not matched; unmatched platforms: [linux/nonexistent]; available platforms in index: [linux/amd64, linux/arm64, linux/arm/v7]"), "{err}");
    // Nothing was copied.
    let out = fails(oras().args(["repo", "tags", &reg.reference("copy/missing-platform")]));
    assert!(out.contains("Error response from registry"), "{out}");
}

#[test]
fn should_copy_multiple_platforms_of_image_with_recursive_flag() {
    let (reg, ma, out, dst) = check_narrowed(
        "linux/amd64,linux/arm64",
        &["linux/amd64", "linux/arm64"],
        &["-r"],
    );
    let warning = "Warning: referrers of the source index are not copied because selecting a subset of platforms produces a new index digest";
    assert_eq!(
        out.lines().next(),
        Some(warning),
        "printed before the copy: {out}"
    );
    // The referrer of linux/amd64 came along; the index's did not (its subject is not copied).
    let amd64 = reg.reference(&format!("copy/multiplatform@{}", ma.amd64));
    assert_eq!(
        referrer_digests(&[&amd64, "--artifact-type", AMD64_REFERRER]),
        vec![ma.amd64_referrer.clone()]
    );
    let index_referrer = reg.reference(&format!("copy/multiplatform@{}", ma.index_referrer));
    fails(oras().args(["manifest", "fetch", &index_referrer]));
    assert!(referrer_digests(&[&dst]).is_empty());
}

#[test]
fn should_copy_a_single_platform_when_only_one_platform_is_specified() {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "images");
    let dst = reg.reference("copy/single-platform:copiedSingle");
    let out = ok(oras().args([
        "cp",
        &reg.reference("images:multi"),
        &dst,
        "--platform",
        "linux/amd64",
    ]));
    let image = fetch_json(&dst);
    assert_eq!(image["mediaType"], OCI_MANIFEST);
    assert_eq!(printed_digest(&out), ma.amd64);
}

#[test]
fn should_preserve_the_root_when_every_platform_is_selected() {
    let reg = Registry::start();
    let ma = MultiArch::push(&reg, "images");
    let dst = reg.reference("copy/all-platforms:copiedAll");
    let out = ok(oras().args([
        "cp",
        "-r",
        &reg.reference("images:multi"),
        &dst,
        "--platform",
        "linux/amd64,linux/arm64,linux/arm/v7",
    ]));
    assert!(!out.contains("Warning"), "{out}");
    assert_eq!(ok(oras().args(["resolve", &dst])).trim(), ma.index);
    assert_eq!(fetch_json(&dst)["mediaType"], OCI_INDEX);
    // Its referrers are kept too.
    assert_eq!(referrer_digests(&[&dst]), vec![ma.index_referrer.clone()]);
}

#[test]
fn should_copy_multiple_platforms_with_complex_platform_strings_including_variants() {
    check_narrowed(
        "linux/amd64,linux/arm/v7",
        &["linux/amd64", "linux/arm/v7"],
        &[],
    );
}

#[test]
fn several_platforms_of_a_single_image_are_refused_with_a_hint() {
    let reg = Registry::start();
    let work = workdir();
    std::fs::write(work.path().join("a.txt"), "a").unwrap();
    let src = reg.reference("images:single");
    ok(oras_in(work.path()).args(["push", &src, "a.txt"]));
    let err = fails(oras().args([
        "cp",
        &src,
        &reg.reference("copy/single:x"),
        "--platform",
        "linux/amd64,linux/arm64",
    ]));
    assert_eq!(
        err,
        format!(
            "Error: {src:?} is not an image index or a manifest list\nselecting multiple platforms requires a multi-platform source; use a single --platform value to copy a specific platform of an image\n"
        )
    );
}
