//! Beyond oras (oras #346, #1200): `pull -o -` streams the one layer of an artifact to stdout,
//! and `push` reads a file argument `-` from stdin, spooled to a temp file so its digest and
//! size are known before the upload starts.

use std::collections::HashSet;

use anyhow::{Result, bail};
use oras_rs::Error;
use oras_rs::content::ReadOnlyTarget;
use oras_rs::oci::{self, Descriptor, media_type};

/// What a `push` file argument `-:<type>` is turned into before clap sees it (clap would read
/// `-:` as a short flag); [`is_stdin`] recognises both forms.
const STDIN_MARK: &str = "\u{1}stdin";

/// The command line with `push`'s `-:<type>` arguments protected from clap's flag parsing.
pub fn argv() -> Vec<std::ffi::OsString> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let is_push = args.get(1).is_some_and(|a| a == "push");
    args.into_iter()
        .map(|a| match a.to_str() {
            Some(s) if is_push && s.starts_with("-:") => format!("{STDIN_MARK}{}", &s[1..]).into(),
            _ => a,
        })
        .collect()
}

/// Whether a file argument's path part means stdin.
pub fn is_stdin(path: &str) -> bool {
    path == "-" || path == STDIN_MARK
}

/// `pull -o -`: the manifest must have exactly one layer (after `-t` filtering); it is streamed,
/// size and digest verified, to stdout. Nothing else is printed there.
pub async fn pull_to_stdout(
    source: &dyn ReadOnlyTarget,
    root: &Descriptor,
    bytes: &[u8],
    media_types: &HashSet<String>,
) -> Result<()> {
    if !media_type::is_manifest(&root.media_type) || media_type::is_index(&root.media_type) {
        bail!(Error::invalid(format!(
            "cannot pull {} ({}) to stdout: only an artifact with a single layer can be streamed",
            root.digest, root.media_type
        )));
    }
    let manifest = oci::parse_manifest(bytes)?;
    let layers: Vec<&Descriptor> = manifest
        .layers
        .iter()
        .filter(|l| media_types.is_empty() || media_types.contains(&l.media_type))
        .collect();
    match layers.as_slice() {
        [layer] => super::shared::write_blob_to(source, layer, "-").await,
        _ => bail!(Error::invalid_with_hint(
            format!(
                "cannot pull to stdout: the artifact has {} layers, `-o -` needs exactly one",
                layers.len()
            ),
            "Pull into a directory instead, or select one layer with --media-type."
        )),
    }
}
