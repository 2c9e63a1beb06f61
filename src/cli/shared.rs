//! Helpers the manifest, blob and repo commands share: the `[y/N]` prompt, `--pretty` output,
//! the deletion dialogue, references that must carry a tag or digest, reading a manifest file,
//! streaming a verified blob to a file or stdout. The work itself is the library's
//! (`oras_rs::manifest`, `oras_rs::blob`); these helpers hold the CLI's wording.

use std::io::{BufRead, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use oras_rs::Error;
use oras_rs::content::{MAX_MANIFEST_BYTES, ReadOnlyTarget, Target};
use oras_rs::digest::Digest;
use oras_rs::oci::Descriptor;
use tokio::io::AsyncWriteExt;

use crate::cli::options::{DescriptorArgs, FormatArgs, OutputFormat};

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

/// Indents JSON `bytes` as Go's `json.Indent(…, "", "  ")` does (key order and string
/// contents untouched; `{}` and `[]` stay closed), plus a trailing newline. Not JSON: an error.
pub fn indent_json(bytes: &[u8]) -> Result<Vec<u8>> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|e| Error::invalid(format!("cannot pretty-print: not valid JSON: {e}")))?;
    let mut out = Vec::with_capacity(bytes.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'"' => {
                in_string = true;
                out.push(c);
            }
            b'{' | b'[' => {
                out.push(c);
                // An empty object or array stays `{}` / `[]`.
                let rest = bytes[i..].iter().position(|b| !b" \t\n\r".contains(b));
                let close = if c == b'{' { b'}' } else { b']' };
                if let Some(p) = rest
                    && bytes[i + p] == close
                {
                    out.push(close);
                    i += p + 1;
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(c),
        }
    }
    out.push(b'\n');
    Ok(out)
}

/// Writes JSON document bytes to stdout: as they are, or indented with `pretty`.
pub fn print_json(bytes: &[u8], pretty: bool) -> Result<()> {
    if pretty {
        crate::output::print_json_bytes(&indent_json(bytes)?);
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

/// What `blob delete` and `manifest delete` were asked, for [`delete_resolved`].
pub struct Deletion<'a> {
    /// The reference as typed.
    pub reference: &'a str,
    /// `blob` or `manifest`, for the messages.
    pub kind: &'static str,
    /// Appended to the confirmation question (manifests take their tags with them).
    pub question_tail: &'static str,
    /// `-f/--force`.
    pub force: bool,
    /// `--descriptor` and `--pretty`.
    pub descriptor: DescriptorArgs,
}

/// The shared end of `blob delete` and `manifest delete`, once the reference was resolved:
/// `Missing` under `--force`, the `[y/N]` prompt, the deletion, then the descriptor or `Deleted`.
pub async fn delete_resolved(
    target: &crate::cli::options::Opened<dyn Target>,
    resolved: oras_rs::Result<Descriptor>,
    d: Deletion<'_>,
) -> Result<()> {
    let desc = match resolved {
        Ok(desc) => desc,
        Err(Error::NotFound(_)) if d.force && !d.descriptor.descriptor => {
            crate::output::println_ignore_pipe(&format!("Missing {}", d.reference));
            return Ok(());
        }
        Err(Error::NotFound(_)) => bail!(Error::invalid(format!(
            "{}: the specified {} does not exist",
            d.reference, d.kind
        ))),
        Err(e) => return Err(e.into()),
    };
    if !d.force
        && !confirm(&format!(
            "Are you sure you want to delete the {} {:?}{}?",
            d.kind,
            desc.digest.to_string(),
            d.question_tail
        ))?
    {
        crate::output::println_ignore_pipe("Operation cancelled.");
        return Ok(());
    }
    oras_rs::manifest::delete(&*target.target, &desc).await?;
    if d.descriptor.descriptor {
        return d.descriptor.print(&desc);
    }
    crate::output::println_ignore_pipe(&format!(
        "Deleted {} {}",
        target.kind.marker(),
        d.reference
    ));
    Ok(())
}

/// The tag or digest of a reference, or oras's "no tag or digest specified" error for `cmd`.
pub fn require_reference(reference: Option<String>, raw: &str, cmd: &str) -> Result<String> {
    match reference {
        Some(r) => Ok(r),
        None => bail!(Error::invalid_with_hint(
            format!("{raw:?}: no tag or digest specified"),
            format!(
                "Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras {cmd} -h\" for more options and examples"
            )
        )),
    }
}

/// Fails when the reference `raw` names a digest (`given`) other than `actual`, the digest of
/// `what` (`the manifest`, a file name).
pub fn check_given_digest(
    given: Option<&str>,
    actual: &Digest,
    raw: &str,
    what: &str,
) -> Result<()> {
    if let Some(given) = given.and_then(|r| r.parse::<Digest>().ok())
        && given != *actual
    {
        bail!(Error::invalid(format!(
            "{raw}: the digest of {what} is {actual}, not {given}"
        )));
    }
    Ok(())
}

/// Reads at most 4 MiB from `file` (`-`: stdin), the most a manifest may be.
pub fn read_manifest_file(file: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let limit = MAX_MANIFEST_BYTES + 1;
    if file == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .context("reading the manifest from stdin")?;
    } else {
        std::fs::File::open(file)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .map_err(|e| Error::io(file, e))?;
    }
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        bail!(Error::invalid(format!(
            "{file}: a manifest may be at most {MAX_MANIFEST_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

/// The descriptor of the manifest `bytes` read from `file`: of the `--media-type` given, or of
/// the type the document declares.
pub fn manifest_descriptor(bytes: &[u8], flag: Option<&str>, file: &str) -> Result<Descriptor> {
    let declared = oras_rs::manifest::declared_media_type(bytes)
        .map_err(|_| Error::invalid(format!("{file}: not a valid json file")))?;
    let Some(media_type) = flag
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .or(declared)
    else {
        bail!(Error::invalid_with_hint(
            format!("media type is not specified via the flag \"--media-type\" nor in {file:?}"),
            "Please specify a valid media type in the manifest JSON or via the \"--media-type\" flag"
        ));
    };
    Ok(oras_rs::manifest::describe(bytes, Some(&media_type))?)
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

/// The digest a blob reference must end with (`<name>@<digest>`).
pub fn require_digest(reference: Option<&str>, raw: &str, cmd: &str) -> Result<Digest> {
    match reference.map(str::parse::<Digest>) {
        Some(Ok(d)) => Ok(d),
        _ => bail!(Error::invalid_with_hint(
            format!("{raw:?}: no digest specified"),
            format!(
                "Please specify a reference in the form of \"<name>@<digest>\". Run \"oras blob {cmd} -h\" for more options and examples"
            )
        )),
    }
}

/// The digest a `blob push` reference may end with (`<name>[@<digest>]`).
pub fn optional_digest(reference: Option<&str>, raw: &str) -> Result<Option<Digest>> {
    let Some(r) = reference else { return Ok(None) };
    Ok(Some(r.parse::<Digest>().map_err(|_| {
        Error::invalid_with_hint(
            format!("{raw:?}: a blob is addressed by digest, not by tag"),
            "Please specify a reference in the form of \"<name>[@<digest>]\". Run \"oras blob push -h\" for more options and examples",
        )
    })?))
}

/// `--size` and the reference's digest, when given, must be those of the file.
pub fn check_blob_file(
    desc: &Descriptor,
    size: Option<u64>,
    given: Option<&Digest>,
    raw: &str,
    file: &str,
) -> Result<()> {
    if let Some(size) = size
        && size != desc.size
    {
        bail!(Error::invalid(format!(
            "input size {size} does not match the actual content size {}",
            desc.size
        )));
    }
    let given = given.map(Digest::to_string);
    check_given_digest(given.as_deref(), &desc.digest, raw, file)
}

/// `manifest fetch`'s exclusions: `--format` against `--pretty` and `--descriptor`,
/// `--descriptor` and non-text formats against `--output -`, `--media-type` on a layout
/// (`layout_types`).
pub fn check_fetch_flags(
    format: &FormatArgs,
    d: DescriptorArgs,
    output: Option<&str>,
    layout_types: bool,
) -> Result<()> {
    let text = format.resolve()? == OutputFormat::Text;
    let explicit = format.format.is_some();
    if explicit && d.pretty {
        bail!("--format and --pretty cannot be used at the same time");
    }
    if explicit && d.descriptor {
        bail!("--format and --descriptor cannot be used at the same time");
    }
    d.check_output(output)?;
    if output == Some("-") && !text {
        bail!("--output - can only be used with the text format");
    }
    if layout_types {
        bail!("--media-type cannot be used with an OCI image layout");
    }
    Ok(())
}

/// Parses `--chunk-size`: bytes, or a number with a binary unit (`512K`, `5M`, `1G`, also
/// `KiB`/`MiB`/`GiB`, and `KB`/`MB`/`GB` meaning the same), more than 0.
pub fn parse_chunk_size(raw: &str) -> std::result::Result<u64, String> {
    let t = raw.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("invalid size {raw:?}: use bytes or K, M, G")),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("invalid size {raw:?}: expected a number of bytes above 0"))
}

#[cfg(test)]
mod tests {
    use super::{indent_json, parse_chunk_size};

    #[test]
    fn chunk_sizes_take_binary_units() {
        assert_eq!(parse_chunk_size("100000"), Ok(100_000));
        assert_eq!(parse_chunk_size("512K"), Ok(512 * 1024));
        assert_eq!(parse_chunk_size("5MiB"), Ok(5 * 1024 * 1024));
        assert_eq!(parse_chunk_size("1g"), Ok(1 << 30));
        assert!(parse_chunk_size("0").is_err());
        assert!(parse_chunk_size("5 parsecs").is_err());
        assert!(parse_chunk_size("").is_err());
    }

    #[test]
    fn indents_like_go_and_keeps_key_order() {
        let got = indent_json(br#"{"z":1,"a":[],"b":{"c":"x,{y}:\""},"d":[1,2]}"#).unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "{\n  \"z\": 1,\n  \"a\": [],\n  \"b\": {\n    \"c\": \"x,{y}:\\\"\"\n  },\n  \"d\": [\n    1,\n    2\n  ]\n}\n"
        );
        assert!(indent_json(b"not json").is_err());
    }
}
