//! `oras blob push`: upload one blob from a file, or from stdin with its size and digest given.

use std::io::Read;

use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::content::BlobReader;
use oras_rs::digest::{Algorithm, Digest, Digester, VerifyingReader};
use oras_rs::oci::{Descriptor, media_type};

use crate::cli::options::{CommonArgs, TargetArgs};
use crate::cli::shared;
use crate::output;

/// Push a blob to a registry or an OCI image layout
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Push blob 'hi.txt' to a registry:\n  oras blob push localhost:5000/hello hi.txt\n\nExample - Push a blob from stdin with its size and digest:\n  echo hi | oras blob push --size 3 localhost:5000/hello@sha256:98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4 -\n\nExample - Push a blob and print its descriptor with a media type:\n  oras blob push --media-type application/vnd.oci.image.config.v1+json --descriptor localhost:5000/hello hi.txt"
)]
pub struct PushArgs {
    #[command(flatten)]
    pub(super) common: CommonArgs,

    /// Print the descriptor of the blob instead of status output
    #[arg(long)]
    descriptor: bool,

    /// Prettify JSON output
    #[arg(long)]
    pretty: bool,

    /// Media type of the blob (shown in the descriptor)
    #[arg(long, value_name = "TYPE", default_value = media_type::LAYER_TAR)]
    media_type: String,

    /// Size of the blob; required when it is read from stdin
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    size: i64,

    /// <name>[@digest]
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// The blob file, `-` for stdin
    #[arg(value_name = "FILE")]
    file: String,

    #[command(flatten)]
    target: TargetArgs,
}

/// Hashes `path` in one streaming pass: its sha256 digest and size.
fn hash_file(path: &str) -> Result<(Digest, u64)> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut digester = Digester::new(Algorithm::Sha256);
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        digester.update(&buf[..n]);
        size += n as u64;
    }
    Ok((digester.finalize(), size))
}

/// Runs `oras blob push`.
pub async fn run(args: PushArgs) -> Result<()> {
    args.target.remote.check_stdin_file([args.file.as_str()])?;
    let verbose = args.common.verbose();
    let target = args.target.open(&args.reference)?;
    let given = match target.reference.as_deref() {
        None => None,
        Some(r) => Some(r.parse::<Digest>().map_err(|_| {
            Error::invalid_with_hint(
                format!("{:?}: a blob is addressed by digest, not by tag", args.reference),
                "Please specify a reference in the form of \"<name>[@<digest>]\". Run \"oras blob push -h\" for more options and examples",
            )
        })?),
    };
    let (desc, reader): (Descriptor, BlobReader) = if args.file == "-" {
        let Some(digest) = given else {
            bail!("content digest must be provided if it is read from stdin");
        };
        if args.size < 0 {
            bail!("content size must be provided if it is read from stdin");
        }
        let size = args.size as u64;
        let reader = VerifyingReader::new(tokio::io::stdin(), digest.clone(), size);
        (
            Descriptor::new(args.media_type.clone(), digest, size),
            Box::pin(reader),
        )
    } else {
        let path = args.file.clone();
        let (digest, size) = tokio::task::spawn_blocking(move || hash_file(&path))
            .await
            .context("hashing the blob")??;
        if args.size >= 0 && args.size as u64 != size {
            bail!(Error::invalid(format!(
                "input size {} does not match the actual content size {size}",
                args.size
            )));
        }
        if let Some(given) = &given
            && *given != digest
        {
            bail!(Error::invalid(format!(
                "{}: the digest of {} is {digest}, not {given}",
                args.reference, args.file
            )));
        }
        let file = tokio::fs::File::open(&args.file)
            .await
            .map_err(|e| Error::io(&args.file, e))?;
        let reader = VerifyingReader::new(file, digest.clone(), size);
        (
            Descriptor::new(args.media_type.clone(), digest, size),
            Box::pin(reader),
        )
    };
    let status = |prompt: &str| {
        if !args.descriptor && verbose {
            output::println_ignore_pipe(&format!(
                "{prompt} {} {}",
                desc.digest.short(),
                desc.media_type
            ));
        }
    };
    if target.target.exists(&desc).await? {
        status("Exists   ");
    } else {
        status("Uploading");
        target
            .target
            .push(&desc, reader)
            .await
            .with_context(|| format!("pushing the blob to {}", args.reference))?;
        status("Uploaded ");
    }
    if args.descriptor {
        return shared::print_descriptor(&desc, args.pretty);
    }
    output::println_ignore_pipe(&format!(
        "Pushed: {} {}@{}",
        target.kind.marker(),
        target.name,
        desc.digest
    ));
    output::println_ignore_pipe(&format!("Digest: {}", desc.digest));
    Ok(())
}
