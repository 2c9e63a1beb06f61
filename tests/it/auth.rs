//! Authentication, credentials and transport security (issue 3), against the real Distribution
//! with htpasswd (over TLS with the test CA) and token auth, and against a hostile server for
//! what a real registry will not do (redirects to other origins, foreign upload Locations and
//! realms).

use crate::common;

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::auth::{
    ForwardProxy, HostileServer, PASSWORD, REFRESH_TOKEN, TokenServer, TokenServerOptions, USER,
    login, start_htpasswd, start_token, write_ca, write_helper,
};
use common::{
    Registry, assert_clean_failure, assert_success, oras, sha256_digest, workdir, write_file,
};

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn basic_b64() -> String {
    STANDARD.encode(format!("{USER}:{PASSWORD}"))
}

/// Every secret of the test user, in every form it could leak.
fn secrets() -> Vec<String> {
    vec![PASSWORD.to_string(), basic_b64(), REFRESH_TOKEN.to_string()]
}

fn assert_no_secret(text: &str, extra: &[String]) {
    for s in secrets().iter().chain(extra) {
        assert!(!s.is_empty());
        assert!(
            !text.contains(s.as_str()),
            "secret {s:?} leaked in:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// htpasswd over TLS
// ---------------------------------------------------------------------------------------------

#[test]
fn login_push_pull_logout_against_htpasswd_over_tls() {
    let reg = start_htpasswd(true);
    let work = workdir();
    let ca = write_ca(work.path());
    let ca = ca.to_str().unwrap();
    let host = reg.localhost();
    let config = work.path().join("docker/config.json");
    fs::create_dir_all(config.parent().unwrap()).unwrap();
    fs::write(&config, r#"{"experimental":"enabled","auths":{}}"#).unwrap();
    let cfg = config.to_str().unwrap();

    let out = oras()
        .args([
            "login",
            &host,
            "-u",
            USER,
            "-p",
            PASSWORD,
            "--plain-http=false",
        ])
        .args(["--ca-file", ca, "--registry-config", cfg])
        .output()
        .unwrap();
    let stdout = assert_success(&out);
    assert!(stdout.contains("Login Succeeded"), "{stdout}");
    assert!(
        stderr_of(&out)
            .contains("WARNING! Using --password via the CLI is insecure. Use --password-stdin."),
        "{}",
        stderr_of(&out)
    );
    let doc = read_json(&config);
    assert_eq!(doc["auths"][&host]["auth"], basic_b64());
    assert_eq!(doc["experimental"], "enabled", "unknown keys are kept");
    #[cfg(unix)]
    assert_eq!(mode(&config), 0o600);

    let file = write_file(work.path(), "hello.txt", "hello over tls\n");
    let reference = format!("{host}/demo/auth:v1");
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "hello.txt", "--plain-http=false"])
        .args(["--ca-file", ca, "--registry-config", cfg])
        .output()
        .unwrap();
    assert_success(&out);
    let _ = file;

    let dest = work.path().join("out");
    let out = oras()
        .args([
            "pull",
            &reference,
            "-o",
            dest.to_str().unwrap(),
            "--plain-http=false",
        ])
        .args(["--ca-file", ca, "--registry-config", cfg])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        fs::read_to_string(dest.join("hello.txt")).unwrap(),
        "hello over tls\n"
    );

    let out = oras()
        .args(["logout", &host, "--registry-config", cfg])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out), "", "logout prints nothing");
    let doc = read_json(&config);
    assert!(doc["auths"].get(&host).is_none(), "{doc}");
    assert_eq!(doc["experimental"], "enabled");
    // Logging out again is not an error.
    let out = oras()
        .args(["logout", &host, "--registry-config", cfg])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out), "");

    // Logged out: the error names the config file consulted.
    let out = oras()
        .args([
            "pull",
            &reference,
            "-o",
            dest.to_str().unwrap(),
            "--plain-http=false",
        ])
        .args(["--ca-file", ca, "--registry-config", cfg])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("basic credential not found"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Please check whether the registry credential stored in the authentication file at \"{cfg}\" is correct"
        )),
        "{stderr}"
    );
}

#[test]
fn tls_registry_is_refused_without_the_ca() {
    let reg = start_htpasswd(true);
    let work = workdir();
    let out = oras()
        .args([
            "login",
            &reg.localhost(),
            "-u",
            USER,
            "--password-stdin",
            "--plain-http=false",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("--ca-file"), "{stderr}");
    // --insecure skips verification.
    let out = oras()
        .args([
            "login",
            &reg.localhost(),
            "-u",
            USER,
            "--password-stdin",
            "--plain-http=false",
        ])
        .args(["--insecure"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert!(assert_success(&out).contains("Login Succeeded"));
    let _ = work;
}

#[test]
fn client_certificate_is_presented_with_cert_and_key_files() {
    let pki = common::auth::client_pki();
    let reg = common::auth::start_auth(common::auth::AuthMode::ClientCert(&pki.ca_pem), true);
    let work = workdir();
    let ca = write_ca(work.path());
    let cert = write_file(work.path(), "client.crt", &pki.cert_pem);
    let key = write_file(work.path(), "client.key", &pki.key_pem);
    write_file(work.path(), "m.txt", "mtls\n");
    let reference = format!("{}/demo/mtls:v1", reg.localhost());
    let base = ["--plain-http=false", "--ca-file", ca.to_str().unwrap()];
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "m.txt"])
        .args(base)
        .output()
        .unwrap();
    assert_clean_failure(&out);
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "m.txt"])
        .args(base)
        .args([
            "--cert-file",
            cert.to_str().unwrap(),
            "--key-file",
            key.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(reg.blob_data_path(&sha256_digest(b"mtls\n")).exists());
    // A key file that is not a key is a clear error.
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "m.txt"])
        .args(base)
        .args([
            "--cert-file",
            cert.to_str().unwrap(),
            "--key-file",
            ca.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("invalid client certificate"), "{stderr}");
}

#[test]
fn wrong_password_is_the_registry_error_and_nothing_is_saved() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let config = work.path().join("config.json");
    let out = oras()
        .args(["login", &reg.addr(), "-u", USER, "--password-stdin"])
        .args(["--registry-config", config.to_str().unwrap()])
        .write_stdin("not-the-password\n")
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.starts_with("Error response from registry: unauthorized"),
        "{stderr}"
    );
    assert!(!config.exists(), "a rejected credential must not be saved");
    assert!(!stderr.contains("not-the-password"));
}

#[test]
fn login_prompts_for_username_and_password() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let config = work.path().join("config.json");
    let out = oras()
        .args([
            "login",
            &reg.addr(),
            "--registry-config",
            config.to_str().unwrap(),
        ])
        .write_stdin(format!("{USER}\n{PASSWORD}\n"))
        .output()
        .unwrap();
    let stdout = assert_success(&out);
    assert!(stdout.starts_with("Username: Password: "), "{stdout:?}");
    assert!(stdout.contains("Login Succeeded"));
    assert!(!stdout.contains(PASSWORD), "the password is not echoed");
    assert_eq!(
        read_json(&config)["auths"][&reg.addr()]["auth"],
        basic_b64()
    );
}

/// Runs `oras args…` on a pseudo-terminal (util-linux `script`), answering each prompt in
/// `answers` once it appears. Returns everything the terminal showed, and the exit code.
#[cfg(unix)]
fn on_terminal(args: &[&str], answers: &[(&str, &str)]) -> (String, Option<i32>) {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = quote(common::oras_bin().to_str().unwrap());
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut cmd = Command::new("script");
    common::clean_env(&mut cmd);
    let mut child = cmd
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script (util-linux)");
    let shown = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let shown = shown.clone();
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let mut stdin = child.stdin.take().unwrap();
    for (prompt, answer) in answers {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !String::from_utf8_lossy(&shown.lock().unwrap()).contains(prompt) {
            assert!(
                std::time::Instant::now() < deadline,
                "no {prompt:?} prompt: {}",
                String::from_utf8_lossy(&shown.lock().unwrap())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Let oras turn echo off after printing the prompt.
        std::thread::sleep(Duration::from_millis(500));
        stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
    let status = child.wait().unwrap();
    drop(stdin);
    reader.join().unwrap();
    let text = String::from_utf8_lossy(&shown.lock().unwrap()).to_string();
    (text, status.code())
}

/// Ctrl-C at the password prompt (the command blocks the main thread there) still stops oras
/// with 130, and nothing is saved.
#[cfg(unix)]
#[test]
fn ctrl_c_at_the_password_prompt_exits_130() {
    let work = workdir();
    let config = work.path().join("config.json");
    let started = std::time::Instant::now();
    let (shown, code) = on_terminal(
        &[
            "login",
            "127.0.0.1:9",
            "--registry-config",
            config.to_str().unwrap(),
        ],
        &[("Username: ", USER), ("Password: ", "\u{3}")],
    );
    assert_eq!(code, Some(130), "{shown}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert!(!config.exists(), "nothing is saved");
}

#[cfg(unix)]
#[test]
fn password_typed_on_a_terminal_is_not_echoed() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let config = work.path().join("config.json");
    let (shown, code) = on_terminal(
        &[
            "login",
            &reg.addr(),
            "--registry-config",
            config.to_str().unwrap(),
        ],
        &[("Username: ", USER), ("Password: ", PASSWORD)],
    );
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("Login Succeeded"), "{shown}");
    assert!(shown.contains(USER), "the username is echoed: {shown}");
    assert!(
        !shown.contains(PASSWORD),
        "the password is not echoed: {shown}"
    );
    assert_eq!(
        read_json(&config)["auths"][&reg.addr()]["auth"],
        basic_b64()
    );
}

#[test]
fn login_with_empty_username_asks_for_a_token() {
    let reg = start_htpasswd(false);
    let out = oras()
        .args(["login", &reg.addr()])
        .write_stdin("\n\n")
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stdout_of(&out).contains("Username: Token: "),
        "{}",
        stdout_of(&out)
    );
    assert!(stderr.contains("token required"), "{stderr}");
    let out = oras()
        .args(["login", &reg.addr(), "-u", USER])
        .write_stdin("\n")
        .output()
        .unwrap();
    assert!(assert_clean_failure(&out).contains("password required"));
}

#[test]
fn identity_token_against_a_basic_registry_fails() {
    let reg = start_htpasswd(false);
    let out = oras()
        .args(["login", &reg.addr(), "--identity-token-stdin"])
        .write_stdin("some-token\n")
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.contains("missing username or password for basic auth"),
        "{stderr}"
    );
}

#[test]
fn remote_flags_conflict_like_oras() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["-u", "a", "--identity-token", "t"],
            "--username, --identity-token cannot be used at the same time",
        ),
        (
            &["-p", "a", "--identity-token", "t"],
            "--password, --identity-token cannot be used at the same time",
        ),
        (
            &["--password-stdin", "--identity-token-stdin"],
            "--identity-token-stdin, --password-stdin cannot be used at the same time",
        ),
        (
            &["--cert-file", "c.pem"],
            "--cert-file must be used in conjunction with --key-file",
        ),
        (&["-H", ": x"], "invalid header"),
        (&["--resolve", "nonsense"], "invalid --resolve value"),
    ];
    for (flags, message) in cases {
        for command in [
            &["login", "127.0.0.1:1"][..],
            &["pull", "127.0.0.1:1/a:b"][..],
        ] {
            let out = oras().args(command).args(*flags).output().unwrap();
            let stderr = assert_clean_failure(&out);
            assert!(stderr.contains(message), "{command:?} {flags:?}: {stderr}");
        }
    }
}

#[test]
fn registry_config_falls_back_to_later_files_and_writes_the_first() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let first = work.path().join("first.json");
    let second = work.path().join("second.json");
    fs::write(
        &second,
        serde_json::json!({"auths": {format!("http://{}/", reg.addr()): {"auth": basic_b64()}}})
            .to_string(),
    )
    .unwrap();
    write_file(work.path(), "a.txt", "a");
    let reference = reg.reference("demo/fallback:v1");
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "a.txt"])
        .args(["--registry-config", first.to_str().unwrap()])
        .args(["--registry-config", second.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(!first.exists(), "reading does not create the first file");
    // Only the second file: the legacy key form works alone too.
    let out = oras()
        .args([
            "pull",
            &reference,
            "-o",
            work.path().join("o").to_str().unwrap(),
        ])
        .args(["--registry-config", second.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    // Login writes the first.
    let out = login(&reg)
        .args(["--registry-config", first.to_str().unwrap()])
        .args(["--registry-config", second.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(read_json(&first)["auths"][&reg.addr()]["auth"], basic_b64());
}

#[cfg(unix)]
#[test]
fn login_through_a_symlinked_config_updates_the_target() {
    let reg = start_htpasswd(false);
    let work = workdir();
    // DOCKER_CONFIG/config.json -> ../real/config.json (relative link)
    let docker = work.path().join("docker");
    let real = work.path().join("real");
    fs::create_dir_all(&docker).unwrap();
    fs::create_dir_all(&real).unwrap();
    fs::write(real.join("config.json"), r#"{"psFormat":"table"}"#).unwrap();
    std::os::unix::fs::symlink("../real/config.json", docker.join("config.json")).unwrap();
    let out = login(&reg).env("DOCKER_CONFIG", &docker).output().unwrap();
    assert_success(&out);
    let link = docker.join("config.json");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let doc = read_json(&real.join("config.json"));
    assert_eq!(doc["auths"][&reg.addr()]["auth"], basic_b64());
    assert_eq!(doc["psFormat"], "table");
    assert_eq!(mode(&real.join("config.json")), 0o600);
}

#[cfg(unix)]
#[test]
fn login_creates_a_private_config_directory() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let docker = work.path().join("new-docker-dir");
    let out = login(&reg).env("DOCKER_CONFIG", &docker).output().unwrap();
    assert_success(&out);
    assert_eq!(mode(&docker), 0o700);
    assert_eq!(mode(&docker.join("config.json")), 0o600);
}

// ---------------------------------------------------------------------------------------------
// Credential helpers
// ---------------------------------------------------------------------------------------------

/// A helper that keeps its one credential in `$dir/store.json` and logs its calls.
fn file_helper(dir: &Path) -> String {
    let store = dir.join("store.json");
    let log = dir.join("calls.log");
    write_helper(
        dir,
        "test",
        &format!(
            r#"store="{store}"
server=""
case "$1" in
  get) server=$(cat); echo "get $server" >> "{log}"
       if [ -f "$store" ]; then cat "$store"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store) cat > "$store"; echo "store" >> "{log}" ;;
  erase) server=$(cat); echo "erase $server" >> "{log}"; rm -f "$store" ;;
esac"#,
            store = store.display(),
            log = log.display()
        ),
    );
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn credential_helper_stores_gets_and_erases() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let bin = work.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let path = file_helper(&bin);
    let config = work.path().join("config.json");
    fs::write(
        &config,
        serde_json::json!({"credHelpers": {reg.addr(): "test", "other.example": "missing"}})
            .to_string(),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let out = login(&reg)
        .env("PATH", &path)
        .args(["--registry-config", cfg])
        .output()
        .unwrap();
    assert_success(&out);
    let stored = read_json(&bin.join("store.json"));
    assert_eq!(stored["Username"], USER);
    assert_eq!(stored["Secret"], PASSWORD);
    assert_eq!(stored["ServerURL"], reg.addr());
    assert!(
        !fs::read_to_string(&config).unwrap().contains(&basic_b64()),
        "the secret lives in the helper, not the file"
    );

    write_file(work.path(), "f.txt", "helper");
    let out = oras()
        .env("PATH", &path)
        .current_dir(work.path())
        .args([
            "push",
            &reg.reference("demo/helper:v1"),
            "f.txt",
            "--registry-config",
            cfg,
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let calls = fs::read_to_string(bin.join("calls.log")).unwrap();
    assert!(calls.contains(&format!("get {}", reg.addr())), "{calls}");

    let out = oras()
        .env("PATH", &path)
        .args(["logout", &reg.addr(), "--registry-config", cfg])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(!bin.join("store.json").exists());
}

#[test]
fn cred_helpers_match_the_exact_host_only() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let bin = work.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let path = file_helper(&bin);
    // A helper for "127.0.0.1" (no port) and one for a longer name: neither is our registry.
    let config = work.path().join("config.json");
    fs::write(
        &config,
        serde_json::json!({"credHelpers": {"127.0.0.1": "test", format!("{}.attacker.com", reg.addr()): "test"}})
            .to_string(),
    )
    .unwrap();
    let out = oras()
        .env("PATH", &path)
        .args([
            "pull",
            &reg.reference("demo/x:v1"),
            "--registry-config",
            config.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("basic credential not found"), "{stderr}");
    assert!(
        !bin.join("calls.log").exists(),
        "the helper must not be called"
    );
}

#[test]
fn credential_helper_names_with_path_separators_are_refused_and_never_run() {
    let reg = start_htpasswd(false);
    let work = workdir();
    // From `cwd`, `docker-credential-../../tmp/evil` is `<work>/tmp/evil` and
    // `docker-credential-x/evil` is `<cwd>/docker-credential-x/evil`: both would run.
    let cwd = work.path().join("cwd");
    fs::create_dir_all(cwd.join("docker-credential-..")).unwrap();
    fs::create_dir_all(cwd.join("docker-credential-x")).unwrap();
    fs::create_dir_all(work.path().join("tmp")).unwrap();
    let marker = work.path().join("ran");
    let script = format!(
        "#!/bin/sh\necho ran >> {}\necho '{{\"Username\":\"u\",\"Secret\":\"s\"}}'\n",
        marker.display()
    );
    for evil in [
        work.path().join("tmp/evil"),
        cwd.join("docker-credential-x/evil"),
    ] {
        fs::write(&evil, &script).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&evil, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let configs = [
        serde_json::json!({"credsStore": "../../tmp/evil"}),
        serde_json::json!({"credHelpers": {reg.addr(): "x/evil"}}),
        serde_json::json!({"credsStore": "x\\evil"}),
        serde_json::json!({"credsStore": ".."}),
    ];
    for config in configs {
        let path = work.path().join("config.json");
        fs::write(&path, config.to_string()).unwrap();
        let cfg = path.to_str().unwrap();
        for args in [
            vec!["pull".to_string(), reg.reference("demo/x:v1")],
            vec![
                "login".into(),
                reg.addr(),
                "-u".into(),
                USER.into(),
                "--password-stdin".into(),
            ],
        ] {
            let out = oras()
                .current_dir(&cwd)
                .args(&args)
                .args(["--registry-config", cfg])
                .write_stdin(PASSWORD)
                .output()
                .unwrap();
            assert!(!marker.exists(), "{config} {args:?}: the program ran");
            let stderr = assert_clean_failure(&out);
            assert!(
                stderr.contains("refusing the credential helper")
                    && stderr.contains("nothing was run"),
                "{config} {args:?}: {stderr}"
            );
        }
    }
}

#[test]
fn a_hanging_credential_helper_times_out() {
    let reg = start_htpasswd(false);
    let work = workdir();
    let bin = work.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    write_helper(&bin, "hang", "exec sleep 600");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let config = work.path().join("config.json");
    fs::write(&config, r#"{"credsStore":"hang"}"#).unwrap();
    let started = std::time::Instant::now();
    let out = oras()
        .env("PATH", &path)
        .env("ORAS_CREDENTIAL_HELPER_TIMEOUT", "1")
        .args([
            "pull",
            &reg.reference("demo/x:v1"),
            "--registry-config",
            config.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("docker-credential-hang"), "{stderr}");
    assert!(stderr.contains("did not finish"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

// ---------------------------------------------------------------------------------------------
// Token auth
// ---------------------------------------------------------------------------------------------

#[test]
fn token_auth_anonymous_may_pull_but_not_push() {
    let tokens = TokenServer::start(TokenServerOptions::default());
    let reg = start_token(&tokens);
    let work = workdir();
    write_file(work.path(), "a.txt", "token auth\n");
    let reference = reg.reference("demo/token:v1");
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "a.txt"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.contains("Error response from registry: unauthorized"),
        "{stderr}"
    );

    // The user may push, with one token for the whole push.
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reference, "a.txt", "-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_success(&out);
    let issued: Vec<_> = tokens
        .issued()
        .into_iter()
        .filter(|i| i.subject.as_deref() == Some(USER))
        .collect();
    assert_eq!(
        issued.len(),
        1,
        "one token covers the whole push: {issued:#?}"
    );
    assert!(
        issued[0]
            .request
            .uri
            .contains("scope=repository%3Ademo%2Ftoken%3Apull%2Cpush"),
        "{}",
        issued[0].request.uri
    );

    // Anonymous pull works.
    let out = oras()
        .args([
            "pull",
            &reference,
            "-o",
            work.path().join("o").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        fs::read_to_string(work.path().join("o/a.txt")).unwrap(),
        "token auth\n"
    );
}

#[test]
fn identity_token_login_and_push_use_the_refresh_token_grant() {
    let tokens = TokenServer::start(TokenServerOptions::default());
    let reg = start_token(&tokens);
    let work = workdir();
    let config = work.path().join("config.json");
    let cfg = config.to_str().unwrap();
    let out = oras()
        .args([
            "login",
            &reg.addr(),
            "--identity-token-stdin",
            "--registry-config",
            cfg,
        ])
        .write_stdin(format!("{REFRESH_TOKEN}\n"))
        .output()
        .unwrap();
    assert!(assert_success(&out).contains("Login Succeeded"));
    let doc = read_json(&config);
    assert_eq!(doc["auths"][&reg.addr()]["identitytoken"], REFRESH_TOKEN);

    write_file(work.path(), "b.txt", "refresh\n");
    let out = oras()
        .current_dir(work.path())
        .args([
            "push",
            &reg.reference("demo/idt:v1"),
            "b.txt",
            "--registry-config",
            cfg,
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let posts: Vec<_> = tokens
        .issued()
        .into_iter()
        .filter(|i| i.request.method == "POST" && i.subject.as_deref() == Some(USER))
        .collect();
    assert!(posts.len() >= 2, "login and push each used the grant");
    let body = String::from_utf8_lossy(&posts.last().unwrap().request.body).to_string();
    assert!(body.contains("grant_type=refresh_token"), "{body}");
    assert!(
        body.contains("scope=repository%3Ademo%2Fidt%3Apull%2Cpush"),
        "{body}"
    );

    // A wrong identity token is refused by the token server.
    let out = oras()
        .args([
            "login",
            &reg.addr(),
            "--identity-token",
            "wrong",
            "--registry-config",
            cfg,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_of(&out);
    // The token server's answer is an error response, printed as oras's `Remote.ModifyError` does.
    assert!(
        stderr.contains("Error response from registry: POST"),
        "{stderr}"
    );
    assert!(stderr.contains("response status code 401"), "{stderr}");
    assert!(
        !stderr.contains("wrong\n") && !stderr.contains("refresh_token="),
        "{stderr}"
    );
    assert!(stderr.contains("WARNING! Using --identity-token via the CLI is insecure"));
}

#[test]
fn password_without_username_is_an_identity_token() {
    let tokens = TokenServer::start(TokenServerOptions::default());
    let reg = start_token(&tokens);
    let work = workdir();
    let config = work.path().join("config.json");
    let out = oras()
        .args(["login", &reg.addr(), "--password-stdin"])
        .args(["--registry-config", config.to_str().unwrap()])
        .write_stdin(REFRESH_TOKEN)
        .output()
        .unwrap();
    assert!(assert_success(&out).contains("Login Succeeded"));
    assert_eq!(
        read_json(&config)["auths"][&reg.addr()]["identitytoken"],
        REFRESH_TOKEN
    );
}

#[test]
fn creds_store_helper_can_hold_an_identity_token() {
    let tokens = TokenServer::start(TokenServerOptions::default());
    let reg = start_token(&tokens);
    let work = workdir();
    let bin = work.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    write_helper(
        &bin,
        "tok",
        &format!(
            r#"[ "$1" = get ] || exit 1
read server
[ "$server" = "{}" ] || {{ echo "credentials not found in native keychain"; exit 1; }}
echo '{{"ServerURL":"'$server'","Username":"<token>","Secret":"{REFRESH_TOKEN}"}}'"#,
            reg.addr()
        ),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let config = work.path().join("config.json");
    fs::write(&config, r#"{"credsStore":"tok"}"#).unwrap();
    write_file(work.path(), "t.txt", "helper token\n");
    let out = oras()
        .env("PATH", &path)
        .current_dir(work.path())
        .args(["push", &reg.reference("demo/helper-token:v1"), "t.txt"])
        .args(["--registry-config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    let grants: Vec<_> = tokens
        .issued()
        .into_iter()
        .filter(|i| i.request.method == "POST" && i.subject.as_deref() == Some(USER))
        .collect();
    assert_eq!(
        grants.len(),
        1,
        "the helper's token went through the refresh grant"
    );
}

#[test]
fn registry_token_in_config_is_used_as_is() {
    let tokens = TokenServer::start(TokenServerOptions::default());
    let reg = start_token(&tokens);
    let work = workdir();
    let access =
        serde_json::json!([{"type":"repository","name":"demo/rt","actions":["pull","push"]}]);
    let token = common::auth::sign_jwt(USER, access.as_array().unwrap(), 300, 99);
    let config = work.path().join("config.json");
    fs::write(
        &config,
        serde_json::json!({"auths": {reg.addr(): {"registrytoken": token}}}).to_string(),
    )
    .unwrap();
    write_file(work.path(), "c.txt", "rt");
    let out = oras()
        .current_dir(work.path())
        .args(["push", &reg.reference("demo/rt:v1"), "c.txt"])
        .args(["--registry-config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(tokens.issued().is_empty(), "no token server round trip");
}

#[test]
fn an_expired_token_in_the_middle_of_a_push_is_renewed() {
    // The first token dies 4–5 s after it is issued (Distribution allows 60 s of leeway); the
    // proxy holds the first upload POST that carries it for 5.5 s, so the registry refuses it.
    let tokens = TokenServer::start(TokenServerOptions {
        exp_offsets: vec![(0, -56)],
        expires_in: 300,
        ..TokenServerOptions::default()
    });
    let reg =
        common::auth::start_auth(common::auth::AuthMode::TokenAt(&tokens, "auth.test"), false);
    let issued = tokens.issued_handle();
    let uses = Arc::new(AtomicUsize::new(0));
    let held = Arc::new(Mutex::new(None::<String>));
    let proxy = {
        let uses = uses.clone();
        let held = held.clone();
        ForwardProxy::start(move |req| {
            let first = issued
                .lock()
                .unwrap()
                .iter()
                .find(|i| i.subject.is_some())
                .map(|i| i.token.clone());
            match first {
                Some(t)
                    if req.method == "POST"
                        && req.header("authorization") == format!("Bearer {t}") =>
                {
                    if uses.fetch_add(1, Ordering::SeqCst) == 0 {
                        *held.lock().unwrap() = Some(format!("{} {}", req.method, req.uri));
                        return Duration::from_millis(5500);
                    }
                    Duration::ZERO
                }
                _ => Duration::ZERO,
            }
        })
    };
    let work = workdir();
    for i in 0..3 {
        write_file(work.path(), &format!("f{i}.txt"), format!("file {i}\n"));
    }
    let out = oras()
        .current_dir(work.path())
        .env("HTTP_PROXY", proxy.url())
        .args([
            "push",
            &format!("registry.test:{}/demo/expiry:v1", reg.port()),
            "f0.txt",
            "f1.txt",
            "f2.txt",
        ])
        .args([
            "--plain-http",
            "--concurrency",
            "1",
            "-u",
            USER,
            "--password-stdin",
        ])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_success(&out);
    assert!(held.lock().unwrap().is_some(), "the proxy held a request");
    let requests = reg.requests();
    // The first authenticated answer (a 404 for a missing blob), then a 401 for an upload POST
    // that carried the now expired token, then the same POST accepted.
    let authed = requests.iter().position(|r| r.2 == 404).unwrap();
    let refused = requests[authed..]
        .iter()
        .position(|r| r.0 == "POST" && r.2 == 401)
        .map(|i| i + authed);
    assert!(
        refused.is_some_and(|i| requests[i + 1..]
            .iter()
            .any(|r| r.0 == "POST" && r.2 == 202)),
        "the registry refused the expired token mid-push: {requests:?}"
    );
    assert!(tokens.tokens().len() >= 2, "a new token was fetched");
    for i in 0..3 {
        let d = sha256_digest(format!("file {i}\n").as_bytes());
        assert!(reg.blob_data_path(&d).exists(), "blob {i} pushed");
    }
}

#[test]
fn hostile_expires_in_values_neither_panic_nor_break_a_push() {
    // u64::MAX once overflowed `Instant + Duration` ("overflow when adding duration to
    // instant"); negative, fractional and non-numeric values failed the token response.
    let values = [
        serde_json::json!(u64::MAX),
        serde_json::json!(-5),
        serde_json::json!(2.5),
        serde_json::json!(1e300),
        serde_json::json!("soon"),
    ];
    for value in values {
        let tokens = TokenServer::start(TokenServerOptions {
            expires_in_json: Some(value.clone()),
            ..TokenServerOptions::default()
        });
        let reg = start_token(&tokens);
        let work = workdir();
        write_file(work.path(), "e.txt", "expires\n");
        let out = oras()
            .current_dir(work.path())
            .args(["push", &reg.reference("demo/expires:v1"), "e.txt"])
            .args(["-u", USER, "--password-stdin"])
            .write_stdin(PASSWORD)
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        assert!(!stderr.contains("panicked"), "expires_in {value}: {stderr}");
        assert_success(&out);
        let d = sha256_digest(b"expires\n");
        assert!(
            reg.blob_data_path(&d).exists(),
            "expires_in {value}: pushed"
        );
    }
}

#[test]
fn a_token_shorter_than_the_renewal_margin_is_sent_with_a_streamed_upload_and_a_refused_upload_restarts()
 {
    // Tokens live 3–5 s at the registry (exp 56 s ago, 60 s of leeway) and announce
    // `expires_in: 2`: the client uses one for 1.5 s. The proxy holds the first upload POST for
    // 2 s (so the token in hand is stale for the PUT that follows: it must be renewed before
    // the body goes out, not answered by a 401 the body cannot be replayed for), then holds
    // the first blob PUT for 5.5 s (the token dies on the way: the registry refuses it, and the
    // upload is restarted once with a fresh token).
    let tokens = TokenServer::start(TokenServerOptions {
        exp_offset: -56,
        expires_in: 2,
        ..TokenServerOptions::default()
    });
    let reg =
        common::auth::start_auth(common::auth::AuthMode::TokenAt(&tokens, "auth.test"), false);
    let posts = Arc::new(AtomicUsize::new(0));
    let puts = Arc::new(AtomicUsize::new(0));
    let proxy = {
        let (posts, puts) = (posts.clone(), puts.clone());
        ForwardProxy::start(move |req| {
            let authed = req.header("authorization").starts_with("Bearer ");
            if req.method == "POST" && req.uri.contains("/blobs/uploads/") && authed {
                if posts.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Duration::from_millis(2000);
                }
            } else if req.method == "PUT"
                && req.uri.contains("/blobs/uploads/")
                && puts.fetch_add(1, Ordering::SeqCst) == 0
            {
                return Duration::from_millis(5500);
            }
            Duration::ZERO
        })
    };
    let work = workdir();
    write_file(work.path(), "short.txt", "short-lived token\n");
    let started = std::time::Instant::now();
    let out = oras()
        .current_dir(work.path())
        .env("HTTP_PROXY", proxy.url())
        .args([
            "push",
            &format!("registry.test:{}/demo/short:v1", reg.port()),
            "short.txt",
        ])
        .args(["--plain-http", "--concurrency", "1"])
        .args(["-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_success(&out);
    eprintln!("push with 2 s tokens took {elapsed:?}");
    let seen = proxy.seen();
    let first_put = seen
        .iter()
        .find(|r| r.method == "PUT" && r.uri.contains("/blobs/uploads/"))
        .expect("a blob PUT");
    assert!(
        first_put.header("authorization").starts_with("Bearer "),
        "the streamed PUT carried a token"
    );
    let requests = reg.requests();
    let refused = requests
        .iter()
        .position(|r| r.0 == "PUT" && r.1.contains("/blobs/uploads/") && r.2 == 401)
        .unwrap_or_else(|| panic!("the held PUT was refused: {requests:?}"));
    assert!(
        requests[refused + 1..]
            .iter()
            .any(|r| r.0 == "PUT" && r.1.contains("/blobs/uploads/") && r.2 == 201),
        "the upload was restarted and accepted: {requests:?}"
    );
    assert!(tokens.tokens().len() >= 3, "tokens were renewed");
    let d = sha256_digest(b"short-lived token\n");
    assert!(reg.blob_data_path(&d).exists(), "blob pushed");
}

#[test]
fn proxy_variables_are_honoured_for_registry_and_token_requests() {
    let tokens = TokenServer::start(TokenServerOptions::default());
    let reg =
        common::auth::start_auth(common::auth::AuthMode::TokenAt(&tokens, "auth.test"), false);
    let work = workdir();
    write_file(work.path(), "p.txt", "proxied\n");
    // Names the client cannot resolve: only the proxy can reach them.
    let reference = format!("registry.test:{}/demo/proxy:v1", reg.port());
    let proxy = ForwardProxy::start(|_| Duration::ZERO);
    let out = oras()
        .current_dir(work.path())
        .env("HTTP_PROXY", proxy.url())
        .args(["push", &reference, "p.txt", "--plain-http"])
        .args(["-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_success(&out);
    let seen = proxy.seen();
    let registry_prefix = format!("http://registry.test:{}/v2/", reg.port());
    let realm_prefix = format!("http://auth.test:{}/token", tokens.port());
    assert!(
        seen.iter().any(|r| r.uri.starts_with(&registry_prefix)),
        "{seen:#?}"
    );
    assert!(
        seen.iter().any(|r| r.uri.starts_with(&realm_prefix)),
        "the token request went through the proxy too: {seen:#?}"
    );
    // NO_PROXY bypasses it (and --resolve reaches both hosts directly).
    let proxy = ForwardProxy::start(|_| Duration::ZERO);
    let out = oras()
        .env("HTTP_PROXY", proxy.url())
        .env("NO_PROXY", "registry.test,auth.test")
        .args([
            "pull",
            &reference,
            "--plain-http",
            "-o",
            work.path().join("o").to_str().unwrap(),
        ])
        .args([
            "--resolve",
            &format!("registry.test:{}:127.0.0.1", reg.port()),
        ])
        .args([
            "--resolve",
            &format!("auth.test:{}:127.0.0.1", tokens.port()),
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        fs::read_to_string(work.path().join("o/p.txt")).unwrap(),
        "proxied\n"
    );
    assert!(proxy.seen().is_empty(), "{:#?}", proxy.seen());
}

#[test]
fn loopback_registries_are_never_proxied() {
    // As Go's ProxyFromEnvironment: localhost and loopback addresses go direct.
    let reg = Registry::start();
    let work = workdir();
    write_file(work.path(), "l.txt", "loopback\n");
    let proxy = ForwardProxy::start(|_| Duration::ZERO);
    for reference in [
        reg.reference("demo/lo:v1"),
        format!("{}/demo/lo:v2", reg.localhost()),
    ] {
        let out = oras()
            .current_dir(work.path())
            .env("HTTP_PROXY", proxy.url())
            .env("http_proxy", proxy.url())
            .args(["push", &reference, "l.txt"])
            .output()
            .unwrap();
        assert_success(&out);
    }
    assert!(proxy.seen().is_empty(), "{:#?}", proxy.seen());
}

#[test]
fn debug_log_shows_requests_but_no_secret() {
    let tokens = TokenServer::start(TokenServerOptions::default());
    let reg = start_token(&tokens);
    let work = workdir();
    write_file(work.path(), "d.txt", "debug\n");
    let out = oras()
        .current_dir(work.path())
        .args(["push", "-d", &reg.reference("demo/debug:v1"), "d.txt"])
        .args([
            "-u",
            USER,
            "--password-stdin",
            "-H",
            "X-Api-Key: s3cr3t-api-key",
        ])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_success(&out);
    let stderr = stderr_of(&out);
    assert!(stderr.contains("> Request method: \"POST\""), "{stderr}");
    assert!(
        stderr.contains("< Response Status: \"202 Accepted\""),
        "{stderr}"
    );
    // Header names as Go prints them; a `-H` header named like a key is not shown.
    assert!(stderr.contains("\"Authorization\": \"*****\""), "{stderr}");
    assert!(stderr.contains("\"X-Api-Key\": \"*****\""), "{stderr}");
    assert!(
        stderr.contains("\"Www-Authenticate\": \"Bearer realm="),
        "{stderr}"
    );
    // JSON bodies are printed as oras prints them (`e2e_misc::debug_log_prints_json_...`),
    // but not the token server's answer.
    assert!(
        stderr.contains("< Response body:\n   Response body redacted due to potential credentials"),
        "{stderr}"
    );
    // Upload state in Locations and PUT URLs is redacted too.
    assert!(stderr.contains("_state=***"), "{stderr}");
    let mut extra = tokens.tokens();
    extra.push("s3cr3t-api-key".into());
    assert_no_secret(&stderr, &extra);
    assert_no_secret(&stdout_of(&out), &extra);
}

// ---------------------------------------------------------------------------------------------
// Hostile origins
// ---------------------------------------------------------------------------------------------

fn reply(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    (
        status,
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body.to_vec(),
    )
}

const MANIFEST_WITH_ONE_LAYER: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"DIGEST","size":SIZE,"annotations":{"org.opencontainers.image.title":"x.txt"}}]}"#;

/// [`MANIFEST_WITH_ONE_LAYER`] for `layer`.
fn manifest_of_one_layer(layer: &[u8]) -> String {
    MANIFEST_WITH_ONE_LAYER
        .replace("DIGEST", &sha256_digest(layer))
        .replace("SIZE", &layer.len().to_string())
}

/// A registry's answer to a manifest GET: 200 with its media type and `Docker-Content-Digest`.
fn manifest_reply(manifest: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    (
        200,
        vec![
            (
                "Content-Type".into(),
                "application/vnd.oci.image.manifest.v1+json".into(),
            ),
            (
                "Docker-Content-Digest".into(),
                sha256_digest(manifest.as_bytes()),
            ),
        ],
        manifest.as_bytes().to_vec(),
    )
}

/// A Basic-auth registry whose blob GETs redirect to `storage`.
fn redirecting_registry(storage_url: String, layer: &'static [u8]) -> HostileServer {
    let manifest = manifest_of_one_layer(layer);
    HostileServer::start_on("127.0.0.1", move |req, _| {
        let expected = format!("Basic {}", basic_b64());
        if req.header("authorization") != expected {
            return reply(401, &[("WWW-Authenticate", "Basic realm=\"hostile\"")], b"");
        }
        if req.uri.contains("/manifests/") {
            return manifest_reply(&manifest);
        }
        if req.uri.contains("/blobs/") {
            return reply(
                307,
                &[(
                    "Location",
                    &format!("{storage_url}{}?X-Amz-Signature=presigned-secret", req.uri),
                )],
                b"",
            );
        }
        reply(404, &[], b"")
    })
}

#[test]
fn redirect_to_another_port_carries_no_credential_or_header() {
    const LAYER: &[u8] = b"redirected blob\n";
    let storage = HostileServer::start_on("127.0.0.1", |req, _| {
        if req.uri.contains("/blobs/") {
            reply(200, &[], LAYER)
        } else {
            reply(404, &[], b"")
        }
    });
    let registry = redirecting_registry(format!("http://127.0.0.1:{}", storage.port()), LAYER);
    let work = workdir();
    let out = oras()
        .args(["pull", &format!("127.0.0.1:{}/demo/r:v1", registry.port())])
        .args([
            "-o",
            work.path().to_str().unwrap(),
            "-u",
            USER,
            "--password-stdin",
            "-d",
        ])
        .args(["-H", "X-Api-Key: s3cr3t-api-key"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(fs::read(work.path().join("x.txt")).unwrap(), LAYER);
    let seen = storage.seen();
    assert!(!seen.is_empty(), "the blob was fetched from storage");
    for r in &seen {
        assert_eq!(r.header("authorization"), "", "{r:#?}");
        assert_eq!(r.header("x-api-key"), "", "{r:#?}");
    }
    // The registry itself got both.
    assert!(
        registry
            .seen()
            .iter()
            .any(|r| r.header("x-api-key") == "s3cr3t-api-key")
    );
    let stderr = stderr_of(&out);
    assert!(!stderr.contains("presigned-secret"), "{stderr}");
    assert!(stderr.contains("X-Amz-Signature=***"), "{stderr}");
    assert_no_secret(&stderr, &["s3cr3t-api-key".into()]);
}

#[test]
fn client_certificate_goes_only_to_the_registry_origin() {
    const LAYER: &[u8] = b"tls blob\n";
    let pki = common::auth::client_pki();
    let storage = common::auth::TlsHostile::start(&pki.ca_pem, |_, _| reply(200, &[], LAYER));
    let storage_port = storage.port();
    let manifest = manifest_of_one_layer(LAYER);
    let registry = common::auth::TlsHostile::start(&pki.ca_pem, move |req, _| {
        if req.uri.contains("/manifests/") {
            return manifest_reply(&manifest);
        }
        reply(
            307,
            &[(
                "Location",
                &format!("https://127.0.0.1:{storage_port}{}", req.uri),
            )],
            b"",
        )
    });
    let work = workdir();
    let ca = write_ca(work.path());
    let cert = write_file(work.path(), "client.crt", &pki.cert_pem);
    let key = write_file(work.path(), "client.key", &pki.key_pem);
    let out = oras()
        .args(["pull", &format!("127.0.0.1:{}/demo/t:v1", registry.port())])
        .args([
            "-o",
            work.path().join("o").to_str().unwrap(),
            "--plain-http=false",
        ])
        .args(["--ca-file", ca.to_str().unwrap()])
        .args([
            "--cert-file",
            cert.to_str().unwrap(),
            "--key-file",
            key.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(fs::read(work.path().join("o/x.txt")).unwrap(), LAYER);
    assert!(
        registry.seen().iter().all(|(_, cert)| *cert),
        "the registry got the certificate"
    );
    let seen = storage.seen();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|(_, cert)| !*cert),
        "the redirect target got no certificate"
    );
}

#[test]
fn redirect_chain_never_restores_the_credential() {
    // registry → storage/1 → registry again (same origin as the registry): once stripped, the
    // Authorization header stays stripped.
    const LAYER: &[u8] = b"chain\n";
    let registry_port = Arc::new(Mutex::new(0u16));
    let storage = {
        let registry_port = registry_port.clone();
        HostileServer::start_on("127.0.0.1", move |req, _| {
            let port = *registry_port.lock().unwrap();
            reply(
                302,
                &[(
                    "Location",
                    &format!("http://127.0.0.1:{port}/final{}", req.uri),
                )],
                b"",
            )
        })
    };
    let manifest = manifest_of_one_layer(LAYER);
    let storage_port = storage.port();
    let registry = HostileServer::start_on("127.0.0.1", move |req, _| {
        if req.uri.starts_with("/final") {
            return if req.header("authorization").is_empty() {
                reply(200, &[], LAYER)
            } else {
                reply(500, &[], b"credential came back")
            };
        }
        if req.header("authorization") != format!("Basic {}", basic_b64()) {
            return reply(401, &[("WWW-Authenticate", "Basic realm=\"x\"")], b"");
        }
        if req.uri.contains("/manifests/") {
            return manifest_reply(&manifest);
        }
        reply(
            307,
            &[(
                "Location",
                &format!("http://127.0.0.1:{storage_port}{}", req.uri),
            )],
            b"",
        )
    });
    *registry_port.lock().unwrap() = registry.port();
    let work = workdir();
    let out = oras()
        .args(["pull", &format!("127.0.0.1:{}/demo/c:v1", registry.port())])
        .args([
            "-o",
            work.path().to_str().unwrap(),
            "-u",
            USER,
            "--password-stdin",
        ])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_success(&out);
    let finals: Vec<_> = registry
        .seen()
        .into_iter()
        .filter(|r| r.uri.starts_with("/final"))
        .collect();
    assert!(!finals.is_empty());
    assert!(finals.iter().all(|r| r.header("authorization").is_empty()));
}

#[test]
fn upload_location_on_another_host_is_refused() {
    let other = HostileServer::start_on("127.0.0.2", |_, _| reply(201, &[], b""));
    let other_port = other.port();
    let registry = HostileServer::start_on("127.0.0.1", move |req, _| {
        if req.header("authorization") != format!("Basic {}", basic_b64()) {
            return reply(401, &[("WWW-Authenticate", "Basic realm=\"x\"")], b"");
        }
        match req.method.as_str() {
            "HEAD" => reply(404, &[], b""),
            "POST" => reply(
                202,
                &[(
                    "Location",
                    &format!("http://127.0.0.2:{other_port}/upload?state=1"),
                )],
                b"",
            ),
            _ => reply(201, &[], b""),
        }
    });
    let work = workdir();
    write_file(work.path(), "u.txt", "upload");
    let out = oras()
        .current_dir(work.path())
        .args([
            "push",
            &format!("127.0.0.1:{}/demo/u:v1", registry.port()),
            "u.txt",
        ])
        .args(["-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.contains("upload Location on another origin"),
        "{stderr}"
    );
    assert!(other.seen().is_empty(), "nothing reached the other host");
}

#[test]
fn realm_on_another_loopback_host_is_refused() {
    let realm = HostileServer::start_on("127.0.0.2", |_, _| {
        reply(200, &[], br#"{"token":"stolen"}"#)
    });
    let realm_url = format!("http://127.0.0.2:{}/token", realm.port());
    let registry = HostileServer::start_on("127.0.0.1", move |_, _| {
        reply(
            401,
            &[(
                "WWW-Authenticate",
                &format!(
                    "Bearer realm=\"{realm_url}\",service=\"s\",scope=\"repository:demo/x:pull\""
                ),
            )],
            b"",
        )
    });
    let out = oras()
        .args(["pull", &format!("127.0.0.1:{}/demo/x:v1", registry.port())])
        .args(["-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("refusing the token realm"), "{stderr}");
    assert!(realm.seen().is_empty(), "no request reached the realm");
}

#[test]
fn realm_name_that_resolves_to_loopback_is_refused_for_a_public_registry() {
    // The registry is a name only the proxy resolves (not on a loopback address as far as the
    // client knows); its realm is a name that resolves (here by --resolve) to 127.0.0.1.
    let realm = HostileServer::start_on("127.0.0.1", |_, _| {
        reply(200, &[], br#"{"token":"stolen"}"#)
    });
    let realm_url = format!("http://auth.example:{}/token", realm.port());
    let registry = HostileServer::start_on("127.0.0.1", move |_, _| {
        reply(
            401,
            &[(
                "WWW-Authenticate",
                &format!(
                    "Bearer realm=\"{realm_url}\",service=\"s\",scope=\"repository:demo/x:pull\""
                ),
            )],
            b"",
        )
    });
    let proxy = ForwardProxy::start(|_| Duration::ZERO);
    let out = oras()
        .env("HTTP_PROXY", proxy.url())
        .args([
            "pull",
            &format!("registry.test:{}/demo/x:v1", registry.port()),
        ])
        .args(["--plain-http", "-u", USER, "--password-stdin"])
        .args([
            "--resolve",
            &format!("auth.example:{}:127.0.0.1", realm.port()),
        ])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("refusing the token realm"), "{stderr}");
    assert!(
        stderr.contains("its host auth.example resolves to 127.0.0.1"),
        "{stderr}"
    );
    assert!(realm.seen().is_empty(), "no request reached the realm");
    assert!(
        !registry.seen().is_empty(),
        "the registry was asked (through the proxy)"
    );
}

#[test]
fn basic_credentials_never_go_over_plain_http_to_a_remote_host() {
    // A loopback registry (plain HTTP by default) whose realm is a plain-HTTP name that is not
    // loopback: the credential is not sent there unless --plain-http was explicit.
    let tokens = TokenServer::start(TokenServerOptions::default());
    let token_port: u16 = tokens
        .realm()
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let realm = format!("http://auth.example.test:{token_port}/token");
    let registry = HostileServer::start_on("127.0.0.1", move |req, _| {
        if req.header("authorization").starts_with("Bearer ") {
            return reply(404, &[], b"");
        }
        reply(
            401,
            &[(
                "WWW-Authenticate",
                &format!(
                    "Bearer realm=\"{realm}\",service=\"{}\",scope=\"repository:demo/x:pull\"",
                    common::auth::SERVICE
                ),
            )],
            b"",
        )
    });
    let resolve = format!("auth.example.test:{token_port}:127.0.0.1");
    let reference = format!("127.0.0.1:{}/demo/x:v1", registry.port());
    let out = oras()
        .args([
            "pull",
            &reference,
            "--resolve",
            &resolve,
            "-u",
            USER,
            "--password-stdin",
        ])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.contains("refusing to send credentials over plain HTTP to auth.example.test"),
        "{stderr}"
    );
    assert!(tokens.issued().is_empty());
    // With an explicit --plain-http the user accepted it (and --resolve reached the server).
    let out = oras()
        .args(["pull", &reference, "--resolve", &resolve, "--plain-http"])
        .args(["-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_clean_failure(&out);
    assert_eq!(tokens.issued().len(), 1, "the token server was asked once");
    assert_eq!(
        tokens.issued()[0].request.header("authorization"),
        format!("Basic {}", basic_b64())
    );
}

#[test]
fn plain_registry_without_auth_still_works_with_a_stored_credential_elsewhere() {
    // Credentials of one registry are never offered to another.
    let reg = Registry::start();
    let hostile = HostileServer::start_on("127.0.0.1", |_, _| {
        reply(401, &[("WWW-Authenticate", "Basic realm=\"x\"")], b"")
    });
    let work = workdir();
    let config = work.path().join("config.json");
    fs::write(
        &config,
        serde_json::json!({"auths": {reg.addr(): {"auth": basic_b64()}}}).to_string(),
    )
    .unwrap();
    let out = oras()
        .args(["pull", &format!("127.0.0.1:{}/demo/x:v1", hostile.port())])
        .args(["--registry-config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("basic credential not found"), "{stderr}");
    assert!(
        hostile
            .seen()
            .iter()
            .all(|r| r.header("authorization").is_empty())
    );
}

#[test]
fn cp_between_authenticated_registries_uses_stored_credentials() {
    let tokens = TokenServer::start(TokenServerOptions::default());
    let source = start_token(&tokens);
    let dest = start_htpasswd(false);
    let work = workdir();
    let docker = work.path().join("docker");
    fs::create_dir_all(&docker).unwrap();
    fs::write(
        docker.join("config.json"),
        serde_json::json!({"auths": {
            source.addr(): {"identitytoken": REFRESH_TOKEN},
            dest.addr(): {"auth": basic_b64()},
        }})
        .to_string(),
    )
    .unwrap();
    write_file(work.path(), "cp.txt", "copied with auth\n");
    let out = oras()
        .current_dir(work.path())
        .env("DOCKER_CONFIG", &docker)
        .args(["push", &source.reference("demo/src:v1"), "cp.txt"])
        .output()
        .unwrap();
    assert_success(&out);
    let out = oras()
        .env("DOCKER_CONFIG", &docker)
        .args([
            "cp",
            &source.reference("demo/src:v1"),
            &dest.reference("demo/dst:v1"),
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let digest = sha256_digest(b"copied with auth\n");
    assert!(dest.blob_data_path(&digest).exists());
    // Without the destination's credential, cp fails on the destination only.
    fs::write(
        docker.join("config.json"),
        serde_json::json!({"auths": {source.addr(): {"identitytoken": REFRESH_TOKEN}}}).to_string(),
    )
    .unwrap();
    let out = oras()
        .env("DOCKER_CONFIG", &docker)
        .args([
            "cp",
            &source.reference("demo/src:v1"),
            &dest.reference("demo/dst:v2"),
        ])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("basic credential not found"), "{stderr}");
}

#[test]
fn cp_takes_separate_credentials_for_source_and_destination() {
    // Two htpasswd registries and no stored credential: only the --from-*/--to-* flags can
    // authenticate each side.
    let source = start_htpasswd(false);
    let dest = start_htpasswd(false);
    let work = workdir();
    write_file(work.path(), "cp.txt", "copied with flags\n");
    let out = oras()
        .current_dir(work.path())
        .args([
            "push",
            "-u",
            USER,
            "-p",
            PASSWORD,
            &source.reference("demo/src:v1"),
            "cp.txt",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let src = source.reference("demo/src:v1");
    let dst = dest.reference("demo/dst:v1");

    // The destination's credential is missing: the copy fails and nothing is tagged there.
    let out = oras()
        .args([
            "cp",
            "--from-username",
            USER,
            "--from-password",
            PASSWORD,
            &src,
            &dst,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0], "WARNING! Using --from-password via the CLI is insecure.",
        "{stderr}"
    );
    assert!(
        // oras v1.3 names the side of a copy that failed (its `BinaryTarget.ModifyError`).
        lines[1].starts_with(&format!("Error from destination registry for {dst:?}: "))
            && lines[1].contains("basic credential not found"),
        "{stderr}"
    );
    let tag_dir = dest
        .storage_root()
        .join("docker/registry/v2/repositories/demo/dst/_manifests/tags/v1");
    assert!(!tag_dir.exists(), "nothing may be tagged on a failed copy");

    let out = oras()
        .args([
            "cp",
            "--from-username",
            USER,
            "--from-password",
            PASSWORD,
            "--to-username",
            USER,
            "--to-password",
            PASSWORD,
            &src,
            &dst,
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let digest = sha256_digest(b"copied with flags\n");
    assert!(dest.blob_data_path(&digest).exists());
    assert!(tag_dir.exists(), "the copy is tagged v1 in the destination");
}

#[test]
fn login_writes_a_bind_mounted_config_in_place() {
    // Inside a private mount namespace, config.json is a bind mount of another file (as in a
    // container): it cannot be renamed over, so login must write it in place, keeping its keys.
    let registry = start_htpasswd(false);
    let work = workdir();
    let docker = work.path().join("docker");
    fs::create_dir_all(&docker).unwrap();
    let mounted = docker.join("config.json");
    fs::write(&mounted, "{}").unwrap();
    let real = work.path().join("host-config.json");
    fs::write(&real, r#"{"credsStore":"","keep":{"me":true}}"#).unwrap();
    let mut cmd = std::process::Command::new("unshare");
    common::clean_env(&mut cmd);
    cmd.env("DOCKER_CONFIG", &docker)
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(r#"mount --bind "$1" "$2" || exit 97; exec "$3" login -u "$4" -p "$5" "$6""#)
        .arg("sh")
        .arg(&real)
        .arg(&mounted)
        .arg(common::oras_bin())
        .args([USER, PASSWORD, &registry.addr()]);
    let out = cmd.output().expect("run unshare");
    assert_ne!(
        out.status.code(),
        Some(97),
        "cannot bind-mount in a user namespace"
    );
    let stdout = assert_success(&out);
    assert!(stdout.contains("Login Succeeded"), "{stdout}");
    let written: serde_json::Value = serde_json::from_slice(&fs::read(&real).unwrap()).unwrap();
    assert_eq!(written["auths"][registry.addr()]["auth"], basic_b64());
    assert_eq!(written["keep"]["me"], true, "unknown keys are kept");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn https_proxy_tunnels_tls_registry_requests() {
    // A TLS registry under a name only the proxy can resolve: the push must go through
    // HTTPS_PROXY with CONNECT (the certificate is for localhost, hence --insecure).
    let reg = start_htpasswd(true);
    let work = workdir();
    write_file(work.path(), "p.txt", "through a tunnel\n");
    let reference = format!("registry.test:{}/demo/tunnel:v1", reg.port());
    let proxy = ForwardProxy::start(|_| Duration::ZERO);
    let out = oras()
        .current_dir(work.path())
        .env("HTTPS_PROXY", proxy.url())
        .args(["push", "--insecure", &reference, "p.txt"])
        .args(["-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_success(&out);
    let seen = proxy.seen();
    let authority = format!("registry.test:{}", reg.port());
    assert!(
        seen.iter()
            .any(|r| r.method == "CONNECT" && r.uri == authority),
        "{seen:#?}"
    );
    assert!(
        reg.blob_data_path(&sha256_digest(b"through a tunnel\n"))
            .exists()
    );
}

#[test]
fn resolve_can_send_a_host_and_port_to_another_address_port() {
    // `registry.test:5999` exists nowhere: --resolve sends it to the real registry's port, while
    // the registry still sees `Host: registry.test:5999` (it builds upload Locations from it).
    let reg = start_htpasswd(false);
    let work = workdir();
    write_file(work.path(), "r.txt", "resolved elsewhere\n");
    let reference = "registry.test:5999/demo/resolved:v1";
    let rule = format!("registry.test:5999:127.0.0.1:{}", reg.port());
    let out = oras()
        .current_dir(work.path())
        .args([
            "push",
            reference,
            "r.txt",
            "--plain-http",
            "--resolve",
            &rule,
        ])
        .args(["-u", USER, "--password-stdin"])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    let stdout = assert_success(&out);
    assert!(
        stdout.contains("Pushed [registry] registry.test:5999/demo/resolved:v1"),
        "{stdout}"
    );
    assert!(
        reg.blob_data_path(&sha256_digest(b"resolved elsewhere\n"))
            .exists()
    );
    let pulled = work.path().join("pulled");
    let out = oras()
        .args([
            "pull",
            reference,
            "--plain-http",
            "--resolve",
            &rule,
            "-u",
            USER,
        ])
        .args(["--password-stdin", "-o", pulled.to_str().unwrap()])
        .write_stdin(PASSWORD)
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        fs::read(pulled.join("r.txt")).unwrap(),
        b"resolved elsewhere\n"
    );
    // A later rule for the same host and port wins: here it points at a closed port.
    let closed = common::ClosedPort::new();
    let later = format!("registry.test:5999:127.0.0.1:{}", closed.port());
    let out = oras()
        .args([
            "pull",
            reference,
            "--plain-http",
            "--resolve",
            &rule,
            "--resolve",
            &later,
        ])
        .args(["-o", pulled.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );
}
