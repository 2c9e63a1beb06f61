//! What `push` and `attach` share: reading `-a`/`--annotation-file`, hashing the file arguments
//! into layer descriptors (with oras's titles, media types and path checks), the `--config` file,
//! and `--export-manifest`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use oras_rs::Error;
use oras_rs::content::ReadOnlyTarget;
use oras_rs::content::dir::DirPackOptions;
use oras_rs::content::file::{FileStore, WritePolicy, default_layer_media_type};
use oras_rs::content::memory::MemoryStore;
use oras_rs::content::union::Union;
use oras_rs::oci::{self, Annotations, Descriptor, media_type};

use crate::output::StatusPrinter;

/// Annotations from `-a` and `--annotation-file`.
#[derive(Debug, Default)]
pub struct AnnotationSet {
    /// Manifest annotations: `$manifest` of the file, then `-a` flags.
    pub manifest: Annotations,
    /// Config descriptor annotations (`$config`).
    pub config: Annotations,
    /// Per-file annotations, keyed by the file argument's path as typed.
    pub files: BTreeMap<String, Annotations>,
}

/// Reads `-a key=value` flags and the annotation file; they cannot be used together.
pub fn load_annotations(flags: &[String], file: Option<&Path>) -> Result<AnnotationSet> {
    if file.is_some() && !flags.is_empty() {
        bail!("`--annotation` and `--annotation-file` cannot be both specified");
    }
    let mut files = match file {
        Some(p) => load_annotation_file(p)?,
        None => BTreeMap::new(),
    };
    let mut manifest = files.remove("$manifest").unwrap_or_default();
    manifest.extend(parse_annotation_flags(flags)?);
    let config = files.remove("$config").unwrap_or_default();
    Ok(AnnotationSet {
        manifest,
        config,
        files,
    })
}

/// Hashes every `<file>[:<type>]` argument into `files` and returns the layer descriptors in
/// argument order. All arguments are validated before anything is hashed; `Preparing <name>`
/// is printed per file.
pub async fn add_files(
    files: &FileStore,
    args: &[String],
    file_annotations: &mut BTreeMap<String, Annotations>,
    disable_path_validation: bool,
    status: &StatusPrinter,
) -> Result<Vec<Descriptor>> {
    let mut planned = Vec::new();
    let mut absolute = Vec::new();
    for arg in args {
        let (path, ty) = split_file_arg(arg);
        if path.is_empty() {
            bail!(Error::invalid(format!("found empty file path in {arg:?}")));
        }
        if Path::new(path).is_absolute() && !disable_path_validation {
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
    if planned
        .iter()
        .filter(|(p, _)| super::stdio::is_stdin(p))
        .count()
        > 1
    {
        bail!(Error::invalid("stdin (`-`) can be given only once"));
    }
    let mut layers = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (path, ty) in &planned {
        let stdin = super::stdio::is_stdin(path);
        let mut name = if stdin {
            "<stdin>".to_string()
        } else {
            title_for(path)
        };
        let extra = file_annotations.remove(if stdin { "-" } else { path.as_str() });
        if let Some(title) = extra.as_ref().and_then(|a| a.get(oci::annotations::TITLE)) {
            name = title.clone();
        }
        if !names.insert(name.clone()) {
            bail!(Error::invalid(format!("{name}: duplicate name")));
        }
        status.line(&format!("Preparing {name}"));
        let abs = if stdin {
            files.keep_temp(super::stdio::spool_stdin().await?)
        } else {
            std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path))
        };
        let ty = ty.as_deref().unwrap_or(default_layer_media_type(&abs));
        let mut desc = files.add(Some(&name), ty, &abs).await?;
        if let Some(extra) = extra {
            desc.annotations.get_or_insert_default().extend(extra);
        }
        layers.push(desc);
    }

    Ok(layers)
}

/// The `created` time of a new manifest and the store that reads the user's files: both follow
/// `SOURCE_DATE_EPOCH` when it is set, so a push is reproducible (directories are packed with
/// every mtime set to that epoch).
pub fn source_files() -> Result<(time::OffsetDateTime, Arc<FileStore>)> {
    let source_date_epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let created = oci::created_time(
        source_date_epoch.as_deref(),
        time::OffsetDateTime::now_utc(),
    )?;
    let pack = DirPackOptions {
        mtime: source_date_epoch
            .filter(|v| !v.is_empty())
            .map(|_| u64::try_from(created.unix_timestamp()).unwrap_or(0)),
    };
    let files = FileStore::new(".", WritePolicy::default()).with_pack_options(pack);
    Ok((created, Arc::new(files)))
}

/// What a push or attach copies from: the manifest and the blobs `pack_manifest` generated (the
/// `{}` config and padding layer), held in memory, in front of the user's files.
pub fn packed_source(packed: &oci::PackedManifest, files: Arc<FileStore>) -> Union {
    let memory = MemoryStore::new();
    for (desc, bytes) in packed.generated_blobs() {
        memory.insert(desc, bytes.to_vec());
    }
    memory.insert(&packed.descriptor, packed.bytes.clone());
    Union::new(vec![
        Arc::new(memory) as Arc<dyn ReadOnlyTarget>,
        files as Arc<dyn ReadOnlyTarget>,
    ])
}

/// Hashes the `--config <path>[:<type>]` file into `files`; its descriptor carries the `$config`
/// annotations.
pub async fn add_config(
    files: &FileStore,
    arg: &str,
    config_annotations: &Annotations,
) -> Result<Descriptor> {
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
    Ok(desc)
}

/// `--export-manifest <path>`: writes the pushed manifest bytes.
pub fn export_manifest(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| Error::io(path, e))
        .context("exporting the manifest")
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
    // Nothing larger fits in a manifest (4 MiB): refuse it before reading it.
    let limit = oras_rs::content::MAX_MANIFEST_BYTES;
    let size = std::fs::metadata(path).map_err(|_| invalid())?.len();
    if size > limit {
        bail!(Error::invalid_with_hint(
            format!(
                "invalid annotation json file {}: {size} bytes, more than the {limit} bytes a manifest may have",
                path.display()
            ),
            "Keep annotations small; registries accept manifests of at most 4 MiB.",
        ));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).map_err(|_| invalid())?, limit + 1),
        &mut bytes,
    )
    .map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid().into())
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
