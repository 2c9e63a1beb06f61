//! `oras attach`: pack files and annotations into an image-spec v1.1 manifest whose `subject` is
//! an existing manifest, and copy it to the subject's repository by digest (never tagged). The
//! registry side (Referrers API or the `<alg>-<hex>` tag-schema index) is handled by the library
//! when the manifest is pushed.

use std::path::PathBuf;

use crate::cli::options::ConcurrencyArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::copy::platform::resolve_platform;
use oras_rs::copy::{CopyOptions, copy_root};
use oras_rs::oci::{self, ImageSpec, PackOptions};
use oras_rs::referrers::DistributionSpec;

use super::options::{CommonArgs, FormatArgs, OutputFormat, PlatformArgs, TargetArgs};
use super::pack;
use crate::output::{self, model};

/// [Preview] Attach files to an existing artifact
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Attach file 'hi.txt' with artifact type 'doc/example' to manifest 'hello:v1' in registry 'localhost:5000':\n  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt\n\nExample - Attach an artifact with only annotations:\n  oras attach --artifact-type doc/example --annotation \"key=val\" localhost:5000/hello:v1\n\nExample - Attach file 'hi.txt' and export the pushed manifest to 'manifest.json':\n  oras attach --artifact-type doc/example --export-manifest manifest.json localhost:5000/hello:v1 hi.txt"
)]
pub struct AttachArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    format: FormatArgs,

    /// <name>{:<tag>|@<digest>} of the subject
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// <file>[:<layer_media_type>] ...
    #[arg(value_name = "FILE")]
    files: Vec<String>,

    /// Artifact type
    #[arg(long, value_name = "TYPE", required = true)]
    artifact_type: String,

    /// `path[:mediatype]` of image config file
    #[arg(long, value_name = "PATH[:TYPE]")]
    config: Option<String>,

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

    /// [Preview] Set OCI distribution spec version and API option. Options: v1.1-referrers-api,
    /// v1.1-referrers-tag
    #[arg(long, value_name = "SPEC")]
    distribution_spec: Option<String>,

    #[command(flatten)]
    platform: PlatformArgs,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,
}

impl AttachArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

/// Runs `oras attach`.
pub async fn run(args: AttachArgs) -> Result<()> {
    args.target
        .remote
        .check_stdin_file(args.files.iter().map(String::as_str))?;
    let format = args.format.resolve()?;
    let spec = args
        .distribution_spec
        .as_deref()
        .map(str::parse::<DistributionSpec>)
        .transpose()?;
    let platform = args.platform.parse()?;
    if platform.is_some() && args.config.is_some() {
        bail!("--config and --platform cannot both be provided");
    }
    let annotations = pack::load_annotations(&args.annotations, args.annotation_file.as_deref())?;
    let pack::AnnotationSet {
        manifest: manifest_annotations,
        config: config_annotations,
        files: mut file_annotations,
    } = annotations;
    if args.files.is_empty() && manifest_annotations.is_empty() {
        bail!(Error::invalid_with_hint(
            "neither file nor annotation provided in the command",
            "Please provide at least one file or one manifest annotation (--annotation) to attach."
        ));
    }

    let dest = args.target.open(&args.reference)?;
    let Some(subject_ref) = dest.reference.clone() else {
        bail!(Error::invalid_with_hint(
            format!("{:?}: no tag or digest specified", args.reference),
            "Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras attach -h\" for more options and examples"
        ));
    };
    let target = &*dest.target;
    if let Some(spec) = spec {
        target.force_referrers(spec);
    }
    let subject = resolve_platform(target, &subject_ref, platform.as_ref())
        .await
        .with_context(|| format!("resolving the subject {}", args.reference))?;
    let subject = oci::Descriptor::new(subject.media_type, subject.digest, subject.size);

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
        image_spec: ImageSpec::V1_1,
        artifact_type: Some(args.artifact_type.clone()),
        config,
        layers,
        subject: Some(subject.clone()),
        manifest_annotations,
        config_annotations,
        created,
    })?;

    let source = pack::packed_source(&packed, files.clone());
    let opts = CopyOptions {
        concurrency: args.concurrency.get(),
        observer: status.clone(),
        filter: None,
        // The subject is already in the repository: it was resolved there.
        include_subject: false,
        mount_from: None,
        ..CopyOptions::default()
    };
    copy_root(
        &source,
        target,
        &packed.descriptor,
        packed.bytes.clone(),
        None,
        &opts,
    )
    .await
    .with_context(|| format!("attaching to {}", args.reference))?;
    status.finish();
    if let Some(path) = &args.export_manifest {
        pack::export_manifest(path, &packed.bytes)?;
    }

    match format {
        OutputFormat::Text => {
            let subject_digest = subject.digest.to_string();
            let shown = if args.reference.ends_with(&format!("@{subject_digest}")) {
                args.reference.clone()
            } else {
                format!("{}@{subject_digest}", dest.name)
            };
            output::println_ignore_pipe(&format!("Attached to {} {shown}", dest.kind.marker()));
            output::println_ignore_pipe(&format!("Digest: {}", packed.descriptor.digest));
        }
        OutputFormat::Json | OutputFormat::GoTemplate => {
            let doc = model::DescriptorRef::new(&dest.name, &packed.descriptor);
            args.format.print(&doc)?;
        }
    }
    Ok(())
}
