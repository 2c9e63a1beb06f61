//! `oras repo ls` (alias `list`) and `oras repo tags` (alias `show-tags`).

mod ls;
mod tags;

use anyhow::Result;
use clap::{Args, Subcommand};

/// Repository operations
#[derive(Args, Debug)]
pub struct RepoArgs {
    #[command(subcommand)]
    command: RepoCommand,
}

#[derive(Subcommand, Debug)]
enum RepoCommand {
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    #[command(visible_alias = "show-tags")]
    Tags(tags::TagsArgs),
}

/// Runs the chosen `oras repo` command.
pub async fn run(args: RepoArgs) -> Result<()> {
    match args.command {
        RepoCommand::Ls(a) => ls::run(a).await,
        RepoCommand::Tags(a) => tags::run(a).await,
    }
}
