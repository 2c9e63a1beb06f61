//! `oras repo ls`: the repositories of a registry's catalog, optionally under a namespace.

use anyhow::{Context, Result};
use clap::Args;

use crate::cli::options::{FormatArgs, RemoteArgs};
use crate::output::repo::RepoListReport;

/// List the repositories under the registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - List the repositories under the registry:\n  oras repo ls localhost:5000\n\nExample - List the repositories under a namespace in the registry:\n  oras repo ls localhost:5000/example-namespace\n\nExample - List the repositories under the registry that include values lexically after last:\n  oras repo ls --last \"last_repo\" localhost:5000"
)]
pub struct LsArgs {
    /// Start after the repository specified by `last`
    #[arg(long, value_name = "REPO")]
    last: Option<String>,

    /// <registry>[/<namespace>]
    #[arg(value_name = "REGISTRY")]
    registry: String,

    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// Runs `oras repo ls`.
pub async fn run(args: LsArgs) -> Result<()> {
    args.format.resolve()?;
    let (host, namespace) = match args.registry.split_once('/') {
        Some((h, ns)) => (h, Some(ns.trim_end_matches('/'))),
        None => (args.registry.as_str(), None),
    };
    if namespace.is_some_and(|n| n.contains([':', '@'])) {
        anyhow::bail!(
            "{:?}: tags or digests should not be provided",
            args.registry
        );
    }
    let prefix = namespace.filter(|n| !n.is_empty()).map(|n| format!("{n}/"));
    let context = match &prefix {
        Some(p) => format!("could not list repositories for {host:?} with prefix {p:?}"),
        None => format!("could not list repositories for {host:?}"),
    };
    let registry = args.remote.registry(host).context(context.clone())?;
    let repositories = registry
        .list_repositories(prefix.as_deref(), args.last.as_deref())
        .await
        .context(context)?;
    args.format.emit(&RepoListReport {
        registry: host.to_string(),
        prefix,
        repositories,
    })
}
