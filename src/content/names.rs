//! File names against the destination filesystem's own rules (reliability case D48).
//!
//! Linux filesystems take any name without `/` or NUL, but a pull may land on one that does not:
//! exFAT/FAT ignore case and refuse `<>:"|?*`, NTFS mounted with `windows_names` also refuses
//! `CON`, `NUL`, …. Written blindly, `README` then `readme` leaves one file where two were
//! pulled, and `a:b` fails half-way with a baffling "No such file or directory". So before
//! anything is downloaded, the names that *might* be a problem are tried out in a scratch
//! directory inside the output directory: the filesystem itself decides, whatever its rules.
//! Names that cannot be a problem cost nothing (no probe at all in the common case).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Component, Path};

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// Characters Windows-style filesystems refuse in a name (besides control characters).
const WINDOWS_FORBIDDEN: &[char] = &['<', '>', ':', '"', '\\', '|', '?', '*'];

/// Device names Win32 reserves, with or without an extension.
const WINDOWS_RESERVED: &[&str] = &["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];

/// Whether some filesystem might refuse `name` (one path component) as a file name: the
/// characters and names Windows refuses, and trailing dots or spaces, which it drops.
pub fn may_be_refused(name: &str) -> bool {
    if name
        .chars()
        .any(|c| c < ' ' || WINDOWS_FORBIDDEN.contains(&c))
    {
        return true;
    }
    if name.ends_with('.') && name != "." && name != ".." || name.ends_with(' ') {
        return true;
    }
    let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    if WINDOWS_RESERVED.contains(&upper.as_str()) {
        return true;
    }
    // COM0-9 and LPT0-9, superscript digits included.
    let mut chars = upper.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    let rest: Vec<char> = chars.collect();
    (prefix == "COM" || prefix == "LPT")
        && rest.len() == 1
        && (rest[0].is_ascii_digit() || matches!(rest[0], '¹' | '²' | '³'))
}

/// The key under which names a case- or normalisation-insensitive filesystem may confuse compare
/// equal (`README`/`readme`; `é` precomposed or as `e` + combining accent, as macOS sees them).
pub fn fold_key(title: &str) -> String {
    title.nfd().collect::<String>().to_lowercase()
}

/// Plain relative titles only: the others (absolute or with `..`, allowed by
/// `--allow-path-traversal`) do not live below the output directory, so a probe there says
/// nothing about them.
fn is_plain_relative(title: &str) -> bool {
    Path::new(title)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Checks that the filesystem of `root` can store every title as a separate file. Titles that
/// differ only by case, and titles with characters or names some filesystems refuse, are
/// created in a scratch directory under `root` (made if missing, removed again when the check
/// fails and it was made here). Nothing is probed when no title is in doubt.
pub fn check_on_disk(root: &Path, titles: &[&str]) -> Result<()> {
    let mut distinct: Vec<&str> = titles
        .iter()
        .copied()
        .filter(|t| is_plain_relative(t))
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let doubtful: Vec<&str> = distinct
        .iter()
        .copied()
        .filter(|t| {
            Path::new(t)
                .components()
                .any(|c| matches!(c, Component::Normal(n) if n.to_str().is_none_or(may_be_refused)))
        })
        .collect();
    let mut groups: HashMap<String, Vec<&str>> = HashMap::new();
    for title in &distinct {
        groups.entry(fold_key(title)).or_default().push(title);
    }
    let mut groups: Vec<Vec<&str>> = groups.into_values().filter(|g| g.len() > 1).collect();
    if doubtful.is_empty() && groups.is_empty() {
        return Ok(());
    }
    groups.sort();
    let made_root = !root.exists();
    fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let result = probe(root, &doubtful, &groups);
    if result.is_err() && made_root {
        // Only removes it while empty: the probe's own directory is already gone.
        let _ = fs::remove_dir(root);
    }
    result
}

fn probe(root: &Path, doubtful: &[&str], groups: &[Vec<&str>]) -> Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix(".oras-names-")
        .tempdir_in(root)
        .map_err(|e| Error::io(root, e))?;
    let unsupported = |title: &str, err: io::Error| Error::UnsupportedFileName {
        title: title.to_string(),
        dir: root.to_path_buf(),
        err,
    };
    let singles = scratch.path().join("n");
    fs::create_dir(&singles).map_err(|e| Error::io(&singles, e))?;
    for (i, title) in doubtful.iter().enumerate() {
        // One directory per title, so that two doubtful titles never meet here.
        let base = singles.join(i.to_string());
        fs::create_dir(&base).map_err(|e| Error::io(&base, e))?;
        create(&base, title).map_err(|e| unsupported(title, e))?;
    }
    for (i, group) in groups.iter().enumerate() {
        let base = scratch.path().join(format!("g{i}"));
        fs::create_dir(&base).map_err(|e| Error::io(&base, e))?;
        for (j, title) in group.iter().enumerate() {
            match create(&base, title) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && j > 0 => {
                    return Err(Error::FileNameClash {
                        first: group[0].to_string(),
                        second: title.to_string(),
                        dir: root.to_path_buf(),
                    });
                }
                Err(e) => return Err(unsupported(title, e)),
            }
        }
    }
    scratch.close().map_err(|e| Error::io(root, e))
}

/// Creates `title` below `base` as an empty file, its parents as directories.
fn create(base: &Path, title: &str) -> io::Result<()> {
    let path = base.join(title);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_names_are_in_doubt() {
        for name in [
            "a:b",
            "CON",
            "con",
            "Con.txt",
            "nul.tar.gz",
            "COM1",
            "lpt9.log",
            "COM¹",
            "x?",
            "a*b",
            "a<b",
            "a>b",
            "a\"b",
            "a|b",
            "a\\b",
            "tab\there",
            "dot.",
            "space ",
            "AUX ",
        ] {
            assert!(may_be_refused(name), "{name:?}");
        }
    }

    #[test]
    fn ordinary_names_are_not() {
        for name in [
            "README",
            "readme.md",
            "console",
            "CONFIG",
            "com",
            "COM10",
            "lpt",
            "nul_",
            "a.b.c",
            "x-y_z",
            "über",
            ".hidden",
            ".",
            "..",
            "COMA",
        ] {
            assert!(!may_be_refused(name), "{name:?}");
        }
    }

    #[test]
    fn fold_key_groups_case_variants() {
        assert_eq!(fold_key("Docs/README"), fold_key("docs/readme"));
        assert_eq!(fold_key("ÜBER"), fold_key("über"));
        assert_eq!(fold_key("caf\u{e9}"), fold_key("CAFE\u{301}"));
        assert_ne!(fold_key("a"), fold_key("b"));
    }

    #[test]
    fn nothing_in_doubt_touches_no_disk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        check_on_disk(&root, &["a.txt", "b/c.txt", "a.txt"]).unwrap();
        assert!(
            !root.exists(),
            "no probe, so the output directory is not made"
        );
    }

    #[test]
    fn case_sensitive_filesystem_keeps_both_and_cleans_up() {
        // The tests' temp directory is on a case-sensitive Linux filesystem.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        check_on_disk(&root, &["README", "readme", "a:b", "CON"]).unwrap();
        let left: Vec<_> = fs::read_dir(&root).unwrap().collect();
        assert!(left.is_empty(), "scratch directory removed: {left:?}");
    }

    #[test]
    fn refused_name_is_reported_and_new_root_removed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        // A name too long for any Linux filesystem stands in for a refused one here; the real
        // refusals (exFAT, NTFS) are in tests/filesystems.rs.
        let long = format!("{}:x", "a".repeat(300));
        let err = check_on_disk(&root, &[&long]).unwrap_err();
        assert!(
            matches!(&err, Error::UnsupportedFileName { title, .. } if *title == long),
            "{err}"
        );
        assert!(!root.exists());
    }
}
