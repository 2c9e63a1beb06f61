//! `oras manifest fetch-config` (alias `get-config`): print or save an image manifest's config.

use anyhow::{Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::content::read_manifest;
use oras_rs::copy::platform::select_platform;
use oras_rs::oci::{self, media_type};

use crate::cli::options::{CommonArgs, PlatformArgs, TargetArgs};
use crate::cli::shared;

/// [Preview] Fetch the config of a manifest from a remote registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Fetch the config:\n  oras manifest fetch-config localhost:5000/hello:v1\n\nExample - Fetch the config of a platform:\n  oras manifest fetch-config --platform linux/arm64 localhost:5000/hello:v1\n\nExample - Fetch the config to a file:\n  oras manifest fetch-config localhost:5000/hello:v1 --output config.json\n\nExample - Fetch the descriptor of the config:\n  oras manifest fetch-config --descriptor localhost:5000/hello:v1"
)]
pub struct FetchConfigArgs {
    #[command(flatten)]
    pub(super) common: CommonArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// Output the descriptor of the config instead of its content
    #[arg(long)]
    descriptor: bool,

    /// Prettify JSON output
    #[arg(long)]
    pretty: bool,

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
    if args.output.as_deref() == Some("-") && args.descriptor {
        bail!("--descriptor cannot be used with --output -: both would be written to stdout");
    }
    let platform = args.platform.parse()?;
    let source = args.target.open_read(&args.reference)?;
    let reference = shared::require_reference(
        source.reference.clone(),
        &args.reference,
        "manifest fetch-config",
    )?;
    let (mut desc, mut bytes) = source.target.fetch_reference(&reference).await?;
    if let Some(p) = &platform {
        (desc, bytes) = select_platform(&*source.target, &desc, bytes, p).await?;
    }
    if desc.media_type != media_type::OCI_MANIFEST && desc.media_type != media_type::DOCKER_MANIFEST
    {
        bail!(Error::invalid(format!(
            "{:?} is not an image manifest and does not have a config",
            desc.digest.to_string()
        )));
    }
    let manifest = oci::parse_manifest(&bytes)?;
    let config = manifest.config;
    if let Some(path) = args.output.as_deref().filter(|p| *p != "-") {
        shared::write_blob_to(&*source.target, &config, path).await?;
    }
    if args.descriptor {
        return shared::print_descriptor(&config, args.pretty);
    }
    if args.output.is_none() || args.output.as_deref() == Some("-") {
        if args.pretty {
            let bytes = read_manifest(source.target.fetch(&config).await?, &config).await?;
            shared::print_json(&bytes, true)?;
        } else {
            shared::write_blob_to(&*source.target, &config, "-").await?;
        }
    }
    Ok(())
}
