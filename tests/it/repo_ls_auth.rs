//! `oras repo ls` against a registry that requires authentication (Distribution with htpasswd):
//! the catalog request carries the credential of `-u/-p` or of `oras login`, like every other
//! request. Without one it fails as every other command does against this registry (and as
//! oras-go does): the registry's Basic challenge finds no credential to answer it with.

use crate::common;
use common::auth::{PASSWORD, USER, start_htpasswd};
use common::{Registry, assert_clean_failure, assert_success, oras, workdir, write_file};

/// Pushes one small artifact to `demo/a` and `ns/b` with `-u/-p`; returns the registry address.
fn populate(reg: &Registry, dir: &std::path::Path) -> String {
    let host = reg.addr();
    write_file(dir, "hello.txt", "hello\n");
    for repo in ["demo/a", "ns/b"] {
        let out = oras()
            .current_dir(dir)
            .args(["push", &format!("{host}/{repo}:v1"), "hello.txt"])
            .args(["-u", USER, "-p", PASSWORD])
            .output()
            .unwrap();
        assert_success(&out);
    }
    host
}

fn assert_lists_both(stdout: &str) {
    let repos: Vec<&str> = stdout.lines().collect();
    assert_eq!(repos, ["demo/a", "ns/b"], "{stdout}");
}

#[test]
fn repo_ls_authenticates_with_flags() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let host = populate(&reg, work.path());
    let out = oras()
        .args(["repo", "ls", &host, "-u", USER, "-p", PASSWORD])
        .output()
        .unwrap();
    assert_lists_both(&assert_success(&out));
    // A namespace lists only what is under it, still authenticated.
    let out = oras()
        .args([
            "repo",
            "ls",
            &format!("{host}/ns"),
            "-u",
            USER,
            "-p",
            PASSWORD,
        ])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out), "b\n");
}

#[test]
fn repo_ls_uses_the_credential_of_oras_login() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let host = populate(&reg, work.path());

    // `--registry-config`.
    let config = work.path().join("auth.json");
    let cfg = config.to_str().unwrap();
    let out = oras()
        .args(["login", &host, "-u", USER, "--password-stdin"])
        .args(["--registry-config", cfg])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert!(assert_success(&out).contains("Login Succeeded"));
    let out = oras()
        .args(["repo", "ls", &host, "--registry-config", cfg])
        .output()
        .unwrap();
    assert_lists_both(&assert_success(&out));

    // The docker credential store named by DOCKER_CONFIG.
    let docker = work.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    let out = oras()
        .env("DOCKER_CONFIG", &docker)
        .args(["login", &host, "-u", USER, "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert!(assert_success(&out).contains("Login Succeeded"));
    assert!(docker.join("config.json").exists());
    let out = oras()
        .env("DOCKER_CONFIG", &docker)
        .args(["repo", "ls", &host])
        .output()
        .unwrap();
    assert_lists_both(&assert_success(&out));
}

#[test]
fn repo_ls_without_a_credential_fails_like_every_command() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let host = populate(&reg, work.path());
    let out = oras().args(["repo", "ls", &host]).output().unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(out.stdout.is_empty());
    // The same words as a pull without a credential.
    let pull = oras()
        .args(["pull", &format!("{host}/demo/a:v1"), "-o"])
        .arg(work.path().join("out"))
        .output()
        .unwrap();
    let pull_stderr = assert_clean_failure(&pull);
    assert!(stderr.contains("basic credential not found"), "{stderr}");
    assert!(
        pull_stderr.contains("basic credential not found"),
        "{pull_stderr}"
    );
    // A wrong password is the registry's own refusal.
    let out = oras()
        .args(["repo", "ls", &host, "-u", USER, "--password-stdin"])
        .write_stdin("not-the-password\n")
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.starts_with("Error response from registry: unauthorized"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-password"));
}
