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
