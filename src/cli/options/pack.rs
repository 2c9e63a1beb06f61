//! The pack options of `push` and `attach`, written once and validated once into an
//! [`oras_rs::PackFiles`]. The two commands list `--artifact-type` and `--config` in a different
//! order (and only push has `--image-spec`; attach requires `--artifact-type`), so each has its
//! own small group in front of the shared [`PackArgs`].

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::content::Target;
use oras_rs::copy::platform::parse_platform;
use oras_rs::oci::{Descriptor, Platform};
use oras_rs::pack::{AnnotationSet, FileArg, ImageSpec, PackFiles, PackedFiles, resolve_subject};
use oras_rs::referrers::DistributionSpec;

use super::Opened;

/// `-a`, `--annotation-file`, `--export-manifest`, `--disable-path-validation`.
#[derive(Args, Debug)]
pub struct PackArgs {
    /// Manifest annotations
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,

    /// Path of the annotation file
    #[arg(long, value_name = "PATH", alias = "manifest-annotations")]
    annotation_file: Option<PathBuf>,

    /// `path` of the pushed manifest
    #[arg(long, value_name = "PATH")]
    export_manifest: Option<PathBuf>,

    /// Skip path validation
    #[arg(long)]
    disable_path_validation: bool,
}

impl PackArgs {
    /// The artifact of `files` with these annotations; the rest is the command's.
    fn request(&self, files: &[String], config: Option<&str>) -> Result<PackFiles> {
        if let Some(config) = config {
            refuse_credentials_config(&file_arg(config).path)?;
        }
        if self.annotation_file.is_some() && !self.annotations.is_empty() {
            bail!("`--annotation` and `--annotation-file` cannot be both specified");
        }
        Ok(PackFiles {
            annotations: AnnotationSet::load(&self.annotations, self.annotation_file.as_deref())?,
            files: files.iter().map(|f| file_arg(f)).collect(),
            config: config.map(file_arg),
            disable_path_validation: self.disable_path_validation,
            ..PackFiles::default()
        })
    }

    /// `--export-manifest`: writes the pushed manifest, when asked.
    pub fn export(&self, packed: &PackedFiles) -> Result<()> {
        if let Some(path) = &self.export_manifest {
            packed.export_manifest(path)?;
        }
        Ok(())
    }
}

/// A file argument, with the command line's protected `-:<type>` read as stdin.
fn file_arg(arg: &str) -> FileArg {
    let mut file = FileArg::parse(arg);
    if super::super::stdio::is_stdin(&file.path) {
        file.path = "-".to_string();
    }
    file
}

/// oras 0.12's `--config` named the credentials file; a 0.12 script run by oras 1.x would upload
/// it as the manifest config. Refused, pointing at the flag it meant.
pub fn refuse_credentials_config(path: &str) -> Result<()> {
    if oras_rs::credentials::is_credentials_file(std::path::Path::new(path)) {
        bail!(Error::invalid_with_hint(
            format!(
                "{path} is a docker credentials file, not a manifest config: refusing to use it as --config"
            ),
            "To read credentials from it, use --registry-config (oras 0.x's --config).",
        ));
    }
    Ok(())
}

/// `push`: `--config`, `--artifact-type`, `--image-spec`, then [`PackArgs`].
#[derive(Args, Debug)]
pub struct PushPackArgs {
    /// `path[:mediatype]` of image config file
    #[arg(long, value_name = "PATH[:TYPE]", alias = "manifest-config")]
    config: Option<String>,

    /// Artifact type
    #[arg(long, value_name = "TYPE")]
    artifact_type: Option<String>,

    /// [Experimental] Specify manifest type for building artifact. Options: v1.1, v1.0 (default "v1.1")
    #[arg(long, value_name = "SPEC")]
    image_spec: Option<String>,

    /// [Experimental] Set artifact platform in the form of `os[/arch][/variant][:os_version]`
    #[arg(long, value_name = "PLATFORM")]
    artifact_platform: Option<String>,

    #[command(flatten)]
    pub common: PackArgs,
}

impl PushPackArgs {
    /// The artifact to push: `--config` without `--artifact-type` means image-spec v1.0, as in
    /// oras, and is refused under an explicit v1.1.
    pub fn request(&self, files: &[String]) -> Result<PackFiles> {
        let mut request = self.common.request(files, self.config.as_deref())?;
        let untyped_config = self.config.is_some() && self.artifact_type.is_none();
        request.image_spec = match &self.image_spec {
            Some(s) => s.parse::<ImageSpec>().map_err(|e| {
                Error::invalid_with_hint(e.to_string(), "Available options: v1.1, v1.0")
            })?,
            None if untyped_config => ImageSpec::V1_0,
            None => ImageSpec::V1_1,
        };
        if request.image_spec == ImageSpec::V1_1 && untyped_config {
            bail!(Error::invalid_with_hint(
                "missing artifact type for OCI image-spec v1.1 artifacts",
                "set an artifact type via `--artifact-type` or consider image spec v1.0"
            ));
        }
        if self.config.is_some() && self.artifact_platform.is_some() {
            bail!(Error::invalid(
                "--config, --artifact-platform cannot be used at the same time"
            ));
        }
        request.platform = self
            .artifact_platform
            .as_deref()
            .map(parse_platform)
            .transpose()?;
        request.artifact_type = self.artifact_type.clone();
        Ok(request)
    }
}

/// `attach`: `--artifact-type` (required), `--config`, then [`PackArgs`].
#[derive(Args, Debug)]
pub struct AttachPackArgs {
    /// Artifact type
    #[arg(long, value_name = "TYPE", required = true)]
    artifact_type: String,

    /// `path[:mediatype]` of image config file
    #[arg(long, value_name = "PATH[:TYPE]")]
    config: Option<String>,

    #[command(flatten)]
    pub common: PackArgs,
}

impl AttachPackArgs {
    /// The artifact to attach (image-spec v1.1): at least one file or manifest annotation, and
    /// no `--config` with `--platform`. The subject is set once resolved.
    pub fn request(&self, files: &[String], platform: Option<&Platform>) -> Result<PackFiles> {
        if platform.is_some() && self.config.is_some() {
            bail!("--config and --platform cannot both be provided");
        }
        let mut request = self.common.request(files, self.config.as_deref())?;
        if files.is_empty() && request.annotations.manifest.is_empty() {
            bail!(Error::invalid_with_hint(
                "neither file nor annotation provided in the command",
                "Usage: oras attach [flags] --artifact-type=<type> <name>{:<tag>|@<digest>} [{<file>[:<layer_media_type>]|--annotation <key>=<value>}...]\nPlease provide at least one file or one manifest annotation (--annotation) to attach."
            ));
        }
        request.artifact_type = Some(self.artifact_type.clone());
        Ok(request)
    }
}

/// `attach`'s subject: `--distribution-spec` and `--platform`.
#[derive(Args, Debug)]
pub struct SubjectArgs {
    /// [Preview] Set OCI distribution spec version and API option. Options: v1.1-referrers-api,
    /// v1.1-referrers-tag
    #[arg(long, value_name = "SPEC")]
    distribution_spec: Option<String>,

    #[command(flatten)]
    platform: super::PlatformArgs,
}

/// [`SubjectArgs`], validated.
pub struct Subject {
    /// How referrers are recorded: set into the destination's remote options before opening.
    pub spec: Option<DistributionSpec>,
    /// The platform whose manifest is the subject, when the reference names an index.
    pub platform: Option<Platform>,
}

impl SubjectArgs {
    /// Parses both flags.
    pub fn parse(&self) -> Result<Subject> {
        let spec = self.distribution_spec.as_deref().map(str::parse);
        Ok(Subject {
            spec: spec.transpose()?,
            platform: self.platform.parse()?,
        })
    }
}

impl Subject {
    /// Resolves the subject `raw` (opened as `dest`, with [`Subject::spec`] in its options),
    /// which must name a tag or digest.
    pub async fn resolve(&self, dest: &Opened<dyn Target>, raw: &str) -> Result<Descriptor> {
        let Some(reference) = &dest.reference else {
            bail!(Error::invalid_with_hint(
                format!("{raw:?}: no tag or digest specified"),
                "Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras attach -h\" for more options and examples"
            ));
        };
        let found = resolve_subject(&*dest.target, reference, self.platform.as_ref()).await;
        found.with_context(|| format!("resolving the subject {raw}"))
    }
}
