//! `pull --skip-unchanged` (issue 15, "a repeated pull of unchanged content"): files already in
//! the output directory with the blob's size and digest are not downloaded again.

use std::fs;

use crate::common;
use common::{Registry, assert_success, fails, ok, oras_in, workdir, write_file};

fn blob_gets(registry: &Registry, from: usize) -> usize {
    registry.requests()[from..]
        .iter()
        .filter(|(method, uri, _)| method == "GET" && uri.contains("/blobs/sha256:"))
        .count()
}

#[test]
fn a_repeated_pull_with_skip_unchanged_downloads_only_what_changed() {
    let registry = Registry::start();
    let work = workdir();
    write_file(work.path(), "a.txt", "alpha\n");
    write_file(work.path(), "b.txt", "bravo\n");
    write_file(work.path(), "c.txt", "charlie\n");
    let reference = registry.reference("skip/unchanged:v1");
    ok(oras_in(work.path()).args(["push", &reference, "a.txt", "b.txt", "c.txt"]));
    let out = work.path().join("out");

    let before = registry.requests().len();
    ok(oras_in(work.path())
        .args(["pull", &reference, "--skip-unchanged", "-o"])
        .arg(&out));
    assert_eq!(
        blob_gets(&registry, before),
        3,
        "the first pull downloads every file"
    );

    // b.txt changed on disk (same size, other bytes), c.txt is gone, a.txt is intact.
    fs::write(out.join("b.txt"), "BRAVO\n").unwrap();
    fs::remove_file(out.join("c.txt")).unwrap();
    let before = registry.requests().len();
    let output = oras_in(work.path())
        .args([
            "pull",
            &reference,
            "--skip-unchanged",
            "--format",
            "json",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = assert_success(&output);
    assert_eq!(
        blob_gets(&registry, before),
        2,
        "only b.txt and c.txt are downloaded"
    );
    assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "alpha\n");
    assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "bravo\n");
    assert_eq!(fs::read_to_string(out.join("c.txt")).unwrap(), "charlie\n");
    // The kept file is still one of the pulled files.
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut paths: Vec<String> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    paths.sort();
    assert_eq!(paths, ["a.txt", "b.txt", "c.txt"]);

    // The status line of a kept file says it exists.
    let text = ok(oras_in(work.path())
        .args(["pull", &reference, "--skip-unchanged", "-o"])
        .arg(&out));
    assert_eq!(text.matches("Exists").count(), 3, "{text}");

    // Without the flag, a pull rewrites as oras does; with -k an unchanged file is no conflict,
    // a changed one still is.
    let before = registry.requests().len();
    ok(oras_in(work.path())
        .args(["pull", &reference, "-o"])
        .arg(&out));
    assert_eq!(blob_gets(&registry, before), 3);
    ok(oras_in(work.path())
        .args(["pull", &reference, "--skip-unchanged", "-k", "-o"])
        .arg(&out));
    fs::write(out.join("a.txt"), "ALPHA\n").unwrap();
    let stderr = fails(
        oras_in(work.path())
            .args(["pull", &reference, "--skip-unchanged", "-k", "-o"])
            .arg(&out),
    );
    assert!(stderr.contains("a.txt: file already exists"), "{stderr}");
}
