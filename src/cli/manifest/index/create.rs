//! `oras manifest index create` (alias `pack`): an index of manifests of one repository.

use anyhow::Result;
use clap::Args;
use oras_rs::index::{self, CreateOptions};

use super::IndexOutputArgs;
use crate::cli::options::TargetArgs;
use crate::output::manifest::IndexStatus;

/// [Experimental] Create and push an index from provided manifests
#[derive(Args, Debug)]
#[command(
    after_help = "Aliases:\n  create, pack\n\nExample - Create an index from source manifests tagged 'linux-amd64' and 'linux-arm64', and push without tagging:\n  oras manifest index create localhost:5000/hello linux-amd64 linux-arm64\n\nExample - Create an index from source manifests tagged 'linux-amd64' and 'linux-arm64', and push with the tag 'v1':\n  oras manifest index create localhost:5000/hello:v1 linux-amd64 linux-arm64\n\nExample - Create an index and push it with multiple tags:\n  oras manifest index create localhost:5000/hello:tag1,tag2,tag3 linux-amd64 linux-arm64 sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9\n\nExample - Create an index and push to an OCI image layout folder 'layout-dir' and tag with 'v1':\n  oras manifest index create layout-dir:v1 linux-amd64 sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9 --oci-layout\n\nExample - Create an index and save it locally to index.json, auto push will be disabled:\n  oras manifest index create --output index.json localhost:5000/hello linux-amd64 linux-arm64\n\nExample - Create an index and output the index to stdout, auto push will be disabled:\n  oras manifest index create localhost:5000/hello linux-arm64 --output - --pretty"
)]
pub struct CreateArgs {
    /// Add annotations to the index (`key=value`), repeatable
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    /// Artifact type of the index
    #[arg(long, value_name = "TYPE")]
    artifact_type: Option<String>,
    #[command(flatten)]
    out: IndexOutputArgs,
    /// <name>[:<tag>[,<tag>][...]]
    #[arg(value_name = "TARGET")]
    target_ref: String,
    /// {<tag>|<digest>} of the manifests to list, in order
    #[arg(value_name = "SOURCE")]
    sources: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras manifest index create`.
pub async fn run(args: CreateArgs) -> Result<()> {
    super::check_artifact_type(args.artifact_type.as_deref())?;
    let annotations = oras_rs::pack::parse_annotations(&args.annotations)?;
    let (target, extra_tags) = args.target.open_with_tags(&args.target_ref)?;
    let status = IndexStatus::new(args.out.output.as_deref());
    let options = CreateOptions {
        artifact_type: args.artifact_type.clone(),
        annotations,
    };
    let built = index::create(&*target.target, &args.sources, &options, &|e| {
        status.event(e)
    })
    .await?;
    let shown = match target.tag() {
        Some(_) => args.target_ref.split(',').next().unwrap_or_default(),
        None => &target.name,
    };
    let dest = (target.tag(), shown);
    super::finish(&built, &target, &args.out, dest, &extra_tags, "Packed").await
}
