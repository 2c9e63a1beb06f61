//! The two sides of `oras cp`: the `--from-*` and `--to-*` target options with the options that
//! apply to both or to one side (`--resolve`, `--chunk-size`, `--*-distribution-spec`), opened
//! into a source and a destination.

use anyhow::Result;
use clap::Args;
use oras_rs::content::{ReadOnlyTarget, Target};

use super::{FromTargetArgs, Opened, TargetArgs, ToTargetArgs};
use crate::cli::options::checks;

/// `--chunk-size`, `--resolve`, `--from-distribution-spec`, `--to-distribution-spec`, then the
/// `--from-*` and `--to-*` groups.
#[derive(Args, Debug, Clone)]
pub struct CopyEndsArgs {
    /// Upload blobs in chunks of this size (PATCH requests), e.g. `5M`; by default a blob is
    /// sent in one request, and in 1 MiB chunks once the registry refuses that with 413
    #[arg(long, value_name = "SIZE", value_parser = checks::parse_chunk_size)]
    chunk_size: Option<u64>,

    /// Customized DNS for both registries, formatted in `host:port:address[:address_port]`
    /// (the --from-resolve and --to-resolve entries are applied after these)
    #[arg(long, value_name = "RESOLVE")]
    resolve: Vec<String>,

    /// [Preview] Set OCI distribution spec version and API option for source. Options:
    /// v1.1-referrers-api, v1.1-referrers-tag
    #[arg(long, value_name = "SPEC")]
    from_distribution_spec: Option<String>,

    /// [Preview] Set OCI distribution spec version and API option for target. Options:
    /// v1.1-referrers-api, v1.1-referrers-tag
    #[arg(long, value_name = "SPEC")]
    to_distribution_spec: Option<String>,

    // Last: their help headings would otherwise apply to the options after them.
    #[command(flatten)]
    from: FromTargetArgs,
    #[command(flatten)]
    to: ToTargetArgs,
}

/// The opened sides of a copy.
pub struct CopyEnds {
    /// The source.
    pub src: Opened<dyn ReadOnlyTarget>,
    /// The source's tag or digest.
    pub src_ref: String,
    /// The destination, with its first tag (or digest), if any.
    pub dst: Opened<dyn Target>,
    /// The destination's further tags, in order.
    pub extra_tags: Vec<String>,
}

impl CopyEndsArgs {
    /// The source's and the destination's options, each with the shared `--resolve` rules
    /// first so a side's own rules (later entries) win, its distribution spec, and, for the
    /// destination, the chunk size.
    pub fn sides(&self) -> Result<(TargetArgs, TargetArgs)> {
        let mut from: TargetArgs = self.from.clone().into();
        let mut to: TargetArgs = self.to.clone().into();
        for side in [&mut from, &mut to] {
            let own = std::mem::take(&mut side.remote.resolve);
            side.remote.resolve = self.resolve.iter().cloned().chain(own).collect();
        }
        let spec = |raw: &Option<String>| raw.as_deref().map(str::parse).transpose();
        from.remote.distribution_spec = spec(&self.from_distribution_spec)?;
        to.remote.distribution_spec = spec(&self.to_distribution_spec)?;
        to.remote.upload_chunk_size = self.chunk_size;
        Ok((from, to))
    }

    /// Opens `source` (which must name a tag or digest) and `destination`
    /// (`<target>[:<tag>[,<tag>...]]`), set up as the chunk size and distribution specs say.
    pub fn open(&self, source: &str, destination: &str) -> Result<CopyEnds> {
        let (from, to) = self.sides()?;
        let src = from.open_read(source)?;
        let src_ref = checks::require_reference(src.reference.clone(), source, "cp")?;
        let (dst, extra_tags) = to.open_with_tags(destination)?;
        Ok(CopyEnds {
            src,
            src_ref,
            dst,
            extra_tags,
        })
    }
}
