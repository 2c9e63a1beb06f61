//! `oras tag`: give a manifest of a registry or an OCI image layout more tags.

use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::{Error, tag};

use super::options::{ConcurrencyArgs, TargetArgs, TargetKind};
use crate::cli::options::checks;
use crate::output::text;
use crate::output::{self, tag::TagReport};

/// Tag a manifest in a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Tag the manifest 'v1.0.1' in 'localhost:5000/hello' to 'v1.0.2':\n  oras tag localhost:5000/hello:v1.0.1 v1.0.2\n\nExample - Tag the manifest 'v1.0.1' in 'localhost:5000/hello' to 'v1.0.2', 'latest':\n  oras tag localhost:5000/hello:v1.0.1 v1.0.2 latest\n\nExample - Tag the manifest 'v1.0.1' to 'v1.0.2' in an OCI image layout folder 'layout-dir':\n  oras tag --oci-layout layout-dir:v1.0.1 v1.0.2"
)]
pub struct TagArgs {
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// <new_tag> ...
    #[arg(value_name = "NEW_TAG")]
    tags: Vec<String>,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,

    // Last: its help heading would otherwise apply to the options after it.
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras tag`.
pub async fn run(args: TagArgs) -> Result<()> {
    if args.reference == "list" || args.reference == "ls" {
        let container = if args.target.is_layout() {
            "an OCI image layout"
        } else {
            "a repository"
        };
        bail!(Error::invalid_with_hint(
            "there is no \"list\" sub-command for \"oras tag\" command",
            format!("If you want to list available tags in {container}, use \"oras repo tags\"")
        ));
    }
    let target = args
        .target
        .open(&args.reference)
        .with_context(|| format!("unable to add tag for '{}'", args.reference))?;
    let reference = checks::require_reference(target.reference.clone(), &args.reference, "tag")?;
    if args.tags.is_empty() {
        bail!(Error::invalid_with_hint(
            "no new tag specified",
            "Run \"oras tag -h\" for more options and examples"
        ));
    }
    // Check every tag before writing any.
    let registry = (target.kind == TargetKind::Registry).then_some(target.name.as_str());
    tag::check_tags(registry, &args.tags)?;
    let (desc, bytes) = target.target.fetch_reference(&reference).await?;
    let (marker, name) = (target.kind.marker(), &target.name);
    output::println_ignore_pipe(&format!("Tagging {marker} {name}@{}", desc.digest));
    let concurrency = args.concurrency.get_for_tags();
    let tagged = tag::tag_bytes_n(&*target.target, &desc, &bytes, &args.tags, concurrency).await?;
    text::emit_text(&TagReport { tagged })
}
