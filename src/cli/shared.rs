//! Helpers the manifest, blob and repo commands share: the `[y/N]` prompt, `--descriptor` and
//! `--pretty` output, references that must carry a tag or digest, streaming a verified blob to
//! a file or stdout.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use oras_rs::Error;
use oras_rs::content::{ReadOnlyTarget, Target};
use oras_rs::digest::VerifyingReader;
use oras_rs::oci::{self, Descriptor};
use tokio::io::AsyncWriteExt;

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

/// `--descriptor` output: the descriptor as compact JSON, or indented with `--pretty`.
pub fn print_descriptor(desc: &Descriptor, pretty: bool) -> Result<()> {
    if pretty {
        crate::output::print_json_bytes(&oci::to_go_json_pretty(desc)?);
    } else {
        crate::output::print_json_bytes(&oci::to_go_json(desc)?);
    }
    Ok(())
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
    /// `--descriptor`.
    pub descriptor: bool,
    /// `--pretty`.
    pub pretty: bool,
}

/// The shared end of `blob delete` and `manifest delete`, once the reference was resolved:
/// `Missing` under `--force`, the `[y/N]` prompt, the DELETE, then the descriptor or `Deleted`.
pub async fn delete_resolved(
    target: &crate::cli::options::Opened<dyn Target>,
    resolved: oras_rs::Result<Descriptor>,
    d: Deletion<'_>,
) -> Result<()> {
    let desc = match resolved {
        Ok(desc) => desc,
        Err(Error::NotFound(_)) if d.force && !d.descriptor => {
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
    target.target.delete(&desc).await?;
    if d.descriptor {
        return print_descriptor(&desc, d.pretty);
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

/// Streams the blob `desc` from `source` through a size and digest check into `output`: `-`
/// is stdout; a file is written to a temporary file beside it and renamed once verified.
pub async fn write_blob_to(
    source: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    output: &str,
) -> Result<()> {
    let reader = source.fetch(desc).await?;
    let mut verifying = VerifyingReader::new(reader, desc.digest.clone(), desc.size);
    if output == "-" {
        let mut stdout = tokio::io::stdout();
        tokio::io::copy(&mut verifying, &mut stdout)
            .await
            .map_err(|e| oras_rs::copy::read_error(desc, e))?;
        stdout.flush().await.context("writing to stdout")?;
        return Ok(());
    }
    let path = Path::new(output);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".oras-partial-")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    let (file, temp_path) = temp.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    tokio::io::copy(&mut verifying, &mut file)
        .await
        .map_err(|e| oras_rs::copy::read_error(desc, e))?;
    file.flush().await.map_err(|e| Error::io(&temp_path, e))?;
    drop(file);
    temp_path
        .persist(path)
        .map_err(|e| Error::io(path, e.error))?;
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
