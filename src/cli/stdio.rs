//! Beyond oras (oras #346, #1200): `pull -o -` streams the one layer of an artifact to stdout,
//! and `push` reads a file argument `-` from stdin, spooled to a temp file so its digest and
//! size are known before the upload starts.

use anyhow::{Context, Result, bail};
use oras_rs::PullOptions;
use oras_rs::content::ReadOnlyTarget;
use oras_rs::copy::pull::pull_layer_to;
use tokio::io::AsyncWriteExt;

use super::options::{FormatArgs, OutputFormat};

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
/// size and digest verified, to stdout. Nothing else is printed there, so only the text format
/// is allowed.
pub async fn pull_to_stdout(
    source: &dyn ReadOnlyTarget,
    reference: &str,
    opts: &PullOptions,
    format: &FormatArgs,
) -> Result<()> {
    if format.resolve()? != OutputFormat::Text {
        bail!(
            "--output - cannot be used with --format {}",
            format.format.as_deref().unwrap_or_default()
        );
    }
    let mut stdout = tokio::io::stdout();
    pull_layer_to(source, reference, opts, &mut stdout).await?;
    stdout.flush().await.context("writing to stdout")?;
    Ok(())
}
