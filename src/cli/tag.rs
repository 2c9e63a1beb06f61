//! `oras tag`: give a manifest of a registry or an OCI image layout more tags.

use crate::cli::options::ConcurrencyArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use futures_util::{StreamExt, TryStreamExt, stream};
use oras_rs::Error;

use super::options::{CommonArgs, TargetArgs, TargetKind};
use crate::output;

/// Tag a manifest in a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Tag the manifest 'v1.0.1' in 'localhost:5000/hello' to 'v1.0.2':\n  oras tag localhost:5000/hello:v1.0.1 v1.0.2\n\nExample - Tag the manifest 'v1.0.1' in 'localhost:5000/hello' to 'v1.0.2', 'latest':\n  oras tag localhost:5000/hello:v1.0.1 v1.0.2 latest\n\nExample - Tag the manifest 'v1.0.1' to 'v1.0.2' in an OCI image layout folder 'layout-dir':\n  oras tag --oci-layout layout-dir:v1.0.1 v1.0.2"
)]
pub struct TagArgs {
    #[command(flatten)]
    common: CommonArgs,

    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// <new_tag> ...
    #[arg(value_name = "NEW_TAG")]
    tags: Vec<String>,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,

    // Last: its help heading would otherwise apply to the options after it.
    #[command(flatten)]
    target: TargetArgs,
}

impl TagArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

/// Runs `oras tag`.
pub async fn run(args: TagArgs) -> Result<()> {
    if args.reference == "list" || args.reference == "ls" {
        let container = if args.target.is_layout() {
            "an OCI image layout"
        } else {
            "a repository"
        };
        bail!(Error::invalid_with_hint(
            "there is no \"list\" sub-command for \"oras tag\" command",
            format!("If you want to list available tags in {container}, use \"oras repo tags\"")
        ));
    }
    let target = args
        .target
        .open(&args.reference)
        .with_context(|| format!("unable to add tag for '{}'", args.reference))?;
    let Some(reference) = target.reference.clone() else {
        bail!(Error::invalid_with_hint(
            format!("{:?}: no tag or digest specified", args.reference),
            "Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras tag -h\" for more options and examples"
        ));
    };
    if args.tags.is_empty() {
        bail!(Error::invalid_with_hint(
            "no new tag specified",
            "Run \"oras tag -h\" for more options and examples"
        ));
    }
    // Check every tag before writing any.
    if target.kind == TargetKind::Registry {
        for tag in &args.tags {
            format!("{}:{tag}", target.name)
                .parse::<oras_rs::reference::Reference>()
                .with_context(|| format!("unable to add tag {tag:?}"))?;
        }
    } else if args.tags.iter().any(String::is_empty) {
        bail!(Error::invalid("a tag cannot be empty"));
    }
    let (desc, bytes) = target.target.fetch_reference(&reference).await?;
    output::println_ignore_pipe(&format!(
        "Tagging {} {}@{}",
        target.kind.marker(),
        target.name,
        desc.digest
    ));
    let store = &*target.target;
    let (desc, bytes) = (&desc, &bytes);
    stream::iter(args.tags.iter())
        .map(|tag| async move {
            store
                .push_reference(desc, bytes.clone(), tag)
                .await
                .with_context(|| format!("tagging {} as {tag}", desc.digest))?;
            Ok::<_, anyhow::Error>(tag)
        })
        .buffered(args.concurrency.get())
        .try_for_each(|tag| async move {
            output::println_ignore_pipe(&format!("Tagged {tag}"));
            Ok(())
        })
        .await
}
