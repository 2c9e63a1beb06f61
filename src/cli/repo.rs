//! `oras repo ls` (alias `list`) and `oras repo tags` (alias `show-tags`).

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use oras_rs::Error;
use oras_rs::digest::Digest;

use super::options::{CommonArgs, FormatArgs, OutputFormat, RemoteArgs, TargetArgs};
use crate::output::{self, model};

/// Repository operations
#[derive(Args, Debug)]
pub struct RepoArgs {
    #[command(subcommand)]
    command: RepoCommand,
}

#[derive(Subcommand, Debug)]
enum RepoCommand {
    #[command(visible_alias = "list")]
    Ls(LsArgs),
    #[command(visible_alias = "show-tags")]
    Tags(TagsArgs),
}

impl RepoArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        match &self.command {
            RepoCommand::Ls(a) => &a.common,
            RepoCommand::Tags(a) => &a.common,
        }
    }
}

/// Runs the chosen `oras repo` command.
pub async fn run(args: RepoArgs) -> Result<()> {
    match args.command {
        RepoCommand::Ls(a) => ls(a).await,
        RepoCommand::Tags(a) => tags(a).await,
    }
}

/// List the repositories under the registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - List the repositories under the registry:\n  oras repo ls localhost:5000\n\nExample - List the repositories under a namespace in the registry:\n  oras repo ls localhost:5000/example-namespace\n\nExample - List the repositories under the registry that include values lexically after last:\n  oras repo ls --last \"last_repo\" localhost:5000"
)]
pub struct LsArgs {
    #[command(flatten)]
    common: CommonArgs,

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

async fn ls(args: LsArgs) -> Result<()> {
    let format = args.format.resolve()?;
    let (host, namespace) = match args.registry.split_once('/') {
        Some((h, ns)) => (h, Some(ns.trim_end_matches('/'))),
        None => (args.registry.as_str(), None),
    };
    let prefix = namespace.filter(|n| !n.is_empty()).map(|n| format!("{n}/"));
    let context = match &prefix {
        Some(p) => format!("could not list repositories for {host:?} with prefix {p:?}"),
        None => format!("could not list repositories for {host:?}"),
    };
    let registry = args.remote.registry(host).context(context.clone())?;
    let last = match (&prefix, &args.last) {
        (Some(p), Some(l)) if !l.starts_with(p.as_str()) => Some(format!("{p}{l}")),
        (_, l) => l.clone(),
    };
    let mut repos = registry
        .repositories(last.as_deref())
        .await
        .context(context)?;
    if let Some(p) = &prefix {
        repos.retain(|r| r.starts_with(p.as_str()));
    }
    match format {
        OutputFormat::Text => {
            for repo in &repos {
                let shown = prefix
                    .as_deref()
                    .and_then(|p| repo.strip_prefix(p))
                    .unwrap_or(repo);
                output::println_ignore_pipe(shown);
            }
        }
        OutputFormat::Json | OutputFormat::GoTemplate => {
            let doc = model::RepoList {
                registry: host.to_string(),
                repositories: repos,
            };
            args.format.print(&doc)?;
        }
    }
    Ok(())
}

/// Show tags of the target repository
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Show tags of the target repository:\n  oras repo tags localhost:5000/hello\n\nExample - Show tags in the target repository with digest-like tags hidden:\n  oras repo tags --exclude-digest-tags localhost:5000/hello\n\nExample - Show tags of the target repository that include values lexically after last:\n  oras repo tags --last \"last_tag\" localhost:5000/hello\n\nExample - [Experimental] Show tags associated with a particular tagged resource:\n  oras repo tags localhost:5000/hello:latest\n\nExample - Show tags of an OCI image layout folder 'layout-dir':\n  oras repo tags --oci-layout layout-dir"
)]
pub struct TagsArgs {
    #[command(flatten)]
    common: CommonArgs,

    /// Start after the tag specified by `last`
    #[arg(long, value_name = "TAG")]
    last: Option<String>,

    /// [Preview] Exclude all digest-like tags such as 'sha256-aaaa...'
    #[arg(long)]
    exclude_digest_tags: bool,

    /// <name>[:<tag>|@<digest>]
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    target: TargetArgs,
}

/// `--oci-layout-path <dir> <registry>/<repo>`: the layout's tags named `<registry>/<repo>:<tag>`,
/// printed without that prefix (how oras keeps several repositories in one layout).
async fn scoped_layout_tags(args: &TagsArgs, format: OutputFormat) -> Result<()> {
    let source = args.target.open_read("")?;
    let prefix = format!("{}:", args.reference);
    let mut tags: Vec<String> = source
        .target
        .tags(None)
        .await?
        .into_iter()
        .filter_map(|t| t.strip_prefix(&prefix).map(str::to_string))
        .filter(|t| args.last.as_deref().is_none_or(|l| t.as_str() > l))
        .collect();
    tags.sort();
    if args.exclude_digest_tags {
        tags.retain(|t| !is_digest_tag(t));
    }
    print_tags(args, format, tags)
}

fn print_tags(args: &TagsArgs, format: OutputFormat, tags: Vec<String>) -> Result<()> {
    match format {
        OutputFormat::Text => {
            for tag in &tags {
                output::println_ignore_pipe(tag);
            }
        }
        OutputFormat::Json | OutputFormat::GoTemplate => {
            args.format.print(&model::TagList { tags })?;
        }
    }
    Ok(())
}

/// Whether `tag` reads as a digest once its first `-` becomes `:` (`sha256-<hex>`).
fn is_digest_tag(tag: &str) -> bool {
    tag.replacen('-', ":", 1).parse::<Digest>().is_ok()
}

async fn tags(args: TagsArgs) -> Result<()> {
    let format = args.format.resolve()?;
    if args.target.oci_layout_path.is_some() && !args.reference.is_empty() {
        return scoped_layout_tags(&args, format).await;
    }
    let source = args.target.open_read(&args.reference)?;
    let mut tags = source
        .target
        .tags(args.last.as_deref())
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(source.name.clone()),
            e => e,
        })?;
    // Distribution answers an unpaginated list in storage order; print a stable, lexical one
    // (the order paginated answers and `--last` follow).
    tags.sort();
    // Distribution ignores `last` unless `n` is given too: filter here as well.
    if let Some(last) = args.last.as_deref().filter(|l| !l.is_empty()) {
        tags.retain(|t| t.as_str() > last);
    }
    if args.exclude_digest_tags {
        tags.retain(|t| !is_digest_tag(t));
    }
    if let Some(reference) = &source.reference {
        let want = source.target.resolve(reference).await?;
        eprintln!(
            "[Experimental] querying tags associated to {}, it may take a while...",
            want.digest
        );
        let mut kept = Vec::new();
        for tag in tags {
            match source.target.resolve(&tag).await {
                Ok(d) if d.digest == want.digest => kept.push(tag),
                Ok(_) => {}
                Err(e) => bail!(anyhow::Error::new(e).context(format!("resolving tag {tag}"))),
            }
        }
        tags = kept;
    }
    print_tags(&args, format, tags)
}

#[cfg(test)]
mod tests {
    use super::is_digest_tag;

    #[test]
    fn digest_tags_are_recognised() {
        assert!(is_digest_tag(&format!("sha256-{}", "a".repeat(64))));
        assert!(!is_digest_tag(&format!("sha256-{}", "a".repeat(63))));
        assert!(!is_digest_tag("v1"));
        assert!(!is_digest_tag("sha256-latest"));
    }
}
