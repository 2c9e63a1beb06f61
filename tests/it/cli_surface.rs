//! The command surface: `--help` of every command as an insta snapshot (an interface change
//! shows up in review), `version`, `completion`, the man page, aliases.

use crate::common;

use common::{assert_success, oras};

/// Every command of oras-cli.md §1.0 (with `help` and the hidden `man` left out).
const COMMANDS: &[&[&str]] = &[
    &[],
    &["push"],
    &["pull"],
    &["attach"],
    &["discover"],
    &["cp"],
    &["tag"],
    &["resolve"],
    &["version"],
    &["login"],
    &["logout"],
    &["blob"],
    &["blob", "delete"],
    &["blob", "fetch"],
    &["blob", "push"],
    &["manifest"],
    &["manifest", "delete"],
    &["manifest", "fetch"],
    &["manifest", "fetch-config"],
    &["manifest", "push"],
    &["manifest", "index"],
    &["manifest", "index", "create"],
    &["manifest", "index", "update"],
    &["repo"],
    &["repo", "ls"],
    &["repo", "tags"],
    &["backup"],
    &["restore"],
    &["completion"],
];

#[test]
fn help_of_every_command() {
    for cmd in COMMANDS {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let out = oras().args(&args).output().unwrap();
        let text = assert_success(&out);
        let name = if cmd.is_empty() {
            "oras".to_string()
        } else {
            format!("oras-{}", cmd.join("-"))
        };
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn aliases_reach_the_same_commands() {
    for (alias, real) in [
        (&["manifest", "get"][..], &["manifest", "fetch"][..]),
        (&["manifest", "show"], &["manifest", "fetch"]),
        (&["manifest", "rm"], &["manifest", "delete"]),
        (&["manifest", "remove"], &["manifest", "delete"]),
        (&["manifest", "get-config"], &["manifest", "fetch-config"]),
        (&["blob", "get"], &["blob", "fetch"]),
        (&["blob", "rm"], &["blob", "delete"]),
        (&["blob", "remove"], &["blob", "delete"]),
        (&["repository", "list"], &["repo", "ls"]),
        (&["repo", "show-tags"], &["repo", "tags"]),
        (&["copy"], &["cp"]),
        (
            &["manifest", "index", "pack"],
            &["manifest", "index", "create"],
        ),
        (&["digest"], &["resolve"]),
    ] {
        let a = oras().args(alias).arg("--help").output().unwrap();
        let r = oras().args(real).arg("--help").output().unwrap();
        // The usage line names the command as typed; everything after it is the same.
        let body = |o: &std::process::Output| {
            let s = assert_success(o);
            s.lines().skip(3).collect::<Vec<_>>().join("\n")
        };
        assert_eq!(body(&a), body(&r), "{alias:?} vs {real:?}");
    }
}

#[test]
fn version_prints_oras_layout() {
    let out = assert_success(&oras().arg("version").output().unwrap());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("Version:      {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(lines[1].starts_with("Rust version: 1."), "{out}");
    assert!(lines[2].starts_with("OS/Arch:      linux/"), "{out}");
    // What a bug report needs about TLS: the backend and its version.
    assert!(lines[3].starts_with("TLS:          rustls 0.23."), "{out}");
    // The commit the binary was built from: HEAD of this checkout, or no line at all when the
    // sources are not a git checkout.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let commit = lines.iter().find_map(|l| l.strip_prefix("Git commit:   "));
    assert_eq!(commit, head.as_deref(), "{out}");
    assert_eq!(lines.len(), 4 + usize::from(head.is_some()), "{out}");

    let out = oras().args(["version", "a", "b"]).output().unwrap();
    assert!(assert_success(&out).starts_with("Version:"));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: `oras version` requires no argument, \"a,b\" will be ignored\n"
    );
}

#[test]
fn completion_scripts_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _oras"),
        ("zsh", "#compdef oras"),
        ("fish", "complete -c oras"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = assert_success(&oras().args(["completion", shell]).output().unwrap());
        assert!(
            out.contains(marker),
            "{shell}: {}",
            &out[..out.len().min(300)]
        );
        assert!(
            out.contains("fetch-config"),
            "{shell} completes nested commands"
        );
    }
    // A usage error (clap's wording), exit 1 as oras.
    let out = oras().args(["completion", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'tcsh'"));
}

#[test]
fn man_page_is_roff_from_the_same_definitions() {
    let out = assert_success(&oras().arg("man").output().unwrap());
    assert!(out.contains(".TH oras 1"), "{out}");
    assert!(out.contains("manifest"));
    assert!(out.contains("completion"));

    let dir = common::workdir();
    let pages = dir.path().join("man1");
    let out = oras()
        .args(["man", "--output-dir", pages.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    for page in [
        "oras.1",
        "oras-manifest-fetch.1",
        "oras-manifest-index-create.1",
        "oras-repo-tags.1",
        "oras-backup.1",
    ] {
        let text =
            std::fs::read_to_string(pages.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.starts_with(".ie"), "{page}");
    }
    assert!(
        !pages.join("oras-man.1").exists(),
        "the hidden man command has no page"
    );
}
