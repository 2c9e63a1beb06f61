//! What oras's e2e suite (`test/e2e` in oras-project/oras) checks with its helpers, re-expressed
//! for the `e2e_*` modules: `MatchStatus` (a state machine over status lines: each key, a
//! `(digest prefix, name)` pair, must walk one of the command's status paths to its end, and the
//! number of keys that reached an end is checked) and the `foobar` test data.

use std::path::Path;

use crate::common::write_file;

/// A `(12-hex digest prefix, name)` pair, as oras's `match.StateKey`.
pub type Key<'a> = (&'a str, &'a str);

fn paths(cmd: &str) -> &'static [&'static [&'static str]] {
    match cmd {
        "push" | "attach" => &[&["Uploading", "Uploaded"], &["Exists"], &["Skipped"]],
        "pull" => &[
            &["Downloading", "Downloaded"],
            &["Downloading", "Processing", "Downloaded"],
            &["Skipped"],
            &["Restored"],
        ],
        "cp" => &[
            &["Copying", "Copied"],
            &["Skipped"],
            &["Exists"],
            &["Mounted"],
        ],
        // Not in the stored matcher (it predates backup/restore): the words oras v1.3's
        // backup and restore print for a node.
        "backup" => &[&["Pulling", "Pulled"], &["Exists"], &["Skipped"]],
        "restore" => &[
            &["Pushing", "Pushed"],
            &["Exists"],
            &["Skipped"],
            &["Mounted"],
        ],
        other => panic!("no status paths for {other}"),
    }
}

/// oras's `MatchStatus(keys, verbose, count)` on `out`, the stdout of `cmd`.
pub fn match_status(out: &str, cmd: &str, keys: &[Key<'_>], verbose: bool, count: usize) {
    let paths = paths(cmd);
    let mut seen: std::collections::HashMap<(String, String), Vec<String>> = keys
        .iter()
        .map(|(d, n)| ((d.to_string(), n.to_string()), Vec::new()))
        .collect();
    let mut ended = 0;
    for line in out.lines() {
        let mut fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() == 2 && !verbose {
            fields.push("");
        }
        if fields.len() != 3 {
            continue;
        }
        let Some(walked) = seen.get_mut(&(fields[1].to_string(), fields[2].to_string())) else {
            continue;
        };
        walked.push(fields[0].to_string());
        let fits = |p: &&[&str]| {
            p.len() >= walked.len() && p.iter().zip(walked.iter()).all(|(a, b)| a == b)
        };
        assert!(
            paths.iter().any(fits),
            "status {walked:?} of {} {} is no path of {cmd}:\n{out}",
            fields[1],
            fields[2]
        );
        if paths.iter().any(|p| p.len() == walked.len() && fits(p)) {
            ended += 1;
        }
    }
    assert_eq!(ended, count, "status output doesn't match:\n{out}");
}

/// `foobar/bar`'s state key.
pub const BAR: Key<'static> = ("fcde2b2edba5", "foobar/bar");
/// The empty config's key as push prints it.
pub const EMPTY_CONFIG: Key<'static> = ("44136fa355b3", "application/vnd.oci.empty.v1+json");
/// Digest of `bar`.
pub const BAR_DIGEST: &str =
    "sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9";

/// oras's `testdata/files/foobar` in `dir`: `foo1`, `foo2` (`foo`), `bar`, `config.json`,
/// `annotation.json`, `to-be-attached`.
pub fn foobar_files(dir: &Path) {
    write_file(dir, "foobar/foo1", "foo");
    write_file(dir, "foobar/foo2", "foo");
    write_file(dir, "foobar/bar", "bar");
    write_file(dir, "foobar/config.json", "{\"foo\":\"bar\"}");
    write_file(dir, "foobar/to-be-attached", "attached\n");
    write_file(
        dir,
        "foobar/annotation.json",
        r#"{"$config":{"hello":"config"},"$manifest":{"hi":"manifest"},"foobar/bar":{"foo":"bar"}}"#,
    );
}

/// The 12-hex prefix of a digest, as status lines print it.
pub fn short(digest: &str) -> &str {
    &digest["sha256:".len().."sha256:".len() + 12]
}

/// The `foobar` image of oras's test registry, rebuilt: layers `foo1`, `foo2`, `bar` (titled
/// without a directory) and a `{}` config of `application/vnd.unknown.config.v1+json`, pushed
/// to `reference`; returns its digest.
pub fn push_foobar_image(reference: &str) -> String {
    let work = crate::common::workdir();
    for (name, bytes) in [
        ("foo1", "foo"),
        ("foo2", "foo"),
        ("bar", "bar"),
        ("cfg", "{}"),
    ] {
        write_file(work.path(), name, bytes);
    }
    let out = crate::common::ok(crate::common::oras_in(work.path()).args([
        "push",
        reference,
        "foo1",
        "foo2",
        "bar",
        "--config",
        "cfg:application/vnd.unknown.config.v1+json",
    ]));
    crate::common::digest_line(&out)
}

/// The state keys of the `foobar` image's layers (`foobar.ImageLayerStateKeys`).
pub const IMAGE_LAYERS: [Key<'static>; 3] = [
    ("2c26b46b68ff", "foo1"),
    ("2c26b46b68ff", "foo2"),
    ("fcde2b2edba5", "bar"),
];

/// `oras manifest fetch <reference>` as JSON.
pub fn fetch_manifest(reference: &str) -> serde_json::Value {
    let out = crate::common::ok(crate::common::oras().args(["manifest", "fetch", reference]));
    serde_json::from_str(&out).expect("manifest JSON")
}

/// The `multi` index of oras's test registry, rebuilt in `repo` of `reg` (tag `multi`): images
/// for linux/amd64, linux/arm64 and linux/arm/v7, each an image config and a `hello.tar`
/// layer. Returns (index digest, amd64 manifest digest, amd64 config digest, layer digest).
pub fn push_multi_arch(reg: &crate::common::Registry, repo: &str) -> [String; 4] {
    let work = crate::common::workdir();
    write_file(work.path(), "hello.tar", vec![0u8; 10240]);
    let mut images = Vec::new();
    let mut amd64 = (String::new(), String::new());
    for (tag, arch, variant) in [
        ("amd64", "amd64", None),
        ("arm64", "arm64", None),
        ("armv7", "arm", Some("v7")),
    ] {
        let config = match variant {
            Some(v) => format!(r#"{{"architecture":"{arch}","os":"linux","variant":"{v}"}}"#),
            None => format!(r#"{{"architecture":"{arch}","os":"linux"}}"#),
        };
        write_file(work.path(), "config.json", &config);
        let reference = reg.reference(&format!("{repo}:{tag}"));
        let out = crate::common::ok(crate::common::oras_in(work.path()).args([
            "push",
            &reference,
            "hello.tar",
            "--config",
            "config.json:application/vnd.oci.image.config.v1+json",
        ]));
        images.push(tag);
        if tag == "amd64" {
            amd64 = (
                crate::common::digest_line(&out),
                crate::common::sha256_digest(config.as_bytes()),
            );
        }
    }
    let index = reg.reference(&format!("{repo}:multi"));
    let out = crate::common::ok(
        crate::common::oras()
            .args(["manifest", "index", "create", &index])
            .args(images),
    );
    let layer = crate::common::sha256_digest(&[0u8; 10240]);
    [crate::common::digest_line(&out), amd64.0, amd64.1, layer]
}

/// `oras attach --artifact-type <kind> <subject> -a e2e=1`: a referrer with no files; returns
/// its digest.
pub fn attach(subject: &str, artifact_type: &str) -> String {
    let work = crate::common::workdir();
    let out = crate::common::ok(crate::common::oras_in(work.path()).args([
        "attach",
        "--artifact-type",
        artifact_type,
        subject,
        "-a",
        "e2e=1",
    ]));
    crate::common::digest_line(&out)
}

/// The referrers of the `foobar` image in oras's test registry, rebuilt with `oras manifest
/// push` (which keeps the referrers tag schema on Distribution): an SBOM whose subject is the
/// image (config type `test/sbom.file`) and a signature whose subject is the SBOM (config type
/// `test/signature.file`), both with the `{}` config; the SBOM is annotated with its creation
/// time as oras's is. Returns (sbom, signature) digests.
pub fn push_foobar_referrers(repo_ref: &str, image: &str) -> (String, String) {
    let work = crate::common::workdir();
    let size = crate::common::ok(crate::common::oras().args([
        "manifest",
        "fetch",
        &format!("{repo_ref}@{image}"),
    ]))
    .len();
    let referrer = |config_type: &str, subject: &str, subject_size: usize, annotations: &str| {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"{config_type}","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{}","size":2}}],"subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{subject}","size":{subject_size}}}{annotations}}}"#,
            crate::common::EMPTY_DIGEST,
            crate::common::EMPTY_DIGEST
        )
    };
    let created = r#","annotations":{"org.opencontainers.image.created":"2023-01-18T08:37:42Z"}"#;
    let sbom = referrer("test/sbom.file", image, size, created);
    write_file(work.path(), "sbom.json", &sbom);
    crate::common::ok(crate::common::oras_in(work.path()).args([
        "manifest",
        "push",
        repo_ref,
        "sbom.json",
    ]));
    let sbom_digest = crate::common::sha256_digest(sbom.as_bytes());
    let signature = referrer("test/signature.file", &sbom_digest, sbom.len(), "");
    write_file(work.path(), "signature.json", &signature);
    crate::common::ok(crate::common::oras_in(work.path()).args([
        "manifest",
        "push",
        repo_ref,
        "signature.json",
    ]));
    (
        sbom_digest,
        crate::common::sha256_digest(signature.as_bytes()),
    )
}

/// oras's `MatchKeyWords` / `MatchErrKeyWords`: every word is in `out`, case-insensitively.
pub fn match_keywords(out: &str, words: &[&str]) {
    let lowered = out.to_lowercase();
    let missed: Vec<&&str> = words
        .iter()
        .filter(|w| !lowered.contains(&w.to_lowercase()))
        .collect();
    assert!(missed.is_empty(), "keywords missed: {missed:?} in:\n{out}");
}

/// `gbytes.Say("<flag> <value>\s+<mark>")`: the flag's description starts with `mark`.
pub fn flag_marked(help: &str, flag: &str, mark: &str) {
    let at = help
        .find(&format!("{flag} "))
        .unwrap_or_else(|| panic!("no {flag} in:\n{help}"));
    let rest = help[at + flag.len()..].trim_start();
    let rest = match rest.strip_prefix('<') {
        Some(r) => r.split_once('>').map_or(r, |(_, after)| after).trim_start(),
        None => rest,
    };
    assert!(
        rest.starts_with(mark),
        "{flag} is not marked {mark}:\n{help}"
    );
}
