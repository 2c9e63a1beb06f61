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
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

/// OCI Registry As Storage: push and pull any content to and from OCI registries
#[derive(Parser, Debug)]
#[command(name = "oras", disable_version_flag = true)]
pub struct Cli {
    /// `-d`, `-v`, `--no-tty`: declared once, in [`Cli::command_tree`], and read once after
    /// parsing; every command gets them from here, none declares them.
    #[arg(skip)]
    common: options::CommonArgs,
    #[command(subcommand)]
    command: Command,
}

/// The commands that take no `-d`/`-v`/`--no-tty` in oras.
const WITHOUT_COMMON: &[&str] = &["version", "completion", "man"];

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
    /// The command tree: the derived one with the common flags added to every command that
    /// has them in oras. They are accepted after the command (`oras push -d …`), not before it,
    /// and each help page lists them where oras does.
    pub fn command_tree() -> clap::Command {
        fn add_common(cmd: clap::Command) -> clap::Command {
            if cmd.has_subcommands() {
                cmd.mut_subcommands(add_common)
            } else if WITHOUT_COMMON.contains(&cmd.get_name()) {
                cmd
            } else {
                // Under "Options", first, as if each command had declared them itself.
                let common = options::CommonArgs::augment_args(clap::Command::new("common"));
                let first: Vec<clap::Arg> = common
                    .get_arguments()
                    .enumerate()
                    .map(|(i, arg)| arg.clone().help_heading(None::<&str>).display_order(i))
                    .collect();
                let shift = first.len();
                cmd.mut_args(|arg| {
                    let order = arg.get_display_order();
                    arg.display_order(order + shift)
                })
                .args(first)
            }
        }
        Cli::command().mut_subcommands(add_common)
    }

    /// Parses `args` as oras (cobra) does: a single-value flag given twice keeps the last value
    /// (`--format json --format text`), instead of clap's "cannot be used multiple times".
    /// Repeatable flags (`-a`, `-t`) still collect every value.
    pub fn parse_args(args: Vec<std::ffi::OsString>) -> std::result::Result<Cli, clap::Error> {
        fn override_self(cmd: clap::Command) -> clap::Command {
            cmd.args_override_self(true).mut_subcommands(override_self)
        }
        let mut matches = override_self(Cli::command_tree()).try_get_matches_from(args)?;
        let mut leaf = &matches;
        while let Some((_, sub)) = leaf.subcommand() {
            leaf = sub;
        }
        let common = if leaf.try_contains_id("debug").is_ok() {
            options::CommonArgs::from_arg_matches(leaf)?
        } else {
            options::CommonArgs::default()
        };
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
        let common = &self.common;
        common.warn_deprecated();
        match self.command {
            Command::Push(a) => push::run(a, common).await,
            Command::Pull(a) => pull::run(a, common).await,
            Command::Cp(a) => cp::run(a, common).await,
            Command::Tag(a) => tag::run(a).await,
            Command::Resolve(a) => resolve::run(a).await,
            Command::Attach(a) => attach::run(a, common).await,
            Command::Discover(a) => discover::run(a, common).await,
            Command::Version(a) => version::run(a),
            Command::Login(a) => login::run(a).await,
            Command::Logout(a) => logout::run(a).await,
            Command::Blob(a) => blob::run(a, common).await,
            Command::Manifest(a) => manifest::run(a, common).await,
            Command::Repo(a) => repo::run(a).await,
            Command::Backup(a) => backup::run(a, common).await,
            Command::Restore(a) => restore::run(a, common).await,
            Command::Completion(a) => completion::run(a),
            Command::Man(a) => completion::run_man(a),
        }
    }
}
