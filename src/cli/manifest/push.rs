//! `oras manifest push`: push a manifest file (or stdin) as it is, under tags or by digest.

use crate::cli::options::ConcurrencyArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::content::MAX_MANIFEST_BYTES;
use oras_rs::digest::Digest;
use oras_rs::oci::Descriptor;
use std::io::Read;

use crate::cli::options::{CommonArgs, DistributionSpecArgs, TargetArgs};
use crate::cli::shared;
use crate::output;

/// Push a manifest to a remote registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Push a manifest to repository 'hello' and tag with 'v1':\n  oras manifest push localhost:5000/hello:v1 manifest.json\n\nExample - Push a manifest from stdin:\n  oras manifest push localhost:5000/hello:v1 -\n\nExample - Push a manifest with a media type:\n  oras manifest push --media-type application/vnd.docker.distribution.manifest.v2+json localhost:5000/hello:v1 manifest.json\n\nExample - Push a manifest and tag it with several tags:\n  oras manifest push localhost:5000/hello:tag1,tag2,tag3 manifest.json\n\nExample - Push a manifest and print its descriptor:\n  oras manifest push --descriptor localhost:5000/hello:v1 manifest.json",
    mut_arg("concurrency", |a| a.help("Concurrency level for tagging"))
)]
pub struct PushArgs {
    #[command(flatten)]
    pub(super) common: CommonArgs,
    #[command(flatten)]
    spec: DistributionSpecArgs,

    /// Print the descriptor of the pushed manifest instead of status output
    #[arg(long)]
    descriptor: bool,

    /// Prettify JSON output
    #[arg(long)]
    pretty: bool,

    /// Media type of the manifest (default: the file's `mediaType` field)
    #[arg(long, value_name = "TYPE")]
    media_type: Option<String>,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,

    /// <name>[:<tag>[,<tag>][...]|@<digest>]
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// The manifest file, `-` for stdin
    #[arg(value_name = "FILE")]
    file: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Reads at most 4 MiB from `file` (`-`: stdin).
fn read_capped(file: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let limit = MAX_MANIFEST_BYTES + 1;
    if file == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .context("reading the manifest from stdin")?;
    } else {
        std::fs::File::open(file)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .map_err(|e| Error::io(file, e))?;
    }
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        bail!(Error::invalid(format!(
            "{file}: a manifest may be at most {MAX_MANIFEST_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

/// Runs `oras manifest push`.
pub async fn run(args: PushArgs) -> Result<()> {
    args.target.remote.check_stdin_file([args.file.as_str()])?;
    let verbose = args.common.verbose();
    let bytes = read_capped(&args.file)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| Error::invalid(format!("{}: not a valid json file", args.file)))?;
    let media_type = match args.media_type.clone().filter(|m| !m.is_empty()) {
        Some(m) => m,
        None => match value.get("mediaType").and_then(|m| m.as_str()) {
            Some(m) if !m.is_empty() => m.to_string(),
            _ => bail!(Error::invalid_with_hint(
                format!(
                    "media type is not specified via the flag \"--media-type\" nor in {:?}",
                    args.file
                ),
                "Please specify a valid media type in the manifest JSON or via the \"--media-type\" flag"
            )),
        },
    };
    let (dest, extra_tags) = args.target.open_with_tags(&args.reference)?;
    args.spec.apply(&*dest.target)?;
    let digest = Digest::sha256_of(&bytes);
    let desc = Descriptor::new(media_type, digest.clone(), bytes.len() as u64);
    if let Some(given) = dest
        .reference
        .as_deref()
        .and_then(|r| r.parse::<Digest>().ok())
        && given != digest
    {
        bail!(Error::invalid(format!(
            "{}: the digest of the manifest is {digest}, not {given}",
            args.reference
        )));
    }
    let status = |prompt: &str| {
        if !args.descriptor && verbose {
            output::println_ignore_pipe(&format!(
                "{prompt} {} {}",
                digest.short(),
                desc.media_type
            ));
        }
    };
    let reference = dest.reference.clone().unwrap_or_else(|| digest.to_string());
    let existing = match dest.target.resolve(&reference).await {
        Ok(found) => Some(found),
        Err(Error::NotFound(_)) => None,
        Err(Error::Response(r)) if r.status == 404 => None,
        Err(e) => return Err(e.into()),
    };
    if existing.is_some_and(|d| d.digest == digest) {
        status("Exists   ");
    } else {
        status("Uploading");
        dest.target
            .push_reference(&desc, bytes.clone(), &reference)
            .await
            .with_context(|| format!("pushing the manifest to {}", args.reference))?;
        status("Uploaded ");
    }
    let tagged = oras_rs::tag::tag_bytes_n(
        &*dest.target,
        &desc,
        &bytes,
        &extra_tags,
        args.concurrency.get(),
    )
    .await?;
    if args.descriptor {
        return shared::print_descriptor(&desc, args.pretty);
    }
    let shown = match dest.tag() {
        Some(_) => args
            .reference
            .split(',')
            .next()
            .unwrap_or_default()
            .to_string(),
        None => format!("{}@{digest}", dest.name),
    };
    output::println_ignore_pipe(&format!("Pushed: {} {shown}", dest.kind.marker()));
    for tag in tagged {
        output::println_ignore_pipe(&format!("Tagged {tag}"));
    }
    output::println_ignore_pipe(&format!("Digest: {digest}"));
    Ok(())
}
