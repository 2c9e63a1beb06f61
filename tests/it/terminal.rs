//! Output a registry controls reaches the terminal with its control characters escaped
//! (issue 13, "Output a registry controls"): a title holding `ESC[2J` must not clear the
//! user's screen. JSON output keeps the exact string, JSON-escaped.

use crate::common;
use common::{Registry, assert_success, oras_in, push_files, workdir};

const EVIL: &str = "\u{1b}[2Jevil\u{7}.txt";

#[test]
fn a_title_with_escape_sequences_is_printed_escaped() {
    let registry = Registry::start();
    let reference = registry.reference("escape/title:v1");
    // The file name is the title: Linux allows ESC and BEL in file names.
    let pushed = push_files(&reference, &[(EVIL, b"payload\n")]);
    assert!(
        !pushed.contains('\u{1b}'),
        "push printed a raw ESC:\n{pushed:?}"
    );
    assert!(pushed.contains("\\x1b[2Jevil\\x07.txt"), "{pushed}");

    let here = workdir();
    let out = oras_in(here.path())
        .args(["pull", &reference, "-o", "out"])
        .output()
        .unwrap();
    let stdout = assert_success(&out);
    assert!(
        !stdout.contains(['\u{1b}', '\u{7}']),
        "pull printed raw control characters:\n{stdout:?}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("Downloaded ") && l.ends_with(" \\x1b[2Jevil\\x07.txt")),
        "{stdout}"
    );
    // The file itself keeps its exact name and bytes.
    let written = std::fs::read(here.path().join("out").join(EVIL)).unwrap();
    assert_eq!(written, b"payload\n");

    let json = oras_in(here.path())
        .args(["pull", "--format", "json", &reference, "-o", "again"])
        .output()
        .unwrap();
    let stdout = assert_success(&json);
    assert!(stdout.contains("\\u001b[2Jevil\\u0007.txt"), "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let path = doc["files"][0]["path"].as_str().unwrap();
    assert!(path.ends_with(EVIL), "JSON keeps the exact name: {path:?}");
}

#[test]
fn a_registry_error_message_with_escape_sequences_is_printed_escaped() {
    use common::FakeResponse;
    use common::hostile::{Action, Hostile};
    // A refusal whose message would set the window title and clear the screen.
    let hostile = Hostile::start(None, |_| {
        Action::Reply(FakeResponse::error(
            403,
            "DENIED",
            "\u{1b}]0;pwned\u{7}\u{1b}[2Jgone",
        ))
    });
    let out = common::oras()
        .args(["manifest", "fetch", &format!("{}/repo:v1", hostile.addr())])
        .output()
        .unwrap();
    let stderr = common::assert_clean_failure(&out);
    assert!(
        !stderr.contains(['\u{1b}', '\u{7}']),
        "raw control characters: {stderr:?}"
    );
    assert!(
        stderr.contains("denied: \\x1b]0;pwned\\x07\\x1b[2Jgone"),
        "{stderr}"
    );
}
