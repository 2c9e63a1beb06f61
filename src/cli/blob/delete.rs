//! `oras blob delete` (aliases `remove`, `rm`): delete a blob after a `[y/N]` prompt unless
//! `--force`.

use anyhow::Result;
use clap::Args;

use crate::cli::options::checks;
use crate::cli::options::{DescriptorArgs, TargetArgs};

/// Delete a blob from a remote registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Delete a blob:\n  oras blob delete localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5\n\nExample - Delete a blob without prompting confirmation:\n  oras blob delete --force localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5\n\nExample - Delete a blob and print its descriptor:\n  oras blob delete --descriptor --force localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3e5",
    mut_arg("descriptor", |a| a.help("Output the descriptor of the deleted blob"))
)]
pub struct DeleteArgs {
    /// Ignore nonexistent references, never prompt
    #[arg(short = 'f', long)]
    force: bool,

    #[command(flatten)]
    descriptor: DescriptorArgs,

    /// <name>@<digest>
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Runs `oras blob delete`.
pub async fn run(args: DeleteArgs) -> Result<()> {
    args.descriptor.check_force(args.force)?;
    let target = args.target.open(&args.reference)?;
    let digest = checks::require_digest(target.reference.as_deref(), &args.reference, "delete")?;
    let resolved = target.target.resolve_blob(&digest).await;
    crate::cli::delete::delete_resolved(
        &target,
        resolved,
        crate::cli::delete::Deletion {
            reference: &args.reference,
            kind: "blob",
            question_tail: "",
            force: args.force,
            descriptor: args.descriptor,
        },
    )
    .await
}
