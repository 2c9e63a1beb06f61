//! `oras push`: pack files into a manifest and copy them to a registry.

use std::path::PathBuf;

use crate::cli::options::ConcurrencyArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::copy::{CopyOptions, copy_root};
use oras_rs::oci::{self, ImageSpec, PackOptions};

use super::options::{CommonArgs, FormatArgs, OutputFormat, TargetArgs};
use super::pack;
use crate::output::{self, push::PushReport};

/// Push files to a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Push file \"hi.txt\" with media type \"application/vnd.oci.image.layer.v1.tar\" (default):\n  oras push localhost:5000/hello:v1 hi.txt\n\nExample - Push file \"hi.txt\" with a custom media type:\n  oras push localhost:5000/hello:v1 hi.txt:application/vnd.me.hi\n\nExample - Push to several tags:\n  oras push localhost:5000/hello:tag1,tag2,tag3 hi.txt"
)]
pub struct PushArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    format: FormatArgs,

    /// <name>[:<tag>[,<tag>][...]]
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// <file>[:<type>] ...
    #[arg(value_name = "FILE")]
    files: Vec<String>,

    /// `path[:mediatype]` of image config file
    #[arg(long, value_name = "PATH[:TYPE]")]
    config: Option<String>,

    /// Artifact type
    #[arg(long, value_name = "TYPE")]
    artifact_type: Option<String>,

    /// [Preview] Specify manifest type for building artifact. Options: v1.1, v1.0 (default "v1.1")
    #[arg(long, value_name = "SPEC")]
    image_spec: Option<String>,

    /// Manifest annotations
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,

    /// Path of the annotation file
    #[arg(long, value_name = "PATH")]
    annotation_file: Option<PathBuf>,

    /// `path` of the pushed manifest
    #[arg(long, value_name = "PATH")]
    export_manifest: Option<PathBuf>,

    /// Skip path validation
    #[arg(long)]
    disable_path_validation: bool,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,

    /// Upload blobs in chunks of this size (PATCH requests), e.g. `5M`; by default a blob is
    /// sent in one request, and in 1 MiB chunks once the registry refuses that with 413
    #[arg(long, value_name = "SIZE", value_parser = crate::cli::shared::parse_chunk_size)]
    chunk_size: Option<u64>,
}

impl PushArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

/// Runs `oras push`.
pub async fn run(args: PushArgs) -> Result<()> {
    args.target
        .remote
        .check_stdin_file(args.files.iter().map(String::as_str))?;
    let format = args.format.resolve()?;
    let (dest, extra_tags) = args.target.open_with_tags(&args.reference)?;
    let pack::AnnotationSet {
        manifest: manifest_annotations,
        config: config_annotations,
        files: mut file_annotations,
    } = pack::load_annotations(&args.annotations, args.annotation_file.as_deref())?;

    // --config without --artifact-type switches to image-spec v1.0, as oras does.
    let image_spec = match &args.image_spec {
        Some(s) => s.parse::<ImageSpec>().map_err(|e| {
            Error::invalid_with_hint(e.to_string(), "Available options: v1.1, v1.0")
        })?,
        None if args.config.is_some() && args.artifact_type.is_none() => ImageSpec::V1_0,
        None => ImageSpec::V1_1,
    };
    if image_spec == ImageSpec::V1_1 && args.config.is_some() && args.artifact_type.is_none() {
        bail!(Error::invalid_with_hint(
            "missing artifact type for OCI image-spec v1.1 artifacts",
            "set an artifact type via `--artifact-type` or consider image spec v1.0"
        ));
    }

    let status = args
        .common
        .status_printer(output::PUSH, format == OutputFormat::Text);
    let (created, files) = pack::source_files()?;

    let layers = pack::add_files(
        &files,
        &args.files,
        &mut file_annotations,
        args.disable_path_validation,
        &status,
    )
    .await?;

    let config = match &args.config {
        Some(arg) => Some(pack::add_config(&files, arg, &config_annotations).await?),
        None => None,
    };

    let packed = oci::pack_manifest(&PackOptions {
        image_spec,
        artifact_type: args.artifact_type.clone(),
        config,
        layers,
        subject: None,
        manifest_annotations,
        config_annotations,
        created,
    })?;

    let source = pack::packed_source(&packed, files.clone());
    let repo = &*dest.target;
    if let Some(size) = args.chunk_size {
        repo.set_upload_chunk_size(size);
    }
    let opts = CopyOptions {
        concurrency: args.concurrency.get(),
        observer: status.clone(),
        filter: None,
        include_subject: true,
        mount_from: None,
        ..CopyOptions::default()
    };
    if args.files.is_empty() {
        status.line("Uploading empty artifact");
    }
    copy_root(
        &source,
        repo,
        &packed.descriptor,
        packed.bytes.clone(),
        dest.tag(),
        &opts,
    )
    .await
    .with_context(|| format!("pushing to {}", args.reference))?;
    oras_rs::tag::tag_bytes_n(
        repo,
        &packed.descriptor,
        &packed.bytes,
        &extra_tags,
        args.concurrency.get(),
    )
    .await?;
    status.finish();
    if let Some(path) = &args.export_manifest {
        pack::export_manifest(path, &packed.bytes)?;
    }

    let artifact_type = packed
        .descriptor
        .artifact_type
        .clone()
        .unwrap_or_else(|| packed.config.media_type.clone());
    args.format.emit(&PushReport {
        marker: dest.kind.marker(),
        reference: args
            .reference
            .split(',')
            .next()
            .unwrap_or_default()
            .to_string(),
        name: dest.name.clone(),
        tag: dest.tag().map(str::to_string),
        extra_tags,
        artifact_type,
        manifest: packed.descriptor,
    })
}
