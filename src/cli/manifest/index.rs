//! `oras manifest index create` (alias `pack`) and `oras manifest index update`: build or edit
//! an image index from manifests of the same repository (or layout), with each entry's
//! platform read from its image config.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use oras_rs::Error;
use oras_rs::content::{MAX_MANIFEST_BYTES, ReadOnlyTarget, Target, read_manifest};
use oras_rs::digest::Digest;
use oras_rs::oci::{self, Annotations, Descriptor, Index, Platform, media_type};

use crate::cli::options::{CommonArgs, Opened, TargetArgs};
use crate::cli::shared;
use crate::output;

/// [Experimental] Index operations
#[derive(Args, Debug)]
pub struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Subcommand, Debug)]
enum IndexCommand {
    #[command(visible_alias = "pack")]
    Create(CreateArgs),
    Update(UpdateArgs),
}

impl IndexArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        match &self.command {
            IndexCommand::Create(a) => &a.common,
            IndexCommand::Update(a) => &a.common,
        }
    }
}

/// Runs the chosen `oras manifest index` command.
pub async fn run(args: IndexArgs) -> Result<()> {
    match args.command {
        IndexCommand::Create(a) => create(a).await,
        IndexCommand::Update(a) => update(a).await,
    }
}

/// [Experimental] Create and push an index from provided manifests
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Create an index from source manifests tagged 'linux-amd64' and 'linux-arm64', and push without tagging:\n  oras manifest index create localhost:5000/hello linux-amd64 linux-arm64\n\nExample - Create an index from source manifests tagged 'linux-amd64' and 'linux-arm64', and push with the tag 'v1':\n  oras manifest index create localhost:5000/hello:v1 linux-amd64 linux-arm64\n\nExample - Create an index and push it with multiple tags:\n  oras manifest index create localhost:5000/hello:tag1,tag2,tag3 linux-amd64 linux-arm64 sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9\n\nExample - Create an index and push to an OCI image layout folder 'layout-dir' and tag with 'v1':\n  oras manifest index create layout-dir:v1 linux-amd64 sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9 --oci-layout\n\nExample - Create an index and save it locally to index.json, auto push will be disabled:\n  oras manifest index create --output index.json localhost:5000/hello linux-amd64 linux-arm64\n\nExample - Create an index and output the index to stdout, auto push will be disabled:\n  oras manifest index create localhost:5000/hello linux-arm64 --output - --pretty"
)]
pub struct CreateArgs {
    #[command(flatten)]
    common: CommonArgs,

    /// Add annotations to the index (`key=value`), repeatable
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,

    /// Artifact type of the index
    #[arg(long, value_name = "TYPE")]
    artifact_type: Option<String>,

    /// Write the index to a file (`-` for stdout) instead of pushing it
    #[arg(short = 'o', long, value_name = "PATH")]
    output: Option<String>,

    /// Prettify JSON written with --output
    #[arg(long)]
    pretty: bool,

    /// <name>[:<tag>[,<tag>][...]]
    #[arg(value_name = "TARGET")]
    target_ref: String,

    /// {<tag>|<digest>} of the manifests to list, in order
    #[arg(value_name = "SOURCE")]
    sources: Vec<String>,

    #[command(flatten)]
    target: TargetArgs,
}

/// [Experimental] Update and push an image index
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Remove a manifest and add two manifests from an index tagged 'v1'. The tag will point to the updated index:\n  oras manifest index update localhost:5000/hello:v1 --add linux-amd64 --add linux-arm64 --remove sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9\n\nExample - Create a new index by updating an existing index specified by its digest:\n  oras manifest index update localhost:5000/hello@sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9 --add linux-amd64 --remove sha256:fd6ed2f36b5465244d5dc86cb4e7df0ab8a9d24adc57825099f522fe009a22bb\n\nExample - Merge manifests from the index 'v2-windows' to the index 'v2':\n  oras manifest index update localhost:5000/hello:v2 --merge v2-windows\n\nExample - Update an index and tag the updated index as 'v2.1.0' and 'v2':\n  oras manifest index update localhost:5000/hello@sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64fdee971359a77073cdf9 --add linux-amd64 --tag \"v2.1.0\" --tag \"v2\""
)]
pub struct UpdateArgs {
    #[command(flatten)]
    common: CommonArgs,

    /// Manifests to add to the index, repeatable
    #[arg(long, value_name = "REF")]
    add: Vec<String>,

    /// Indexes whose manifests are merged into the index, repeatable
    #[arg(long, value_name = "REF")]
    merge: Vec<String>,

    /// Digests of manifests to remove from the index, repeatable
    #[arg(long, value_name = "DIGEST")]
    remove: Vec<String>,

    /// Extra tags for the updated index, repeatable
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,

    /// Set the artifact type of the index (`--artifact-type=""` removes it)
    #[arg(long, value_name = "TYPE")]
    artifact_type: Option<String>,

    /// Write the index to a file (`-` for stdout) instead of pushing it
    #[arg(short = 'o', long, value_name = "PATH")]
    output: Option<String>,

    /// Prettify JSON written with --output
    #[arg(long)]
    pretty: bool,

    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "INDEX")]
    index_ref: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Prints a status line unless the index goes to stdout.
struct Status {
    quiet: bool,
}

impl Status {
    fn line(&self, prompt: &str, text: &str) {
        if !self.quiet {
            output::println_ignore_pipe(&format!("{prompt:<9} {text}"));
        }
    }
}

/// `tag`, `digest`, `:tag` or `@digest`: what is looked up in the target.
fn source_reference(src: &str) -> &str {
    src.strip_prefix('@')
        .or_else(|| src.strip_prefix(':'))
        .unwrap_or(src)
}

/// Fetches the manifest `src` of `target` and returns its index entry: media type, digest,
/// size, artifact type, and the platform of its image config when it has one.
async fn fetch_entry(
    target: &dyn ReadOnlyTarget,
    src: &str,
    status: &Status,
) -> Result<(Descriptor, Vec<u8>)> {
    status.line("Fetching", src);
    let reference = source_reference(src);
    let (desc, bytes) = target
        .fetch_reference(reference)
        .await
        .with_context(|| format!("could not find the manifest {src}"))?;
    if !media_type::is_manifest(&desc.media_type) {
        bail!(Error::invalid(format!("{src} is not a manifest")));
    }
    if reference.parse::<Digest>().is_ok() {
        status.line("Fetched", &desc.digest.to_string());
    } else {
        status.line("Fetched", &format!("{} {src}", desc.digest));
    }
    let mut entry = Descriptor::new(desc.media_type.clone(), desc.digest.clone(), desc.size);
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    entry.artifact_type = value
        .get("artifactType")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if !media_type::is_index(&desc.media_type)
        && let Ok(manifest) = oci::parse_manifest(&bytes)
    {
        let config = manifest.config;
        if config.size > MAX_MANIFEST_BYTES {
            bail!(Error::invalid(format!(
                "the config of {src} is {} bytes, more than the {MAX_MANIFEST_BYTES} bytes allowed",
                config.size
            )));
        }
        if let Ok(reader) = target.fetch(&config).await
            && let Ok(config_bytes) = read_manifest(reader, &config).await
            && let Ok(platform) = serde_json::from_slice::<Platform>(&config_bytes)
            && !platform.os.is_empty()
            && !platform.architecture.is_empty()
        {
            entry.platform = Some(Platform {
                architecture: platform.architecture,
                os: platform.os,
                os_version: platform.os_version,
                os_features: platform.os_features,
                variant: platform.variant,
                features: None,
            });
        }
    }
    Ok((entry, bytes))
}

/// Serializes `index` and either writes it (`--output`) or pushes it under `reference`
/// (a tag, or its digest) plus `tags`, printing oras's closing lines.
#[allow(clippy::too_many_arguments)]
async fn finish(
    index: &Index,
    target: &Opened<dyn Target>,
    reference: Option<&str>,
    shown: &str,
    tags: &[String],
    output: Option<&str>,
    pretty: bool,
    status: &Status,
    done_prompt: &str,
) -> Result<()> {
    let bytes = oci::to_go_json(index)?;
    let desc = Descriptor::new(
        media_type::OCI_INDEX,
        Digest::sha256_of(&bytes),
        bytes.len() as u64,
    );
    let short_line = format!("{} {}", desc.digest.short(), media_type::OCI_INDEX);
    let done_text = if done_prompt == "Packed" {
        short_line
    } else {
        desc.digest.to_string()
    };
    status.line(done_prompt, &done_text);
    if let Some(path) = output {
        let out = if pretty {
            shared::indent_json(&bytes)?
        } else {
            bytes.clone()
        };
        if path == "-" {
            output::print_json_bytes(&out);
        } else {
            std::fs::write(path, &out).map_err(|e| Error::io(path, e))?;
        }
        return Ok(());
    }
    let digest = desc.digest.to_string();
    let reference = reference.unwrap_or(&digest);
    target
        .target
        .push_reference(&desc, bytes.clone(), reference)
        .await
        .with_context(|| format!("pushing the index to {shown}"))?;
    status.line("Pushed", &format!("{} {shown}", target.kind.marker()));
    let tagged = oras_rs::tag::tag_bytes_n(&*target.target, &desc, &bytes, tags, 5).await?;
    for tag in tagged {
        output::println_ignore_pipe(&format!("Tagged {tag}"));
    }
    output::println_ignore_pipe(&format!("Digest: {}", desc.digest));
    Ok(())
}

async fn create(args: CreateArgs) -> Result<()> {
    if let Some(t) = args.artifact_type.as_deref().filter(|t| !t.is_empty()) {
        media_type::validate(t).map_err(|_| Error::invalid(format!("{t}: invalid media type")))?;
    }
    let annotations: Annotations = oras_rs::pack::parse_annotations(&args.annotations)?;
    let (target, extra_tags) = args.target.open_with_tags(&args.target_ref)?;
    let status = Status {
        quiet: args.output.as_deref() == Some("-"),
    };
    let source: Arc<dyn ReadOnlyTarget> = target.target.clone();
    let mut manifests = Vec::new();
    for src in &args.sources {
        manifests.push(fetch_entry(&*source, src, &status).await?.0);
    }
    let index = Index {
        schema_version: 2,
        media_type: Some(media_type::OCI_INDEX.to_string()),
        artifact_type: args.artifact_type.clone().filter(|t| !t.is_empty()),
        manifests,
        subject: None,
        annotations: (!annotations.is_empty()).then_some(annotations),
    };
    let shown = match target.tag() {
        Some(_) => args
            .target_ref
            .split(',')
            .next()
            .unwrap_or_default()
            .to_string(),
        None => target.name.clone(),
    };
    finish(
        &index,
        &target,
        target.tag(),
        &shown,
        &extra_tags,
        args.output.as_deref(),
        args.pretty,
        &status,
        "Packed",
    )
    .await
}

async fn update(args: UpdateArgs) -> Result<()> {
    if args.output.is_some() && !args.tags.is_empty() {
        bail!("--tag cannot be used with --output");
    }
    if let Some(t) = args.artifact_type.as_deref().filter(|t| !t.is_empty()) {
        media_type::validate(t).map_err(|_| Error::invalid(format!("{t}: invalid media type")))?;
    }
    let mut removals = Vec::new();
    for r in &args.remove {
        removals.push(
            r.parse::<Digest>()
                .map_err(|_| Error::invalid(format!("remove: {r} is not a digest")))?,
        );
    }
    let target = args.target.open(&args.index_ref)?;
    let reference = shared::require_reference(
        target.reference.clone(),
        &args.index_ref,
        "manifest index update",
    )?;
    if args.add.is_empty()
        && args.merge.is_empty()
        && args.remove.is_empty()
        && args.artifact_type.is_none()
        && args.tags.is_empty()
    {
        output::println_ignore_pipe("Nothing to update as no change is requested");
        return Ok(());
    }
    let status = Status {
        quiet: args.output.as_deref() == Some("-"),
    };
    let source: Arc<dyn ReadOnlyTarget> = target.target.clone();
    status.line("Fetching", &args.index_ref);
    let (desc, bytes) = source.fetch_reference(&reference).await?;
    if !media_type::is_index(&desc.media_type) {
        bail!(Error::invalid(format!(
            "{} is not an index",
            args.index_ref
        )));
    }
    status.line("Fetched", &format!("{} {}", desc.digest, args.index_ref));
    let mut index = oci::parse_index(&bytes)?;
    for digest in &removals {
        let before = index.manifests.len();
        index.manifests.retain(|m| m.digest != *digest);
        if index.manifests.len() == before {
            bail!(Error::invalid(format!(
                "{digest} does not exist in the index {}",
                args.index_ref
            )));
        }
        status.line("Removed", &digest.to_string());
    }
    for src in &args.add {
        let (entry, _) = fetch_entry(&*source, src, &status).await?;
        status.line("Added", &format!("{} {src}", entry.digest));
        index.manifests.push(entry);
    }
    for src in &args.merge {
        let (entry, bytes) = fetch_entry(&*source, src, &status).await?;
        if !media_type::is_index(&entry.media_type) {
            bail!(Error::invalid(format!("{src} is not an index")));
        }
        index.manifests.extend(oci::parse_index(&bytes)?.manifests);
        status.line("Merged", &format!("{} {src}", entry.digest));
    }
    if let Some(t) = &args.artifact_type {
        index.artifact_type = (!t.is_empty()).then(|| t.clone());
    }
    let tag = target.tag().map(str::to_string);
    let shown = match &tag {
        Some(_) => args.index_ref.clone(),
        None => target.name.clone(),
    };
    finish(
        &index,
        &target,
        tag.as_deref(),
        &shown,
        &args.tags,
        args.output.as_deref(),
        args.pretty,
        &status,
        "Updated",
    )
    .await
}
