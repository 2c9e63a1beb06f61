//! `oras manifest fetch-config` (alias `get-config`): print or save an image manifest's config.

use anyhow::Result;
use clap::Args;
use oras_rs::content::read_manifest;
use oras_rs::manifest;

use crate::cli::options::checks;
use crate::cli::options::{DescriptorArgs, PlatformArgs, TargetArgs};
use crate::output::text;

/// [Preview] Fetch the config of a manifest from a remote registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Fetch the config:\n  oras manifest fetch-config localhost:5000/hello:v1\n\nExample - Fetch the config of a platform:\n  oras manifest fetch-config --platform linux/arm64 localhost:5000/hello:v1\n\nExample - Fetch the config to a file:\n  oras manifest fetch-config localhost:5000/hello:v1 --output config.json\n\nExample - Fetch the descriptor of the config:\n  oras manifest fetch-config --descriptor localhost:5000/hello:v1",
    mut_arg("descriptor", |a| a.help("Output the descriptor of the config instead of its content"))
)]
pub struct FetchConfigArgs {
    #[command(flatten)]
    platform: PlatformArgs,

    #[command(flatten)]
    descriptor: DescriptorArgs,

    /// Output file path, `-` for stdout
    #[arg(short = 'o', long, value_name = "PATH")]
    output: Option<String>,

    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras manifest fetch-config`.
pub async fn run(args: FetchConfigArgs) -> Result<()> {
    let (d, output) = (args.descriptor, args.output.as_deref());
    d.check_output(output)?;
    let platform = args.platform.parse()?;
    let source = args.target.open_cached_read(&args.reference)?;
    let raw = &args.reference;
    let reference =
        checks::require_reference(source.reference.clone(), raw, "manifest fetch-config")?;
    let config = manifest::fetch_config(&*source.target, &reference, platform.as_ref()).await?;
    if let Some(path) = output.filter(|p| *p != "-") {
        text::write_blob_to(&*source.target, &config, path).await?;
    }
    if d.descriptor {
        return d.print(&config);
    }
    if output.is_none_or(|p| p == "-") {
        if d.pretty {
            let bytes = read_manifest(source.target.fetch(&config).await?, &config).await?;
            text::print_json(&bytes, true)?;
        } else {
            text::write_blob_to(&*source.target, &config, "-").await?;
        }
    }
    Ok(())
}
