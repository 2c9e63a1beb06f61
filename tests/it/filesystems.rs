//! Reliability case D48 (`shared/reference/reliability.md` §6): pulls onto filesystems with
//! other naming rules than Linux's. Titles `README` and `readme` on a case-insensitive
//! filesystem would leave one file where two were pulled; Windows names (`a:b`, `CON`) fail
//! half-way with the filesystem's own errno. oras-rs tries the doubtful names on the destination
//! filesystem before downloading anything, and refuses with a message that says why.
//!
//! The filesystems are real: exFAT through exfat-fuse (case-insensitive, refuses `:`), NTFS
//! through ntfs-3g with and without `windows_names` (`tests/it/common/fsimage.rs`). The artifacts
//! are pushed by `oras` to a real Distribution registry from a case-sensitive Linux directory.

use crate::common;

use std::fs;

use common::fsimage::FsImage;
use common::*;

/// Blob GETs the registry served: a refusal "before any download" means none.
fn blob_gets(reg: &Registry) -> Vec<String> {
    reg.requests()
        .into_iter()
        .filter(|(m, uri, _)| m == "GET" && uri.contains("/blobs/sha256:"))
        .map(|(_, uri, _)| uri)
        .collect()
}

#[test]
fn d48_titles_differing_by_case_are_refused_on_exfat_before_any_download() {
    let reg = Registry::start();
    let reference = reg.reference("d48/case:v1");
    push_files(
        &reference,
        &[
            ("README:text/markdown", b"upper case readme\n"),
            ("readme:text/plain", b"lower case readme\n"),
        ],
    );

    let exfat = FsImage::exfat();
    let out = exfat.path().join("out");
    let gets_before = blob_gets(&reg).len();
    let stderr = fails(oras().args(["pull", &reference, "-o"]).arg(&out));
    assert!(
        stderr.contains(r#"Error: "README" and "readme" would be the same file in "#)
            && stderr.contains("its filesystem ignores the difference between the names"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Pull into a directory on a case-sensitive filesystem with -o"),
        "{stderr}"
    );
    assert_eq!(blob_gets(&reg).len(), gets_before, "nothing downloaded");
    assert_eq!(
        exfat.entries(),
        Vec::<String>::new(),
        "no file, no temp file, not even the output directory the pull would have made"
    );

    // The way out the hint gives: one file at a time, selected by media type.
    ok(oras()
        .args(["pull", &reference, "-t", "text/plain", "-o"])
        .arg(&out));
    assert_eq!(exfat.entries(), ["out", "out/readme"]);
    assert_eq!(
        fs::read_to_string(out.join("readme")).unwrap(),
        "lower case readme\n"
    );

    // A case-sensitive filesystem takes both: nothing is refused where nothing is lost.
    let linux = workdir();
    ok(oras().args(["pull", &reference, "-o"]).arg(linux.path()));
    assert_eq!(list_files(linux.path()), ["README", "readme"]);
    assert_eq!(
        fs::read_to_string(linux.path().join("README")).unwrap(),
        "upper case readme\n"
    );
}

#[test]
fn d48_titles_differing_only_in_a_parent_directory_case_are_refused_on_exfat() {
    let reg = Registry::start();
    let reference = reg.reference("d48/nested:v1");
    push_files(
        &reference,
        &[
            ("Docs/guide.md", b"one\n"),
            ("docs/GUIDE.md", b"two\n"),
            ("other.txt", b"other\n"),
        ],
    );

    let exfat = FsImage::exfat();
    // The output directory exists already: it is kept, and nothing is added to it.
    fs::create_dir(exfat.path().join("out")).unwrap();
    write_file(&exfat.path().join("out"), "keep.txt", "mine\n");
    let stderr = fails(
        oras()
            .args(["pull", &reference, "-o"])
            .arg(exfat.path().join("out")),
    );
    assert!(
        stderr.contains(r#""Docs/guide.md" and "docs/GUIDE.md" would be the same file"#),
        "{stderr}"
    );
    assert_eq!(exfat.entries(), ["out", "out/keep.txt"]);
    assert_eq!(
        fs::read_to_string(exfat.path().join("out/keep.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn d48_colon_in_a_title_is_refused_on_exfat_before_any_download() {
    let reg = Registry::start();
    let reference = reg.reference("d48/colon:v1");
    // A trailing colon: the whole `a:b` is the file name, with the default media type.
    push_files(&reference, &[("a:b:", b"colon\n"), ("ok.txt", b"fine\n")]);

    let exfat = FsImage::exfat();
    let out = exfat.path().join("out");
    let gets_before = blob_gets(&reg).len();
    let stderr = fails(oras().args(["pull", &reference, "-o"]).arg(&out));
    assert!(
        stderr.contains(r#"Error: "a:b" cannot be a file name in "#)
            && stderr.contains("the filesystem refuses it"),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"refuse <>:"\|?* in names"#),
        "the hint names the characters: {stderr}"
    );
    assert_eq!(blob_gets(&reg).len(), gets_before, "nothing downloaded");
    assert_eq!(
        exfat.entries(),
        Vec::<String>::new(),
        "ok.txt is not written either"
    );

    // exFAT has no reserved device names: `CON` is an ordinary file there, and is pulled.
    let con = workdir();
    write_file(con.path(), "CON", "console\n");
    let con_ref = reg.reference("d48/con:v1");
    ok(oras_in(con.path()).args(["push", &con_ref, "CON"]));
    ok(oras().args(["pull", &con_ref, "-o"]).arg(&out));
    assert_eq!(fs::read_to_string(out.join("CON")).unwrap(), "console\n");
}

#[test]
fn d48_windows_reserved_names_are_refused_where_the_filesystem_refuses_them() {
    let reg = Registry::start();
    let reference = reg.reference("d48/windows:v1");
    push_files(
        &reference,
        &[
            ("CON", b"console\n"),
            ("a:b:", b"colon\n"),
            ("ok.txt", b"fine\n"),
        ],
    );

    // NTFS as Windows sees it: ntfs-3g with windows_names refuses CON and `:`.
    let strict = FsImage::ntfs(&["windows_names"]);
    let out = strict.path().join("out");
    let stderr = fails(oras().args(["pull", &reference, "-o"]).arg(&out));
    assert!(
        stderr.contains(r#"Error: "CON" cannot be a file name in "#)
            && stderr.contains("(invalid argument)"),
        "{stderr}"
    );
    assert_eq!(strict.entries(), Vec::<String>::new());

    // The same NTFS without windows_names stores both names: nothing is refused by a list of
    // ours, the filesystem decides.
    let lax = FsImage::ntfs(&[]);
    let out = lax.path().join("out");
    ok(oras().args(["pull", &reference, "-o"]).arg(&out));
    assert_eq!(lax.entries(), ["out", "out/CON", "out/a:b", "out/ok.txt"]);
    assert_eq!(fs::read_to_string(out.join("a:b")).unwrap(), "colon\n");
    assert_eq!(fs::read_to_string(out.join("CON")).unwrap(), "console\n");
}

#[test]
fn d48_directory_layers_with_clashing_or_refused_entry_names_leave_nothing_on_exfat() {
    let reg = Registry::start();
    let src = workdir();
    write_file(src.path(), "tree/README", "upper\n");
    write_file(src.path(), "tree/readme", "lower\n");
    write_file(src.path(), "colon/a:b", "colon\n");
    write_file(src.path(), "colon/fine", "fine\n");
    write_file(src.path(), "good/sub/file.txt", "good\n");
    let case_ref = reg.reference("d48/dir-case:v1");
    let colon_ref = reg.reference("d48/dir-colon:v1");
    let good_ref = reg.reference("d48/dir-good:v1");
    ok(oras_in(src.path()).args(["push", &case_ref, "tree"]));
    ok(oras_in(src.path()).args(["push", &colon_ref, "colon"]));
    ok(oras_in(src.path()).args(["push", &good_ref, "good"]));

    let exfat = FsImage::exfat();
    let out = exfat.path().join("out");
    let stderr = fails(oras().args(["pull", &case_ref, "-o"]).arg(&out));
    assert!(
        stderr.contains(r#"refusing archive entry "tree/readme": this filesystem takes it for an earlier entry whose name differs only by case"#),
        "{stderr}"
    );
    let stderr = fails(oras().args(["pull", &colon_ref, "-o"]).arg(&out));
    assert!(
        stderr.contains(
            r#"refusing archive entry "colon/a:b": this filesystem cannot store the name"#
        ),
        "{stderr}"
    );
    // Both failures unpacked into a temp directory that is gone: no half tree, no temp file.
    assert_eq!(exfat.entries(), ["out"]);

    // A directory exFAT can hold is pulled whole.
    ok(oras().args(["pull", &good_ref, "-o"]).arg(&out));
    assert_eq!(
        exfat.entries(),
        ["out", "out/good", "out/good/sub", "out/good/sub/file.txt"]
    );
    assert_eq!(
        fs::read_to_string(out.join("good/sub/file.txt")).unwrap(),
        "good\n"
    );
}

#[test]
fn d48_titles_of_an_index_child_are_checked_too() {
    // The titles live one level down, in a manifest the index points to: they are only seen
    // while copying, each tried on the disk when its blob is about to be written. The layers
    // download concurrently, so the first one may be complete by then: it stays, intact, and
    // the second is refused instead of overwriting it.
    let reg = Registry::start();
    push_files(
        &reg.reference("d48/index:child"),
        &[
            ("README", b"upper case readme\n"),
            ("readme", b"lower case readme\n"),
        ],
    );
    let index = reg.reference("d48/index:all");
    ok(oras().args(["manifest", "index", "create", &index, "child"]));

    let exfat = FsImage::exfat();
    let out = exfat.path().join("out");
    let stderr = fails(oras().args(["pull", &index, "-o"]).arg(&out));
    assert!(
        stderr.contains(r#""README" and "readme" would be the same file in "#),
        "{stderr}"
    );
    let left: Vec<String> = exfat.entries().into_iter().filter(|e| e != "out").collect();
    assert!(
        left.len() <= 1,
        "at most the first file, no temp file: {left:?}"
    );
    for name in &left {
        let text = fs::read_to_string(exfat.path().join(name)).unwrap();
        let expected = if name == "out/README" {
            "upper case readme\n"
        } else {
            "lower case readme\n"
        };
        assert_eq!(text, expected, "{name} holds its own bytes");
    }

    let linux = workdir();
    ok(oras().args(["pull", &index, "-o"]).arg(linux.path()));
    assert_eq!(list_files(linux.path()), ["README", "readme"]);
    assert_eq!(
        fs::read_to_string(linux.path().join("readme")).unwrap(),
        "lower case readme\n"
    );
}
