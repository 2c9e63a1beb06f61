//! Small printing helpers commands share: a JSON document as served or `--pretty`, a report's
//! text lines, the status printer of a single manifest or blob push, a verified blob streamed
//! to a file or stdout, and the `[y/N]` prompt.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result};
use oras_rs::content::ReadOnlyTarget;
use oras_rs::oci::Descriptor;
use tokio::io::AsyncWriteExt;

use crate::cli::options::FormatArgs;

/// Writes JSON document bytes to stdout: as they are, or indented with `pretty`.
pub fn print_json(bytes: &[u8], pretty: bool) -> Result<()> {
    if pretty {
        crate::output::print_json_bytes(&oras_rs::oci::json::indent(bytes)?);
    } else {
        crate::output::print_json_bytes(bytes);
    }
    Ok(())
}

/// Prints a report's text lines (for commands without `--format`).
pub fn emit_text(report: &impl crate::output::report::Report) -> Result<()> {
    let text = FormatArgs {
        format: None,
        template: None,
    };
    text.emit(report)
}

/// Status lines of a single manifest or blob push (`Uploading`/`Uploaded`/`Exists` with the
/// short digest and media type), printed when `on` and `-v` is not `false`; no progress bars.
pub fn push_status(on: bool, verbose: bool) -> crate::output::StatusPrinter {
    crate::output::StatusPrinter::new(crate::output::PUSH, on, verbose)
}

/// Streams the blob `desc` from `source` through a size and digest check into `output`: `-`
/// is stdout; a file is written to a temporary file beside it and renamed once verified.
pub async fn write_blob_to(
    source: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    output: &str,
) -> Result<()> {
    if output == "-" {
        let mut stdout = tokio::io::stdout();
        oras_rs::blob::fetch_to(source, desc, &mut stdout).await?;
        stdout.flush().await.context("writing to stdout")?;
        return Ok(());
    }
    Ok(oras_rs::blob::fetch_to_file(source, desc, Path::new(output)).await?)
}

/// Asks `question [y/N] ` on stdout and reads one line from stdin: only `y`/`yes` (any case)
/// confirm; end of input declines.
pub fn confirm(question: &str) -> Result<bool> {
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{question} [y/N] ");
    let _ = out.flush();
    drop(out);
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the confirmation from stdin")?;
    let answer = line.trim().to_ascii_lowercase();
    Ok(answer == "y" || answer == "yes")
}
