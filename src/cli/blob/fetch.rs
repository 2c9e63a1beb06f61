//! `oras blob fetch` (alias `get`): stream a blob, verified, to a file or stdout.

use anyhow::{Result, bail};
use clap::Args;

use crate::cli::options::checks;
use crate::cli::options::{DescriptorArgs, TargetArgs};
use crate::output::text;

/// Fetch a blob from a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Fetch a blob from registry and save it to a local file:\n  oras blob fetch --output blob.tar.gz localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5\n\nExample - Fetch a blob and print it to stdout:\n  oras blob fetch --output - localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5\n\nExample - Fetch the descriptor of a blob:\n  oras blob fetch --descriptor localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5",
    mut_arg("descriptor", |a| a.help("Output the descriptor of the blob"))
)]
pub struct FetchArgs {
    #[command(flatten)]
    descriptor: DescriptorArgs,

    /// Output file path, `-` for stdout
    #[arg(short = 'o', long, value_name = "PATH")]
    output: Option<String>,

    /// <name>@<digest>
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras blob fetch`.
pub async fn run(args: FetchArgs) -> Result<()> {
    if args.output.is_none() && !args.descriptor.descriptor {
        bail!("either `--output` or `--descriptor` must be provided");
    }
    args.descriptor.check_output(args.output.as_deref())?;
    let source = args.target.open_cached_read(&args.reference)?;
    let digest = checks::require_digest(source.reference.as_deref(), &args.reference, "fetch")?;
    let desc = source.target.resolve_blob(&digest).await?;
    if let Some(output) = &args.output {
        text::write_blob_to(&*source.target, &desc, output).await?;
    }
    if args.descriptor.descriptor {
        args.descriptor.print(&desc)?;
    }
    Ok(())
}
