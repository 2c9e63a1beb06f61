//! `oras blob …`: fetch, push and delete single blobs.

pub mod delete;
pub mod fetch;
pub mod push;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use oras_rs::Error;
use oras_rs::digest::Digest;

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

/// The digest a blob reference must end with (`<name>@<digest>`).
fn require_digest(reference: Option<&str>, raw: &str, cmd: &str) -> Result<Digest> {
    match reference.map(str::parse::<Digest>) {
        Some(Ok(d)) => Ok(d),
        _ => bail!(Error::invalid_with_hint(
            format!("{raw:?}: no digest specified"),
            format!(
                "Please specify a reference in the form of \"<name>@<digest>\". Run \"oras blob {cmd} -h\" for more options and examples"
            )
        )),
    }
}
