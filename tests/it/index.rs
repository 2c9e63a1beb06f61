//! `oras manifest index create|update` against a real Distribution registry and an OCI layout
//! (oras-cli.md §1.2, §3.2, §5.3 "manifest index").

use crate::common;

use common::{
    OCI_INDEX, OCI_MANIFEST, Registry, assert_clean_failure, assert_success, run, sha256_digest,
    short,
};
use serde_json::{Value, json};

/// Pushes an image manifest whose config names `os/arch`, tagged `tag`; returns (digest, size).
fn image(reg: &Registry, repo: &str, tag: &str, os: &str, arch: &str) -> (String, usize) {
    let config = format!(r#"{{"architecture":"{arch}","os":"{os}"}}"#);
    let cd = reg.push_blob(repo, config.as_bytes());
    let ld = reg.push_blob(repo, tag.as_bytes());
    let m = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.test.image",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": tag.len()}],
    });
    let bytes = serde_json::to_vec(&m).unwrap();
    (
        reg.put_manifest(repo, tag, OCI_MANIFEST, &bytes),
        bytes.len(),
    )
}

#[test]
fn create_by_tags_and_digest_with_platforms_tags_and_annotations() {
    let reg = Registry::start();
    let (amd, amd_size) = image(&reg, "i/c", "linux-amd64", "linux", "amd64");
    let (arm, arm_size) = image(&reg, "i/c", "linux-arm64", "linux", "arm64");
    let target = reg.reference("i/c:v1,v1.0");
    for verb in ["create", "pack"] {
        let out = run(&[
            "manifest",
            "index",
            verb,
            "-a",
            "k=v",
            &target,
            "linux-amd64",
            &arm,
        ]);
        let expected_index = json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": amd, "size": amd_size, "platform": {"architecture": "amd64", "os": "linux"}, "artifactType": "application/vnd.test.image"},
                {"mediaType": OCI_MANIFEST, "digest": arm, "size": arm_size, "platform": {"architecture": "arm64", "os": "linux"}, "artifactType": "application/vnd.test.image"},
            ],
            "annotations": {"k": "v"},
        });
        let stored = reg.manifest_json("i/c", "v1");
        assert_eq!(stored, expected_index);
        let digest = reg.resolve("i/c", "v1").unwrap();
        assert_eq!(
            assert_success(&out),
            format!(
                "Fetching  linux-amd64\nFetched   {amd} linux-amd64\nFetching  {arm}\nFetched   {arm}\nPacked    {} {OCI_INDEX}\nPushed    [registry] {}\nTagged v1.0\nDigest: {digest}\n",
                short(&digest),
                reg.reference("i/c:v1")
            )
        );
        assert_eq!(reg.resolve("i/c", "v1.0").as_deref(), Some(digest.as_str()));
    }
}

#[test]
fn create_to_stdout_and_errors() {
    let reg = Registry::start();
    let (amd, _) = image(&reg, "i/o", "a", "linux", "amd64");
    let out = run(&[
        "manifest",
        "index",
        "create",
        "--artifact-type",
        "application/vnd.x",
        "-o",
        "-",
        &reg.reference("i/o"),
        "a",
    ]);
    let text = assert_success(&out);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["artifactType"], "application/vnd.x");
    assert_eq!(doc["manifests"][0]["digest"], amd);
    // Not pushed: only the image tag exists.
    assert_eq!(reg.tags("i/o"), ["a"]);
    let pretty = assert_success(&run(&[
        "manifest",
        "index",
        "create",
        "--pretty",
        "-o",
        "-",
        &reg.reference("i/o"),
        "a",
    ]));
    assert!(
        pretty.starts_with("{\n  \"schemaVersion\": 2,\n  \"mediaType\": "),
        "{pretty}"
    );

    let err = assert_clean_failure(&run(&[
        "manifest",
        "index",
        "create",
        &reg.reference("i/o:v1"),
        "missing",
    ]));
    assert!(err.contains("could not find the manifest missing"), "{err}");
    let err = assert_clean_failure(&run(&[
        "manifest",
        "index",
        "create",
        "--artifact-type",
        "bad",
        &reg.reference("i/o:v1"),
        "a",
    ]));
    assert!(err.contains("bad: invalid media type"), "{err}");
    let blob = reg.push_blob("i/o", b"not a manifest");
    // Distribution answers a blob digest on /manifests/ with its own error: a clean failure.
    assert_clean_failure(&run(&[
        "manifest",
        "index",
        "create",
        &reg.reference("i/o:v1"),
        &blob,
    ]));
    assert_eq!(reg.tags("i/o"), ["a"]);
}

#[test]
fn update_removes_adds_merges_and_sets_artifact_type() {
    let reg = Registry::start();
    let (amd, _) = image(&reg, "i/u", "amd", "linux", "amd64");
    let (arm, _) = image(&reg, "i/u", "arm", "linux", "arm64");
    let (win, _) = image(&reg, "i/u", "win", "windows", "amd64");
    assert_success(&run(&[
        "manifest",
        "index",
        "create",
        &reg.reference("i/u:v1"),
        "amd",
        "arm",
    ]));
    assert_success(&run(&[
        "manifest",
        "index",
        "create",
        &reg.reference("i/u:other"),
        "win",
    ]));
    let old = reg.resolve("i/u", "v1").unwrap();

    let out = run(&[
        "manifest",
        "index",
        "update",
        &reg.reference("i/u:v1"),
        "--remove",
        &amd,
        "--add",
        "amd",
        "--merge",
        "other",
        "--artifact-type",
        "application/vnd.idx",
        "--tag",
        "v2",
    ]);
    let stored = reg.manifest_json("i/u", "v1");
    let digests: Vec<&str> = stored["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    assert_eq!(digests, [arm.as_str(), amd.as_str(), win.as_str()]);
    assert_eq!(stored["artifactType"], "application/vnd.idx");
    let new = reg.resolve("i/u", "v1").unwrap();
    assert_ne!(new, old);
    let other = reg.resolve("i/u", "other").unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            "Fetching  {r}\nFetched   {old} {r}\nRemoved   {amd}\nFetching  amd\nFetched   {amd} amd\nAdded     {amd} amd\nFetching  other\nFetched   {other} other\nMerged    {other} other\nUpdated   {new}\nPushed    [registry] {r}\nTagged v2\nDigest: {new}\n",
            r = reg.reference("i/u:v1")
        )
    );
    assert_eq!(reg.resolve("i/u", "v2").as_deref(), Some(new.as_str()));

    // --artifact-type "" removes it; by digest the new index is pushed untagged.
    let by_digest = reg.reference(&format!("i/u@{new}"));
    let out = run(&[
        "manifest",
        "index",
        "update",
        &by_digest,
        "--artifact-type=",
    ]);
    let text = assert_success(&out);
    assert!(
        text.contains(&format!("Pushed    [registry] {}\n", reg.reference("i/u"))),
        "{text}"
    );
    let newest = text
        .lines()
        .last()
        .unwrap()
        .strip_prefix("Digest: ")
        .unwrap()
        .to_string();
    assert!(
        reg.manifest_json("i/u", &newest)
            .get("artifactType")
            .is_none()
    );
    assert_eq!(reg.resolve("i/u", "v1").as_deref(), Some(new.as_str()));

    assert_eq!(
        assert_success(&run(&[
            "manifest",
            "index",
            "update",
            &reg.reference("i/u:v1")
        ])),
        "Nothing to update as no change is requested\n"
    );
    let err = assert_clean_failure(&run(&[
        "manifest",
        "index",
        "update",
        &reg.reference("i/u:v1"),
        "--remove",
        "amd",
    ]));
    assert!(err.contains("remove: amd is not a digest"), "{err}");
    let absent = sha256_digest(b"absent");
    let err = assert_clean_failure(&run(&[
        "manifest",
        "index",
        "update",
        &reg.reference("i/u:v1"),
        "--remove",
        &absent,
    ]));
    assert!(
        err.contains(&format!("{absent} does not exist in the index")),
        "{err}"
    );
    let err = assert_clean_failure(&run(&[
        "manifest",
        "index",
        "update",
        &reg.reference("i/u:v1"),
        "--add",
        "amd",
        "--tag",
        "x",
        "-o",
        "-",
    ]));
    assert!(err.contains("--tag cannot be used with --output"), "{err}");
    let err = assert_clean_failure(&run(&[
        "manifest",
        "index",
        "update",
        &reg.reference("i/u:amd"),
        "--add",
        "arm",
    ]));
    assert!(err.contains("is not an index"), "{err}");
    assert_eq!(reg.resolve("i/u", "v1").as_deref(), Some(new.as_str()));
}

#[test]
fn create_in_a_layout() {
    let dir = common::workdir();
    let layout = dir.path().join("lay");
    let reg = Registry::start();
    image(&reg, "i/l", "amd", "linux", "amd64");
    let out = run(&[
        "cp",
        "--to-oci-layout",
        &reg.reference("i/l:amd"),
        &format!("{}:amd", layout.display()),
    ]);
    assert_success(&out);
    let out = run(&[
        "manifest",
        "index",
        "create",
        "--oci-layout",
        &format!("{}:idx", layout.display()),
        "amd",
    ]);
    assert!(assert_success(&out).contains("Pushed    [oci-layout] "));
    let out = run(&[
        "manifest",
        "fetch",
        "--oci-layout",
        &format!("{}:idx", layout.display()),
    ]);
    let doc: Value = serde_json::from_str(&assert_success(&out)).unwrap();
    assert_eq!(doc["manifests"][0]["platform"]["architecture"], "amd64");
}
