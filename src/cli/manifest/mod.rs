//! `oras manifest …`: fetch, fetch-config, push, delete (and, later, index).

pub mod delete;
pub mod fetch;
pub mod fetch_config;
pub mod index;
pub mod push;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::options::CommonArgs;

/// Manifest operations
#[derive(Args, Debug)]
pub struct ManifestArgs {
    #[command(subcommand)]
    command: ManifestCommand,
}

#[derive(Subcommand, Debug)]
enum ManifestCommand {
    #[command(visible_aliases = ["remove", "rm"])]
    Delete(delete::DeleteArgs),
    #[command(visible_aliases = ["get", "show"])]
    Fetch(fetch::FetchArgs),
    #[command(name = "fetch-config", visible_alias = "get-config")]
    FetchConfig(fetch_config::FetchConfigArgs),
    Push(push::PushArgs),
    Index(index::IndexArgs),
}

/// Runs the chosen `oras manifest` command.
pub async fn run(args: ManifestArgs, common: &CommonArgs) -> Result<()> {
    match args.command {
        ManifestCommand::Delete(a) => delete::run(a).await,
        ManifestCommand::Fetch(a) => fetch::run(a).await,
        ManifestCommand::FetchConfig(a) => fetch_config::run(a).await,
        ManifestCommand::Push(a) => push::run(a, common).await,
        ManifestCommand::Index(a) => index::run(a).await,
    }
}
