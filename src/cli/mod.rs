//! The command tree. Each command lives in its own file, parses its options and calls the library;
//! this file only lists them and dispatches.

pub mod attach;
pub mod backup;
pub mod blob;
mod command;
pub mod completion;
pub mod cp;
pub mod delete;
pub mod discover;
pub mod login;
pub mod logout;
pub mod manifest;
pub mod options;
pub mod pull;
pub mod push;
pub mod repo;
pub mod resolve;
pub mod restore;
pub mod stdio;
pub mod tag;
pub mod usage;
pub mod version;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser};

/// OCI Registry As Storage: push and pull any content to and from OCI registries
#[derive(Parser, Debug)]
#[command(name = "oras", disable_version_flag = true)]
pub struct Cli {
    /// `-d`, `-v`, `--no-tty`: declared once ([`options::CommonArgs`]), read once after
    /// parsing; every command gets them from here, none declares them.
    #[arg(skip)]
    common: options::CommonArgs,
    #[command(subcommand)]
    command: command::Command,
}

impl Cli {
    /// The command tree: the derived one with the common flags added to every command that
    /// has them in oras. They are accepted after the command (`oras push -d …`), not before it,
    /// and each help page lists them where oras does.
    pub fn command_tree() -> clap::Command {
        options::CommonArgs::add_to(Cli::command())
    }

    /// Parses `args` as oras (cobra) does: a single-value flag given twice keeps the last value
    /// (`--format json --format text`), instead of clap's "cannot be used multiple times".
    /// Repeatable flags (`-a`, `-t`) still collect every value.
    pub fn parse_args(args: Vec<std::ffi::OsString>) -> std::result::Result<Cli, clap::Error> {
        fn override_self(cmd: clap::Command) -> clap::Command {
            cmd.args_override_self(true).mut_subcommands(override_self)
        }
        let mut matches = override_self(Cli::command_tree()).try_get_matches_from(args)?;
        let common = options::CommonArgs::from_leaf(&matches)?;
        let mut cli = Cli::from_arg_matches_mut(&mut matches)?;
        cli.common = common;
        Ok(cli)
    }

    /// Whether `-d/--debug` was given.
    pub fn debug(&self) -> bool {
        self.common.debug
    }

    /// Runs the chosen command.
    pub async fn run(self) -> Result<()> {
        self.common.warn_deprecated();
        self.command.run(&self.common).await
    }
}
