//! `oras pull`: copy an artifact's titled layers from a registry into a directory.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::cli::options::ConcurrencyArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::content::file::{FileStore, WritePolicy};
use oras_rs::copy::{CopyOptions, Decision, PullFilter, copy_root, pull_filter};
use oras_rs::oci;

use super::options::{CommonArgs, FormatArgs, OutputFormat, PlatformArgs, TargetArgs};
use super::push::split_file_arg;
use crate::output::{self, model};

/// Pull files from a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Pull artifact files from a registry:\n  oras pull localhost:5000/hello:v1\n\nExample - Pull into a directory:\n  oras pull localhost:5000/hello:v1 -o out\n\nExample - Pull only the layers of some media types (the oras 0.x form):\n  oras pull localhost:5000/hello:v1 -t text/plain"
)]
pub struct PullArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// Output directory; `-` streams the artifact's only layer to stdout
    #[arg(short = 'o', long, default_value = ".")]
    output: PathBuf,

    /// Do not replace existing files when pulling, treat them as errors
    #[arg(short = 'k', long)]
    keep_old_files: bool,

    /// Allow storing files out of the output directory
    #[arg(short = 'T', long)]
    allow_path_traversal: bool,

    /// Output manifest configuration (`path[:mediatype]`)
    #[arg(long, value_name = "PATH[:TYPE]")]
    config: Option<String>,

    /// Also pull the subject of the manifest, and its subject, recursively
    #[arg(long)]
    include_subject: bool,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<3>,

    /// Pull only layers of this media type (repeatable; oras 0.x compatible)
    #[arg(short = 't', long = "media-type", value_name = "TYPE")]
    media_types: Vec<String>,

    /// Pull layers of every media type (oras 0.x compatible; the default)
    #[arg(short = 'a', long)]
    allow_all: bool,

    /// Keep the permission bits stored in pulled directories (setuid/setgid excepted) instead of masking them by the umask
    #[arg(long)]
    preserve_permissions: bool,
}

impl PullArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

/// `ORAS_MAX_UNPACK_SIZE`: the cap (bytes) on the decompressed size of one pulled directory.
fn unpack_limit_from_env() -> Result<Option<u64>> {
    match std::env::var("ORAS_MAX_UNPACK_SIZE") {
        Ok(v) if !v.is_empty() => Ok(Some(v.parse().map_err(|_| {
            Error::invalid(format!(
                "invalid ORAS_MAX_UNPACK_SIZE value {v:?}: expected a number of bytes"
            ))
        })?)),
        _ => Ok(None),
    }
}

/// Runs `oras pull`.
pub async fn run(args: PullArgs) -> Result<()> {
    let format = args.format.resolve()?;
    let source = args.target.open_read(&args.reference)?;
    let Some(src_ref) = source.reference.clone() else {
        bail!(Error::invalid_with_hint(
            format!("{:?}: no tag or digest specified", args.reference),
            "Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras pull -h\" for more options and examples"
        ));
    };
    let (config_title, config_type) = match &args.config {
        Some(arg) => {
            let (path, ty) = split_file_arg(arg);
            if path.is_empty() {
                bail!(Error::invalid(format!("found empty file path in {arg:?}")));
            }
            (Some(path.to_string()), ty.map(str::to_string))
        }
        None => (None, None),
    };

    let platform = args.platform.parse()?;
    let (root, bytes) = source.target.fetch_reference(&src_ref).await?;
    let (root, bytes) = match &platform {
        Some(p) => {
            oras_rs::copy::platform::select_platform(&*source.target, &root, bytes, p).await?
        }
        None => (root, bytes),
    };
    let media_types: HashSet<String> = if args.allow_all {
        HashSet::new()
    } else {
        args.media_types.iter().cloned().collect()
    };
    if args.output.as_os_str() == "-" {
        if format != OutputFormat::Text {
            bail!(
                "--output - cannot be used with --format {}",
                args.format.format.as_deref().unwrap_or_default()
            );
        }
        return super::stdio::pull_to_stdout(&*source.target, &root, &bytes, &media_types).await;
    }
    let config = oci::parse_manifest(&bytes).ok().map(|m| m.config);

    let status = args
        .common
        .status_printer(output::PULL, format == OutputFormat::Text);
    let store = FileStore::new(
        &args.output,
        WritePolicy {
            keep_old_files: args.keep_old_files,
            allow_path_traversal: args.allow_path_traversal,
            preserve_permissions: args.preserve_permissions,
            unpack_limit: unpack_limit_from_env()?,
        },
    );
    let filter = pull_filter(PullFilter {
        config,
        config_title,
        config_type,
        media_types,
    });
    // Before writing anything, refuse a title leading outside the output directory, naming two
    // blobs, or that the output directory's filesystem would merge with another or refuse. Only
    // what this pull writes counts: `-t` is how to pull such files one at a time.
    let to_write: Vec<oci::Descriptor> = oci::successors(&root.media_type, &bytes)?
        .iter()
        .filter_map(|d| match filter(d) {
            Decision::Copy(d) => Some(*d),
            _ => None,
        })
        .collect();
    store.check_titles(&to_write)?;
    let opts = CopyOptions {
        concurrency: args.concurrency.get(),
        observer: status.clone(),
        filter: Some(filter),
        include_subject: args.include_subject,
        mount_from: None,
    };
    copy_root(&*source.target, &store, &root, bytes, Some(&src_ref), &opts)
        .await
        .with_context(|| format!("pulling {}", args.reference))?;

    status.finish();
    let repo_name = source.name.clone();
    match format {
        OutputFormat::Text => {
            if status.skipped_untitled() > 0 {
                output::println_ignore_pipe(
                    "Skipped pulling layers without file name in \"org.opencontainers.image.title\"",
                );
                output::println_ignore_pipe(&format!(
                    "Use 'oras copy {} --to-oci-layout <layout-dir>' to pull all layers.",
                    args.reference
                ));
            } else {
                output::println_ignore_pipe(&format!(
                    "Pulled {} {}",
                    source.kind.marker(),
                    args.reference
                ));
                output::println_ignore_pipe(&format!("Digest: {}", root.digest));
            }
        }
        OutputFormat::Json | OutputFormat::GoTemplate => {
            let files: Vec<model::PulledFile> = store
                .written_files()
                .into_iter()
                .map(|f| model::PulledFile {
                    path: f.path.display().to_string(),
                    blob: model::DescriptorRef::new(&repo_name, &f.descriptor),
                })
                .collect();
            let doc = model::Pull {
                reference: format!("{repo_name}@{}", root.digest),
                files: (!files.is_empty()).then_some(files),
            };
            args.format.print(&doc)?;
        }
    }
    Ok(())
}
