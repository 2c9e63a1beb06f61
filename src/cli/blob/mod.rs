//! `oras blob …`: fetch, push and delete single blobs.

pub mod delete;
pub mod fetch;
pub mod push;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::options::CommonArgs;

/// Blob operations
#[derive(Args, Debug)]
pub struct BlobArgs {
    #[command(subcommand)]
    command: BlobCommand,
}

#[derive(Subcommand, Debug)]
enum BlobCommand {
    #[command(visible_aliases = ["remove", "rm"])]
    Delete(delete::DeleteArgs),
    #[command(visible_alias = "get")]
    Fetch(fetch::FetchArgs),
    Push(push::PushArgs),
}

/// Runs the chosen `oras blob` command.
pub async fn run(args: BlobArgs, common: &CommonArgs) -> Result<()> {
    match args.command {
        BlobCommand::Delete(a) => delete::run(a).await,
        BlobCommand::Fetch(a) => fetch::run(a).await,
        BlobCommand::Push(a) => push::run(a, common).await,
    }
}
