//! `oras push`: pack files into a manifest and copy them to a registry.

use anyhow::{Context, Result};
use clap::Args;

use super::options::TargetArgs;
use super::options::{CommonArgs, ConcurrencyArgs, FormatArgs, OutputFormat, PushPackArgs};
use crate::cli::options::checks;
use crate::output::{self, push::PushReport};

/// Push files to a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Push file \"hi.txt\" with media type \"application/vnd.oci.image.layer.v1.tar\" (default):\n  oras push localhost:5000/hello:v1 hi.txt\n\nExample - Push file \"hi.txt\" with a custom media type:\n  oras push localhost:5000/hello:v1 hi.txt:application/vnd.me.hi\n\nExample - [Experimental] Push artifact to repository with platform:\n  oras push --artifact-platform linux/arm/v5 localhost:5000/hello:v1\n\nExample - Push to several tags:\n  oras push localhost:5000/hello:tag1,tag2,tag3 hi.txt"
)]
pub struct PushArgs {
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    format: FormatArgs,
    /// <name>[:<tag>[,<tag>][...]]
    #[arg(value_name = "REFERENCE")]
    reference: String,
    /// <file>[:<type>] ...
    #[arg(value_name = "FILE")]
    files: Vec<String>,
    #[command(flatten)]
    pack: PushPackArgs,
    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,
    /// Upload blobs in chunks of this size (PATCH requests), e.g. `5M`; by default a blob is
    /// sent in one request, and in 1 MiB chunks once the registry refuses that with 413
    #[arg(long, value_name = "SIZE", value_parser = checks::parse_chunk_size)]
    chunk_size: Option<u64>,
}

/// Runs `oras push`.
pub async fn run(mut args: PushArgs, common: &CommonArgs) -> Result<()> {
    let files = args.files.iter().map(String::as_str);
    args.target.remote.check_stdin_file(files)?;
    let format = args.format.resolve()?;
    args.target.remote.upload_chunk_size = args.chunk_size;
    let (dest, extra_tags) = args.target.open_with_tags(&args.reference)?;
    let request = args.pack.request(&args.files)?;
    let status = common.status_printer(output::PUSH, format == OutputFormat::Text);
    let packed = request.pack(&*status).await?;
    // The file lists are done with once packed: at 15,000 files they hold a few MiB.
    drop(request);
    let no_files = std::mem::take(&mut args.files).is_empty();
    let repo = &*dest.target;
    if no_files {
        status.line("Uploading empty artifact");
    }
    let concurrency = args.concurrency.get();
    let copied = packed.copy_to(repo, dest.tag(), concurrency, status.clone());
    (copied.await).with_context(|| format!("pushing to {}", args.reference))?;
    if !extra_tags.is_empty() {
        let bytes = packed.manifest();
        oras_rs::tag::tag_bytes_n(repo, &packed.descriptor, &bytes, &extra_tags, concurrency)
            .await?;
    }
    status.finish();
    args.pack.common.export(&packed)?;
    args.format.emit(&PushReport {
        marker: dest.kind.marker(),
        reference: args.reference.split(',').next().unwrap_or_default().into(),
        name: dest.name.clone(),
        tag: dest.tag().map(str::to_string),
        extra_tags,
        artifact_type: packed.artifact_type().to_string(),
        manifest: packed.descriptor,
    })
}
