//! Checks of option values that several commands share, turning them into typed values once:
//! references that must carry a tag or digest, digests given in a reference, `--size`,
//! `manifest fetch`'s flag exclusions, `--chunk-size`, and a manifest file argument.

use std::io::Read;

use anyhow::{Context, Result, bail};
use oras_rs::Error;
use oras_rs::content::MAX_MANIFEST_BYTES;
use oras_rs::digest::Digest;
use oras_rs::oci::Descriptor;

use super::{DescriptorArgs, FormatArgs, OutputFormat};

/// The tag or digest of a reference, or oras's "no tag or digest specified" error for `cmd`.
pub fn require_reference(reference: Option<String>, raw: &str, cmd: &str) -> Result<String> {
    match reference {
        Some(r) => Ok(r),
        None => bail!(Error::invalid_with_hint(
            format!("{raw:?}: no tag or digest specified"),
            format!(
                "Usage: oras {}\nPlease specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras {cmd} -h\" for more options and examples",
                usage(cmd)
            )
        )),
    }
}

/// The `Use` line oras gives `cmd` (cobra's usage of the command).
fn usage(cmd: &str) -> String {
    match cmd {
        "cp" => "cp [flags] <from>{:<tag>|@<digest>} <to>[:<tag>[,<tag>][...]]".into(),
        "tag" => "tag [flags] <name>{:<tag>|@<digest>} <new_tag> [...]".into(),
        _ => format!("{cmd} [flags] <name>{{:<tag>|@<digest>}}"),
    }
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
        bail!("`--media-type` cannot be used with `--oci-layout` at the same time");
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
            "Usage: oras manifest push [flags] <name>[:<tag>[,<tag>][...]|@<digest>] <file>\nPlease specify a valid media type in the manifest JSON or via the \"--media-type\" flag"
        ));
    };
    Ok(oras_rs::manifest::describe(bytes, Some(&media_type))?)
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
    use super::parse_chunk_size;

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
}
