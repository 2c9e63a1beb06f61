//! `oras discover`: list the referrers of a manifest (Referrers API, or the tag schema when the
//! registry has none), as a tree (default), a table (deprecated, direct referrers only) or JSON.

use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::{manifest, referrers};

use super::options::{CommonArgs, DistributionSpecArgs, FormatArgs, PlatformArgs, TargetArgs};
use crate::cli::options::checks;
use crate::output::discover::{DiscoverReport, resolve_format};

/// [Preview] Discover referrers of a manifest in a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    help_template = crate::output::help::PREVIEW_HELP,
    after_help = "Example - Discover referrers of manifest 'hello:v1' in registry 'localhost:5000', displayed in a tree view:\n  oras discover localhost:5000/hello:v1\n\nExample - Discover referrers with type 'test-artifact':\n  oras discover --artifact-type test-artifact localhost:5000/hello:v1\n\nExample - Discover referrers as JSON:\n  oras discover localhost:5000/hello:v1 --format json"
)]
pub struct DiscoverArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,
    /// Artifact type
    #[arg(long, value_name = "TYPE")]
    artifact_type: Option<String>,
    /// [Experimental] Maximum depth of the referrers graph (default: all levels)
    #[arg(long, value_name = "N")]
    depth: Option<usize>,
    /// Format output: 'tree' (default), 'table' (deprecated) or 'json'
    #[arg(long, value_name = "FORMAT", conflicts_with = "output")]
    format: Option<String>,
    /// [Experimental] Template string used to format output
    #[arg(long, value_name = "TEMPLATE")]
    template: Option<String>,
    /// [Deprecated] Format in which to display referrers (table, json, or tree)
    #[arg(short = 'o', long, value_name = "FORMAT")]
    output: Option<String>,
    #[command(flatten)]
    spec: DistributionSpecArgs,
    #[command(flatten)]
    platform: PlatformArgs,
}

/// Runs `oras discover`.
pub async fn run(mut args: DiscoverArgs, common: &CommonArgs) -> Result<()> {
    let format = FormatArgs {
        format: args.format,
        template: args.template,
    };
    let chosen = resolve_format(&format, args.output.as_deref())?;
    if args.depth == Some(0) {
        bail!("depth value should be at least 1");
    }
    let platform = args.platform.parse()?;
    let verbose = common.verbose();
    args.spec.apply(&mut args.target.remote)?;
    let source = args.target.open_read(&args.reference)?;
    let raw = &args.reference;
    let reference = checks::require_reference(source.reference.clone(), raw, "discover")?;
    let target = &*source.target;
    // The subject as resolved: in an OCI layout, a tag's index entry with its annotations.
    let subject = manifest::resolve(target, &reference, platform.as_ref())
        .await
        .with_context(|| format!("resolving {raw}"))?;
    let kind = args.artifact_type.as_deref();
    let graph = referrers::discover(target, &subject, kind, chosen.depth(args.depth))
        .await
        .with_context(|| format!("discovering referrers of {raw}"))?;
    DiscoverReport::new(source.name, raw, subject, graph, verbose).emit(chosen, &format)
}
