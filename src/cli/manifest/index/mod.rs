//! `oras manifest index create` (alias `pack`) and `oras manifest index update`: build or edit
//! an image index from manifests of the same repository (or layout), with each entry's
//! platform read from its image config (`oras_rs::index`). What both print is here.

pub mod create;
mod shared;
pub mod update;

pub use shared::IndexOutputArgs;
use shared::{check_artifact_type, finish, parse_removals};

use anyhow::Result;
use clap::{Args, Subcommand};

/// [Experimental] Index operations
#[derive(Args, Debug)]
pub struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Subcommand, Debug)]
enum IndexCommand {
    #[command(visible_alias = "pack")]
    Create(create::CreateArgs),
    Update(update::UpdateArgs),
}

/// Runs the chosen `oras manifest index` command.
pub async fn run(args: IndexArgs) -> Result<()> {
    match args.command {
        IndexCommand::Create(a) => create::run(a).await,
        IndexCommand::Update(a) => update::run(a).await,
    }
}
