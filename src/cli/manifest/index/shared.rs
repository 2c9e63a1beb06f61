//! What `index create` and `index update` share: `--artifact-type` and `--remove` checks, the
//! `--output`/`--pretty` group, and the end of both: write the index, or push and tag it.

use anyhow::{Context, Result};
use clap::Args;
use oras_rs::digest::Digest;
use oras_rs::index;
use oras_rs::oci::{Index, media_type};
use oras_rs::{Error, content::Target};

use crate::cli::options::Opened;
use crate::output::text;
use crate::output::{self, manifest::IndexStatus, manifest::TaggedReport};

/// `--artifact-type`, when not empty, must be a media type.
pub(super) fn check_artifact_type(artifact_type: Option<&str>) -> Result<()> {
    if let Some(t) = artifact_type.filter(|t| !t.is_empty()) {
        media_type::validate(t).map_err(|_| Error::invalid(format!("{t}: invalid media type")))?;
    }
    Ok(())
}

/// The digests of `--remove`.
pub(super) fn parse_removals(remove: &[String]) -> Result<Vec<Digest>> {
    let invalid = |r: &String| Error::invalid(format!("remove: {r} is not a digest"));
    let parse = |r: &String| r.parse::<Digest>().map_err(|_| invalid(r));
    Ok(remove.iter().map(parse).collect::<Result<_, _>>()?)
}

/// `--output` and `--pretty`: where a built index goes instead of the registry.
#[derive(Args, Debug)]
pub struct IndexOutputArgs {
    /// Write the index to a file (`-` for stdout) instead of pushing it
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output: Option<String>,
    /// Prettify JSON written with --output
    #[arg(long)]
    pub pretty: bool,
}

/// Serializes `built` and writes it (`--output`) or pushes it under `reference` (none: its
/// digest) and `tags`, printing oras's closing lines (`Packed`/`Updated` is `done`).
pub(super) async fn finish(
    built: &Index,
    target: &Opened<dyn Target>,
    out: &IndexOutputArgs,
    (reference, shown): (Option<&str>, &str),
    tags: &[String],
    done: &str,
) -> Result<()> {
    let status = IndexStatus::new(out.output.as_deref());
    let (desc, bytes) = index::encode(built)?;
    match done {
        "Packed" => status.line(
            done,
            &format!("{} {}", desc.digest.short(), desc.media_type),
        ),
        _ => status.line(done, &desc.digest.to_string()),
    }
    if let Some(path) = &out.output {
        let bytes = if out.pretty {
            oras_rs::oci::json::indent(&bytes)?
        } else {
            bytes
        };
        if path == "-" {
            output::print_json_bytes(&bytes);
            return Ok(());
        }
        return Ok(std::fs::write(path, &bytes).map_err(|e| Error::io(path, e))?);
    }
    let digest = desc.digest.to_string();
    index::push(&*target.target, &desc, &bytes, reference.unwrap_or(&digest))
        .await
        .with_context(|| format!("pushing the index to {shown}"))?;
    status.line("Pushed", &format!("{} {shown}", target.kind.marker()));
    let tagged = oras_rs::tag::tag_bytes_n(&*target.target, &desc, &bytes, tags, 5).await?;
    text::emit_text(&TaggedReport { tagged, digest })
}
