//! `oras manifest index update`: add, merge or remove entries of an index, or retag it.

use anyhow::{Result, bail};
use clap::Args;
use oras_rs::index::{self, Update};

use super::IndexOutputArgs;
use crate::cli::options::TargetArgs;
use crate::cli::options::checks;
use crate::output;
use crate::output::manifest::IndexStatus;

/// [Experimental] Update and push an image index
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Remove a manifest and add two manifests from an index tagged 'v1'. The tag will point to the updated index:\n  oras manifest index update localhost:5000/hello:v1 --add linux-amd64 --add linux-arm64 --remove sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9\n\nExample - Create a new index by updating an existing index specified by its digest:\n  oras manifest index update localhost:5000/hello@sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9 --add linux-amd64 --remove sha256:fd6ed2f36b5465244d5dc86cb4e7df0ab8a9d24adc57825099f522fe009a22bb\n\nExample - Merge manifests from the index 'v2-windows' to the index 'v2':\n  oras manifest index update localhost:5000/hello:v2 --merge v2-windows\n\nExample - Update an index and tag the updated index as 'v2.1.0' and 'v2':\n  oras manifest index update localhost:5000/hello@sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9 --add linux-amd64 --tag \"v2.1.0\" --tag \"v2\""
)]
pub struct UpdateArgs {
    /// Manifests to add to the index, repeatable
    #[arg(long, value_name = "REF")]
    add: Vec<String>,
    /// Indexes whose manifests are merged into the index, repeatable
    #[arg(long, value_name = "REF")]
    merge: Vec<String>,
    /// Digests of manifests to remove from the index, repeatable
    #[arg(long, value_name = "DIGEST")]
    remove: Vec<String>,
    /// Extra tags for the updated index, repeatable
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Set the artifact type of the index (`--artifact-type=""` removes it)
    #[arg(long, value_name = "TYPE")]
    artifact_type: Option<String>,
    #[command(flatten)]
    out: IndexOutputArgs,
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "INDEX")]
    index_ref: String,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras manifest index update`.
pub async fn run(args: UpdateArgs) -> Result<()> {
    if args.out.output.is_some() && !args.tags.is_empty() {
        bail!("--tag cannot be used with --output");
    }
    super::check_artifact_type(args.artifact_type.as_deref())?;
    let remove = super::parse_removals(&args.remove)?;
    let target = args.target.open(&args.index_ref)?;
    let raw = &args.index_ref;
    let reference =
        checks::require_reference(target.reference.clone(), raw, "manifest index update")?;
    let (add, merge, artifact_type) = (args.add, args.merge, args.artifact_type);
    let update = Update::new(remove, add, merge, artifact_type);
    if update.is_empty() && args.tags.is_empty() {
        output::println_ignore_pipe("Nothing to update as no change is requested");
        return Ok(());
    }
    let status = IndexStatus::new(args.out.output.as_deref());
    status.line("Fetching", raw);
    let (desc, fetched) = index::fetch(&*target.target, &reference, raw).await?;
    status.line("Fetched", &format!("{} {raw}", desc.digest));
    let on_event = |e: oras_rs::index::Event<'_>| status.event(e);
    let updated = index::update(&*target.target, fetched, &update, raw, &on_event).await?;
    let shown = target.tag().map_or(target.name.as_str(), |_| raw);
    super::finish(
        &updated,
        &target,
        &args.out,
        (target.tag(), shown),
        &args.tags,
        "Updated",
    )
    .await
}
