//! `oras manifest delete` (aliases `remove`, `rm`): delete a manifest and every tag pointing at
//! it, after a `[y/N]` prompt unless `--force`.

use anyhow::Result;
use clap::Args;

use crate::cli::options::checks;
use crate::cli::options::{DescriptorArgs, DistributionSpecArgs, TargetArgs};

/// Delete a manifest from remote registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Delete a manifest tagged with 'v1' from repository 'localhost:5000/hello':\n  oras manifest delete localhost:5000/hello:v1\n\nExample - Delete a manifest without prompting confirmation:\n  oras manifest delete --force localhost:5000/hello:v1\n\nExample - Delete a manifest and print its descriptor:\n  oras manifest delete --descriptor --force localhost:5000/hello:v1\n\nExample - Delete a manifest by digest 'sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9' from repository 'localhost:5000/hello':\n  oras manifest delete localhost:5000/hello@sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9",
    mut_arg("descriptor", |a| a.help("Output the descriptor of the deleted manifest"))
)]
pub struct DeleteArgs {
    #[command(flatten)]
    spec: DistributionSpecArgs,

    /// Ignore nonexistent references, never prompt
    #[arg(short = 'f', long)]
    force: bool,

    #[command(flatten)]
    descriptor: DescriptorArgs,

    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras manifest delete`.
pub async fn run(mut args: DeleteArgs) -> Result<()> {
    args.descriptor.check_force(args.force)?;
    args.spec.apply(&mut args.target.remote)?;
    let target = args.target.open(&args.reference)?;
    let reference =
        checks::require_reference(target.reference.clone(), &args.reference, "manifest delete")?;
    let resolved = target.target.resolve(&reference).await;
    crate::cli::delete::delete_resolved(
        &target,
        resolved,
        crate::cli::delete::Deletion {
            reference: &args.reference,
            kind: "manifest",
            question_tail: " and all tags associated with it",
            force: args.force,
            descriptor: args.descriptor,
        },
    )
    .await
}
