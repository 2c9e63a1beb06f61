//! The command tree. Each command lives in its own file, parses its options and calls the library;
//! this file only lists them and dispatches.

pub mod attach;
pub mod backup;
pub mod blob;
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
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// OCI Registry As Storage: push and pull any content to and from OCI registries
#[derive(Parser, Debug)]
#[command(name = "oras", disable_version_flag = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Push(push::PushArgs),
    Pull(pull::PullArgs),
    #[command(alias = "copy")]
    Cp(cp::CpArgs),
    Tag(tag::TagArgs),
    #[command(alias = "digest")]
    Resolve(resolve::ResolveArgs),
    Attach(attach::AttachArgs),
    Discover(discover::DiscoverArgs),
    Version(version::VersionArgs),
    Login(login::LoginArgs),
    Logout(logout::LogoutArgs),
    Blob(blob::BlobArgs),
    Manifest(manifest::ManifestArgs),
    #[command(visible_alias = "repository")]
    Repo(repo::RepoArgs),
    Backup(backup::BackupArgs),
    Restore(restore::RestoreArgs),
    Completion(completion::CompletionArgs),
    #[command(hide = true)]
    Man(completion::ManArgs),
}

impl Cli {
    /// Parses `args` as oras (cobra) does: a single-value flag given twice keeps the last value
    /// (`--format json --format text`), instead of clap's "cannot be used multiple times".
    /// Repeatable flags (`-a`, `-t`) still collect every value.
    pub fn parse_args(args: Vec<std::ffi::OsString>) -> std::result::Result<Cli, clap::Error> {
        fn override_self(cmd: clap::Command) -> clap::Command {
            cmd.args_override_self(true).mut_subcommands(override_self)
        }
        let mut matches = override_self(Cli::command()).try_get_matches_from(args)?;
        Cli::from_arg_matches_mut(&mut matches)
    }

    /// Whether `-d/--debug` was given.
    pub fn debug(&self) -> bool {
        match &self.command {
            Command::Push(a) => a.common().debug,
            Command::Pull(a) => a.common().debug,
            Command::Cp(a) => a.common().debug,
            Command::Tag(a) => a.common().debug,
            Command::Resolve(a) => a.common().debug,
            Command::Attach(a) => a.common().debug,
            Command::Discover(a) => a.common().debug,
            Command::Login(a) => a.common().debug,
            Command::Logout(a) => a.common().debug,
            Command::Blob(a) => a.common().debug,
            Command::Manifest(a) => a.common().debug,
            Command::Repo(a) => a.common().debug,
            Command::Backup(a) => a.common().debug,
            Command::Restore(a) => a.common().debug,
            Command::Version(_) | Command::Completion(_) | Command::Man(_) => false,
        }
    }

    /// Runs the chosen command.
    pub async fn run(self) -> Result<()> {
        match self.command {
            Command::Push(a) => push::run(a).await,
            Command::Pull(a) => pull::run(a).await,
            Command::Cp(a) => cp::run(a).await,
            Command::Tag(a) => tag::run(a).await,
            Command::Resolve(a) => resolve::run(a).await,
            Command::Attach(a) => attach::run(a).await,
            Command::Discover(a) => discover::run(a).await,
            Command::Version(a) => version::run(a),
            Command::Login(a) => login::run(a).await,
            Command::Logout(a) => logout::run(a).await,
            Command::Blob(a) => blob::run(a).await,
            Command::Manifest(a) => manifest::run(a).await,
            Command::Repo(a) => repo::run(a).await,
            Command::Backup(a) => backup::run(a).await,
            Command::Restore(a) => restore::run(a).await,
            Command::Completion(a) => completion::run(a),
            Command::Man(a) => completion::run_man(a),
        }
    }
}
