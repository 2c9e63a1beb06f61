//! `--format go-template=…` and `--template` on every command with `--format`: the e2e
//! scenarios of oras-cli.md §5.3 (push tags, pull paths, discover's first referrer, references).

use crate::common;

use common::{Registry, assert_clean_failure, assert_success, oras, workdir, write_file};

#[test]
fn push_pull_attach_discover_templates() {
    let reg = Registry::start();
    let dir = workdir();
    write_file(dir.path(), "a.txt", "a");
    let repo = reg.reference("tpl/x");

    // Sorted tags, nothing else on stdout. Both pushes share a `created` time, so they build the
    // same manifest (the second compares digests) even when a second boundary falls between.
    let out = oras()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "push",
            &format!("{repo}:e2e,2e2"),
            "a.txt",
            "--format",
            "go-template={{range .referenceAsTags}}{{println .}}{{end}}",
        ])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out), format!("{repo}:2e2\n{repo}:e2e\n"));
    let digest = reg.resolve("tpl/x", "e2e").unwrap();

    // --template form, and a reference usable as a reference.
    let out = oras()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "push",
            &format!("{repo}:v2"),
            "a.txt",
            "--format",
            "go-template",
            "--template",
            "{{.reference}}",
        ])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out), format!("{repo}@{digest}"));

    // pull: absolute paths.
    let pulled = workdir();
    let out = oras()
        .current_dir(pulled.path())
        .args([
            "pull",
            &format!("{repo}:e2e"),
            "--format",
            "go-template={{range .files}}{{println .path}}{{end}}",
        ])
        .output()
        .unwrap();
    assert_eq!(
        assert_success(&out),
        format!(
            "{}\n",
            pulled
                .path()
                .join("a.txt")
                .canonicalize()
                .unwrap()
                .display()
        )
    );

    // attach then discover's first referrer.
    let out = oras()
        .current_dir(dir.path())
        .args([
            "attach",
            "--artifact-type",
            "application/vnd.t",
            &format!("{repo}:e2e"),
            "a.txt",
            "--format",
            "go-template={{.digest}}",
        ])
        .output()
        .unwrap();
    let referrer = assert_success(&out);
    assert!(
        referrer.starts_with("sha256:") && referrer.len() == 71,
        "{referrer}"
    );
    let out = oras()
        .args([
            "discover",
            &format!("{repo}:e2e"),
            "--format",
            "go-template={{(first .referrers).reference}}",
        ])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out), format!("{repo}@{referrer}"));

    // manifest fetch, repo tags, repo ls.
    let out = oras()
        .args([
            "manifest",
            "fetch",
            &format!("{repo}:e2e"),
            "--format",
            "go-template={{.content.schemaVersion}} {{.size}}",
        ])
        .output()
        .unwrap();
    let size = reg.get_manifest("tpl/x", "e2e").2.len();
    assert_eq!(assert_success(&out), format!("2 {size}"));
    let out = oras()
        .args([
            "repo",
            "tags",
            &repo,
            "--exclude-digest-tags",
            "--format",
            "go-template={{range .tags}}{{.}},{{end}}",
        ])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out), "2e2,e2e,v2,");
    let out = oras()
        .args([
            "repo",
            "ls",
            &reg.addr(),
            "--format",
            "go-template={{.registry}} {{len .repositories}}",
        ])
        .output()
        .unwrap();
    assert_eq!(assert_success(&out), format!("{} 1", reg.addr()));
}

#[test]
fn template_flag_errors() {
    let reg = Registry::start();
    let r = reg.reference("tpl/err:v1");
    for (args, msg) in [
        (
            vec!["--template", "{{.x}}"],
            "--template must be used with --format go-template",
        ),
        (
            vec!["--format", "json", "--template", "{{.x}}"],
            "--template must be used with --format go-template",
        ),
        (
            vec!["--format", "go-template"],
            "\"go-template\" format specified but no template given",
        ),
        (
            vec!["--format", "go-template="],
            "\"go-template\" format specified but no template given",
        ),
        (vec!["--format", "="], "invalid format type"),
    ] {
        let mut all = vec!["pull"];
        all.extend(args.iter().copied());
        all.push(&r);
        let err = assert_clean_failure(&oras().args(&all).output().unwrap());
        assert!(err.contains(msg), "{all:?}: {err}");
    }
    // A template that does not parse is a clean error too.
    let dir = workdir();
    write_file(dir.path(), "a.txt", "a");
    let out = oras()
        .current_dir(dir.path())
        .args(["push", &r, "a.txt", "--format", "go-template={{.digest"])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out);
    assert!(err.contains("invalid go-template"), "{err}");
    assert!(
        reg.tags("tpl/err").is_empty(),
        "checked before anything is pushed"
    );
}
