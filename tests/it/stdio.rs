//! Beyond oras: `pull -o -` streams a single-layer artifact to stdout, `push` reads `-` from
//! stdin (oras-rs issue 7; oras #346, #1200).

use crate::common;

use common::{
    Registry, TITLE, assert_clean_failure, assert_success, oras, sha256_digest, short, workdir,
    write_file,
};

#[test]
fn push_from_stdin_then_pull_to_stdout() {
    let reg = Registry::start();
    let r = reg.reference("s/one:v1");
    let data = "streamed through stdin\n";
    let out = oras()
        .args(["push", &r, "-:text/plain"])
        .write_stdin(data)
        .output()
        .unwrap();
    let stdout = assert_success(&out);
    let digest = sha256_digest(data.as_bytes());
    assert!(
        stdout.contains(&format!("Uploaded  {} <stdin>\n", short(&digest))),
        "{stdout}"
    );
    let manifest = reg.manifest_json("s/one", "v1");
    assert_eq!(manifest["layers"][0]["digest"], digest);
    assert_eq!(manifest["layers"][0]["mediaType"], "text/plain");
    assert_eq!(manifest["layers"][0]["annotations"][TITLE], "<stdin>");

    let out = oras().args(["pull", "-o", "-", &r]).output().unwrap();
    assert_eq!(assert_success(&out), data);
}

#[test]
fn stdin_title_comes_from_the_annotation_file() {
    let reg = Registry::start();
    let dir = workdir();
    write_file(
        dir.path(),
        "ann.json",
        r#"{"-":{"org.opencontainers.image.title":"named.txt"}}"#,
    );
    let out = oras()
        .current_dir(dir.path())
        .args([
            "push",
            "--annotation-file",
            "ann.json",
            &reg.reference("s/named:v1"),
            "-",
        ])
        .write_stdin("x")
        .output()
        .unwrap();
    assert_success(&out);
    let manifest = reg.manifest_json("s/named", "v1");
    assert_eq!(manifest["layers"][0]["annotations"][TITLE], "named.txt");
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar"
    );
    // Pulled into a directory it is a normal file.
    let out_dir = workdir();
    let out = oras()
        .current_dir(out_dir.path())
        .args(["pull", &reg.reference("s/named:v1")])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        std::fs::read_to_string(out_dir.path().join("named.txt")).unwrap(),
        "x"
    );
}

#[test]
fn pull_to_stdout_refuses_several_layers_and_json() {
    let reg = Registry::start();
    let dir = workdir();
    write_file(dir.path(), "a", "a");
    write_file(dir.path(), "b", "b");
    let r = reg.reference("s/two:v1");
    let out = oras()
        .current_dir(dir.path())
        .args(["push", &r, "a", "b"])
        .output()
        .unwrap();
    assert_success(&out);
    let out = oras().args(["pull", "-o", "-", &r]).output().unwrap();
    let err = assert_clean_failure(&out);
    assert!(
        err.contains("the artifact has 2 layers, `-o -` needs exactly one"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // --media-type narrows to one layer... both are the same type here, so still refused;
    // a JSON document and raw bytes cannot share stdout.
    let err = assert_clean_failure(
        &oras()
            .args(["pull", "-o", "-", "--format", "json", &r])
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("--output - cannot be used with --format json"),
        "{err}"
    );
    let err = assert_clean_failure(
        &oras()
            .current_dir(dir.path())
            .args(["push", &reg.reference("s/x:v1"), "-", "-"])
            .write_stdin("z")
            .output()
            .unwrap(),
    );
    assert!(err.contains("stdin (`-`) can be given only once"), "{err}");
}

#[test]
fn a_stdin_file_and_a_stdin_secret_cannot_both_be_used() {
    // Nothing listens on this registry: the refusal must come before any request.
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "push",
                "localhost:9/a/b:v1",
                "-",
                "--password-stdin",
                "-u",
                "u",
            ],
            "--password-stdin",
        ),
        (
            &[
                "push",
                "localhost:9/a/b:v1",
                "-:text/plain",
                "--identity-token-stdin",
            ],
            "--identity-token-stdin",
        ),
        (
            &[
                "blob",
                "push",
                "localhost:9/a/b@sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                "-",
                "--size",
                "2",
                "--password-stdin",
                "-u",
                "u",
            ],
            "--password-stdin",
        ),
        (
            &[
                "manifest",
                "push",
                "localhost:9/a/b:v1",
                "-",
                "--identity-token-stdin",
            ],
            "--identity-token-stdin",
        ),
    ];
    for (args, flag) in cases {
        let out = oras().args(args).write_stdin("{}").output().unwrap();
        let stderr = assert_clean_failure(&out);
        assert!(
            stderr.contains(&format!("`-` read file from input and `{flag}`")),
            "{args:?}: {stderr}"
        );
    }
}
