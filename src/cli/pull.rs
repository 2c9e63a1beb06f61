//! `oras pull`: copy an artifact's titled layers from a registry into a directory.

use anyhow::{Context, Result};
use clap::Args;
use oras_rs::copy::pull::PullPlan;

use super::options::{
    CommonArgs, FormatArgs, OutputFormat, PlatformArgs, PullFileArgs, TargetArgs,
};
use crate::cli::options::checks;
use crate::output::{self, pull::PullReport};
use checks::require_reference;

/// Pull files from a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Pull artifact files from a registry:\n  oras pull localhost:5000/hello:v1\n\nExample - Pull into a directory:\n  oras pull localhost:5000/hello:v1 -o out\n\nExample - Pull only the layers of some media types (the oras 0.x form):\n  oras pull localhost:5000/hello:v1 -t text/plain"
)]
pub struct PullArgs {
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    files: PullFileArgs,
}

/// Runs `oras pull`.
pub async fn run(args: PullArgs, common: &CommonArgs) -> Result<()> {
    let format = args.format.resolve()?;
    let source = args.target.open_cached_read(&args.reference)?;
    let src_ref = require_reference(source.reference.clone(), &args.reference, "pull")?;
    let opts = args.files.options(args.platform.parse()?)?;
    if args.files.to_stdout() {
        return super::stdio::pull_to_stdout(&*source.target, &src_ref, &opts, &args.format).await;
    }
    let status = common.status_printer(output::PULL, format == OutputFormat::Text);
    let store = args.files.store()?;
    let opts = opts.with_observer(status.clone());
    let plan = PullPlan::prepare(&*source.target, &src_ref, &store, &opts).await?;
    let pulled = plan
        .run()
        .await
        .with_context(|| format!("pulling {}", args.reference))?;
    status.finish();
    let (marker, name) = (source.kind.marker(), source.name.clone());
    let reference = args.reference;
    args.format.emit(&PullReport {
        marker,
        reference,
        name,
        pulled,
    })
}
