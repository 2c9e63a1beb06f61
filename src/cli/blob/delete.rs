//! `oras blob delete` (aliases `remove`, `rm`): delete a blob after a `[y/N]` prompt unless
//! `--force`.

use anyhow::{Result, bail};
use clap::Args;

use crate::cli::options::{CommonArgs, TargetArgs};
use crate::cli::shared;

/// Delete a blob from a remote registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Delete a blob:\n  oras blob delete localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5\n\nExample - Delete a blob without prompting confirmation:\n  oras blob delete --force localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5\n\nExample - Delete a blob and print its descriptor:\n  oras blob delete --descriptor --force localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5"
)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub(super) common: CommonArgs,

    /// Ignore nonexistent references, never prompt
    #[arg(short = 'f', long)]
    force: bool,

    /// Output the descriptor of the deleted blob
    #[arg(long)]
    descriptor: bool,

    /// Prettify JSON output
    #[arg(long)]
    pretty: bool,

    /// <name>@<digest>
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras blob delete`.
pub async fn run(args: DeleteArgs) -> Result<()> {
    if args.descriptor && !args.force {
        bail!("must apply --force to confirm the deletion if the descriptor is outputted");
    }
    let target = args.target.open(&args.reference)?;
    let digest = super::require_digest(target.reference.as_deref(), &args.reference, "delete")?;
    let resolved = target.target.resolve_blob(&digest).await;
    shared::delete_resolved(
        &target,
        resolved,
        shared::Deletion {
            reference: &args.reference,
            kind: "blob",
            question_tail: "",
            force: args.force,
            descriptor: args.descriptor,
            pretty: args.pretty,
        },
    )
    .await
}
