//! `oras backup` ([Experimental]): tagged graphs (and their referrers) of a repository copied
//! into an OCI layout, a directory or a tar file (the library's [`oras_rs::copy::backup`]).

use std::{path::Path, sync::Arc, time::Instant};

use crate::cli::options::ConcurrencyArgs;
use anyhow::Result;
use clap::Args;
use oras_rs::copy::backup::{BackupOptions, backup, repository_tags};

use super::options::{CommonArgs, DistributionSpecArgs, RemoteArgs};
use crate::output::backup::{BACKUP, BackupReport, print_event};
use crate::output::{StatusPrinter, report::print_text};

/// [Experimental] Back up artifacts from a registry into an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Back up the tag 'v1' of a repository into a directory:\n  oras backup --output ./backup localhost:5000/hello:v1\n\nExample - Back up every tag of a repository into a tar archive:\n  oras backup --output backup.tar localhost:5000/hello\n\nExample - Back up several tags with their referrers:\n  oras backup --output backup.tar --include-referrers localhost:5000/hello:v1,v2"
)]
pub struct BackupArgs {
    #[command(flatten)]
    spec: DistributionSpecArgs,

    /// Where to write: a `*.tar` file, else an OCI image layout directory
    #[arg(short = 'o', long, value_name = "PATH", required = true)]
    output: String,

    /// Back up the referrers of each tagged artifact too
    #[arg(long)]
    include_referrers: bool,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<3>,

    /// <registry>/<repository>[:<tag>[,<tag>...]]
    #[arg(value_name = "REFERENCE")]
    reference: String,

    #[command(flatten)]
    remote: RemoteArgs,
}

/// Runs `oras backup`.
pub async fn run(mut args: BackupArgs, common: &CommonArgs) -> Result<()> {
    let start = Instant::now();
    let (reference, tags) = repository_tags(&args.reference)?;
    args.spec.apply(&mut args.remote)?;
    let repo = args.remote.repository(&reference)?;
    let name = reference.repo_ref();
    let status = Arc::new(StatusPrinter::new(BACKUP, true, common.verbose()));
    let opts = BackupOptions::new()
        .with_concurrency(args.concurrency.get())
        .with_observer(status)
        .with_referrers(args.include_referrers)
        .with_progress(print_event);
    let tags = backup(&repo, &name, tags, Path::new(&args.output), &opts).await?;
    print_text(&BackupReport {
        tags: tags.len(),
        from: name,
        to: args.output,
        elapsed: start.elapsed(),
    });
    Ok(())
}
