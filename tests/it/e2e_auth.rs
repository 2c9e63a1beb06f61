//! oras v1.3's e2e scenarios of authentication (`test/e2e/suite/auth/auth.go`) and `oras login`,
//! re-expressed against Distribution with htpasswd auth; one test per `It`, named after it.

use std::path::Path;

use crate::common::auth::{PASSWORD, USER, start_htpasswd};
use crate::common::{Registry, oras, workdir, write_file};
use crate::e2e_status::match_keywords;

const BLOB: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// The commands oras's auth spec runs, against `host`, with `blob` a file to push.
fn commands(host: &str, blob: &Path) -> Vec<Vec<String>> {
    let (tag, repo) = (format!("{host}/repo:tag"), format!("{host}/repo"));
    let (digest, blob) = (format!("{host}/repo@{BLOB}"), blob.display().to_string());
    let cmds: Vec<Vec<&str>> = vec![
        vec![
            "attach",
            &tag,
            "-a",
            "test=true",
            "--artifact-type",
            "doc/example",
        ],
        vec!["discover", &tag],
        vec!["push", "-a", "key=value", &tag],
        vec!["pull", &tag],
        vec!["manifest", "fetch", &tag],
        vec!["blob", "delete", &digest],
        vec!["blob", "push", &repo, &blob],
        vec!["tag", &tag, "tag1"],
        vec!["resolve", &tag],
        vec!["repo", "ls", host],
        vec!["repo", "tags", &repo],
        vec!["manifest", "fetch-config", &tag],
    ];
    cmds.into_iter()
        .map(|c| c.into_iter().map(String::from).collect())
        .collect()
}

/// Runs `args`, expecting exit code 1; returns stderr.
fn failing(args: &[String], dir: &Path) -> String {
    let out = oras().current_dir(dir).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn should_run_commands_without_logging_in() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let config = work.path().join("auth.config").display().to_string();
    let blob = write_file(work.path(), "blob", "test");
    let mut all = commands(&reg.addr(), &blob);
    for cmd in &mut all {
        cmd.extend(["--registry-config".to_string(), config.clone()]);
    }
    let (from, to) = (
        format!("{}/repo:from", reg.addr()),
        format!("{}/repo:to", reg.addr()),
    );
    all.push(
        [
            "copy",
            &from,
            &to,
            "--from-registry-config",
            &config,
            "--to-registry-config",
            &config,
        ]
        .map(String::from)
        .to_vec(),
    );
    for cmd in all {
        match_keywords(
            &failing(&cmd, work.path()),
            &["Error:", "basic credential not found"],
        );
    }
}

#[test]
fn should_fail_with_registry_error_when_credential_is_invalid() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let blob = write_file(work.path(), "blob", "test");
    for mut cmd in commands(&reg.addr(), &blob) {
        cmd.extend(["-u", USER, "-p", &format!("{PASSWORD}1")].map(String::from));
        match_keywords(
            &failing(&cmd, work.path()),
            &["Error response from registry: "],
        );
    }
}

#[test]
fn should_fail_with_registry_error_when_credential_for_basic_auth_not_found_in_the_config_file() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let blob = write_file(work.path(), "blob", "test");
    write_file(work.path(), "empty.config.json", "{}");
    for mut cmd in commands(&reg.addr(), &blob) {
        cmd.extend(["--registry-config", "empty.config.json"].map(String::from));
        let hint = r#"Please check whether the registry credential stored in the authentication file at "empty.config.json" is correct"#;
        match_keywords(&failing(&cmd, work.path()), &["Error: ", hint]);
    }
}

fn login(reg: &Registry, input: &str) -> std::process::Output {
    let work = workdir();
    let config = work.path().join("test.config");
    oras()
        .args(["login", &reg.addr(), "--registry-config"])
        .arg(&config)
        .write_stdin(input)
        .output()
        .unwrap()
}

#[test]
fn should_succeed_to_use_basic_auth() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let out = oras()
        .args([
            "login",
            &reg.addr(),
            "-u",
            USER,
            "-p",
            PASSWORD,
            "--registry-config",
        ])
        .arg(work.path().join("test.config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Login Succeeded\n");
    match_keywords(
        &String::from_utf8_lossy(&out.stderr),
        &[
            "WARNING",
            "Using --password via the CLI is insecure",
            "Use --password-stdin",
        ],
    );
}

#[test]
fn login_should_show_detailed_error_description_if_no_argument_provided() {
    let out = oras().arg("login").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\nUsage: oras login") && err.contains("Run \"oras login -h\""),
        "{err}"
    );
}

fn all_output(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn should_fail_if_no_username_input() {
    let reg = start_htpasswd(false);
    let out = login(&reg, "");
    assert_eq!(out.status.code(), Some(1));
    match_keywords(&all_output(&out), &["username:"]);
}

#[test]
fn should_fail_if_no_password_input() {
    let reg = start_htpasswd(false);
    let out = login(&reg, &format!("{USER}\n"));
    assert_eq!(out.status.code(), Some(1));
    match_keywords(&all_output(&out), &["Username: ", "Password: "]);
}

#[test]
fn should_fail_if_password_is_empty() {
    let reg = start_htpasswd(false);
    let out = login(&reg, &format!("{USER}\n\n"));
    assert_eq!(out.status.code(), Some(1));
    match_keywords(&all_output(&out), &["Username: ", "Password: "]);
    match_keywords(
        &String::from_utf8_lossy(&out.stderr),
        &["Error: password required"],
    );
}

#[test]
fn should_fail_if_password_is_wrong_with_registry_error_prefix() {
    let reg = start_htpasswd(false);
    let out = login(&reg, &format!("{USER}\n???\n"));
    assert_eq!(out.status.code(), Some(1));
    match_keywords(&all_output(&out), &["Username: ", "Password: "]);
    match_keywords(
        &String::from_utf8_lossy(&out.stderr),
        &["Error response from registry: "],
    );
}

#[test]
fn should_fail_if_no_token_input() {
    let reg = start_htpasswd(false);
    let out = login(&reg, "\n");
    assert_eq!(out.status.code(), Some(1));
    match_keywords(&all_output(&out), &["Username: ", "Token: "]);
}

#[test]
fn should_fail_if_token_is_empty() {
    let reg = start_htpasswd(false);
    let out = login(&reg, "\n\n");
    assert_eq!(out.status.code(), Some(1));
    match_keywords(&all_output(&out), &["Username: ", "Token: "]);
    match_keywords(
        &String::from_utf8_lossy(&out.stderr),
        &["Error: token required"],
    );
}

#[test]
fn should_succeed_to_use_prompted_input() {
    let reg = start_htpasswd(false);
    let out = login(&reg, &format!("{USER}\n{PASSWORD}\n"));
    assert!(out.status.success(), "{out:?}");
    match_keywords(
        &all_output(&out),
        &["Username: ", "Password: ", "Login Succeeded\n"],
    );
}
