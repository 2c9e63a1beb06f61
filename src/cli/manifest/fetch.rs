//! `oras manifest fetch` (aliases `get`, `show`): print or save a manifest as the store serves it.

use anyhow::Result;
use clap::Args;
use oras_rs::Error;
use oras_rs::manifest::{self, FetchOptions};

use crate::cli::options::checks;
use crate::cli::options::{DescriptorArgs, FormatArgs};
use crate::cli::options::{PlatformArgs, TargetArgs};
use crate::output::manifest::FetchReport;

/// Fetch manifest of the target artifact
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Fetch raw manifest:\n  oras manifest fetch localhost:5000/hello:v1\n\nExample - Fetch the descriptor of a manifest:\n  oras manifest fetch --descriptor localhost:5000/hello:v1\n\nExample - Fetch manifest with a media type:\n  oras manifest fetch --media-type 'application/vnd.oci.image.manifest.v1+json' localhost:5000/hello:v1\n\nExample - Fetch manifest to a file:\n  oras manifest fetch localhost:5000/hello:v1 --output manifest.json\n\nExample - Fetch manifest of a platform:\n  oras manifest fetch --platform linux/arm64 localhost:5000/hello:v1",
    mut_arg("descriptor", |a| a.help("Output the descriptor instead of the manifest"))
)]
pub struct FetchArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    descriptor: DescriptorArgs,
    /// Accepted media types (the manifest's media type must be one of them)
    #[arg(long = "media-type", value_name = "TYPE", value_delimiter = ',')]
    media_types: Vec<String>,
    /// Output file path, `-` for stdout
    #[arg(short = 'o', long, value_name = "PATH")]
    output: Option<String>,
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras manifest fetch`.
pub async fn run(args: FetchArgs) -> Result<()> {
    let (d, output) = (args.descriptor, args.output.as_deref());
    let layout_types = args.target.is_layout() && !args.media_types.is_empty();
    checks::check_fetch_flags(&args.format, d, output, layout_types)?;
    let options = FetchOptions {
        accept: args.media_types,
        platform: args.platform.parse()?,
    };
    let source = args.target.open_cached_read(&args.reference)?;
    let reference =
        checks::require_reference(source.reference.clone(), &args.reference, "manifest fetch")?;
    if d.descriptor && output.is_none() {
        let desc = manifest::fetch_descriptor(&*source.target, &reference, &options).await?;
        manifest::check_media_type(&desc, &options.accept, &args.reference)?;
        return d.print(&desc);
    }
    let (desc, bytes) = manifest::fetch(&*source.target, &reference, &options).await?;
    manifest::check_media_type(&desc, &options.accept, &args.reference)?;
    if let Some(path) = output.filter(|p| *p != "-") {
        std::fs::write(path, &bytes).map_err(|e| Error::io(path, e))?;
    }
    if d.descriptor {
        return d.print(&desc);
    }
    let to_stdout = output.is_none_or(|p| p == "-");
    FetchReport::new(source.name, desc, bytes, d.pretty, to_stdout).emit(&args.format)
}
