//! Directories as layers (issue 4): `oras push ref dir/` packs tar+gzip with oras's annotations,
//! `oras pull` unpacks it safely. Every test runs the real `oras` binary against a real
//! Distribution registry (`tests/it/common`).
//!
//! The hostile cases are those of `shared/reference/reliability.md` §6 B 28–32 (gzip bomb,
//! symlink escapes, symlink chains, hard links resolved against the CWD, setuid bits) plus entries
//! outside the title, device files and digest mismatches. Their archives are built here with the
//! `tar` and `flate2` crates, header bytes written by hand where the `tar` crate would refuse, and
//! pushed with a hand-made manifest carrying the unpack annotations.

use crate::common;

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Output;

use common::*;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;
use std::time::Duration;

const TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const CONTENT_DIGEST: &str = "io.deis.oras.content.digest";
const UNPACK: &str = "io.deis.oras.content.unpack";
const SDE: &str = "1700000000";

// ---------------------------------------------------------------------------------------------
// helpers

/// Runs `oras args…` in `dir` under `umask`, through `sh`.
fn oras_with_umask(dir: &Path, umask: &str, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new("sh");
    clean_env(&mut cmd);
    cmd.current_dir(dir)
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(oras_bin())
        .args(args)
        .stdin(std::process::Stdio::null());
    cmd.output().expect("run sh")
}

/// A tree with nested directories, an empty directory, symlinks inside the tree (relative, to a
/// file and to a directory) and an executable file.
fn make_tree(root: &Path) {
    write_file(root, "tree/a.txt", "alpha\n");
    write_file(root, "tree/sub/b.txt", "beta\n");
    write_file(root, "tree/sub/deeper/c.txt", "gamma\n");
    write_file(root, "tree/bin/run.sh", "#!/bin/sh\necho hi\n");
    fs::set_permissions(
        root.join("tree/bin/run.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    fs::create_dir_all(root.join("tree/empty")).unwrap();
    std::os::unix::fs::symlink("../a.txt", root.join("tree/sub/link-to-a")).unwrap();
    std::os::unix::fs::symlink("sub/deeper", root.join("tree/deeper-link")).unwrap();
    // Fixed modes, whatever the umask of the test runner.
    for (path, mode) in [
        ("tree", 0o755),
        ("tree/sub", 0o755),
        ("tree/sub/deeper", 0o755),
        ("tree/bin", 0o755),
        ("tree/empty", 0o755),
        ("tree/a.txt", 0o644),
        ("tree/sub/b.txt", 0o644),
        ("tree/sub/deeper/c.txt", 0o644),
    ] {
        fs::set_permissions(root.join(path), fs::Permissions::from_mode(mode)).unwrap();
    }
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

/// Nothing under `out` but what was there before: no `name`, no temp leftovers.
fn assert_nothing_left(out: &Path, name: &str) {
    assert!(
        fs::symlink_metadata(out.join(name)).is_err(),
        "{name} exists after a failed pull"
    );
    let leftovers: Vec<String> = fs::read_dir(out)
        .map(|it| {
            it.map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        leftovers.is_empty(),
        "the failed pull left files behind: {leftovers:?}"
    );
}

/// One entry of a hand-built archive.
enum Entry<'a> {
    Dir(&'a str, u32),
    File(&'a str, u32, &'a [u8]),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    CharDevice(&'a str),
    Fifo(&'a str),
    /// A PAX extended header whose `path` record renames the next entry.
    PaxPath(&'a str),
}

/// One PAX record, `"<len> <key>=<value>\n"`, where `<len>` counts the whole record.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

/// Writes `bytes` into a header field, as a hostile producer would (no validation).
fn set_field(field: &mut [u8], bytes: &[u8]) {
    assert!(bytes.len() < field.len(), "name too long for the test");
    field.fill(0);
    field[..bytes.len()].copy_from_slice(bytes);
}

/// Builds the uncompressed tar of `entries` with raw header names.
fn build_tar(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(1_600_000_000);
        header.set_uid(0);
        header.set_gid(0);
        let pax;
        let (name, data): (&str, &[u8]) = match entry {
            Entry::PaxPath(path) => {
                header.set_entry_type(tar::EntryType::XHeader);
                header.set_mode(0o644);
                pax = pax_record("path", path);
                ("PaxHeaders/entry", &pax)
            }
            Entry::Dir(name, mode) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(*mode);
                (name, b"")
            }
            Entry::File(name, mode, data) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(*mode);
                (name, data)
            }
            Entry::Symlink(name, target) | Entry::Hardlink(name, target) => {
                header.set_entry_type(if matches!(entry, Entry::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                header.set_mode(0o777);
                set_field(&mut header.as_old_mut().linkname, target.as_bytes());
                (name, b"")
            }
            Entry::CharDevice(name) => {
                header.set_entry_type(tar::EntryType::Char);
                header.set_mode(0o666);
                header.set_device_major(1).unwrap();
                header.set_device_minor(3).unwrap();
                (name, b"")
            }
            Entry::Fifo(name) => {
                header.set_entry_type(tar::EntryType::Fifo);
                header.set_mode(0o644);
                (name, b"")
            }
        };
        set_field(&mut header.as_old_mut().name, name.as_bytes());
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Pushes one directory layer titled `title` (the blob `gz`, whose uncompressed digest the
/// annotation claims is `content_digest`) with a hand-made manifest, tagged `repo:tag`.
fn push_dir_layer(
    registry: &Registry,
    repo: &str,
    tag: &str,
    title: &str,
    gz: &[u8],
    content_digest: &str,
) {
    assert_eq!(registry.push_blob(repo, b"{}"), EMPTY_DIGEST);
    let digest = registry.push_blob(repo, gz);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.test.artifact",
        "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2, "data": "e30="},
        "layers": [{
            "mediaType": TAR_GZIP,
            "digest": digest,
            "size": gz.len(),
            "annotations": {TITLE: title, CONTENT_DIGEST: content_digest, UNPACK: "true"},
        }],
    });
    registry.put_manifest(
        repo,
        tag,
        OCI_MANIFEST,
        &serde_json::to_vec(&manifest).unwrap(),
    );
}

/// Pushes the archive of `entries` titled `t` as `hostile:<tag>` with a correct content digest.
fn push_hostile(registry: &Registry, tag: &str, entries: &[Entry<'_>]) {
    let tar = build_tar(entries);
    push_dir_layer(
        registry,
        "hostile",
        tag,
        "t",
        &gzip(&tar),
        &sha256_digest(&tar),
    );
}

/// Pulls `hostile:<tag>` into `<work>/out` from `work` and expects a clean failure; returns stderr.
fn pull_fails(registry: &Registry, work: &Path, tag: &str) -> String {
    fails(oras_in(work).args([
        "pull",
        &registry.reference(&format!("hostile:{tag}")),
        "-o",
        "out",
    ]))
}

/// The (only) layer descriptor of `repo:tag`.
fn layer(registry: &Registry, repo: &str, tag: &str) -> serde_json::Value {
    let manifest = registry.manifest_json(repo, tag);
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest}");
    layers[0].clone()
}

/// `(name, type, mode, uid, gid, uname, gname, mtime, link)` of each entry of a tar.
type TarRow = (String, char, u32, u64, u64, String, String, u64, String);

fn tar_rows(tar: &[u8]) -> Vec<TarRow> {
    let mut archive = tar::Archive::new(tar);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            (
                e.path().unwrap().to_string_lossy().to_string(),
                h.entry_type().as_byte() as char,
                h.mode().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.username().unwrap().unwrap_or_default().to_string(),
                h.groupname().unwrap().unwrap_or_default().to_string(),
                h.mtime().unwrap(),
                e.link_name()
                    .unwrap()
                    .map(|l| l.to_string_lossy().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// round trips

#[test]
fn directory_round_trip() {
    let registry = Registry::start();
    let work = workdir();
    make_tree(work.path());
    let reference = registry.reference("dirs/tree:v1");
    ok(oras_in(work.path()).args(["push", &reference, "tree"]));

    let out = work.path().join("out");
    let output = oras_with_umask(work.path(), "022", &["pull", &reference, "-o", "out"]);
    let stdout = assert_success(&output);
    assert!(stdout.contains("Pulled"), "{stdout}");

    let got = out.join("tree");
    assert_eq!(
        list_files(&got),
        [
            "a.txt",
            "bin/run.sh",
            "deeper-link",
            "sub/b.txt",
            "sub/deeper/c.txt",
            "sub/link-to-a"
        ]
    );
    assert_eq!(fs::read_to_string(got.join("a.txt")).unwrap(), "alpha\n");
    assert_eq!(
        fs::read_to_string(got.join("sub/deeper/c.txt")).unwrap(),
        "gamma\n"
    );
    // Symlinks come back as symlinks with their text, and work.
    assert_eq!(
        fs::read_link(got.join("sub/link-to-a")).unwrap(),
        Path::new("../a.txt")
    );
    assert_eq!(
        fs::read_to_string(got.join("sub/link-to-a")).unwrap(),
        "alpha\n"
    );
    assert_eq!(
        fs::read_link(got.join("deeper-link")).unwrap(),
        Path::new("sub/deeper")
    );
    // The empty directory exists and is empty.
    assert!(got.join("empty").is_dir());
    assert_eq!(fs::read_dir(got.join("empty")).unwrap().count(), 0);
    // The executable stays executable under umask 022, and the others are not.
    assert_eq!(mode(&got.join("bin/run.sh")), 0o755);
    assert_eq!(mode(&got.join("a.txt")), 0o644);
    // mtimes come from the archive (oras keeps them).
    let src_mtime = fs::metadata(work.path().join("tree/sub/b.txt"))
        .unwrap()
        .mtime();
    assert_eq!(
        fs::metadata(got.join("sub/b.txt")).unwrap().mtime(),
        src_mtime
    );
    // Only the directory itself: no temp file or temp directory left beside it.
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["tree"]);
}

#[test]
fn directory_manifest_in_registry() {
    let registry = Registry::start();
    let work = workdir();
    make_tree(work.path());
    // The title is the directory name as given, cleaned.
    ok(oras_in(work.path()).args(["push", &registry.reference("dirs/tree:v1"), "./tree/"]));

    let layer = layer(&registry, "dirs/tree", "v1");
    assert_eq!(layer["mediaType"], TAR_GZIP);
    assert_eq!(layer["annotations"][TITLE], "tree");
    assert_eq!(layer["annotations"][UNPACK], "true");
    assert_eq!(
        layer["annotations"].as_object().unwrap().len(),
        3,
        "{layer}"
    );
    let digest = layer["digest"].as_str().unwrap();
    let (status, _, blob) = registry.get(&format!("/v2/dirs/tree/blobs/{digest}"));
    assert_eq!(status, 200);
    assert_eq!(layer["size"], blob.len());
    assert_eq!(sha256_digest(&blob), digest);
    let tar = gunzip(&blob);
    assert_eq!(layer["annotations"][CONTENT_DIGEST], sha256_digest(&tar));
    // gzip header: no file name flag, zero mtime.
    assert_eq!(blob[3] & 0x08, 0, "gzip header carries a file name");
    assert_eq!(
        &blob[4..8],
        &[0, 0, 0, 0],
        "gzip header carries a timestamp"
    );

    let rows = tar_rows(&tar);
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    // Lexical walk order, entry names `<title>/<relative path>`.
    assert_eq!(
        names,
        [
            "tree",
            "tree/a.txt",
            "tree/bin",
            "tree/bin/run.sh",
            "tree/deeper-link",
            "tree/empty",
            "tree/sub",
            "tree/sub/b.txt",
            "tree/sub/deeper",
            "tree/sub/deeper/c.txt",
            "tree/sub/link-to-a",
        ]
    );
    for (name, kind, mode, uid, gid, uname, gname, mtime, link) in &rows {
        assert_eq!((*uid, *gid), (0, 0), "{name}");
        assert_eq!((uname.as_str(), gname.as_str()), ("", ""), "{name}");
        let on_disk = fs::symlink_metadata(work.path().join(name)).unwrap();
        assert_eq!(
            *mtime,
            on_disk.mtime() as u64,
            "{name}: mtime from the disk"
        );
        assert_eq!(*mode, on_disk.mode() & 0o7777, "{name}: mode from the disk");
        match name.as_str() {
            "tree/sub/link-to-a" => assert_eq!((*kind, link.as_str()), ('2', "../a.txt")),
            "tree/deeper-link" => assert_eq!((*kind, link.as_str()), ('2', "sub/deeper")),
            n if on_disk.is_dir() => assert_eq!(*kind, '5', "{n}"),
            n => assert_eq!(*kind, '0', "{n}"),
        }
    }
}

#[test]
fn directory_push_is_reproducible_with_source_date_epoch() {
    let registry = Registry::start();
    let work = workdir();
    make_tree(work.path());
    let push = |tag: &str, epoch: Option<&str>| {
        let mut cmd = oras_in(work.path());
        if let Some(epoch) = epoch {
            cmd.env("SOURCE_DATE_EPOCH", epoch);
        }
        ok(cmd.args([
            "push",
            &registry.reference(&format!("dirs/repro:{tag}")),
            "tree",
        ]));
        layer(&registry, "dirs/repro", tag)["digest"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = push("a", Some(SDE));
    // Change the mtimes on disk (a file and a directory): the archive must not change.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_234_567_890);
    fs::File::options()
        .write(true)
        .open(work.path().join("tree/a.txt"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    fs::File::open(work.path().join("tree/sub"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let second = push("b", Some(SDE));
    assert_eq!(
        first, second,
        "same tree, same SOURCE_DATE_EPOCH, same digest"
    );
    // The whole manifest is reproducible too (created comes from the epoch).
    assert_eq!(
        registry.resolve("dirs/repro", "a"),
        registry.resolve("dirs/repro", "b")
    );
    let (_, _, blob) = registry.get(&format!("/v2/dirs/repro/blobs/{first}"));
    for row in tar_rows(&gunzip(&blob)) {
        assert_eq!(row.7, 1_700_000_000, "{}: mtime is the epoch", row.0);
    }
    // Without SOURCE_DATE_EPOCH the disk's mtimes are kept, as oras does, so the digest moves.
    let third = push("c", None);
    assert_ne!(first, third);
}

#[test]
fn directory_permissions_follow_umask_unless_preserved() {
    let registry = Registry::start();
    let work = workdir();
    make_tree(work.path());
    let reference = registry.reference("dirs/perms:v1");
    ok(oras_in(work.path()).args(["push", &reference, "tree"]));

    // umask 077 removes group/other bits; umask 111 removes every executable bit.
    let masked = oras_with_umask(work.path(), "111", &["pull", &reference, "-o", "masked"]);
    assert_success(&masked);
    let got = work.path().join("masked/tree");
    assert_eq!(mode(&got.join("bin/run.sh")), 0o644, "umask 111 drops x");
    assert_eq!(mode(&got.join("a.txt")), 0o644);

    let private = oras_with_umask(work.path(), "077", &["pull", &reference, "-o", "private"]);
    assert_success(&private);
    let got = work.path().join("private/tree");
    assert_eq!(mode(&got.join("bin/run.sh")), 0o700);
    assert_eq!(mode(&got.join("a.txt")), 0o600);
    assert_eq!(mode(&got.join("sub")), 0o700);
    assert_eq!(mode(&got), 0o700);

    let kept = oras_with_umask(
        work.path(),
        "111",
        &["pull", &reference, "-o", "kept", "--preserve-permissions"],
    );
    assert_success(&kept);
    let got = work.path().join("kept/tree");
    assert_eq!(mode(&got.join("bin/run.sh")), 0o755, "tar mode kept");
    assert_eq!(mode(&got.join("a.txt")), 0o644);
    assert_eq!(mode(&got.join("sub")), 0o755);
}

#[test]
fn directory_pull_with_keep_old_files_refuses_an_existing_directory() {
    let registry = Registry::start();
    let work = workdir();
    make_tree(work.path());
    let reference = registry.reference("dirs/keep:v1");
    ok(oras_in(work.path()).args(["push", &reference, "tree"]));
    write_file(work.path(), "out/tree/mine.txt", "mine\n");

    let stderr = fails(oras_in(work.path()).args(["pull", &reference, "-o", "out", "-k"]));
    assert!(stderr.contains("overwrite disallowed"), "{stderr}");
    assert_eq!(list_files(&work.path().join("out")), ["tree/mine.txt"]);

    // Without -k the directory is merged into: pulled files appear, the user's file stays.
    ok(oras_in(work.path()).args(["pull", &reference, "-o", "out"]));
    let got = work.path().join("out/tree");
    assert_eq!(fs::read_to_string(got.join("mine.txt")).unwrap(), "mine\n");
    assert_eq!(fs::read_to_string(got.join("sub/b.txt")).unwrap(), "beta\n");
    let names: Vec<String> = fs::read_dir(work.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["tree"], "no temp directory left");
}

#[test]
fn directory_pull_refuses_a_symlink_in_place_of_the_target() {
    let registry = Registry::start();
    let work = workdir();
    make_tree(work.path());
    let reference = registry.reference("dirs/link:v1");
    ok(oras_in(work.path()).args(["push", &reference, "tree"]));
    let victim = workdir();
    fs::create_dir_all(work.path().join("out")).unwrap();
    std::os::unix::fs::symlink(victim.path(), work.path().join("out/tree")).unwrap();

    let stderr = fails(oras_in(work.path()).args(["pull", &reference, "-o", "out"]));
    assert!(stderr.contains("not a directory"), "{stderr}");
    assert!(
        list_files(victim.path()).is_empty(),
        "wrote through the link"
    );
}

#[test]
fn directory_merge_never_enters_a_symlink_of_the_existing_directory() {
    let registry = Registry::start();
    let work = workdir();
    make_tree(work.path());
    let reference = registry.reference("dirs/merge:v1");
    ok(oras_in(work.path()).args(["push", &reference, "tree"]));
    let victim = workdir();
    fs::create_dir_all(work.path().join("out/tree")).unwrap();
    std::os::unix::fs::symlink(victim.path(), work.path().join("out/tree/sub")).unwrap();

    let stderr = fails(oras_in(work.path()).args(["pull", &reference, "-o", "out"]));
    assert!(stderr.contains("not a directory"), "{stderr}");
    assert!(
        list_files(victim.path()).is_empty(),
        "wrote through the link"
    );
    // The conflict is found before anything moves: the existing directory is as it was.
    let names: Vec<String> = fs::read_dir(work.path().join("out/tree"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["sub"]);
}

#[test]
fn directory_blob_is_verified_before_anything_is_placed() {
    let registry = Registry::start();
    let work = workdir();
    make_tree(work.path());
    let reference = registry.reference("dirs/corrupt:v1");
    ok(oras_in(work.path()).args(["push", &reference, "tree"]));
    // Replace the stored blob by another valid tar.gz of the same title.
    let digest = layer(&registry, "dirs/corrupt", "v1")["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let size = layer(&registry, "dirs/corrupt", "v1")["size"]
        .as_u64()
        .unwrap() as usize;
    let planted = build_tar(&[
        Entry::Dir("tree", 0o755),
        Entry::File("tree/planted.txt", 0o644, b"not what was pushed\n"),
    ]);
    // Same size as the real blob (padded through the gzip header's extra field), so only the
    // digest can tell.
    let base = gzip(&planted).len() + 2;
    assert!(base <= size, "planted archive too large: {base} > {size}");
    let mut gz = flate2::GzBuilder::new()
        .extra(vec![0u8; size - base])
        .write(Vec::new(), Compression::default());
    gz.write_all(&planted).unwrap();
    let other = gz.finish().unwrap();
    assert_eq!(other.len(), size);
    assert_eq!(gunzip(&other), planted);
    fs::write(registry.blob_data_path(&digest), &other).unwrap();

    let stderr = fails(oras_in(work.path()).args(["pull", &reference, "-o", "out"]));
    // The compressed blob's check fails (not the later content-digest check).
    assert!(
        stderr.contains(&format!("digest mismatch: expected {digest}")),
        "{stderr}"
    );
    assert_nothing_left(&work.path().join("out"), "tree");
}

#[test]
fn directory_content_digest_mismatch_leaves_nothing() {
    let registry = Registry::start();
    let work = workdir();
    let tar = build_tar(&[
        Entry::Dir("t", 0o755),
        Entry::File("t/f.txt", 0o644, b"hello\n"),
    ]);
    push_dir_layer(
        &registry,
        "hostile",
        "digest",
        "t",
        &gzip(&tar),
        &sha256_digest(b"something else"),
    );
    let stderr = pull_fails(&registry, work.path(), "digest");
    assert!(stderr.contains("content digest mismatch"), "{stderr}");
    assert_nothing_left(&work.path().join("out"), "t");
}

// ---------------------------------------------------------------------------------------------
// hostile archives (reliability.md §6 B 28–32)

#[test]
fn hostile_28_gzip_bomb_stops_at_the_cap() {
    let registry = Registry::start();
    let work = workdir();
    // 40 entries of 4 MiB of zeros: 160 MiB unpacked, well under 1 MiB compressed.
    let chunk = vec![0u8; 4 << 20];
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    let mut tar_hasher = sha2_hasher();
    {
        let mut builder = tar::Builder::new(TeeWriter {
            gz: &mut gz,
            hasher: &mut tar_hasher,
        });
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(0o755);
        header.set_size(0);
        builder.append_data(&mut header, "t", &[][..]).unwrap();
        for i in 0..40 {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            header.set_size(chunk.len() as u64);
            builder
                .append_data(&mut header, format!("t/zero-{i}"), &chunk[..])
                .unwrap();
        }
        builder.finish().unwrap();
    }
    let blob = gz.finish().unwrap();
    assert!(blob.len() < 1 << 20, "bomb is {} bytes", blob.len());
    let tar_digest = format!("sha256:{}", hex::encode(sha2::Digest::finalize(tar_hasher)));
    push_dir_layer(&registry, "hostile", "bomb", "t", &blob, &tar_digest);

    let output = oras_in(work.path())
        .env("ORAS_MAX_UNPACK_SIZE", (32u64 << 20).to_string())
        .args(["pull", &registry.reference("hostile:bomb"), "-o", "out"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&output);
    assert!(
        stderr.contains("exceeds the limit of 33554432 bytes"),
        "{stderr}"
    );
    assert!(stderr.contains("ORAS_MAX_UNPACK_SIZE"), "hint: {stderr}");
    assert_nothing_left(&work.path().join("out"), "t");

    // The same archive is fine under a cap it fits.
    ok(oras_in(work.path())
        .env("ORAS_MAX_UNPACK_SIZE", (256u64 << 20).to_string())
        .args(["pull", &registry.reference("hostile:bomb"), "-o", "out"]));
    assert_eq!(
        fs::metadata(work.path().join("out/t/zero-39"))
            .unwrap()
            .len(),
        4 << 20
    );
}

fn sha2_hasher() -> sha2::Sha256 {
    <sha2::Sha256 as sha2::Digest>::new()
}

/// Writes to the gzip encoder and the tar hasher at once.
struct TeeWriter<'a> {
    gz: &'a mut GzEncoder<Vec<u8>>,
    hasher: &'a mut sha2::Sha256,
}

impl Write for TeeWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.gz.write(buf)?;
        sha2::Digest::update(self.hasher, &buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.gz.flush()
    }
}

#[test]
fn hostile_29_symlink_to_parent_then_write_through_it() {
    let registry = Registry::start();
    let work = workdir();
    push_hostile(
        &registry,
        "dotdot",
        &[
            Entry::Dir("t", 0o755),
            Entry::Symlink("t/link", ".."),
            Entry::Dir("t/link/x", 0o755),
            Entry::File("t/link/x/file", 0o644, b"escaped\n"),
        ],
    );
    let stderr = pull_fails(&registry, work.path(), "dotdot");
    assert!(stderr.contains("points outside"), "{stderr}");
    assert_nothing_left(&work.path().join("out"), "t");
    assert!(!work.path().join("out/x").exists());
    assert!(!work.path().join("x").exists());
}

#[test]
fn hostile_29_absolute_symlink_then_write_through_it() {
    let registry = Registry::start();
    let work = workdir();
    let victim = workdir();
    let target = victim.path().to_str().unwrap().to_string();
    push_hostile(
        &registry,
        "abs",
        &[
            Entry::Dir("t", 0o755),
            Entry::Symlink("t/evil", &target),
            Entry::File("t/evil/pwn", 0o644, b"escaped\n"),
        ],
    );
    let stderr = pull_fails(&registry, work.path(), "abs");
    assert!(stderr.contains("points outside"), "{stderr}");
    assert_nothing_left(&work.path().join("out"), "t");
    assert!(
        list_files(victim.path()).is_empty(),
        "wrote into the victim"
    );
}

#[test]
fn hostile_29_symlink_inside_as_parent_is_refused() {
    // Even a link that stays inside may not be a parent of a later entry: nothing is ever
    // written through a symlink.
    let registry = Registry::start();
    let work = workdir();
    push_hostile(
        &registry,
        "inner",
        &[
            Entry::Dir("t", 0o755),
            Entry::Dir("t/real", 0o755),
            Entry::Symlink("t/alias", "real"),
            Entry::File("t/alias/f", 0o644, b"via link\n"),
        ],
    );
    let stderr = pull_fails(&registry, work.path(), "inner");
    assert!(
        stderr.contains("parent directory is a symbolic link"),
        "{stderr}"
    );
    assert_nothing_left(&work.path().join("out"), "t");
}

#[test]
fn hostile_30_symlink_chain_then_same_name_file() {
    // GHSA-m37j: each link looks inside as text, but `e` resolves through `d/s` (the root)
    // and `..` to the parent of the root. Then a regular file of the same name follows.
    let registry = Registry::start();
    let work = workdir();
    fs::create_dir_all(work.path().join("out")).unwrap();
    push_hostile(
        &registry,
        "chain",
        &[
            Entry::Dir("t", 0o755),
            Entry::Dir("t/d", 0o755),
            Entry::Symlink("t/d/s", ".."),
            Entry::Symlink("t/e", "d/s/../sentinel"),
            Entry::File("t/e", 0o644, b"overwritten\n"),
        ],
    );
    write_file(work.path(), "out/sentinel", "precious\n");
    let stderr = pull_fails(&registry, work.path(), "chain");
    assert!(stderr.contains("points outside"), "{stderr}");
    assert_eq!(
        fs::read_to_string(work.path().join("out/sentinel")).unwrap(),
        "precious\n"
    );
    assert!(!work.path().join("out/t").exists());
    assert_eq!(list_files(&work.path().join("out")), ["sentinel"]);
}

#[test]
fn hostile_30_symlink_chain_completed_by_a_later_link() {
    // The first link is checked while `d/s` does not exist yet (so it looks inside); the link
    // that makes it escape comes later. The final check of every link catches it.
    let registry = Registry::start();
    let work = workdir();
    push_hostile(
        &registry,
        "late",
        &[
            Entry::Dir("t", 0o755),
            Entry::Dir("t/d", 0o755),
            Entry::Symlink("t/e", "d/s/../escape"),
            Entry::Symlink("t/d/s", ".."),
        ],
    );
    let stderr = pull_fails(&registry, work.path(), "late");
    assert!(stderr.contains("resolves outside"), "{stderr}");
    assert_nothing_left(&work.path().join("out"), "t");
}

#[test]
fn hostile_30_duplicate_entry_over_a_symlink_is_refused() {
    let registry = Registry::start();
    let work = workdir();
    push_hostile(
        &registry,
        "dup",
        &[
            Entry::Dir("t", 0o755),
            Entry::File("t/target", 0o644, b"inside\n"),
            Entry::Symlink("t/l", "target"),
            Entry::File("t/l", 0o644, b"through the link\n"),
        ],
    );
    let stderr = pull_fails(&registry, work.path(), "dup");
    assert!(stderr.contains("duplicate entry"), "{stderr}");
    assert_nothing_left(&work.path().join("out"), "t");
}

#[test]
fn hostile_31_hardlinks_out_are_refused() {
    // GHSA-fxhp: a relative hard link name must never be resolved against the CWD, which holds
    // a file of that name here.
    let registry = Registry::start();
    let work = workdir();
    let sentinel = write_file(work.path(), "sentinel", "cwd secret\n");
    let cases = [
        ("rel", "sentinel"),
        ("dotdot", "t/../sentinel"),
        ("up", "../sentinel"),
        ("abs", sentinel.to_str().unwrap()),
        ("missing", "t/sentinel"),
    ];
    for (tag, link) in cases {
        push_hostile(
            &registry,
            tag,
            &[Entry::Dir("t", 0o755), Entry::Hardlink("t/x", link)],
        );
        let stderr = pull_fails(&registry, work.path(), tag);
        assert!(stderr.contains("hard link"), "{tag}: {stderr}");
        assert_nothing_left(&work.path().join("out"), "t");
    }
    let meta = fs::metadata(&sentinel).unwrap();
    assert_eq!(meta.nlink(), 1, "the CWD file was linked somewhere");
    assert_eq!(fs::read_to_string(&sentinel).unwrap(), "cwd secret\n");
}

#[test]
fn hardlink_to_an_earlier_file_of_the_archive_works() {
    let registry = Registry::start();
    let work = workdir();
    push_hostile(
        &registry,
        "goodlink",
        &[
            Entry::Dir("t", 0o755),
            Entry::File("t/a", 0o644, b"shared\n"),
            Entry::Hardlink("t/b", "t/a"),
        ],
    );
    ok(oras_in(work.path()).args(["pull", &registry.reference("hostile:goodlink"), "-o", "out"]));
    let b = work.path().join("out/t/b");
    assert_eq!(fs::read_to_string(&b).unwrap(), "shared\n");
    assert_eq!(fs::metadata(&b).unwrap().nlink(), 2);
}

#[test]
fn hostile_32_setuid_and_setgid_are_stripped() {
    let registry = Registry::start();
    let work = workdir();
    push_hostile(
        &registry,
        "suid",
        &[
            Entry::Dir("t", 0o755),
            Entry::File("t/suid", 0o4755, b"#!/bin/sh\n"),
            Entry::File("t/sgid", 0o2755, b"#!/bin/sh\n"),
            Entry::Dir("t/sgid-dir", 0o2775),
        ],
    );
    let reference = registry.reference("hostile:suid");
    let plain = oras_with_umask(work.path(), "022", &["pull", &reference, "-o", "plain"]);
    assert_success(&plain);
    let kept = oras_with_umask(
        work.path(),
        "022",
        &["pull", &reference, "-o", "kept", "--preserve-permissions"],
    );
    assert_success(&kept);
    for out in ["plain", "kept"] {
        let t = work.path().join(out).join("t");
        assert_eq!(mode(&t.join("suid")), 0o755, "{out}");
        assert_eq!(mode(&t.join("sgid")), 0o755, "{out}");
    }
    assert_eq!(mode(&work.path().join("plain/t/sgid-dir")), 0o755);
    assert_eq!(mode(&work.path().join("kept/t/sgid-dir")), 0o775);
}

#[test]
fn hostile_entries_outside_the_title_are_refused() {
    let registry = Registry::start();
    let work = workdir();
    let victim = workdir();
    let abs = format!("{}/pwn", victim.path().display());
    let cases: [(&str, &str); 4] = [
        ("dotdot", "t/../../pwn"),
        ("up", "../pwn"),
        ("other", "other/pwn"),
        ("abs", &abs),
    ];
    for (tag, name) in cases {
        push_hostile(
            &registry,
            tag,
            &[
                Entry::Dir("t", 0o755),
                Entry::File(name, 0o644, b"escaped\n"),
            ],
        );
        let stderr = pull_fails(&registry, work.path(), tag);
        assert!(stderr.contains("refusing archive entry"), "{tag}: {stderr}");
        assert_nothing_left(&work.path().join("out"), "t");
    }
    assert!(!work.path().join("pwn").exists());
    assert!(list_files(victim.path()).is_empty());
}

#[test]
fn hostile_device_files_and_fifos_are_refused() {
    let registry = Registry::start();
    let work = workdir();
    for (tag, entry, words) in [
        ("dev", Entry::CharDevice("t/null"), "device files"),
        ("fifo", Entry::Fifo("t/pipe"), "FIFOs"),
    ] {
        push_hostile(&registry, tag, &[Entry::Dir("t", 0o755), entry]);
        let stderr = pull_fails(&registry, work.path(), tag);
        assert!(stderr.contains(words), "{tag}: {stderr}");
        assert_nothing_left(&work.path().join("out"), "t");
    }
}

#[test]
fn hostile_pax_path_override_is_checked() {
    // The name in the ustar header looks harmless; the PAX record that replaces it does not.
    let registry = Registry::start();
    let work = workdir();
    push_hostile(
        &registry,
        "pax",
        &[
            Entry::Dir("t", 0o755),
            Entry::PaxPath("t/../../pax-escape"),
            Entry::File("t/innocent", 0o644, b"escaped\n"),
        ],
    );
    let stderr = pull_fails(&registry, work.path(), "pax");
    assert!(stderr.contains("t/../../pax-escape"), "{stderr}");
    assert_nothing_left(&work.path().join("out"), "t");
    assert!(!work.path().join("pax-escape").exists());
}

#[test]
fn hostile_truncated_archive_leaves_nothing() {
    let registry = Registry::start();
    let work = workdir();
    let tar = build_tar(&[
        Entry::Dir("t", 0o755),
        Entry::File("t/a", 0o644, &[7u8; 64 << 10]),
        Entry::File("t/b", 0o644, b"b\n"),
    ]);
    let gz = gzip(&tar);
    let cut = &gz[..gz.len() / 2];
    push_dir_layer(&registry, "hostile", "cut", "t", cut, &sha256_digest(&tar));
    let stderr = pull_fails(&registry, work.path(), "cut");
    assert!(stderr.contains("invalid archive"), "{stderr}");
    assert_nothing_left(&work.path().join("out"), "t");
}

// ---------------------------------------------------------------------------------------------
// push-side refusals

#[test]
fn push_refuses_a_directory_with_a_symlink_pointing_out() {
    let registry = Registry::start();
    let work = workdir();
    write_file(work.path(), "tree/a.txt", "a\n");
    std::os::unix::fs::symlink("/etc/passwd", work.path().join("tree/abs")).unwrap();
    let stderr =
        fails(oras_in(work.path()).args(["push", &registry.reference("dirs/out:v1"), "tree"]));
    assert!(stderr.contains("points outside the directory"), "{stderr}");
    assert!(registry.tags("dirs/out").is_empty());

    fs::remove_file(work.path().join("tree/abs")).unwrap();
    std::os::unix::fs::symlink("../../x", work.path().join("tree/up")).unwrap();
    let stderr =
        fails(oras_in(work.path()).args(["push", &registry.reference("dirs/out:v1"), "tree"]));
    assert!(stderr.contains("tree/up"), "{stderr}");
    assert!(registry.tags("dirs/out").is_empty());
}

#[test]
fn directory_long_names_and_a_title_outside_the_working_directory() {
    // Names and link targets over the 100-byte tar header fields; a directory pushed as `../d`
    // keeps that title (as oras does), so a pull refuses it unless -T is given.
    let registry = Registry::start();
    let work = workdir();
    let long = "n".repeat(120);
    let deep = format!("d/{long}/{long}/{long}.txt");
    write_file(work.path(), &deep, "deep\n");
    let link_text = format!("{long}/{long}/{long}.txt");
    std::os::unix::fs::symlink(&link_text, work.path().join("d/long-link")).unwrap();
    let inner = work.path().join("inner");
    fs::create_dir_all(&inner).unwrap();
    let reference = registry.reference("dirs/long:v1");
    ok(oras_in(&inner).args(["push", &reference, "../d"]));
    assert_eq!(
        layer(&registry, "dirs/long", "v1")["annotations"][TITLE],
        "../d"
    );

    let stderr = fails(oras_in(&inner).args(["pull", &reference, "-o", "out"]));
    assert!(stderr.contains("path traversal disallowed"), "{stderr}");
    assert_nothing_left(&inner.join("out"), "d");

    let pulled = workdir();
    let run_in = pulled.path().join("cwd");
    fs::create_dir_all(&run_in).unwrap();
    ok(oras_in(&run_in).args(["pull", &reference, "-T"]));
    let got = pulled.path().join("d");
    assert_eq!(
        fs::read_to_string(got.join(format!("{long}/{long}/{long}.txt"))).unwrap(),
        "deep\n"
    );
    assert_eq!(
        fs::read_link(got.join("long-link")).unwrap(),
        Path::new(&link_text)
    );
    assert_eq!(fs::read_to_string(got.join("long-link")).unwrap(), "deep\n");
}

#[test]
fn big_directory_streams_with_bounded_memory() {
    if !rss::in_own_process("directories::big_directory_streams_with_bounded_memory") {
        return;
    }
    // A 96 MiB file inside a directory: packing, uploading, downloading and unpacking all
    // stream, so neither process may come near holding it (or its tar) in memory.
    let mib: u64 = 96;
    let limit_kib = 64 * 1024;
    let registry = Registry::start();
    let work = workdir();
    {
        fs::create_dir_all(work.path().join("big")).unwrap();
        let mut file =
            std::io::BufWriter::new(fs::File::create(work.path().join("big/data.bin")).unwrap());
        let mut chunk = vec![0u8; 1 << 20];
        for i in 0..mib {
            chunk[..8].copy_from_slice(&i.to_le_bytes());
            file.write_all(&chunk).unwrap();
        }
        file.flush().unwrap();
    }
    let reference = registry.reference("dirs/big:v1");
    let mut push = oras_std();
    push.current_dir(work.path())
        .args(["push", &reference, "big"]);
    let (code, push_rss) = rss::run_measuring_rss(
        &mut push,
        &work.path().join("push"),
        Duration::from_secs(600),
    );
    assert_eq!(
        code,
        0,
        "push failed: {}",
        fs::read_to_string(work.path().join("push.stderr")).unwrap_or_default()
    );
    let mut pull = oras_std();
    pull.current_dir(work.path())
        .args(["pull", &reference, "-o", "out"]);
    let (code, pull_rss) = rss::run_measuring_rss(
        &mut pull,
        &work.path().join("pull"),
        Duration::from_secs(600),
    );
    assert_eq!(
        code,
        0,
        "pull failed: {}",
        fs::read_to_string(work.path().join("pull.stderr")).unwrap_or_default()
    );
    eprintln!("{mib} MiB directory: peak RSS push {push_rss} KiB, pull {pull_rss} KiB");
    let pulled = work.path().join("out/big/data.bin");
    assert_eq!(fs::metadata(&pulled).unwrap().len(), mib << 20);
    {
        let mut file = fs::File::open(&pulled).unwrap();
        let mut buf = vec![0u8; 1 << 20];
        for i in 0..mib {
            file.read_exact(&mut buf).unwrap();
            assert_eq!(&buf[..8], &i.to_le_bytes(), "chunk {i} misplaced");
        }
    }
    assert!(push_rss < limit_kib, "push peak RSS {push_rss} KiB");
    assert!(pull_rss < limit_kib, "pull peak RSS {pull_rss} KiB");
}

/// Pushes `tree` (a small first file, then 4 MB of incompressible bytes, so a cut halfway lands
/// after the first file was extracted) as `<repo>:v1`, and puts a hostile server in front of the
/// registry that answers the layer's GET with `answer(blob size, first half of the blob)`.
/// Returns the hostile server.
fn serve_half_a_directory(
    registry: &Registry,
    work: &Path,
    repo: &str,
    answer: fn(u64, Vec<u8>) -> common::hostile::Action,
) -> common::hostile::Hostile {
    use common::hostile::{Action, Hostile};
    write_file(work, "tree/a.txt", "first entry\n");
    let noise: Vec<u8> = (0..4_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(work.join("tree/z.bin"), &noise).unwrap();
    let reference = registry.reference(&format!("{repo}:v1"));
    ok(oras_in(work).args(["push", &reference, "tree"]));
    let digest = layer(registry, repo, "v1")["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = fs::read(registry.blob_data_path(&digest)).unwrap();
    let size = blob.len() as u64;
    let half = blob[..blob.len() / 2].to_vec();
    let layer_path = format!("/blobs/{digest}");
    Hostile::start(Some(registry), move |req| {
        if req.method == "GET" && req.path().ends_with(&layer_path) {
            answer(size, half.clone())
        } else {
            Action::Forward
        }
    })
}

/// A directory blob whose transfer is cut halfway (every attempt): files at the start of the
/// archive were already extracted when the stream broke, and none of them may be left, under the
/// final name or in a temp directory.
#[test]
fn a10_a_directory_blob_cut_mid_transfer_leaves_nothing() {
    let registry = Registry::start();
    let work = workdir();
    let hostile = serve_half_a_directory(&registry, work.path(), "dirs/cut", |size, half| {
        common::hostile::Action::Truncated {
            status: 200,
            headers: vec![],
            content_length: size,
            body: half,
        }
    });
    let from = format!("{}/dirs/cut:v1", hostile.addr());
    fails(oras_in(work.path()).args(["pull", &from, "-o", "out"]));
    assert_nothing_left(&work.path().join("out"), "tree");
}

/// SIGINT while a directory layer is still arriving: the extractor has already made its temp
/// directory (and the first file) beside the target. The command exits 130 and leaves nothing.
#[test]
fn d45_sigint_mid_directory_pull_leaves_nothing() {
    use std::time::Instant;
    let registry = Registry::start();
    let work = workdir();
    let hostile = serve_half_a_directory(&registry, work.path(), "dirs/sigint", |size, half| {
        common::hostile::Action::HeadersThenStall {
            status: 200,
            headers: vec![],
            content_length: size,
            body: half,
        }
    });
    let out = work.path().join("out");
    let mut child = common::oras_std()
        .args(["pull", &format!("{}/dirs/sigint:v1", hostile.addr()), "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the extraction is under way: its temp directory exists beside the target.
    let deadline = Instant::now() + Duration::from_secs(60);
    let unpacking = || {
        fs::read_dir(&out).is_ok_and(|mut it| {
            it.any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".oras-unpack-")
            })
        })
    };
    while !unpacking() {
        assert!(Instant::now() < deadline, "the extraction never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _) = common::signal_and_wait(&mut child, libc::SIGINT);
    assert_eq!(status.code(), Some(130));
    assert_nothing_left(&out, "tree");
}
