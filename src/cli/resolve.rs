//! `oras resolve`: print the digest a tag (or a platform of an index) resolves to.

use anyhow::{Context, Result};
use clap::Args;
use oras_rs::manifest;

use super::options::{PlatformArgs, TargetArgs};
use crate::cli::options::checks;
use crate::output;

/// [Experimental] Resolves digest of the target artifact
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Resolve digest of the target artifact:\n  oras resolve localhost:5000/hello-world:v1\n\nExample - Resolve digest of a platform of a multi-platform image:\n  oras resolve --platform linux/arm64 localhost:5000/hello-world:v1\n\nExample - Print the full reference:\n  oras resolve -l localhost:5000/hello-world:v1"
)]
pub struct ResolveArgs {
    #[command(flatten)]
    platform: PlatformArgs,

    /// Print the full artifact reference with digest
    #[arg(short = 'l', long)]
    full_reference: bool,

    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,

    // Last: its help heading would otherwise apply to the options after it.
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras resolve`.
pub async fn run(args: ResolveArgs) -> Result<()> {
    let platform = args.platform.parse()?;
    let source = args.target.open_read(&args.reference)?;
    let reference =
        checks::require_reference(source.reference.clone(), &args.reference, "resolve")?;
    let desc = manifest::resolve(&*source.target, &reference, platform.as_ref())
        .await
        .context("failed to resolve digest")?;
    if args.full_reference {
        output::println_ignore_pipe(&format!("{}@{}", source.name, desc.digest));
    } else {
        output::println_ignore_pipe(&desc.digest.to_string());
    }
    Ok(())
}
