//! `oras backup` and `oras restore` ([Experimental]): tagged graphs (and their referrers) of a
//! repository copied into an OCI layout (a directory or a tar file) and back, each one a
//! `copy` between a `Repository` and a layout.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::cli::options::ConcurrencyArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::content::ReadOnlyTarget;
use oras_rs::content::layout::{self, OciLayout};
use oras_rs::copy::{CopyOptions, copy_referrers, copy_root};
use oras_rs::oci::{self, Descriptor, media_type};
use oras_rs::reference::parse_with_tags;

use super::options::{CommonArgs, DistributionSpecArgs, RemoteArgs};
use crate::output::{self, Prompts, StatusPrinter};

const BACKUP: Prompts = Prompts {
    start: "Pulling  ",
    done: "Pulled   ",
    exists: "Exists   ",
    skipped: "Skipped  ",
};

const RESTORE: Prompts = Prompts {
    start: "Pushing  ",
    done: "Pushed   ",
    exists: "Exists   ",
    skipped: "Skipped  ",
};

/// [Experimental] Back up artifacts from a registry into an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Back up the tag 'v1' of a repository into a directory:\n  oras backup --output ./backup localhost:5000/hello:v1\n\nExample - Back up every tag of a repository into a tar archive:\n  oras backup --output backup.tar localhost:5000/hello\n\nExample - Back up several tags with their referrers:\n  oras backup --output backup.tar --include-referrers localhost:5000/hello:v1,v2"
)]
pub struct BackupArgs {
    #[command(flatten)]
    common: CommonArgs,
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

/// [Experimental] Restore artifacts from an OCI image layout into a registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Restore every tag of a backup:\n  oras restore --input backup.tar localhost:5000/hello\n\nExample - Restore one tag without its referrers:\n  oras restore --input ./backup --exclude-referrers localhost:5000/hello:v1\n\nExample - Show what would be restored:\n  oras restore --input backup.tar --dry-run localhost:5000/hello"
)]
pub struct RestoreArgs {
    #[command(flatten)]
    common: CommonArgs,
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

impl BackupArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

impl RestoreArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

/// The repository and the tags of `<registry>/<repository>[:<tag>[,<tag>...]]`; digests are
/// refused.
fn parse_repo_tags(raw: &str) -> Result<(oras_rs::reference::Reference, Vec<String>)> {
    let (reference, extra) = parse_with_tags(raw)?;
    if reference.digest.is_some() {
        bail!(Error::invalid(format!(
            "digest references are not supported: {raw:?}"
        )));
    }
    let mut tags: Vec<String> = reference.tag.iter().cloned().collect();
    tags.extend(extra);
    Ok((reference, tags))
}

/// `Found N tag(s) in <where>: a, b`, or a header and one tag per line past five.
fn print_found(tags: &[String], place: &str) {
    if tags.len() <= 5 {
        output::println_ignore_pipe(&format!(
            "Found {} tag(s) in {place}: {}",
            tags.len(),
            tags.join(", ")
        ));
    } else {
        output::println_ignore_pipe(&format!("Found {} tag(s) in {place}:", tags.len()));
        for tag in tags {
            output::println_ignore_pipe(&format!("  {tag}"));
        }
    }
}

/// How many manifests refer to `root` (directly or not), and, for an index, to its children.
async fn count_referrers(
    src: &dyn ReadOnlyTarget,
    root: &Descriptor,
    bytes: &[u8],
) -> Result<usize> {
    fn count(nodes: &[oras_rs::referrers::ReferrerNode], seen: &mut HashSet<String>) {
        for n in nodes {
            if seen.insert(n.descriptor.digest.to_string()) {
                count(&n.referrers, seen);
            }
        }
    }
    let mut seen = HashSet::new();
    let mut subjects = vec![root.clone()];
    if media_type::is_index(&root.media_type) {
        subjects.extend(
            oci::successors(&root.media_type, bytes)?
                .into_iter()
                .filter(|d| media_type::is_manifest(&d.media_type)),
        );
    }
    for s in &subjects {
        let nodes = oras_rs::referrers::discover(src, s, None, None).await?;
        count(&nodes, &mut seen);
    }
    Ok(seen.len())
}

/// A byte count as oras prints it (`1.5 MB`).
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn elapsed(start: Instant) -> String {
    format!("{:.3}s", start.elapsed().as_secs_f64())
}

/// Writes the layout directory `dir` into the tar file `path` (entries relative to the layout,
/// `ingest/` left out), through a temp file renamed at the end.
fn write_tar(dir: &Path, path: &Path) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".oras-backup-")
        .tempfile_in(&parent)
        .map_err(|e| Error::io(&parent, e))?;
    {
        let mut builder = tar::Builder::new(temp.as_file());
        builder.mode(tar::HeaderMode::Deterministic);
        for name in ["oci-layout", "index.json"] {
            builder
                .append_path_with_name(dir.join(name), name)
                .with_context(|| format!("archiving {name}"))?;
        }
        if dir.join("blobs").exists() {
            builder
                .append_dir_all("blobs", dir.join("blobs"))
                .context("archiving blobs")?;
        }
        builder.finish().context("writing the tar archive")?;
    }
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Runs `oras backup`.
pub async fn backup(args: BackupArgs) -> Result<()> {
    let start = Instant::now();
    if args.output.is_empty() {
        bail!("the output path cannot be empty");
    }
    let (reference, mut tags) = parse_repo_tags(&args.reference)?;
    let to_tar = args.output.to_ascii_lowercase().ends_with(".tar");
    let out_path = PathBuf::from(&args.output);
    if to_tar && out_path.is_dir() {
        bail!(Error::invalid_with_hint(
            format!("{}: is a directory, a tar file was expected", args.output),
            "Give a file path ending in .tar, or a directory path without .tar to back up into a directory."
        ));
    }
    let repo = args.remote.repository(&reference)?;
    args.spec.apply(&repo)?;
    let repo_name = reference.repo_ref();
    if tags.is_empty() {
        tags = repo
            .tags(None)
            .await
            .with_context(|| format!("listing the tags of {repo_name}"))?;
        tags.sort();
        if tags.is_empty() {
            bail!(Error::invalid(format!("no tags found in {repo_name}")));
        }
    }
    print_found(&tags, &repo_name);

    let temp_dir;
    let layout_dir = if to_tar {
        let parent = match out_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        temp_dir = tempfile::Builder::new()
            .prefix(".oras-backup-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, e))?;
        temp_dir.path().join("layout")
    } else {
        out_path.clone()
    };
    let layout = OciLayout::new(&layout_dir);
    let status = Arc::new(StatusPrinter::new(BACKUP, true, args.common.verbose()));
    let opts = CopyOptions {
        concurrency: args.concurrency.get(),
        observer: status.clone(),
        filter: None,
        include_subject: false,
        mount_from: None,
    };
    for tag in &tags {
        let (root, bytes) = repo
            .fetch_reference(tag)
            .await
            .with_context(|| format!("backing up {repo_name}:{tag}"))?;
        copy_root(&repo, &layout, &root, bytes.clone(), Some(tag), &opts)
            .await
            .with_context(|| format!("backing up {repo_name}:{tag}"))?;
        let mut referrers = 0;
        if args.include_referrers {
            copy_referrers(&repo, &layout, &root, &bytes, &opts)
                .await
                .with_context(|| format!("backing up the referrers of {repo_name}:{tag}"))?;
            referrers = count_referrers(&layout, &root, &bytes).await?;
        }
        output::println_ignore_pipe(&format!("Pulled tag {tag} with {referrers} referrer(s)"));
    }
    let _ = std::fs::remove_dir_all(layout_dir.join(layout::INGEST_DIR));
    if to_tar {
        output::println_ignore_pipe(&format!("Exporting to {}", args.output));
        let (dir, path) = (layout_dir.clone(), out_path.clone());
        tokio::task::spawn_blocking(move || write_tar(&dir, &path))
            .await
            .context("archiving the backup")??;
        let size = std::fs::metadata(&out_path).map(|m| m.len()).unwrap_or(0);
        output::println_ignore_pipe(&format!(
            "Exported to {} ({})",
            args.output,
            human_size(size)
        ));
    }
    output::println_ignore_pipe(&format!(
        "Successfully backed up {} tag(s) from {repo_name:?} to {:?} in {}.",
        tags.len(),
        args.output,
        elapsed(start)
    ));
    Ok(())
}

/// Runs `oras restore`.
pub async fn restore(args: RestoreArgs) -> Result<()> {
    let start = Instant::now();
    if args.input.is_empty() {
        bail!("the input path cannot be empty");
    }
    let (reference, mut tags) = parse_repo_tags(&args.reference)?;
    let input = PathBuf::from(&args.input);
    let source =
        layout::open_read(&input).with_context(|| format!("opening the backup {}", args.input))?;
    if input.is_file() {
        let size = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
        output::println_ignore_pipe(&format!(
            "Loaded backup archive: {} ({})",
            args.input,
            human_size(size)
        ));
    }
    if tags.is_empty() {
        tags = source.tags(None).await?;
        if tags.is_empty() {
            bail!(Error::invalid(format!(
                "no tags found in the backup {}",
                args.input
            )));
        }
    }
    print_found(&tags, "the backup");
    let repo = args.remote.repository(&reference)?;
    args.spec.apply(&repo)?;
    let repo_name = reference.repo_ref();
    let status = Arc::new(StatusPrinter::new(
        RESTORE,
        !args.dry_run,
        args.common.verbose(),
    ));
    let opts = CopyOptions {
        concurrency: args.concurrency.get(),
        observer: status.clone(),
        filter: None,
        include_subject: false,
        mount_from: None,
    };
    for tag in &tags {
        let (root, bytes) = source
            .fetch_reference(tag)
            .await
            .with_context(|| format!("reading the tag {tag} of the backup"))?;
        let referrers = if args.exclude_referrers {
            0
        } else {
            count_referrers(&*source, &root, &bytes).await?
        };
        if args.dry_run {
            output::println_ignore_pipe(&format!(
                "Dry run: would push tag {tag} with {referrers} referrer(s)"
            ));
            continue;
        }
        copy_root(&*source, &repo, &root, bytes.clone(), Some(tag), &opts)
            .await
            .with_context(|| format!("restoring {tag} to {repo_name}"))?;
        if !args.exclude_referrers {
            copy_referrers(&*source, &repo, &root, &bytes, &opts)
                .await
                .with_context(|| format!("restoring the referrers of {tag}"))?;
        }
        output::println_ignore_pipe(&format!("Pushed tag {tag} with {referrers} referrer(s)"));
    }
    if args.dry_run {
        output::println_ignore_pipe(&format!(
            "Dry run complete: {} tag(s) would be restored to {repo_name:?} (no data pushed)",
            tags.len()
        ));
    } else {
        output::println_ignore_pipe(&format!(
            "Successfully restored {} tag(s) to {repo_name:?} in {}",
            tags.len(),
            elapsed(start)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_are_humanised() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1500), "1.5 KB");
        assert_eq!(human_size(2_000_000), "2.0 MB");
    }
}
