//! `oras cp`: copy an artifact, and with `-r` its referrers, from one registry or OCI image
//! layout to another. One call of the library's graph copy; blobs are mounted when both sides
//! are repositories of the same registry.

use crate::cli::options::ConcurrencyArgs;
use anyhow::Result;
use clap::Args;
use oras_rs::{CopyOptions, copy};

use super::options::{CommonArgs, CopyEndsArgs, TargetKind};
use crate::output::{self, copy::CopyReport, failure, report::print_text};

/// Copy artifacts from one target to another
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Copy an artifact between registries:\n  oras cp localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1\n\nExample - Download an artifact into an OCI image layout folder:\n  oras cp --to-oci-layout localhost:5000/net-monitor:v1 ./downloaded:v1\n\nExample - Upload an artifact from an OCI image layout folder:\n  oras cp --from-oci-layout ./to-upload:v1 localhost:5000/net-monitor:v1\n\nExample - Upload an artifact from an OCI layout tar archive:\n  oras cp --from-oci-layout ./to-upload.tar:v1 localhost:5000/net-monitor:v1\n\nExample - Copy an artifact and its referrers:\n  oras cp -r localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1\n\nExample - Copy certain platform of an artifact:\n  oras cp --platform linux/arm/v5 localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1\n\nExample - Copy certain platforms of an artifact:\n  oras cp --platform linux/amd64,linux/arm64,linux/arm/v7 localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1\n\nExample - Copy an artifact with multiple tags:\n  oras cp localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:tag1,tag2,tag3"
)]
pub struct CpArgs {
    /// Request platform in the form of `os[/arch][/variant][:os_version]`, or several
    /// separated by commas
    #[arg(long, value_name = "PLATFORM")]
    platform: Option<String>,

    /// <from>{:<tag>|@<digest>}
    #[arg(value_name = "FROM")]
    source: String,

    /// <to>[:<tag>[,<tag>][...]]
    #[arg(value_name = "TO")]
    destination: String,

    /// [Preview] Recursively copy the artifact and its referrer artifacts
    #[arg(short = 'r', long)]
    recursive: bool,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<3>,

    #[command(flatten)]
    ends: CopyEndsArgs,
}

/// Runs `oras cp`.
pub async fn run(args: CpArgs, common: &CommonArgs) -> Result<()> {
    let platforms = match &args.platform {
        Some(list) => oras_rs::copy::platform::parse_platforms(list)?,
        None => Vec::new(),
    };
    let ends = args.ends.open(&args.source, &args.destination)?;
    let (src, dst) = (&ends.src, &ends.dst);
    let destination = args.destination.split(',').next().unwrap_or_default();
    let status = common.status_printer(output::COPY, true);
    let opts = CopyOptions::new()
        .with_concurrency(args.concurrency.get())
        .with_observer(status.clone())
        .with_mount_between(src.remote.as_ref(), dst.remote.as_ref())
        .with_platforms(platforms)
        .with_referrers(args.recursive)
        .with_tags(ends.extra_tags.clone());
    let (to_ref, source) = (dst.reference.as_deref(), &args.source);
    let (from, to) = (end(src.kind, source), end(dst.kind, &args.destination));
    let root = copy(&*src.target, &ends.src_ref, &*dst.target, to_ref, &opts)
        .await
        .map_err(|e| failure::copy_error(e.into(), &from, &to))?;
    status.finish();
    print_text(&CopyReport::new(&ends, source, destination, root));
    Ok(())
}

fn end(kind: TargetKind, raw: &str) -> failure::End<'_> {
    let kind = kind.marker().trim_matches(['[', ']']);
    failure::End { kind, raw }
}

#[cfg(test)]
mod tests;
