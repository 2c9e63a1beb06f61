//! `oras backup` and `oras restore` between a real Distribution registry and OCI layouts
//! (directory and tar), with referrers kept in the tag schema (oras-cli.md §1.2, §5.3).

use crate::common;

use common::{Registry, assert_clean_failure, assert_success, oras, run, workdir, write_file};
use serde_json::Value;

/// Pushes `v1` and `v2` to `repo` and attaches one referrer to `v1`; returns v1's digest and
/// the referrer's.
fn populate(reg: &Registry, repo: &str) -> (String, String) {
    let dir = workdir();
    write_file(dir.path(), "a.txt", "a");
    write_file(dir.path(), "b.txt", "b");
    write_file(dir.path(), "sig", "sig");
    let push = |tag: &str, file: &str| -> String {
        let out = oras()
            .current_dir(dir.path())
            .args([
                "push",
                &reg.reference(&format!("{repo}:{tag}")),
                file,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let doc: Value = serde_json::from_str(&assert_success(&out)).unwrap();
        doc["digest"].as_str().unwrap().to_string()
    };
    let v1 = push("v1", "a.txt");
    push("v2", "b.txt");
    let out = oras()
        .current_dir(dir.path())
        .args([
            "attach",
            "--artifact-type",
            "application/vnd.sig",
            &reg.reference(&format!("{repo}:v1")),
            "sig",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(&assert_success(&out)).unwrap();
    (v1, doc["digest"].as_str().unwrap().to_string())
}

#[test]
fn backup_to_a_directory_and_restore_with_referrers() {
    let reg = Registry::start();
    let (v1, sig) = populate(&reg, "bk/src");
    let dir = workdir();
    let out_dir = dir.path().join("backup");
    let out = run(&[
        "backup",
        "--output",
        out_dir.to_str().unwrap(),
        "--include-referrers",
        &reg.reference("bk/src:v1"),
    ]);
    let text = assert_success(&out);
    assert!(
        text.starts_with(&format!(
            "Found 1 tag(s) in {}: v1\n",
            reg.reference("bk/src")
        )),
        "{text}"
    );
    assert!(
        text.contains("Pulled tag v1 with 1 referrer(s)\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Successfully backed up 1 tag(s) from \"{}\" to \"{}\" in ",
            reg.reference("bk/src"),
            out_dir.display()
        )),
        "{text}"
    );
    assert!(out_dir.join("oci-layout").is_file());
    assert!(!out_dir.join("ingest").exists());
    assert!(out_dir.join("blobs/sha256").join(&sig[7..]).is_file());
    let tags = assert_success(&run(&[
        "repo",
        "tags",
        "--oci-layout",
        out_dir.to_str().unwrap(),
    ]));
    assert_eq!(tags, "v1\n");

    // Dry run: nothing pushed.
    let out = run(&[
        "restore",
        "--input",
        out_dir.to_str().unwrap(),
        "--dry-run",
        &reg.reference("bk/dst"),
    ]);
    assert_eq!(
        assert_success(&out),
        format!(
            "Found 1 tag(s) in the backup: v1\nDry run: would push tag v1 with 1 referrer(s)\nDry run complete: 1 tag(s) would be restored to \"{}\" (no data pushed)\n",
            reg.reference("bk/dst")
        )
    );
    assert!(reg.tags("bk/dst").is_empty());

    // Restore: the tag and the referrer (tag-schema index) arrive.
    let out = run(&[
        "restore",
        "--input",
        out_dir.to_str().unwrap(),
        &reg.reference("bk/dst"),
    ]);
    let text = assert_success(&out);
    assert!(
        text.contains("Pushed tag v1 with 1 referrer(s)\n"),
        "{text}"
    );
    assert_eq!(reg.resolve("bk/dst", "v1").as_deref(), Some(v1.as_str()));
    assert!(reg.resolve("bk/dst", &sig).is_some());
    let index = reg.manifest_json("bk/dst", &v1.replace(':', "-"));
    assert_eq!(index["manifests"][0]["digest"], sig);
}

#[test]
fn backup_all_tags_to_a_tar_and_restore_without_referrers() {
    let reg = Registry::start();
    let (v1, sig) = populate(&reg, "bk/all");
    let dir = workdir();
    let tar = dir.path().join("Backup.TAR");
    let out = run(&[
        "backup",
        "-o",
        tar.to_str().unwrap(),
        &reg.reference("bk/all"),
    ]);
    let text = assert_success(&out);
    // Every tag, including the referrers tag of v1.
    let tag_schema = v1.replace(':', "-");
    assert!(
        text.starts_with(&format!(
            "Found 3 tag(s) in {}: {tag_schema}, v1, v2\n",
            reg.reference("bk/all")
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Exporting to {}\nExported to {} (",
            tar.display(),
            tar.display()
        )),
        "{text}"
    );
    assert!(tar.is_file());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temp files left behind"
    );

    let out = run(&[
        "restore",
        "--input",
        tar.to_str().unwrap(),
        "--exclude-referrers",
        &reg.reference("bk/back:v2"),
    ]);
    let text = assert_success(&out);
    assert!(
        text.starts_with(&format!("Loaded backup archive: {} (", tar.display())),
        "{text}"
    );
    assert!(
        text.contains("Found 1 tag(s) in the backup: v2\nPushing  "),
        "{text}"
    );
    assert!(
        text.contains("Pushed tag v2 with 0 referrer(s)\n"),
        "{text}"
    );
    assert_eq!(reg.tags("bk/back"), ["v2"]);
    assert_eq!(reg.resolve("bk/back", &sig), None);
}

#[test]
fn backup_and_restore_errors() {
    let reg = Registry::start();
    populate(&reg, "bk/err");
    let dir = workdir();
    let d = format!("bk/err@sha256:{}", "a".repeat(64));
    let err = assert_clean_failure(&run(&[
        "backup",
        "-o",
        dir.path().join("x").to_str().unwrap(),
        &reg.reference(&d),
    ]));
    assert!(err.contains("digest references are not supported"), "{err}");
    let as_dir = dir.path().join("dir.tar");
    std::fs::create_dir(&as_dir).unwrap();
    let err = assert_clean_failure(&run(&[
        "backup",
        "-o",
        as_dir.to_str().unwrap(),
        &reg.reference("bk/err:v1"),
    ]));
    assert!(
        err.contains("is a directory, a tar file was expected"),
        "{err}"
    );
    let out = run(&["backup", &reg.reference("bk/err:v1")]);
    assert_eq!(out.status.code(), Some(1));
    let err = assert_clean_failure(&run(&[
        "backup",
        "-o",
        dir.path().join("y").to_str().unwrap(),
        &reg.reference("bk/err:nope"),
    ]));
    assert!(err.contains("not found"), "{err}");
    let err = assert_clean_failure(&run(&[
        "restore",
        "--input",
        dir.path().join("missing").to_str().unwrap(),
        &reg.reference("bk/err"),
    ]));
    assert!(
        err.contains("no such file or directory") || err.contains("not found"),
        "{err}"
    );
    let junk = write_file(dir.path(), "junk.tar", "not a tar at all");
    assert_clean_failure(&run(&[
        "restore",
        "--input",
        junk.to_str().unwrap(),
        &reg.reference("bk/err"),
    ]));
}

#[test]
fn backup_tar_gets_the_usual_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let reg = Registry::start();
    populate(&reg, "bk/mode");
    let dir = workdir();
    let tar = dir.path().join("backup.tar");
    assert_success(&run(&[
        "backup",
        "-o",
        tar.to_str().unwrap(),
        &reg.reference("bk/mode:v1"),
    ]));
    // What Go's os.Create gives: 0666 minus the umask, like any file this process creates.
    let usual = write_file(dir.path(), "usual", "x");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&tar), mode(&usual), "backup.tar is {:o}", mode(&tar));
}
