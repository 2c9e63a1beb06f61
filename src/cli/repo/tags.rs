//! `oras repo tags`: the tags of a repository or an OCI layout.

use anyhow::Result;
use clap::Args;
use oras_rs::Error;
use oras_rs::listing::{
    TagQuery, list_tags, scoped_tags_pointing_at, split_scope, tags_pointing_at,
};

use crate::cli::options::{FormatArgs, TargetArgs};
use crate::output::repo::TagListReport;

/// Show tags of the target repository
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Show tags of the target repository:\n  oras repo tags localhost:5000/hello\n\nExample - Show tags in the target repository with digest-like tags hidden:\n  oras repo tags --exclude-digest-tags localhost:5000/hello\n\nExample - Show tags of the target repository that include values lexically after last:\n  oras repo tags --last \"last_tag\" localhost:5000/hello\n\nExample - [Experimental] Show tags associated with a particular tagged resource:\n  oras repo tags localhost:5000/hello:latest\n\nExample - Show tags of an OCI image layout folder 'layout-dir':\n  oras repo tags --oci-layout layout-dir"
)]
pub struct TagsArgs {
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

/// Runs `oras repo tags`. With `--oci-layout-path <dir> <registry>/<repo>`, the layout's tags
/// named `<registry>/<repo>:<tag>` are listed without that prefix (how oras keeps several
/// repositories in one layout); a `:<tag>` or `@<digest>` after it keeps those pointing where
/// it does, as for a registry.
pub async fn run(args: TagsArgs) -> Result<()> {
    args.format.resolve()?;
    let scoped = args.target.oci_layout_path.is_some() && !args.reference.is_empty();
    let (scope, scoped_pick) = split_scope(&args.reference);
    let source = args
        .target
        .open_read(if scoped { "" } else { &args.reference })?;
    let query = TagQuery {
        last: args.last.clone(),
        exclude_digest_tags: args.exclude_digest_tags,
        scope: scoped.then(|| scope.to_string()),
    };
    let mut tags = list_tags(&*source.target, &query)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(source.name.clone()),
            e => e,
        })?;
    let pick = if scoped {
        scoped_pick
    } else {
        source.reference.clone()
    };
    if let Some(reference) = &pick {
        let want = source.target.resolve(reference).await?;
        eprintln!(
            "[Experimental] querying tags associated to {}, it may take a while...",
            want.digest
        );
        tags = match &query.scope {
            Some(scope) => {
                scoped_tags_pointing_at(&*source.target, scope, tags, &want.digest).await?
            }
            None => tags_pointing_at(&*source.target, tags, &want.digest).await?,
        };
    }
    args.format.emit(&TagListReport { tags })
}
