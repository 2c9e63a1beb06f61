//! `oras blob push`: upload one blob from a file, or from stdin with its size and digest given.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::blob;
use oras_rs::oci::{Descriptor, media_type};

use crate::cli::options::checks;
use crate::cli::options::{CommonArgs, DescriptorArgs, TargetArgs};
use crate::output::blob::BlobPushReport;
use crate::output::text;

/// Push a blob to a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Push blob 'hi.txt' to a registry:\n  oras blob push localhost:5000/hello hi.txt\n\nExample - Push a blob from stdin with its size and digest:\n  echo hi | oras blob push --size 3 localhost:5000/hello@sha256:98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4 -\n\nExample - Push a blob and print its descriptor with a media type:\n  oras blob push --media-type application/vnd.oci.image.config.v1+json --descriptor localhost:5000/hello hi.txt",
    mut_arg("descriptor", |a| a.help("Print the descriptor of the blob instead of status output"))
)]
pub struct PushArgs {
    #[command(flatten)]
    descriptor: DescriptorArgs,
    /// Media type of the blob (shown in the descriptor)
    #[arg(long, value_name = "TYPE", default_value = media_type::LAYER_TAR)]
    media_type: String,
    /// Size of the blob; required when it is read from stdin
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    size: i64,
    /// <name>[@digest]
    #[arg(value_name = "REFERENCE")]
    reference: String,
    /// The blob file, `-` for stdin
    #[arg(value_name = "FILE")]
    file: String,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras blob push`.
pub async fn run(args: PushArgs, common: &CommonArgs) -> Result<()> {
    args.target.remote.check_stdin_file([args.file.as_str()])?;
    let verbose = common.verbose();
    let target = args.target.open(&args.reference)?;
    let given = checks::optional_digest(target.reference.as_deref(), &args.reference)?;
    let size = u64::try_from(args.size).ok();
    let status = text::push_status(!args.descriptor.descriptor, verbose);
    let desc = if args.file == "-" {
        let Some(digest) = given else {
            bail!("content digest must be provided if it is read from stdin");
        };
        let Some(size) = size else {
            bail!("`--size` must be provided if the blob is read from stdin");
        };
        let desc = Descriptor::new(args.media_type.clone(), digest, size);
        let pushed = blob::push(&*target.target, &desc, tokio::io::stdin(), &status).await;
        pushed.map(|_| desc)
    } else {
        let file = Path::new(&args.file);
        let desc = blob::describe_file(file, &args.media_type).await?;
        checks::check_blob_file(&desc, size, given.as_ref(), &args.reference, &args.file)?;
        let pushed = blob::push_file(&*target.target, &desc, file, &status).await;
        pushed.map(|_| desc)
    }
    .with_context(|| format!("pushing the blob to {}", args.reference))?;
    if args.descriptor.descriptor {
        return args.descriptor.print(&desc);
    }
    let (marker, name) = (target.kind.marker(), target.name);
    text::emit_text(&BlobPushReport {
        marker,
        name,
        blob: desc,
    })
}
