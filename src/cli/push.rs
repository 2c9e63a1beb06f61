//! `oras push`: pack files into a manifest and copy them to a registry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::content::ReadOnlyTarget;
use oras_rs::content::dir::DirPackOptions;
use oras_rs::content::file::{FileStore, WritePolicy, default_layer_media_type};
use oras_rs::content::memory::MemoryStore;
use oras_rs::content::union::Union;
use oras_rs::copy::{CopyOptions, copy_root};
use oras_rs::oci::{self, Annotations, ImageSpec, PackOptions, media_type};
use oras_rs::reference::parse_with_tags;

use super::options::{CommonArgs, FormatArgs, OutputFormat, TargetArgs};
use crate::output::{self, StatusPrinter, model};

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

    /// Concurrency level
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
}

impl PushArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

/// Splits `path[:type]` at the last colon; an empty type means the default.
pub fn split_file_arg(arg: &str) -> (&str, Option<&str>) {
    match arg.rfind(':') {
        Some(i) => {
            let (path, ty) = (&arg[..i], &arg[i + 1..]);
            (path, (!ty.is_empty()).then_some(ty))
        }
        None => (arg, None),
    }
}

/// The layer title oras gives a path: cleaned, with forward slashes.
fn title_for(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let absolute = path.starts_with('/');
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn parse_annotation_flags(flags: &[String]) -> Result<Annotations> {
    let mut out = Annotations::new();
    for flag in flags {
        let Some((k, v)) = flag.split_once('=') else {
            bail!(Error::invalid_with_hint(
                "annotation value doesn't match the required format",
                "Please use the correct format in the flag: --annotation \"key=value\""
            ));
        };
        if out.insert(k.to_string(), v.to_string()).is_some() {
            bail!(Error::invalid(format!("duplicate annotation key: {k}")));
        }
    }
    Ok(out)
}

fn load_annotation_file(path: &Path) -> Result<BTreeMap<String, Annotations>> {
    let invalid = || {
        Error::invalid_with_hint(
            format!(
                "invalid annotation json file: failed to load annotations from {}",
                path.display()
            ),
            "Annotation file doesn't match the required format. Please refer to the document at https://oras.land/docs/how_to_guides/manifest_annotations",
        )
    };
    let bytes = std::fs::read(path).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid().into())
}

/// Runs `oras push`.
pub async fn run(args: PushArgs) -> Result<()> {
    let format = args.format.resolve()?;
    let (reference, extra_tags) = parse_with_tags(&args.reference)?;
    if args.annotation_file.is_some() && !args.annotations.is_empty() {
        bail!("`--annotation` and `--annotation-file` cannot be both specified");
    }
    let mut file_annotations = match &args.annotation_file {
        Some(p) => load_annotation_file(p)?,
        None => BTreeMap::new(),
    };
    let mut manifest_annotations = file_annotations.remove("$manifest").unwrap_or_default();
    manifest_annotations.extend(parse_annotation_flags(&args.annotations)?);
    let config_annotations = file_annotations.remove("$config").unwrap_or_default();

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

    let status = Arc::new(StatusPrinter::new(
        output::PUSH,
        format == OutputFormat::Text,
        args.common.verbose(),
    ));
    let source_date_epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let created = oci::created_time(
        source_date_epoch.as_deref(),
        time::OffsetDateTime::now_utc(),
    )?;
    // With SOURCE_DATE_EPOCH, directories are packed reproducibly (every mtime = that epoch).
    let pack = DirPackOptions {
        mtime: source_date_epoch
            .filter(|v| !v.is_empty())
            .map(|_| u64::try_from(created.unix_timestamp()).unwrap_or(0)),
    };
    let files = Arc::new(FileStore::new(".", WritePolicy::default()).with_pack_options(pack));

    // Validate every argument before hashing anything.
    let mut planned = Vec::new();
    let mut absolute = Vec::new();
    for arg in &args.files {
        let (path, ty) = split_file_arg(arg);
        if path.is_empty() {
            bail!(Error::invalid(format!("found empty file path in {arg:?}")));
        }
        if Path::new(path).is_absolute() && !args.disable_path_validation {
            absolute.push(path.to_string());
        }
        planned.push((path.to_string(), ty.map(str::to_string)));
    }
    if !absolute.is_empty() {
        bail!(Error::invalid(format!(
            "absolute file path detected. If it's intentional, use --disable-path-validation flag to skip this check: {}",
            absolute.join(", ")
        )));
    }
    let mut layers = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (path, ty) in &planned {
        let mut name = title_for(path);
        let extra = file_annotations.remove(path.as_str());
        if let Some(title) = extra.as_ref().and_then(|a| a.get(oci::annotations::TITLE)) {
            name = title.clone();
        }
        if !names.insert(name.clone()) {
            bail!(Error::invalid(format!("{name}: duplicate name")));
        }
        status.line(&format!("Preparing {name}"));
        let abs = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
        let ty = ty.as_deref().unwrap_or(default_layer_media_type(&abs));
        let mut desc = files.add(Some(&name), ty, &abs).await?;
        if let Some(extra) = extra {
            desc.annotations.get_or_insert_default().extend(extra);
        }
        layers.push(desc);
    }

    let config = match &args.config {
        Some(arg) => {
            let (path, ty) = split_file_arg(arg);
            if path.is_empty() {
                bail!(Error::invalid(format!("found empty file path in {arg:?}")));
            }
            let abs = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
            let mut desc = files
                .add(None, ty.unwrap_or(media_type::UNKNOWN_CONFIG), &abs)
                .await?;
            if !config_annotations.is_empty() {
                desc.annotations = Some(config_annotations.clone());
            }
            Some(desc)
        }
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

    let memory = Arc::new(MemoryStore::new());
    for (desc, bytes) in packed.generated_blobs() {
        memory.insert(desc, bytes.to_vec());
    }
    memory.insert(&packed.descriptor, packed.bytes.clone());
    let source = Union::new(vec![
        memory.clone() as Arc<dyn ReadOnlyTarget>,
        files.clone() as Arc<dyn ReadOnlyTarget>,
    ]);
    let dest = args.target.open(&reference.to_string())?;
    let repo = &*dest.target;
    let opts = CopyOptions {
        concurrency: args.concurrency,
        observer: status.clone(),
        filter: None,
        include_subject: true,
    };
    if args.files.is_empty() {
        status.line("Uploading empty artifact");
    }
    copy_root(
        &source,
        repo,
        &packed.descriptor,
        packed.bytes.clone(),
        reference.tag.as_deref(),
        &opts,
    )
    .await
    .with_context(|| format!("pushing to {}", args.reference))?;
    for tag in &extra_tags {
        repo.push_reference(&packed.descriptor, packed.bytes.clone(), tag)
            .await
            .with_context(|| format!("tagging {} as {tag}", packed.descriptor.digest))?;
    }
    if let Some(path) = &args.export_manifest {
        std::fs::write(path, &packed.bytes)
            .map_err(|e| Error::io(path, e))
            .context("exporting the manifest")?;
    }

    let artifact_type = packed
        .descriptor
        .artifact_type
        .clone()
        .unwrap_or_else(|| packed.config.media_type.clone());
    match format {
        OutputFormat::Text => {
            output::println_ignore_pipe(&format!(
                "Pushed {} {}",
                dest.kind.marker(),
                args.reference
            ));
            for tag in &extra_tags {
                output::println_ignore_pipe(&format!("Tagged {tag}"));
            }
            output::println_ignore_pipe(&format!("ArtifactType: {artifact_type}"));
            output::println_ignore_pipe(&format!("Digest: {}", packed.descriptor.digest));
        }
        OutputFormat::Json => {
            let repo_name = dest.name.clone();
            let mut tags: Vec<String> = reference
                .tag
                .iter()
                .chain(extra_tags.iter())
                .map(|t| format!("{repo_name}:{t}"))
                .collect();
            tags.sort();
            let doc = model::Push {
                manifest: model::DescriptorRef::new(&repo_name, &packed.descriptor),
                reference_as_tags: (!tags.is_empty()).then_some(tags),
            };
            output::print_json_bytes(&oci::to_go_json_pretty(&doc)?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_args_split_at_the_last_colon() {
        assert_eq!(split_file_arg("a.txt"), ("a.txt", None));
        assert_eq!(
            split_file_arg("a.txt:text/plain"),
            ("a.txt", Some("text/plain"))
        );
        assert_eq!(split_file_arg("hi:txt:"), ("hi:txt", None));
        assert_eq!(split_file_arg("a:b:c/d"), ("a:b", Some("c/d")));
        assert_eq!(split_file_arg(":text/plain"), ("", Some("text/plain")));
    }

    #[test]
    fn titles_are_clean_relative_paths() {
        assert_eq!(title_for("./a/b.txt"), "a/b.txt");
        assert_eq!(title_for("a//b/../c.txt"), "a/c.txt");
        assert_eq!(title_for("../x"), "../x");
        assert_eq!(title_for("/abs/./f"), "/abs/f");
    }

    #[test]
    fn annotation_flags_need_key_value() {
        assert!(parse_annotation_flags(&["k".into()]).is_err());
        assert!(parse_annotation_flags(&["k=1".into(), "k=2".into()]).is_err());
        let a = parse_annotation_flags(&["k=v=w".into()]).unwrap();
        assert_eq!(a["k"], "v=w");
    }
}
