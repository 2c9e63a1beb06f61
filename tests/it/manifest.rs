//! `oras manifest fetch|fetch-config|push|delete` against a real Distribution registry (and an
//! OCI layout): exact stdout, prompts answered on stdin, the registry's state afterwards
//! (oras-cli.md §1.2, §5.3 "manifest").

use crate::common;

use common::{
    EMPTY_DIGEST, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, Registry, assert_clean_failure,
    assert_success, oras, run, sha256_digest, short, workdir, write_file,
};
use serde_json::{Value, json};

/// An image manifest (with a real JSON config) pushed as `repo:tag`; returns (digest, bytes).
fn push_image(reg: &Registry, repo: &str, tag: &str, config: &[u8]) -> (String, Vec<u8>) {
    let config_digest = reg.push_blob(repo, config);
    let layer_digest = reg.push_blob(repo, b"layer");
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": 5}],
    });
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let digest = reg.put_manifest(repo, tag, OCI_MANIFEST, &bytes);
    (digest, bytes)
}

#[test]
fn fetch_prints_raw_bytes_pretty_descriptor_json_and_files() {
    let reg = Registry::start();
    let (digest, bytes) = push_image(
        &reg,
        "m/fetch",
        "v1",
        br#"{"os":"linux","architecture":"amd64"}"#,
    );
    let by_tag = reg.reference("m/fetch:v1");
    let by_digest = reg.reference(&format!("m/fetch@{digest}"));

    // Raw bytes exactly as served, by tag and by digest, through every alias.
    for verb in ["fetch", "get", "show"] {
        let out = run(&["manifest", verb, &by_tag]);
        assert_eq!(assert_success(&out).as_bytes(), &bytes[..]);
    }
    assert_eq!(
        assert_success(&run(&["manifest", "fetch", &by_digest])).as_bytes(),
        &bytes[..]
    );
    assert_eq!(
        assert_success(&run(&["manifest", "fetch", "-o", "-", &by_tag])).as_bytes(),
        &bytes[..]
    );

    // --pretty: Go's indentation, key order kept, trailing newline.
    let pretty = assert_success(&run(&["manifest", "fetch", "--pretty", &by_tag]));
    // (json! sorts keys, so the served manifest starts with "config".)
    assert!(
        pretty.starts_with("{\n  \"config\": {\n    \"digest\": \"sha256:"),
        "{pretty}"
    );
    assert!(pretty.ends_with("}\n"));
    let reparsed: Value = serde_json::from_str(&pretty).unwrap();
    assert_eq!(reparsed, serde_json::from_slice::<Value>(&bytes).unwrap());

    // --descriptor: compact descriptor only.
    let desc = assert_success(&run(&["manifest", "fetch", "--descriptor", &by_tag]));
    assert_eq!(
        desc,
        format!(
            r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{digest}","size":{}}}"#,
            bytes.len()
        )
    );

    // -o file: the file holds the bytes; --pretty is ignored for the file; stdout is empty.
    let dir = workdir();
    let file = dir.path().join("m.json");
    let out = run(&[
        "manifest",
        "fetch",
        "--pretty",
        "-o",
        file.to_str().unwrap(),
        &by_tag,
    ]);
    assert_eq!(assert_success(&out), "");
    assert_eq!(std::fs::read(&file).unwrap(), bytes);

    // -o file + --descriptor: file written, descriptor printed.
    let file2 = dir.path().join("m2.json");
    let out = run(&[
        "manifest",
        "fetch",
        "--descriptor",
        "-o",
        file2.to_str().unwrap(),
        &by_tag,
    ]);
    assert_eq!(assert_success(&out), desc);
    assert_eq!(std::fs::read(&file2).unwrap(), bytes);

    // --format json: descriptor with reference and the parsed content.
    let out = assert_success(&run(&["manifest", "fetch", "--format", "json", &by_tag]));
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["reference"],
        format!("{}@{digest}", reg.reference("m/fetch"))
    );
    assert_eq!(doc["mediaType"], OCI_MANIFEST);
    assert_eq!(doc["digest"], digest);
    assert_eq!(doc["size"], bytes.len());
    assert_eq!(
        doc["content"],
        serde_json::from_slice::<Value>(&bytes).unwrap()
    );
    assert!(out.starts_with("{\n  \"reference\": "), "{out}");

    // --media-type is the Accept list: accepted when it matches; Distribution answers 404 when
    // the manifest is not of an accepted type (what oras users see too).
    assert_success(&run(&[
        "manifest",
        "fetch",
        "--media-type",
        OCI_MANIFEST,
        &by_tag,
    ]));
    let err = assert_clean_failure(&run(&[
        "manifest",
        "fetch",
        "--media-type",
        OCI_INDEX,
        &by_tag,
    ]));
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn fetch_refuses_bad_combinations_and_missing_manifests() {
    let reg = Registry::start();
    push_image(&reg, "m/bad", "v1", b"{}");
    let r = reg.reference("m/bad:v1");
    for (args, msg) in [
        (
            vec!["--format", "json", "--pretty"],
            "--format and --pretty",
        ),
        (
            vec!["--format", "json", "--descriptor"],
            "--format and --descriptor",
        ),
        (
            vec!["-o", "-", "--descriptor"],
            "--descriptor cannot be used with --output -",
        ),
        (
            vec!["-o", "-", "--format", "json"],
            "--output - can only be used",
        ),
        (vec!["--format", "yaml"], "invalid format type: \"yaml\""),
    ] {
        let mut all = vec!["manifest", "fetch"];
        all.extend(args);
        all.push(&r);
        let err = assert_clean_failure(&run(&all));
        assert!(err.contains(msg), "{all:?}: {err}");
    }
    let err = assert_clean_failure(&run(&["manifest", "fetch", &reg.reference("m/bad")]));
    assert!(err.contains("no tag or digest specified"), "{err}");
    let err = assert_clean_failure(&run(&["manifest", "fetch", &reg.reference("m/bad:nope")]));
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn fetch_selects_a_platform_of_an_index() {
    let reg = Registry::start();
    let (amd, amd_bytes) = push_image(
        &reg,
        "m/multi",
        "amd",
        br#"{"os":"linux","architecture":"amd64"}"#,
    );
    let (arm, arm_bytes) = push_image(
        &reg,
        "m/multi",
        "arm",
        br#"{"os":"linux","architecture":"arm64"}"#,
    );
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": amd, "size": amd_bytes.len(), "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": OCI_MANIFEST, "digest": arm, "size": arm_bytes.len(), "platform": {"os": "linux", "architecture": "arm64"}},
        ],
    });
    let index_bytes = serde_json::to_vec(&index).unwrap();
    reg.put_manifest("m/multi", "v1", OCI_INDEX, &index_bytes);
    let r = reg.reference("m/multi:v1");
    assert_eq!(
        assert_success(&run(&["manifest", "fetch", &r])).as_bytes(),
        &index_bytes[..]
    );
    let out = run(&["manifest", "fetch", "--platform", "linux/arm64", &r]);
    assert_eq!(assert_success(&out).as_bytes(), &arm_bytes[..]);
    let out = run(&[
        "manifest",
        "fetch",
        "--platform",
        "linux/arm64",
        "--descriptor",
        &r,
    ]);
    assert!(assert_success(&out).contains(&arm));
    // fetch-config follows the platform too.
    let out = run(&["manifest", "fetch-config", "--platform", "linux/amd64", &r]);
    assert_eq!(
        assert_success(&out),
        r#"{"os":"linux","architecture":"amd64"}"#
    );
}

#[test]
fn fetch_config_raw_pretty_descriptor_file_and_non_image() {
    let reg = Registry::start();
    let config = br#"{"architecture":"amd64","os":"linux"}"#;
    push_image(&reg, "m/cfg", "v1", config);
    let r = reg.reference("m/cfg:v1");
    for verb in ["fetch-config", "get-config"] {
        assert_eq!(
            assert_success(&run(&["manifest", verb, &r])).as_bytes(),
            config
        );
    }
    let pretty = assert_success(&run(&["manifest", "fetch-config", "--pretty", &r]));
    assert_eq!(
        pretty,
        "{\n  \"architecture\": \"amd64\",\n  \"os\": \"linux\"\n}\n"
    );
    let desc = assert_success(&run(&["manifest", "fetch-config", "--descriptor", &r]));
    assert_eq!(
        desc,
        format!(
            r#"{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}}"#,
            sha256_digest(config),
            config.len()
        )
    );
    let dir = workdir();
    let file = dir.path().join("c.json");
    assert_eq!(
        assert_success(&run(&[
            "manifest",
            "fetch-config",
            "-o",
            file.to_str().unwrap(),
            &r
        ])),
        ""
    );
    assert_eq!(std::fs::read(&file).unwrap(), config);

    // An index has no config.
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []});
    let d = reg.put_manifest(
        "m/cfg",
        "idx",
        OCI_INDEX,
        &serde_json::to_vec(&index).unwrap(),
    );
    let err = assert_clean_failure(&run(&[
        "manifest",
        "fetch-config",
        &reg.reference("m/cfg:idx"),
    ]));
    assert!(
        err.contains(&format!(
            "\"{d}\" is not an image manifest and does not have a config"
        )),
        "{err}"
    );
    let err = assert_clean_failure(&run(&[
        "manifest",
        "fetch-config",
        &reg.reference("m/cfg:none"),
    ]));
    assert!(err.contains("not found"), "{err}");
}

fn artifact_manifest(reg: &Registry, repo: &str) -> Vec<u8> {
    reg.push_blob(repo, b"{}");
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.test",
        "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
        "layers": [],
    });
    serde_json::to_vec(&manifest).unwrap()
}

#[test]
fn push_from_file_and_stdin_with_tags_exists_and_descriptor() {
    let reg = Registry::start();
    let bytes = artifact_manifest(&reg, "m/push");
    let digest = sha256_digest(&bytes);
    let dir = workdir();
    let file = write_file(dir.path(), "manifest.json", &bytes);

    let r = reg.reference("m/push:v1,v2,v3");
    let out = run(&["manifest", "push", &r, file.to_str().unwrap()]);
    assert_eq!(
        assert_success(&out),
        format!(
            "Uploading {s} {OCI_MANIFEST}\nUploaded  {s} {OCI_MANIFEST}\nPushed: [registry] {}\nTagged v2\nTagged v3\nDigest: {digest}\n",
            reg.reference("m/push:v1"),
            s = short(&digest)
        )
    );
    assert_eq!(reg.tags("m/push"), ["v1", "v2", "v3"]);
    assert_eq!(reg.get_manifest("m/push", "v3").2, bytes);

    // The same again: Exists, nothing uploaded.
    let out = run(&[
        "manifest",
        "push",
        &reg.reference("m/push:v1"),
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        assert_success(&out),
        format!(
            "Exists    {} {OCI_MANIFEST}\nPushed: [registry] {}\nDigest: {digest}\n",
            short(&digest),
            reg.reference("m/push:v1")
        )
    );

    // From stdin, media type read from the content, by digest, with --descriptor.
    let by_digest = reg.reference(&format!("m/stdin@{digest}"));
    reg.push_blob("m/stdin", b"{}");
    let out = oras()
        .args(["manifest", "push", "--descriptor", &by_digest, "-"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{digest}","size":{}}}"#,
            bytes.len()
        )
    );
    assert_eq!(
        reg.resolve("m/stdin", &digest).as_deref(),
        Some(digest.as_str())
    );

    // --media-type wins over the file; a wrong digest in the reference is refused.
    let out = run(&[
        "manifest",
        "push",
        "--pretty",
        "--descriptor",
        "--media-type",
        OCI_MANIFEST,
        &reg.reference("m/push:v4"),
        file.to_str().unwrap(),
    ]);
    assert!(assert_success(&out).starts_with("{\n  \"mediaType\""));
    let wrong = reg.reference(&format!("m/push@{}", sha256_digest(b"x")));
    let err = assert_clean_failure(&run(&["manifest", "push", &wrong, file.to_str().unwrap()]));
    assert!(err.contains("the digest of the manifest is"), "{err}");
}

#[test]
fn push_refuses_missing_media_type_and_non_json() {
    let reg = Registry::start();
    let dir = workdir();
    let no_type = write_file(dir.path(), "nt.json", r#"{"schemaVersion":2}"#);
    let err = assert_clean_failure(&run(&[
        "manifest",
        "push",
        &reg.reference("m/x:v1"),
        no_type.to_str().unwrap(),
    ]));
    assert!(
        err.contains("media type is not specified via the flag \"--media-type\" nor in"),
        "{err}"
    );
    assert!(err.contains("Please specify a valid media type"), "{err}");
    let bad = write_file(dir.path(), "bad.json", "not json");
    let err = assert_clean_failure(&run(&[
        "manifest",
        "push",
        &reg.reference("m/x:v1"),
        bad.to_str().unwrap(),
    ]));
    assert!(err.contains("not a valid json file"), "{err}");
    assert!(reg.tags("m/x").is_empty());
}

#[test]
fn delete_prompts_cancels_forces_and_reports_missing() {
    let reg = Registry::start();
    let (digest, _) = push_image(&reg, "m/del", "v1", b"{}");
    let r = reg.reference("m/del:v1");

    // Declined: nothing deleted, exit 0.
    let out = oras()
        .args(["manifest", "delete", &r])
        .write_stdin("n\n")
        .output()
        .unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            "Are you sure you want to delete the manifest \"{digest}\" and all tags associated with it? [y/N] Operation cancelled.\n"
        )
    );
    assert!(reg.resolve("m/del", &digest).is_some());

    // --descriptor needs --force.
    let err = assert_clean_failure(&run(&["manifest", "delete", "--descriptor", &r]));
    assert!(
        err.contains("must apply --force to confirm the deletion if the descriptor is outputted")
    );

    // Confirmed with "y".
    let out = oras()
        .args(["manifest", "delete", &r])
        .write_stdin("y\n")
        .output()
        .unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            "Are you sure you want to delete the manifest \"{digest}\" and all tags associated with it? [y/N] Deleted [registry] {r}\n"
        )
    );
    assert_eq!(reg.resolve("m/del", &digest), None);
    assert_eq!(reg.resolve("m/del", "v1"), None);

    // Missing: --force says Missing (exit 0); without it an error.
    assert_eq!(
        assert_success(&run(&["manifest", "delete", "-f", &r])),
        format!("Missing {r}\n")
    );
    let err = assert_clean_failure(&run(&["manifest", "delete", &r]));
    assert!(
        err.contains(&format!("{r}: the specified manifest does not exist")),
        "{err}"
    );

    // --force --descriptor by digest.
    let (d2, b2) = push_image(&reg, "m/del", "v2", b"{\"a\":1}");
    let by_digest = reg.reference(&format!("m/del@{d2}"));
    let out = run(&["manifest", "rm", "--force", "--descriptor", &by_digest]);
    assert_eq!(
        assert_success(&out),
        format!(
            r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{d2}","size":{}}}"#,
            b2.len()
        )
    );
    assert_eq!(reg.resolve("m/del", &d2), None);
}

#[test]
fn deleting_a_referrer_updates_the_tag_schema_index() {
    let reg = Registry::start();
    let (subject, subject_bytes) = push_image(&reg, "m/ref", "v1", b"{}");
    let dir = workdir();
    write_file(dir.path(), "a.txt", "a");
    write_file(dir.path(), "b.txt", "b");
    let mut referrers = Vec::new();
    for (file, ty) in [
        ("a.txt", "application/vnd.a"),
        ("b.txt", "application/vnd.b"),
    ] {
        let out = oras()
            .current_dir(dir.path())
            .args([
                "attach",
                "--artifact-type",
                ty,
                &reg.reference("m/ref:v1"),
                file,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let doc: Value = serde_json::from_str(&assert_success(&out)).unwrap();
        referrers.push(doc["digest"].as_str().unwrap().to_string());
    }
    let tag = subject.replace(':', "-");
    let listed = |reg: &Registry| -> Vec<String> {
        reg.manifest_json("m/ref", &tag)["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["digest"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed(&reg), referrers);
    let out = run(&[
        "manifest",
        "delete",
        "-f",
        &reg.reference(&format!("m/ref@{}", referrers[0])),
    ]);
    assert_success(&out);
    assert_eq!(listed(&reg), [referrers[1].clone()]);
    // The last referrer gone: the index and its tag are gone too.
    let out = run(&[
        "manifest",
        "delete",
        "-f",
        &reg.reference(&format!("m/ref@{}", referrers[1])),
    ]);
    assert_success(&out);
    assert_eq!(reg.resolve("m/ref", &tag), None);
    assert_eq!(reg.tags("m/ref"), ["v1"]);
    assert_eq!(reg.get_manifest("m/ref", "v1").2, subject_bytes);
}

#[test]
fn layout_fetch_push_delete() {
    let dir = workdir();
    let layout = dir.path().join("lay");
    let src = workdir();
    write_file(src.path(), "f.txt", "hello");
    let out = oras()
        .current_dir(src.path())
        .args([
            "push",
            "--oci-layout",
            &format!("{}:v1", layout.display()),
            "f.txt",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(&assert_success(&out)).unwrap();
    let digest = doc["digest"].as_str().unwrap().to_string();
    let l = |r: &str| format!("{}{r}", layout.display());

    let bytes = std::fs::read(layout.join("blobs/sha256").join(&digest[7..])).unwrap();
    let out = run(&["manifest", "fetch", "--oci-layout", &l(":v1")]);
    assert_eq!(assert_success(&out).as_bytes(), &bytes[..]);
    let err = assert_clean_failure(&run(&[
        "manifest",
        "fetch",
        "--oci-layout",
        "--media-type",
        OCI_MANIFEST,
        &l(":v1"),
    ]));
    assert!(
        err.contains("`--media-type` cannot be used with `--oci-layout` at the same time"),
        "{err}"
    );

    // Push the same bytes under another tag from stdin.
    let out = oras()
        .args(["manifest", "push", "--oci-layout", &l(":v2"), "-"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            "Uploading {s} {OCI_MANIFEST}\nUploaded  {s} {OCI_MANIFEST}\nPushed: [oci-layout] {}\nDigest: {digest}\n",
            l(":v2"),
            s = short(&digest)
        )
    );
    let out = run(&["repo", "tags", "--oci-layout", &l("")]);
    assert_eq!(assert_success(&out), "v1\nv2\n");

    let out = run(&["manifest", "delete", "--oci-layout", "-f", &l(":v1")]);
    assert_eq!(
        assert_success(&out),
        format!("Deleted [oci-layout] {}\n", l(":v1"))
    );
    assert_eq!(
        assert_success(&run(&["repo", "tags", "--oci-layout", &l("")])),
        ""
    );
    assert!(!layout.join("blobs/sha256").join(&digest[7..]).exists());
}

#[test]
fn deleting_a_referrer_on_a_referrers_api_registry_writes_no_tag_schema_index() {
    let reg = common::ferro::ApiRegistry::start();
    let dir = workdir();
    write_file(dir.path(), "s.txt", "subject");
    write_file(dir.path(), "a.txt", "a");
    let push = oras()
        .current_dir(dir.path())
        .args([
            "push",
            &reg.reference("api/r:v1"),
            "s.txt",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let subject: Value = serde_json::from_str(&assert_success(&push)).unwrap();
    let subject = subject["digest"].as_str().unwrap().to_string();
    let out = oras()
        .current_dir(dir.path())
        .args([
            "attach",
            "--artifact-type",
            "application/vnd.a",
            &reg.reference("api/r:v1"),
            "a.txt",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let referrer: Value = serde_json::from_str(&assert_success(&out)).unwrap();
    let referrer = referrer["digest"].as_str().unwrap().to_string();
    let out = run(&[
        "manifest",
        "delete",
        "-f",
        &reg.reference(&format!("api/r@{referrer}")),
    ]);
    assert_success(&out);
    let (status, _, _) = reg.get(&format!("/v2/api/r/manifests/{referrer}"));
    assert_eq!(status, 404);
    let (status, _, _) = reg.get(&format!(
        "/v2/api/r/manifests/{}",
        subject.replace(':', "-")
    ));
    assert_eq!(
        status, 404,
        "no tag-schema index on a registry with the Referrers API"
    );
    let (status, _, body) = reg.get(&format!("/v2/api/r/referrers/{subject}"));
    assert_eq!(status, 200);
    let index: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(index["manifests"], json!([]));
}

#[test]
fn fetch_media_type_is_sent_as_the_accept_list() {
    use common::auth::HostileServer;
    let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
    let digest = common::sha256_digest(index);
    let server = HostileServer::start_on("127.0.0.1", move |_, _| {
        (
            200,
            vec![
                (
                    "Content-Type".into(),
                    "application/vnd.oci.image.index.v1+json".into(),
                ),
                ("Docker-Content-Digest".into(), digest.clone()),
            ],
            index.to_vec(),
        )
    });
    let reference = format!("127.0.0.1:{}/app/multi:v1", server.port());
    let out = oras()
        .args(["manifest", "fetch", &reference])
        .args(["--media-type", "application/vnd.oci.image.index.v1+json"])
        .args([
            "--media-type",
            "application/vnd.docker.distribution.manifest.list.v2+json",
        ])
        .output()
        .unwrap();
    assert_eq!(common::assert_success(&out).as_bytes(), index);
    let seen = server.seen();
    let get = seen.iter().find(|r| r.method == "GET").expect("a GET");
    assert_eq!(
        get.header("accept"),
        "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json"
    );
}
