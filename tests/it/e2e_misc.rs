//! oras v1.3's e2e scenarios of custom headers (`test/e2e/suite/command/custom_header.go`),
//! custom DNS rules (`resolve_host.go`) and `oras version` (`version.go`, `version_linux.go`);
//! one test per `It`, named after it.
//!
//! Custom headers: oras's `MatchRequestHeaders` reads the `-d` log and checks every request shows
//! `"Foo": "bar"` and `"A": " b"`. Here the headers are observed where they matter, on the wire:
//! a recording server ([`Hostile`]) in front of a real Distribution sees every request, and each
//! must carry `Foo: bar` and `A: b`. The `-d` log shows both as oras's check reads them,
//! `"Foo": "bar"` and `"A": " b"` (as typed); a header whose name suggests a credential is
//! printed `*****` (`custom_header_named_like_a_credential_is_not_logged`).
//!
//! Custom DNS: `oras.e2e.test:80` is sent to the registry's `127.0.0.1:<port>` by
//! `--resolve oras.e2e.test:80:127.0.0.1:<port>` with `--plain-http` and the credentials of an
//! htpasswd Distribution, as oras's `ResolveFlags` builds them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::common::auth::{PASSWORD, USER, login, start_htpasswd};
use crate::common::hostile::{Action, Hostile, Req};
use crate::common::{FakeResponse, OCI_MANIFEST, Registry, oras, oras_in, sha256_digest, workdir};
use crate::e2e_status::{
    IMAGE_LAYERS, fetch_manifest, foobar_files, match_keywords, match_status, push_foobar_image,
    push_foobar_referrers, push_multi_arch, short,
};

/// Runs `cmd`, asserts success and returns (stdout, stderr).
fn run_ok(cmd: &mut assert_cmd::Command) -> (String, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "{:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

fn stdout_ok(cmd: &mut assert_cmd::Command) -> String {
    run_ok(cmd).0
}

// --- custom_header.go ---

const HEADERS: [&str; 4] = ["-H", "Foo:bar", "-H", "A: b"];

/// A Distribution with oras's `images` repository (the `foobar` image, the `multi` index) and a
/// recording server in front of it.
struct HeaderSetup {
    reg: Registry,
    hostile: Hostile,
    foobar: String,
    multi: String,
}

fn header_setup() -> HeaderSetup {
    let reg = Registry::start();
    let foobar = push_foobar_image(&reg.reference("images:foobar"));
    let [multi, ..] = push_multi_arch(&reg, "images");
    let hostile = Hostile::start(Some(&reg), |_: &Req| Action::Forward);
    HeaderSetup {
        reg,
        hostile,
        foobar,
        multi,
    }
}

/// Every request to a path under `prefix` carried both custom headers (and there was one).
fn carried(hostile: &Hostile, prefix: &str) {
    let seen: Vec<Req> = hostile
        .log()
        .into_iter()
        .filter(|r| r.path().starts_with(prefix))
        .collect();
    assert!(!seen.is_empty(), "no request under {prefix}");
    for req in &seen {
        assert_eq!(req.header("foo"), Some("bar"), "{req:?}");
        assert_eq!(req.header("a"), Some("b"), "{req:?}");
    }
}

/// The `-d` log lists both headers among the request headers, as oras's `MatchRequestHeaders`
/// looks for them (`"Foo": "bar"\n`, `"A": " b"\n`).
fn logged(stderr: &str) {
    assert!(stderr.contains("> Request headers:"), "{stderr}");
    for line in ["\"Foo\": \"bar\"\n", "\"A\": \" b\"\n"] {
        assert!(stderr.contains(line), "{line:?} not in:\n{stderr}");
    }
}

#[test]
fn custom_header_is_provided_attach() {
    let s = header_setup();
    let work = workdir();
    foobar_files(work.path());
    let subject = format!("{}/command/headertest/attach:foobar", s.hostile.addr());
    let real = s.reg.reference("command/headertest/attach:foobar");
    run_ok(oras().args(["cp", &s.reg.reference("images:foobar"), &real]));
    let (_, stderr) = run_ok(
        oras_in(work.path())
            .args(["attach", "--artifact-type", "test/attach", &subject])
            .arg("foobar/to-be-attached:test/oras.e2e")
            .arg("-d")
            .args(HEADERS),
    );
    logged(&stderr);
    carried(&s.hostile, "/v2/");
    let tree: serde_json::Value = serde_json::from_str(&stdout_ok(oras().args([
        "discover",
        &s.reg.reference("command/headertest/attach:foobar"),
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(tree["referrers"][0]["artifactType"], "test/attach");
}

#[test]
fn custom_header_is_provided_blob() {
    let s = header_setup();
    let foo = sha256_digest(b"foo");
    let reference = format!("{}/images@{foo}", s.hostile.addr());
    let (stdout, stderr) = run_ok(
        oras()
            .args(["blob", "fetch", &reference, "--descriptor", "-d"])
            .args(HEADERS),
    );
    assert_eq!(
        stdout,
        format!(r#"{{"mediaType":"application/octet-stream","digest":"{foo}","size":3}}"#)
    );
    logged(&stderr);
    carried(&s.hostile, "/v2/");
}

#[test]
fn custom_header_is_provided_manifest() {
    let s = header_setup();
    let reference = format!("{}/images:multi", s.hostile.addr());
    let (stdout, stderr) = run_ok(
        oras()
            .args(["manifest", "fetch", &reference, "-d"])
            .args(HEADERS),
    );
    let (_, _, stored) = s.reg.get_manifest("images", &s.multi);
    assert_eq!(stdout.as_bytes(), stored);
    logged(&stderr);
    carried(&s.hostile, "/v2/");
}

#[test]
fn custom_header_is_provided_pull() {
    let s = header_setup();
    let work = workdir();
    let reference = format!("{}/images:foobar", s.hostile.addr());
    let (_, stderr) = run_ok(
        oras_in(work.path())
            .args(["pull", "-d"])
            .args(HEADERS)
            .args([&reference, "--config", "config.json"]),
    );
    assert_eq!(
        std::fs::read(work.path().join("config.json")).unwrap(),
        b"{}"
    );
    assert_eq!(
        std::fs::read(work.path().join("bar")).unwrap(),
        b"bar",
        "{stderr}"
    );
    logged(&stderr);
    carried(&s.hostile, "/v2/");
}

#[test]
fn custom_header_is_provided_push() {
    let s = header_setup();
    let work = workdir();
    foobar_files(work.path());
    let reference = format!("{}/command/headertest/push:latest", s.hostile.addr());
    let (_, stderr) = run_ok(
        oras_in(work.path())
            .args(["push", "-d"])
            .args(HEADERS)
            .args([&reference, "foobar/bar"]),
    );
    let manifest = s.reg.manifest_json("command/headertest/push", "latest");
    assert_eq!(
        manifest["layers"][0]["digest"],
        crate::e2e_status::BAR_DIGEST
    );
    logged(&stderr);
    carried(&s.hostile, "/v2/");
}

#[test]
fn custom_header_is_provided_repo() {
    let s = header_setup();
    let (stdout, stderr) = run_ok(
        oras()
            .args(["repository", "list", &s.hostile.addr(), "-d"])
            .args(HEADERS),
    );
    assert_eq!(stdout, "images\n");
    logged(&stderr);
    carried(&s.hostile, "/v2/");
}

#[test]
fn custom_header_is_provided_tag() {
    let s = header_setup();
    let reference = format!("{}/images@{}", s.hostile.addr(), s.multi);
    let (_, stderr) = run_ok(
        oras()
            .args(["tag", &reference, "latest", "-d"])
            .args(HEADERS),
    );
    assert_eq!(s.reg.resolve("images", "latest"), Some(s.multi.clone()));
    logged(&stderr);
    carried(&s.hostile, "/v2/");
}

#[test]
fn custom_header_is_provided_login() {
    // A recording server that asks for Basic credentials and accepts USER's.
    let expected = format!("Basic {}", STANDARD.encode(format!("{USER}:{PASSWORD}")));
    let hostile = Hostile::start(None, move |req: &Req| {
        if req.header("authorization") == Some(expected.as_str()) {
            Action::Reply(FakeResponse::new(200, &[], "{}"))
        } else {
            Action::Reply(FakeResponse::new(
                401,
                &[("WWW-Authenticate", r#"Basic realm="test""#)],
                "",
            ))
        }
    });
    let work = workdir();
    let config = work.path().join("test.config");
    let (stdout, _) = run_ok(
        oras()
            .args(["login", &hostile.addr(), "-u", USER, "-p", PASSWORD])
            .arg("--registry-config")
            .arg(&config)
            .args(HEADERS),
    );
    assert_eq!(stdout, "Login Succeeded\n");
    assert!(
        hostile
            .log()
            .iter()
            .any(|r| r.header("authorization").is_some())
    );
    carried(&hostile, "/v2/");
}

#[test]
fn custom_header_is_provided_copy_and_add_custom_headers_in_source_registry_requests() {
    let s = header_setup();
    let host = s.hostile.addr();
    let (src, dst) = (
        format!("{host}/images:foobar"),
        format!("{host}/command/headertest/from-header:fromHeader"),
    );
    let (_, stderr) = run_ok(
        oras()
            .args(["cp", &src, &dst, "-d", "--from-header", "Foo:bar"])
            .args(["--from-header", "A: b"]),
    );
    logged(&stderr);
    carried(&s.hostile, "/v2/images/");
    // The destination's requests do not carry the source's headers.
    for req in s.hostile.log() {
        if req.path().starts_with("/v2/command/headertest/") {
            assert_eq!(req.header("foo"), None, "{req:?}");
        }
    }
    assert_eq!(
        s.reg
            .resolve("command/headertest/from-header", "fromHeader"),
        Some(s.foobar.clone())
    );
}

#[test]
fn custom_header_is_provided_copy_and_add_custom_headers_in_destination_registry_requests() {
    let s = header_setup();
    let host = s.hostile.addr();
    let (src, dst) = (
        format!("{host}/images:foobar"),
        format!("{host}/command/headertest/to-header:toHeader"),
    );
    let (_, stderr) = run_ok(
        oras()
            .args(["cp", &src, &dst, "-d", "--to-header", "Foo:bar"])
            .args(["--to-header", "A: b"]),
    );
    logged(&stderr);
    carried(&s.hostile, "/v2/command/headertest/to-header/");
    for req in s.hostile.log() {
        if req.path().starts_with("/v2/images/") {
            assert_eq!(req.header("foo"), None, "{req:?}");
        }
    }
    assert_eq!(
        s.reg.resolve("command/headertest/to-header", "toHeader"),
        Some(s.foobar.clone())
    );
}

/// oras prints `-H` values in the `-d` log as typed; one whose name suggests a credential
/// (`X-Auth-Key`) is printed `*****`, and its value appears nowhere in the output, while it
/// still reaches the registry.
#[test]
fn custom_header_named_like_a_credential_is_not_logged() {
    let s = header_setup();
    let reference = format!("{}/images:foobar", s.hostile.addr());
    let out = oras()
        .args(["manifest", "fetch", &reference, "-d"])
        .args(["-H", "X-Auth-Key: k3y-s3cr3t", "-H", "Foo:bar"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"X-Auth-Key\": \"*****\"\n"), "{stderr}");
    assert!(stderr.contains("\"Foo\": \"bar\"\n"), "{stderr}");
    assert!(!stderr.contains("k3y-s3cr3t"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("k3y-s3cr3t"));
    let log = s.hostile.log();
    assert!(
        log.iter()
            .any(|r| r.header("x-auth-key") == Some("k3y-s3cr3t")),
        "{log:?}"
    );
}

/// oras's `-d` prints a JSON response body after the headers (`< Response body:`), and says
/// why it does not print another: the manifest fetched is in the log, a blob is not, and the
/// body still reaches the command whole (the file on disk, the manifest on stdout).
#[test]
fn debug_log_prints_json_response_bodies_and_passes_them_on() {
    let s = header_setup();
    let reference = s.reg.reference("images:foobar");
    let (stdout, stderr) = run_ok(oras().args(["manifest", "fetch", &reference, "-d"]));
    let manifest: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        manifest["layers"].as_array().map(Vec::len),
        Some(3),
        "{stdout}"
    );
    // The registry's bytes, as fetched: the same as the command printed.
    let printed = format!("< Response body:\n{}", stdout.trim_end());
    assert!(stderr.contains(&printed), "{printed:?} not in:\n{stderr}");

    let work = workdir();
    let (_, stderr) = run_ok(oras_in(work.path()).args(["pull", &reference, "-d", "-o", "out"]));
    assert_eq!(std::fs::read(work.path().join("out/foo1")).unwrap(), b"foo");
    assert!(
        stderr.contains("< Response body:\n   Response body of content type \"application/octet-stream\" is not printed"),
        "{stderr}"
    );
}

/// "OCI image layout users: custom header is provided: should fail attach". (The stored
/// `customer_header.go`, an older spelling of this spec, runs `attach root:test` without `-H`
/// and expects "customer header"; it is superseded by this one.)
#[test]
fn custom_header_is_provided_should_fail_attach_to_an_oci_layout() {
    let work = workdir();
    let out = oras_in(work.path())
        .args(["attach", ".:test", "-a", "test=true", "--artifact-type"])
        .args(["doc/example", "--oci-layout", "-H=foo:bar"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    match_keywords(&String::from_utf8_lossy(&out.stderr), &["custom header"]);
    assert!(!work.path().join("index.json").exists());
}

// --- resolve_host.go ---

const MOCKED: &str = "oras.e2e.test";

/// An htpasswd Distribution, logged in, with oras's `images` (the `foobar` image, the `multi`
/// index) and `artifacts` (the `foobar` image and its referrers) repositories.
struct DnsSetup {
    reg: Registry,
    foobar: String,
    multi: String,
}

impl DnsSetup {
    fn start() -> DnsSetup {
        let reg = start_htpasswd(false);
        run_ok(&mut login(&reg));
        let foobar = push_foobar_image(&reg.reference("images:foobar"));
        let [multi, ..] = push_multi_arch(&reg, "images");
        let subject = push_foobar_image(&reg.reference("artifacts:foobar"));
        push_foobar_referrers(&reg.reference("artifacts"), &subject);
        DnsSetup { reg, foobar, multi }
    }

    /// oras's `ResolveFlags(Host, mockedHost, <kind>)`: `kind` is "" (unary), "from-" or "to-".
    fn flags(&self, kind: &str) -> Vec<String> {
        vec![
            format!("--{kind}resolve"),
            format!("{MOCKED}:80:127.0.0.1:{}", self.reg.port()),
            format!("--{kind}username"),
            USER.to_string(),
            format!("--{kind}password"),
            PASSWORD.to_string(),
            format!("--{kind}plain-http"),
        ]
    }

    fn unary(&self) -> Vec<String> {
        self.flags("")
    }

    /// `<registry>/<repo_and_ref>` by its real address.
    fn real(&self, repo_and_ref: &str) -> String {
        self.reg.reference(repo_and_ref)
    }
}

fn mocked(repo_and_ref: &str) -> String {
    format!("{MOCKED}/{repo_and_ref}")
}

/// `foobarStates`: the layers, the manifest and the config of the `foobar` image.
fn foobar_states(digest: &str) -> Vec<(&str, &str)> {
    let mut keys = IMAGE_LAYERS.to_vec();
    keys.push((short(digest), OCI_MANIFEST));
    keys.push(("44136fa355b3", "application/vnd.unknown.config.v1+json"));
    keys
}

/// oras's `CompareRef`: both manifests fetched byte for byte equal.
fn compare_ref(src: &str, dst: &str) {
    let a = stdout_ok(oras().args(["manifest", "fetch", src]));
    let b = stdout_ok(oras().args(["manifest", "fetch", dst]));
    assert_eq!(a, b);
}

/// The tags `oras repo tags` lists for `repo` (none when it fails for want of tags).
fn repo_tags(repo: &str) -> Vec<String> {
    let out = oras().args(["repo", "tags", repo]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn should_attach_a_file_to_a_subject_via_resolve_flag() {
    let s = DnsSetup::start();
    let repo = "command/resolve/attach";
    run_ok(oras().args([
        "cp",
        &s.real("images:foobar"),
        &s.real(&format!("{repo}:foobar")),
    ]));
    let work = workdir();
    foobar_files(work.path());
    let attached = sha256_digest(b"attached\n");
    let out = stdout_ok(
        oras_in(work.path())
            .args(["attach", "--artifact-type", "test/attach"])
            .arg(mocked(&format!("{repo}:foobar")))
            .arg("foobar/to-be-attached:test/oras.e2e")
            .args(s.unary()),
    );
    match_status(
        &out,
        "attach",
        &[(short(&attached), "foobar/to-be-attached")],
        false,
        1,
    );
    let tree: serde_json::Value = serde_json::from_str(&stdout_ok(oras().args([
        "discover",
        "--format",
        "json",
        &s.real(&format!("{repo}:foobar")),
    ])))
    .unwrap();
    assert_eq!(tree["referrers"].as_array().unwrap().len(), 1, "{tree}");
}

#[test]
fn should_push_a_blob_from_a_stdin_and_output_the_descriptor_with_specific_media_type() {
    let s = DnsSetup::start();
    let content = "test-blob";
    let digest = sha256_digest(content.as_bytes());
    let repo = "command/resolve/blob/push";
    let out = stdout_ok(
        oras()
            .args(["blob", "push", &mocked(&format!("{repo}@{digest}")), "-"])
            .args(["--media-type", "test.media", "--descriptor", "--size", "9"])
            .args(s.unary())
            .write_stdin(content),
    );
    assert_eq!(
        out,
        format!(r#"{{"mediaType":"test.media","digest":"{digest}","size":9}}"#)
    );
    let fetched = stdout_ok(oras().args([
        "blob",
        "fetch",
        &s.real(&format!("{repo}@{digest}")),
        "--output",
        "-",
    ]));
    assert_eq!(fetched, content);
}

fn foo_descriptor() -> String {
    format!(
        r#"{{"mediaType":"application/octet-stream","digest":"{}","size":3}}"#,
        sha256_digest(b"foo")
    )
}

#[test]
fn should_fetch_blob_descriptor() {
    let s = DnsSetup::start();
    let reference = mocked(&format!("images@{}", sha256_digest(b"foo")));
    let out = stdout_ok(
        oras()
            .args(["blob", "fetch", &reference, "--descriptor"])
            .args(s.unary()),
    );
    assert_eq!(out, foo_descriptor());
}

#[test]
fn should_delete_a_blob_with_force_flag_and_output_descriptor() {
    let s = DnsSetup::start();
    let repo = "command/resolve/blob/delete";
    run_ok(oras().args([
        "cp",
        &s.real(&format!("images@{}", s.foobar)),
        &s.real(&format!("{repo}@{}", s.foobar)),
    ]));
    let foo = sha256_digest(b"foo");
    let out = stdout_ok(
        oras()
            .args(["blob", "delete", &mocked(&format!("{repo}@{foo}"))])
            .args(["--force", "--descriptor"])
            .args(s.unary()),
    );
    assert_eq!(out, foo_descriptor());
    let deleted = s.real(&format!("{repo}@{foo}"));
    let out = oras().args(["blob", "delete", &deleted]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    match_keywords(
        &String::from_utf8_lossy(&out.stderr),
        &["Error:", &deleted, "the specified blob does not exist"],
    );
}

/// Runs `oras cp <src> <dst> -v <flags>`, checks the status lines and compares the manifests.
fn check_copy(s: &DnsSetup, src: &str, dst: &str, flags: &[String], real_dst: &str) {
    let out = stdout_ok(oras().args(["cp", src, dst, "-v"]).args(flags));
    let states = foobar_states(&s.foobar);
    match_status(&out, "cp", &states, true, states.len());
    compare_ref(&s.real("images:foobar"), real_dst);
}

#[test]
fn should_copy_an_image_with_source_resolve_dns_rules() {
    let s = DnsSetup::start();
    let dst = s.real("command/resolve/cp/from:copied");
    check_copy(&s, &mocked("images:foobar"), &dst, &s.flags("from-"), &dst);
}

#[test]
fn should_copy_an_image_with_destination_resolve_dns_rules() {
    let s = DnsSetup::start();
    let repo = "command/resolve/cp/to:copied";
    let (src, dst) = (s.real("images:foobar"), mocked(repo));
    check_copy(&s, &src, &dst, &s.flags("to-"), &s.real(repo));
}

#[test]
fn should_copy_an_image_with_base_resolve_dns_rules() {
    let s = DnsSetup::start();
    let repo = "command/resolve/cp/base:copied";
    // The destination's credentials and --to-plain-http, with the base --resolve rule.
    let mut flags = s.flags("to-")[2..].to_vec();
    flags.extend(["--resolve".to_string(), s.unary()[1].clone()]);
    check_copy(
        &s,
        &s.real("images:foobar"),
        &mocked(repo),
        &flags,
        &s.real(repo),
    );
}

#[test]
fn should_copy_an_image_with_overridden_resolve_dns_rules_for_both_source_and_destination_registry()
{
    let s = DnsSetup::start();
    let repo = "command/resolve/cp/override:copied";
    let mut flags = s.flags("to-");
    flags.extend(s.flags("from-"));
    // A base rule to an address where nothing listens: the from-/to- rules win.
    flags.extend(["--resolve".to_string(), format!("{MOCKED}:80:1.1.1.1:5000")]);
    check_copy(
        &s,
        &mocked("images:foobar"),
        &mocked(repo),
        &flags,
        &s.real(repo),
    );
}

/// The stored spec expects two direct referrers: an image SBOM and an
/// `application/vnd.oci.artifact.manifest.v1+json` SBOM, which only oras's test registry holds
/// (Distribution refuses that type). The image SBOM is rebuilt and is the one direct referrer
/// (its signature refers to the SBOM, not to the image).
#[test]
fn should_discover_direct_referrers_of_a_subject() {
    let s = DnsSetup::start();
    let out = stdout_ok(
        oras()
            .args(["discover", &mocked("artifacts:foobar"), "-o", "json"])
            .args(s.unary()),
    );
    let tree: serde_json::Value = serde_json::from_str(&out).unwrap();
    let referrers = tree["referrers"].as_array().unwrap();
    assert_eq!(referrers.len(), 1, "{tree}");
    assert_eq!(referrers[0]["mediaType"], OCI_MANIFEST);
    assert_eq!(referrers[0]["artifactType"], "test/sbom.file");
    assert_eq!(
        referrers[0]["annotations"]["org.opencontainers.image.created"],
        "2023-01-18T08:37:42Z"
    );
}

#[test]
fn should_login() {
    let s = DnsSetup::start();
    let work = workdir();
    let config = work.path().join("config.json");
    let out = stdout_ok(
        oras()
            .args(["login", MOCKED])
            .args(s.unary())
            .arg("--registry-config")
            .arg(&config),
    );
    assert_eq!(out, "Login Succeeded\n");
    let stored = std::fs::read_to_string(&config).unwrap();
    assert!(stored.contains(MOCKED), "{stored}");
}

#[test]
fn should_fetch_index_manifest_with_digest() {
    let s = DnsSetup::start();
    let out = stdout_ok(
        oras()
            .args(["manifest", "fetch", &s.real("images:multi")])
            .args(s.unary()),
    );
    assert_eq!(sha256_digest(out.as_bytes()), s.multi);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["manifests"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn should_fetch_scratch_config() {
    let s = DnsSetup::start();
    let out = stdout_ok(
        oras()
            .args(["manifest", "fetch-config", &s.real("images:foobar")])
            .args(s.unary()),
    );
    assert_eq!(out, "{}");
}

#[test]
fn should_do_forced_deletion_and_output_descriptor() {
    let s = DnsSetup::start();
    let repo = "command/resolve/manifest/delete";
    run_ok(oras().args([
        "cp",
        &s.real("images:foobar"),
        &s.real(&format!("{repo}:to-delete")),
    ]));
    let size = stdout_ok(oras().args(["manifest", "fetch", &s.real("images:foobar")])).len();
    let out = stdout_ok(
        oras()
            .args(["manifest", "delete", &mocked(&format!("{repo}:to-delete"))])
            .args(["-f", "--descriptor"])
            .args(s.unary()),
    );
    assert_eq!(
        out,
        format!(
            r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":{size}}}"#,
            s.foobar
        )
    );
    assert!(!repo_tags(&s.real(repo)).contains(&"to-delete".to_string()));
    let gone = oras()
        .args(["resolve", &s.real(&format!("{repo}:to-delete"))])
        .output()
        .unwrap();
    assert_eq!(gone.status.code(), Some(1), "{gone:?}");
}

#[test]
fn should_push_a_manifest_from_stdin_without_media_type_flag() {
    let s = DnsSetup::start();
    let repo = "command/resolve/manifest/push";
    run_ok(oras().args([
        "cp",
        &s.real(&format!("images@{}", s.foobar)),
        &s.real(&format!("{repo}@{}", s.foobar)),
    ]));
    let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":53},"layers":[]}"#;
    let target = s.real(&format!("{repo}:from-stdin"));
    let out = stdout_ok(
        oras()
            .args(["manifest", "push", &target, "-"])
            .args(s.unary())
            .write_stdin(manifest),
    );
    let digest = sha256_digest(manifest.as_bytes());
    match_keywords(&out, &["Pushed", &target, "Digest:", &digest]);
    assert!(repo_tags(&s.real(repo)).contains(&"from-stdin".to_string()));
}

#[test]
fn should_pull_all_files_in_an_image() {
    let s = DnsSetup::start();
    let work = workdir();
    foobar_files(work.path());
    let mut keys = foobar_states(&s.foobar);
    keys.pop();
    keys.push(("44136fa355b3", "test.config"));
    let out = stdout_ok(
        oras_in(work.path())
            .args(["pull", &mocked("images:foobar"), "-v", "--config"])
            .args(["test.config", "-o", "pulled"])
            .args(s.unary()),
    );
    match_status(&out, "pull", &keys, true, keys.len());
    assert_eq!(
        std::fs::read(work.path().join("pulled/test.config")).unwrap(),
        b"{}"
    );
    for name in ["foo1", "foo2", "bar"] {
        assert_eq!(
            std::fs::read(work.path().join("pulled").join(name)).unwrap(),
            std::fs::read(work.path().join("foobar").join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn should_push_files_without_customized_media_types() {
    let s = DnsSetup::start();
    let work = workdir();
    foobar_files(work.path());
    let files = ["foobar/foo1", "foobar/foo2", "foobar/bar"];
    let out = stdout_ok(
        oras_in(work.path())
            .args(["push", &mocked("command/resolve/push:foobar"), "-v"])
            .args(files)
            .args(s.unary()),
    );
    let keys = [
        ("2c26b46b68ff", files[0]),
        ("2c26b46b68ff", files[1]),
        ("fcde2b2edba5", files[2]),
    ];
    match_status(&out, "push", &keys, true, 3);
    let manifest = fetch_manifest(&s.real("command/resolve/push:foobar"));
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 3);
}

#[test]
fn should_list_repositories() {
    let s = DnsSetup::start();
    let out = stdout_ok(oras().args(["repository", "list", MOCKED]).args(s.unary()));
    assert!(out.lines().any(|l| l == "images"), "{out}");
}

#[test]
fn should_list_tags() {
    let s = DnsSetup::start();
    let reference = mocked(&format!("images@{}", s.foobar));
    let out = stdout_ok(
        oras()
            .args(["repository", "show-tags", &reference])
            .args(s.unary()),
    );
    assert!(out.lines().any(|l| l == "foobar"), "{out}");
}

#[test]
fn should_add_a_tag_to_an_existent_manifest_when_providing_tag_reference() {
    let s = DnsSetup::start();
    let repo = "command/resolve/tag";
    run_ok(oras().args([
        "cp",
        &s.real(&format!("images@{}", s.foobar)),
        &s.real(&format!("{repo}@{}", s.foobar)),
    ]));
    let out = stdout_ok(
        oras()
            .args(["tag", &mocked(&format!("{repo}@{}", s.foobar))])
            .arg("tag-via-digest")
            .args(s.unary()),
    );
    match_keywords(&out, &["tag-via-digest"]);
    assert!(repo_tags(&s.real(repo)).contains(&"tag-via-digest".to_string()));
}

// --- version.go, version_linux.go ---

#[test]
fn should_run_version_command() {
    let (stdout, _) = run_ok(oras().arg("version"));
    assert!(stdout.starts_with("Version:"), "{stdout}");
}

#[test]
fn should_run_version_command_and_ignore_extra_arguments_with_warning() {
    let (stdout, stderr) = run_ok(oras().args(["version", "foo", "bar"]));
    match_keywords(&stderr, &["foo", "bar", "warning:"]);
    assert!(stdout.starts_with("Version:"), "{stdout}");
}

/// version_linux.go (built on Linux only, as here).
#[cfg(target_os = "linux")]
#[test]
fn should_run_version_command_and_show_os_arch_information() {
    let (stdout, _) = run_ok(oras().arg("version"));
    match_keywords(&stdout, &["OS/Arch:", &format!("linux/{}", go_arch())]);
}

#[cfg(target_os = "linux")]
/// Go's name of this machine's architecture, as `OS/Arch:` prints it.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}
