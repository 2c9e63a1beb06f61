//! `oras manifest push`: push a manifest file (or stdin) as it is, under tags or by digest.

use anyhow::{Context, Result};
use clap::Args;
use oras_rs::{manifest, tag};

use crate::cli::options::checks;
use crate::cli::options::{
    CommonArgs, ConcurrencyArgs, DescriptorArgs, DistributionSpecArgs, TargetArgs,
};
use crate::output::manifest::PushReport;
use crate::output::text;

/// Push a manifest to a remote registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Push a manifest to repository 'hello' and tag with 'v1':\n  oras manifest push localhost:5000/hello:v1 manifest.json\n\nExample - Push a manifest from stdin:\n  oras manifest push localhost:5000/hello:v1 -\n\nExample - Push a manifest with a media type:\n  oras manifest push --media-type application/vnd.docker.distribution.manifest.v2+json localhost:5000/hello:v1 manifest.json\n\nExample - Push a manifest and tag it with several tags:\n  oras manifest push localhost:5000/hello:tag1,tag2,tag3 manifest.json\n\nExample - Push a manifest and print its descriptor:\n  oras manifest push --descriptor localhost:5000/hello:v1 manifest.json",
    mut_arg("concurrency", |a| a.help("Concurrency level for tagging")),
    mut_arg("descriptor", |a| a.help("Print the descriptor of the pushed manifest instead of status output"))
)]
pub struct PushArgs {
    #[command(flatten)]
    spec: DistributionSpecArgs,
    #[command(flatten)]
    descriptor: DescriptorArgs,

    /// Media type of the manifest (default: the file's `mediaType` field)
    #[arg(long, value_name = "TYPE")]
    media_type: Option<String>,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,

    /// <name>[:<tag>[,<tag>][...]|@<digest>]
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// The manifest file, `-` for stdin
    #[arg(value_name = "FILE")]
    file: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras manifest push`.
pub async fn run(mut args: PushArgs, common: &CommonArgs) -> Result<()> {
    args.target.remote.check_stdin_file([args.file.as_str()])?;
    let verbose = common.verbose();
    let bytes = checks::read_manifest_file(&args.file)?;
    let desc = checks::manifest_descriptor(&bytes, args.media_type.as_deref(), &args.file)?;
    args.spec.apply(&mut args.target.remote)?;
    let (dest, extra_tags) = args.target.open_with_tags(&args.reference)?;
    let given = dest.reference.as_deref();
    checks::check_given_digest(given, &desc.digest, &args.reference, "the manifest")?;
    let reference = given.map_or_else(|| desc.digest.to_string(), str::to_string);
    let status = text::push_status(!args.descriptor.descriptor, verbose);
    manifest::push(&*dest.target, &desc, &bytes, &reference, &status)
        .await
        .with_context(|| format!("pushing the manifest to {}", args.reference))?;
    let concurrency = args.concurrency.get_for_tags();
    let tagged = tag::tag_bytes_n(&*dest.target, &desc, &bytes, &extra_tags, concurrency).await?;
    if args.descriptor.descriptor {
        return args.descriptor.print(&desc);
    }
    text::emit_text(&PushReport::new(&dest, &args.reference, tagged, &desc))
}
