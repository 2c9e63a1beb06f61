//! `oras blob fetch|push|delete` against a real Distribution registry and an OCI layout
//! (oras-cli.md §1.2, §5.3 "blob").

use crate::common;

use common::{
    Registry, assert_clean_failure, assert_success, oras, run, sha256_digest, short, workdir,
    write_file,
};

const LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

#[test]
fn push_file_then_exists_then_descriptor() {
    let reg = Registry::start();
    let dir = workdir();
    let file = write_file(dir.path(), "blob.bin", "some blob content");
    let digest = sha256_digest(b"some blob content");
    let f = file.to_str().unwrap();
    let out = run(&["blob", "push", &reg.reference("b/push"), f]);
    assert_eq!(
        assert_success(&out),
        format!(
            "Uploading {s} {LAYER}\nUploaded  {s} {LAYER}\nPushed: [registry] {}@{digest}\nDigest: {digest}\n",
            reg.reference("b/push"),
            s = short(&digest)
        )
    );
    let (status, _, body) = reg.get(&format!("/v2/b/push/blobs/{digest}"));
    assert_eq!((status, body), (200, b"some blob content".to_vec()));

    // Again, by digest: Exists.
    let r = reg.reference(&format!("b/push@{digest}"));
    let out = run(&["blob", "push", &r, f]);
    assert_eq!(
        assert_success(&out),
        format!(
            "Exists    {} {LAYER}\nPushed: [registry] {r}\nDigest: {digest}\n",
            short(&digest)
        )
    );

    // --descriptor with --media-type: the exact descriptor only.
    let out = run(&[
        "blob",
        "push",
        "--descriptor",
        "--media-type",
        "application/vnd.test",
        &reg.reference("b/other"),
        f,
    ]);
    assert_eq!(
        assert_success(&out),
        format!(r#"{{"mediaType":"application/vnd.test","digest":"{digest}","size":17}}"#)
    );
}

#[test]
fn push_from_stdin_needs_size_and_digest_and_verifies() {
    let reg = Registry::start();
    let data = b"from stdin";
    let digest = sha256_digest(data);
    let r = reg.reference(&format!("b/stdin@{digest}"));
    let out = oras()
        .args(["blob", "push", "--size", "10", &r, "-"])
        .write_stdin(data.to_vec())
        .output()
        .unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            "Uploading {s} {LAYER}\nUploaded  {s} {LAYER}\nPushed: [registry] {r}\nDigest: {digest}\n",
            s = short(&digest)
        )
    );
    assert_eq!(reg.get(&format!("/v2/b/stdin/blobs/{digest}")).2, data);

    let err = assert_clean_failure(
        &oras()
            .args(["blob", "push", &r, "-"])
            .write_stdin(data.to_vec())
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("`--size` must be provided if the blob is read from stdin"),
        "{err}"
    );
    let err = assert_clean_failure(
        &oras()
            .args([
                "blob",
                "push",
                "--size",
                "10",
                &reg.reference("b/stdin"),
                "-",
            ])
            .write_stdin(data.to_vec())
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("content digest must be provided if it is read from stdin"),
        "{err}"
    );

    // Wrong content for the digest: refused, nothing stored.
    let other = reg.reference(&format!("b/wrong@{}", sha256_digest(b"something else")));
    let err = assert_clean_failure(
        &oras()
            .args(["blob", "push", "--size", "10", &other, "-"])
            .write_stdin(data.to_vec())
            .output()
            .unwrap(),
    );
    assert!(err.contains("digest") || err.contains("mismatch"), "{err}");
    assert_eq!(
        reg.get(&format!(
            "/v2/b/wrong/blobs/{}",
            sha256_digest(b"something else")
        ))
        .0,
        404
    );

    // File with a wrong --size.
    let dir = workdir();
    let f = write_file(dir.path(), "x", "abc");
    let err = assert_clean_failure(&run(&[
        "blob",
        "push",
        "--size",
        "4",
        &reg.reference("b/s"),
        f.to_str().unwrap(),
    ]));
    assert!(
        err.contains("input size 4 does not match the actual content size 3"),
        "{err}"
    );
}

#[test]
fn fetch_to_stdout_file_and_descriptor() {
    let reg = Registry::start();
    let digest = reg.push_blob("b/fetch", b"fetch me");
    let r = reg.reference(&format!("b/fetch@{digest}"));
    for verb in ["fetch", "get"] {
        assert_eq!(
            assert_success(&run(&["blob", verb, "-o", "-", &r])),
            "fetch me"
        );
    }
    let dir = workdir();
    let file = dir.path().join("out.bin");
    let out = run(&[
        "blob",
        "fetch",
        "--descriptor",
        "-o",
        file.to_str().unwrap(),
        &r,
    ]);
    let desc =
        format!(r#"{{"mediaType":"application/octet-stream","digest":"{digest}","size":8}}"#);
    assert_eq!(assert_success(&out), desc);
    assert_eq!(std::fs::read(&file).unwrap(), b"fetch me");
    assert_eq!(
        assert_success(&run(&["blob", "fetch", "--descriptor", &r])),
        desc
    );
    let pretty = assert_success(&run(&["blob", "fetch", "--descriptor", "--pretty", &r]));
    assert!(
        pretty.starts_with("{\n  \"mediaType\": \"application/octet-stream\",\n"),
        "{pretty}"
    );

    let err = assert_clean_failure(&run(&["blob", "fetch", &r]));
    assert!(
        err.contains("either `--output` or `--descriptor` must be provided"),
        "{err}"
    );
    let err = assert_clean_failure(&run(&["blob", "fetch", "-o", "-", "--descriptor", &r]));
    assert!(
        err.contains("--descriptor cannot be used with --output -"),
        "{err}"
    );
    let err = assert_clean_failure(&run(&[
        "blob",
        "fetch",
        "-o",
        "-",
        &reg.reference("b/fetch:v1"),
    ]));
    assert!(err.contains("no digest specified"), "{err}");
    let missing = reg.reference(&format!("b/fetch@{}", sha256_digest(b"nope")));
    let err = assert_clean_failure(&run(&["blob", "fetch", "-o", "-", &missing]));
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn delete_prompt_force_descriptor_missing() {
    let reg = Registry::start();
    let digest = reg.push_blob("b/del", b"delete me");
    let r = reg.reference(&format!("b/del@{digest}"));
    let out = oras()
        .args(["blob", "delete", &r])
        .write_stdin("no\n")
        .output()
        .unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            "Are you sure you want to delete the blob \"{digest}\"? [y/N] Operation cancelled.\n"
        )
    );
    assert_eq!(reg.head(&format!("/v2/b/del/blobs/{digest}")).0, 200);
    let err = assert_clean_failure(&run(&["blob", "delete", "--descriptor", &r]));
    assert!(err.contains("must apply --force"), "{err}");
    let out = oras()
        .args(["blob", "delete", &r])
        .write_stdin("YES\n")
        .output()
        .unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            "Are you sure you want to delete the blob \"{digest}\"? [y/N] Deleted [registry] {r}\n"
        )
    );
    assert_eq!(reg.head(&format!("/v2/b/del/blobs/{digest}")).0, 404);
    assert_eq!(
        assert_success(&run(&["blob", "rm", "-f", &r])),
        format!("Missing {r}\n")
    );
    let err = assert_clean_failure(&run(&["blob", "delete", &r]));
    assert!(
        err.contains(&format!("{r}: the specified blob does not exist")),
        "{err}"
    );

    let d2 = reg.push_blob("b/del", b"second");
    let r2 = reg.reference(&format!("b/del@{d2}"));
    let out = run(&["blob", "remove", "--force", "--descriptor", &r2]);
    assert_eq!(
        assert_success(&out),
        format!(r#"{{"mediaType":"application/octet-stream","digest":"{d2}","size":6}}"#)
    );
    assert_eq!(reg.head(&format!("/v2/b/del/blobs/{d2}")).0, 404);
}

#[test]
fn layout_push_fetch_delete() {
    let dir = workdir();
    let layout = dir.path().join("lay");
    let file = write_file(dir.path(), "f", "layout blob");
    let digest = sha256_digest(b"layout blob");
    let l = format!("{}@{digest}", layout.display());
    let out = run(&["blob", "push", "--oci-layout", &l, file.to_str().unwrap()]);
    assert_eq!(
        assert_success(&out),
        format!(
            "Uploading {s} {LAYER}\nUploaded  {s} {LAYER}\nPushed: [oci-layout] {l}\nDigest: {digest}\n",
            s = short(&digest)
        )
    );
    assert_eq!(
        std::fs::read(layout.join("blobs/sha256").join(&digest[7..])).unwrap(),
        b"layout blob"
    );
    assert_eq!(
        assert_success(&run(&["blob", "fetch", "--oci-layout", "-o", "-", &l])),
        "layout blob"
    );
    assert_eq!(
        assert_success(&run(&["blob", "delete", "--oci-layout", "-f", &l])),
        format!("Deleted [oci-layout] {l}\n")
    );
    assert!(!layout.join("blobs/sha256").join(&digest[7..]).exists());
    assert_eq!(
        assert_success(&run(&["blob", "delete", "--oci-layout", "-f", &l])),
        format!("Missing {l}\n")
    );
}

#[test]
fn fetch_verifies_the_content_and_leaves_no_file_on_mismatch() {
    let reg = Registry::start();
    let digest = reg.push_blob("b/bad", b"original content");
    // Same length, different bytes: only the digest check can notice.
    std::fs::write(reg.blob_data_path(&digest), b"tampered content").unwrap();
    let r = reg.reference(&format!("b/bad@{digest}"));
    let dir = workdir();
    let file = dir.path().join("out.bin");
    let err = assert_clean_failure(&run(&["blob", "fetch", "-o", file.to_str().unwrap(), &r]));
    assert!(err.contains("digest"), "{err}");
    assert!(!file.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temp file left"
    );
    let out = run(&["blob", "fetch", "-o", "-", &r]);
    assert_clean_failure(&out);
}
