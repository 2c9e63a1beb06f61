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

impl BlobArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        match &self.command {
            BlobCommand::Delete(a) => &a.common,
            BlobCommand::Fetch(a) => &a.common,
            BlobCommand::Push(a) => &a.common,
        }
    }
}

/// Runs the chosen `oras blob` command.
pub async fn run(args: BlobArgs) -> Result<()> {
    match args.command {
        BlobCommand::Delete(a) => delete::run(a).await,
        BlobCommand::Fetch(a) => fetch::run(a).await,
        BlobCommand::Push(a) => push::run(a).await,
    }
}
