//! `oras manifest fetch` (aliases `get`, `show`): print or save a manifest as the store serves it.

use anyhow::{Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::copy::platform::select_platform;

use crate::cli::options::{CommonArgs, FormatArgs, OutputFormat, PlatformArgs, TargetArgs};
use crate::cli::shared;
use crate::output::model;

/// Fetch manifest of the target artifact
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Fetch raw manifest:\n  oras manifest fetch localhost:5000/hello:v1\n\nExample - Fetch the descriptor of a manifest:\n  oras manifest fetch --descriptor localhost:5000/hello:v1\n\nExample - Fetch manifest with a media type:\n  oras manifest fetch --media-type 'application/vnd.oci.image.manifest.v1+json' localhost:5000/hello:v1\n\nExample - Fetch manifest to a file:\n  oras manifest fetch localhost:5000/hello:v1 --output manifest.json\n\nExample - Fetch manifest of a platform:\n  oras manifest fetch --platform linux/arm64 localhost:5000/hello:v1"
)]
pub struct FetchArgs {
    #[command(flatten)]
    pub(super) common: CommonArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// Output the descriptor instead of the manifest
    #[arg(long)]
    descriptor: bool,

    /// Prettify JSON output
    #[arg(long)]
    pretty: bool,

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
    let format = args.format.resolve()?;
    let explicit_format = args.format.format.is_some();
    let to_stdout = args.output.as_deref() == Some("-");
    if explicit_format && args.pretty {
        bail!("--format and --pretty cannot be used at the same time");
    }
    if explicit_format && args.descriptor {
        bail!("--format and --descriptor cannot be used at the same time");
    }
    if to_stdout && args.descriptor {
        bail!("--descriptor cannot be used with --output -: both would be written to stdout");
    }
    if to_stdout && format != OutputFormat::Text {
        bail!("--output - can only be used with the text format");
    }
    if args.target.is_layout() && !args.media_types.is_empty() {
        bail!("--media-type cannot be used with an OCI image layout");
    }
    let platform = args.platform.parse()?;
    let source = args.target.open_read(&args.reference)?;
    let reference =
        shared::require_reference(source.reference.clone(), &args.reference, "manifest fetch")?;

    if args.descriptor && args.output.is_none() && platform.is_none() {
        let desc = source.target.resolve(&reference).await?;
        check_media_type(&desc.media_type, &args.media_types, &args.reference)?;
        return shared::print_descriptor(&desc, args.pretty);
    }
    let (mut desc, mut bytes) = source
        .target
        .fetch_reference_accepting(&reference, &args.media_types)
        .await?;
    if let Some(p) = &platform {
        (desc, bytes) = select_platform(&*source.target, &desc, bytes, p).await?;
    }
    check_media_type(&desc.media_type, &args.media_types, &args.reference)?;

    if let Some(path) = args.output.as_deref().filter(|p| *p != "-") {
        std::fs::write(path, &bytes).map_err(|e| Error::io(path, e))?;
    }
    if args.descriptor {
        return shared::print_descriptor(&desc, args.pretty);
    }
    match format {
        OutputFormat::Json | OutputFormat::GoTemplate => {
            let doc = model::ManifestFetch {
                descriptor: model::DescriptorRef::new(&source.name, &desc),
                content: serde_json::from_slice(&bytes).ok(),
            };
            args.format.print(&doc)?;
        }
        OutputFormat::Text => {
            if args.output.is_none() || to_stdout {
                shared::print_json(&bytes, args.pretty)?;
            }
        }
    }
    Ok(())
}

/// `--media-type`: the manifest's media type must be one of those accepted.
fn check_media_type(actual: &str, accepted: &[String], raw: &str) -> Result<()> {
    if accepted.is_empty() || accepted.iter().any(|a| a == actual) {
        return Ok(());
    }
    bail!(Error::invalid(format!(
        "{raw}: the manifest's media type {actual} is not one of the requested types: {}",
        accepted.join(", ")
    )))
}
