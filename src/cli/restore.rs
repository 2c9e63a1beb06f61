//! `oras restore` ([Experimental]): the tagged graphs (and referrers) of a backup, an OCI layout
//! directory or tar file, copied into a repository ([`oras_rs::copy::backup::restore`]).

use std::{path::Path, sync::Arc, time::Instant};

use crate::cli::options::ConcurrencyArgs;
use anyhow::Result;
use clap::Args;
use oras_rs::copy::backup::{BackupOptions, repository_tags, restore};

use super::options::{CommonArgs, DistributionSpecArgs, RemoteArgs};
use crate::output::backup::{RESTORE, RestoreReport, print_event};
use crate::output::{StatusPrinter, report::print_text};

/// [Experimental] Restore artifacts from an OCI image layout into a registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Restore every tag of a backup:\n  oras restore --input backup.tar localhost:5000/hello\n\nExample - Restore one tag without its referrers:\n  oras restore --input ./backup --exclude-referrers localhost:5000/hello:v1\n\nExample - Show what would be restored:\n  oras restore --input backup.tar --dry-run localhost:5000/hello"
)]
pub struct RestoreArgs {
    #[command(flatten)]
    spec: DistributionSpecArgs,

    /// The backup: an OCI image layout directory or tar file
    #[arg(long, value_name = "PATH", required = true)]
    input: String,

    /// Restore only the tagged artifacts, not their referrers
    #[arg(long)]
    exclude_referrers: bool,

    /// Print what would be restored, push nothing
    #[arg(long)]
    dry_run: bool,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,

    /// <registry>/<repository>[:<tag>[,<tag>...]]
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    remote: RemoteArgs,
}

/// Runs `oras restore`.
pub async fn run(mut args: RestoreArgs, common: &CommonArgs) -> Result<()> {
    let start = Instant::now();
    let (reference, tags) = repository_tags(&args.reference)?;
    args.spec.apply(&mut args.remote)?;
    let repo = args.remote.repository(&reference)?;
    let name = reference.repo_ref();
    let verbose = common.verbose();
    let status = Arc::new(StatusPrinter::new(RESTORE, !args.dry_run, verbose));
    let opts = BackupOptions::new()
        .with_concurrency(args.concurrency.get())
        .with_observer(status)
        .with_referrers(!args.exclude_referrers)
        .with_dry_run(args.dry_run)
        .with_progress(print_event);
    let tags = restore(Path::new(&args.input), &repo, &name, tags, &opts).await?;
    print_text(&RestoreReport {
        tags: tags.len(),
        from: args.input,
        to: name,
        dry_run: args.dry_run,
        elapsed: start.elapsed(),
    });
    Ok(())
}
