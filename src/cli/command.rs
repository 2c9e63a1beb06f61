//! The commands of `oras` and the dispatch to each one's `run`.

use anyhow::Result;
use clap::Subcommand;

use super::options::CommonArgs;
use super::{
    attach, backup, blob, completion, cp, discover, login, logout, manifest, pull, push, repo,
    resolve, restore, tag, version,
};

#[derive(Subcommand, Debug)]
pub(super) enum Command {
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

impl Command {
    /// Runs the chosen command, with the common flags for those that use them.
    pub(super) async fn run(self, common: &CommonArgs) -> Result<()> {
        match self {
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
