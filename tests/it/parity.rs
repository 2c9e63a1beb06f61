//! Behaviour of the Go oras CLI (cobra's flag parsing, oras v1.3's e2e scenarios) that scripts
//! rely on (issue 12).

use crate::common;
use common::{Registry, assert_success, oras_in, workdir, write_file};

#[test]
fn a_single_value_flag_given_twice_keeps_the_last_value() {
    let registry = Registry::start();
    let reference = registry.reference("parity/twice:v1");
    let work = workdir();
    write_file(work.path(), "hi.txt", "hi\n");
    let out = oras_in(work.path())
        .args(["push", &reference, "hi.txt"])
        .args([
            "--artifact-type",
            "application/vnd.first",
            "--artifact-type",
            "application/vnd.last",
        ])
        .args(["--format", "text", "--format", "json"])
        // Repeatable flags still collect every value.
        .args(["-a", "one=1", "-a", "two=2"])
        .output()
        .unwrap();
    let stdout = assert_success(&out);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("the last --format: json");
    assert_eq!(doc["artifactType"], "application/vnd.last");
    let manifest = registry.manifest_json("parity/twice", "v1");
    assert_eq!(manifest["artifactType"], "application/vnd.last");
    assert_eq!(manifest["annotations"]["one"], "1");
    assert_eq!(manifest["annotations"]["two"], "2");
}

#[test]
fn usage_errors_start_with_error_as_in_oras() {
    use common::{assert_clean_failure, oras};
    // A required flag that is missing: cobra's wording.
    let out = oras()
        .args(["backup", "localhost:5000/repo:v1"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.starts_with("Error: required flag(s) \"output\" not set\n"),
        "{stderr}"
    );
    assert!(stderr.contains("Usage: oras backup"), "{stderr}");
    let out = oras()
        .args(["attach", "localhost:5000/repo:v1", "f"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.starts_with("Error: required flag(s) \"artifact-type\" not set"),
        "{stderr}"
    );
    // A missing argument and an unknown flag: one `Error` line, then the usage.
    for args in [
        &["pull"][..],
        &["push", "--no-such-flag", "localhost:5000/r:v1"],
    ] {
        let out = oras().args(args).output().unwrap();
        let stderr = assert_clean_failure(&out);
        assert!(stderr.contains("Usage: oras "), "{args:?}: {stderr}");
    }
}

#[test]
fn the_verbose_deprecation_is_printed_by_every_command_that_has_the_flag() {
    use common::{assert_clean_failure, push_files};
    let registry = Registry::start();
    let reference = registry.reference("parity/verbose:v1");
    push_files(&reference, &[("a.txt", b"a\n")]);
    let notice = "Flag --verbose has been deprecated, and will be removed in a future release.\n";
    // Commands that never use the flag print cobra's notice all the same, once.
    for args in [
        &["resolve", &reference, "--verbose"][..],
        &["manifest", "fetch", &reference, "--verbose"],
        &[
            "repo",
            "tags",
            &registry.reference("parity/verbose"),
            "--verbose",
        ],
        &["tag", &reference, "v2", "--verbose"],
    ] {
        let out = common::oras().args(args).output().unwrap();
        assert_success(&out);
        assert_eq!(String::from_utf8_lossy(&out.stderr), notice, "{args:?}");
    }
    // As in oras, the common flags belong to the commands, not to `oras` itself or `version`.
    for args in [&["-d", "resolve", &reference][..], &["version", "--debug"]] {
        let out = common::oras().args(args).output().unwrap();
        let stderr = assert_clean_failure(&out);
        assert!(stderr.starts_with("Error: "), "{args:?}: {stderr}");
    }
    // `-d` after the command turns on debug logs there.
    let out = common::oras()
        .args(["resolve", &reference, "-d"])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("GET")
            || String::from_utf8_lossy(&out.stderr).contains("HEAD"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn errors_that_name_flags_keep_oras_wording() {
    use common::assert_clean_failure;
    let registry = Registry::start();
    let reference = registry.reference("parity/wording:v1");
    let work = workdir();
    let abs = write_file(work.path(), "abs.txt", "abs\n");
    let abs = abs.to_str().unwrap();
    let out = oras_in(work.path())
        .args(["push", &reference, abs])
        .output()
        .unwrap();
    assert_eq!(
        assert_clean_failure(&out),
        format!(
            "Error: absolute file path detected. If it's intentional, use --disable-path-validation flag to skip this check: {abs}\n"
        )
    );
    write_file(work.path(), "config.json", "{}");
    let out = oras_in(work.path())
        .args(["push", &reference, "abs.txt", "--image-spec", "v1.0"])
        .args(["--artifact-type", "a/b", "--config", "config.json"])
        .output()
        .unwrap();
    assert_eq!(
        assert_clean_failure(&out),
        "Error: --artifact-type and --config cannot both be provided for 1.0 OCI image\n"
    );
    // Nothing reached the registry.
    assert_eq!(registry.resolve("parity/wording", "v1"), None);
}
