//! Scripts written for oras 0.x (the oras blog's era; 0.12 still has `pull -t`) keep working:
//! its flag names are accepted as aliases, and its `--config` (then the credentials file) is
//! never uploaded as a manifest config or overwritten by a pull (issue 12, "oras 0.x scripts").

use crate::common;
use common::auth::{PASSWORD, USER, start_htpasswd};
use common::{Registry, assert_clean_failure, assert_success, oras_in, workdir, write_file};

const CREDENTIALS: &str = r#"{"auths":{"localhost:5000":{"auth":"dTpw"}},"credsStore":"desktop"}"#;

#[test]
fn push_and_pull_take_the_0x_flag_names() {
    let registry = Registry::start();
    let reference = registry.reference("oras0x/names:v1");
    let work = workdir();
    write_file(work.path(), "hi.txt", "hi\n");
    write_file(work.path(), "cfg.json", r#"{"kind":"0.x"}"#);
    write_file(work.path(), "ann.json", r#"{"$manifest":{"team":"blog"}}"#);
    let out = oras_in(work.path())
        .args(["push", &reference, "hi.txt"])
        .args([
            "--manifest-config",
            "cfg.json:application/vnd.example.config",
        ])
        .args(["--manifest-annotations", "ann.json"])
        .output()
        .unwrap();
    assert_success(&out);
    let manifest = registry.manifest_json("oras0x/names", "v1");
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.example.config"
    );
    assert_eq!(manifest["annotations"]["team"], "blog");

    let out = oras_in(work.path())
        .args([
            "pull",
            &reference,
            "-o",
            "out",
            "--manifest-config",
            "got.json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let config = std::fs::read_to_string(work.path().join("out/got.json")).unwrap();
    assert_eq!(config, r#"{"kind":"0.x"}"#);
    assert_eq!(
        std::fs::read_to_string(work.path().join("out/hi.txt")).unwrap(),
        "hi\n"
    );
}

#[test]
fn dash_c_names_the_registry_config_and_login_dash_k_is_insecure() {
    // TLS with the test CA, which this oras does not trust: only -k gets the login through.
    let registry = start_htpasswd(true);
    let host = registry.localhost();
    let work = workdir();
    let login = |extra: &[&str]| {
        oras_in(work.path())
            .args([
                "login",
                &host,
                "-u",
                USER,
                "--password-stdin",
                "-c",
                "auth.json",
            ])
            .args(["--plain-http=false"])
            .args(extra)
            .write_stdin(format!("{PASSWORD}\n"))
            .output()
            .unwrap()
    };
    assert_clean_failure(&login(&[]));
    assert!(assert_success(&login(&["-k"])).contains("Login Succeeded"));
    let saved = std::fs::read_to_string(work.path().join("auth.json")).unwrap();
    assert!(
        saved.contains(&host),
        "-c is where the credential went: {saved}"
    );

    // The saved credential is read back through -c (and only through it: not from docker's file).
    write_file(work.path(), "hi.txt", "hi\n");
    let push = |extra: &[&str]| {
        oras_in(work.path())
            .args([
                "push",
                &format!("{host}/oras0x/auth:v1"),
                "hi.txt",
                "--insecure",
            ])
            .args(["--plain-http=false"])
            .args(extra)
            .output()
            .unwrap()
    };
    assert_clean_failure(&push(&[]));
    assert_success(&push(&["-c", "auth.json"]));
}

#[test]
fn a_docker_credentials_file_is_never_a_manifest_config() {
    let registry = Registry::start();
    let reference = registry.reference("oras0x/config:v1");
    let work = workdir();
    write_file(work.path(), "hi.txt", "hi\n");
    write_file(work.path(), "config.json", CREDENTIALS);

    // oras 0.12: `push … --config ~/.docker/config.json` meant the credentials file.
    let out = oras_in(work.path())
        .args(["push", &reference, "hi.txt", "--config", "config.json"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("docker credentials file"), "{stderr}");
    assert!(stderr.contains("--registry-config"), "{stderr}");
    assert_eq!(registry.resolve("oras0x/config", "v1"), None);
    let uploads = registry
        .requests()
        .into_iter()
        .filter(|(m, _, _)| m == "POST")
        .count();
    assert_eq!(
        uploads,
        0,
        "nothing was uploaded: {:?}",
        registry.requests()
    );

    // A pull whose --config names a credentials file in the output directory leaves it alone.
    std::fs::remove_file(work.path().join("config.json")).unwrap();
    let out = oras_in(work.path())
        .args(["push", &reference, "hi.txt"])
        .output()
        .unwrap();
    assert_success(&out);
    let creds = write_file(work.path(), "out/config.json", CREDENTIALS);
    let out = oras_in(work.path())
        .args(["pull", &reference, "-o", "out", "--config", "config.json"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("--registry-config"), "{stderr}");
    assert_eq!(std::fs::read_to_string(creds).unwrap(), CREDENTIALS);
}
