//! `oras cp`: copy an artifact, and with `-r` its referrers, from one registry or OCI image
//! layout to another. One call of the library's graph copy; blobs are mounted when both sides
//! are repositories of the same registry.

use crate::cli::options::ConcurrencyArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::Error;
use oras_rs::content::ReadOnlyTarget;
use oras_rs::copy::{CopyOptions, copy_referrers, copy_root, platform::select_platform};
use oras_rs::digest::Digest;
use oras_rs::referrers::DistributionSpec;

use super::options::{CommonArgs, FromTargetArgs, PlatformArgs, TargetArgs, ToTargetArgs};
use crate::output;

/// Copy artifacts from one target to another
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Copy an artifact between registries:\n  oras cp localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1\n\nExample - Download an artifact into an OCI image layout folder:\n  oras cp --to-oci-layout localhost:5000/net-monitor:v1 ./downloaded:v1\n\nExample - Upload an artifact from an OCI image layout folder:\n  oras cp --from-oci-layout ./to-upload:v1 localhost:5000/net-monitor:v1\n\nExample - Upload an artifact from an OCI layout tar archive:\n  oras cp --from-oci-layout ./to-upload.tar:v1 localhost:5000/net-monitor:v1\n\nExample - Copy an artifact and its referrers:\n  oras cp -r localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1\n\nExample - Copy certain platform of an artifact:\n  oras cp --platform linux/arm/v5 localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1\n\nExample - Copy an artifact with multiple tags:\n  oras cp localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:tag1,tag2,tag3"
)]
pub struct CpArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// <from>{:<tag>|@<digest>}
    #[arg(value_name = "FROM")]
    source: String,

    /// <to>[:<tag>[,<tag>][...]]
    #[arg(value_name = "TO")]
    destination: String,

    /// [Preview] Recursively copy the artifact and its referrer artifacts
    #[arg(short = 'r', long)]
    recursive: bool,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<3>,

    /// Upload blobs in chunks of this size (PATCH requests), e.g. `5M`; by default a blob is
    /// sent in one request, and in 1 MiB chunks once the registry refuses that with 413
    #[arg(long, value_name = "SIZE", value_parser = crate::cli::shared::parse_chunk_size)]
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

impl CpArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

/// Runs `oras cp`.
pub async fn run(args: CpArgs) -> Result<()> {
    let mut from: TargetArgs = args.from.clone().into();
    let mut to: TargetArgs = args.to.clone().into();
    // Base --resolve rules first, so a side's own rules (later entries) win.
    for side in [&mut from, &mut to] {
        let own = std::mem::take(&mut side.remote.resolve);
        side.remote.resolve = args.resolve.iter().cloned().chain(own).collect();
    }
    let platform = args.platform.parse()?;
    let src = from.open_read(&args.source)?;
    let Some(src_ref) = src.reference.clone() else {
        bail!(Error::invalid_with_hint(
            format!("{:?}: no tag or digest specified", args.source),
            "Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras cp -h\" for more options and examples"
        ));
    };
    let (dst, extra_tags) = to.open_with_tags(&args.destination)?;
    if let Some(size) = args.chunk_size {
        dst.target.set_upload_chunk_size(size);
    }
    for (spec, target) in [
        (&args.from_distribution_spec, &*src.target),
        (
            &args.to_distribution_spec,
            &*dst.target as &dyn ReadOnlyTarget,
        ),
    ] {
        if let Some(spec) = spec {
            target.force_referrers(spec.parse::<DistributionSpec>()?);
        }
    }
    let dst_raw = args.destination.split(',').next().unwrap_or_default();

    // Blobs move between repositories of one registry by mounting, as oras does.
    let mount_from = match (&src.remote, &dst.remote) {
        (Some(s), Some(d)) if s.registry == d.registry => Some(s.repository.clone()),
        _ => None,
    };
    let status = args.common.status_printer(output::COPY, true);
    let opts = CopyOptions {
        concurrency: args.concurrency.get(),
        observer: status.clone(),
        filter: None,
        include_subject: true,
        mount_from,
    };

    let (root, bytes) = src.target.fetch_reference(&src_ref).await?;
    let (root, bytes) = match &platform {
        Some(p) => select_platform(&*src.target, &root, bytes, p).await?,
        None => (root, bytes),
    };
    if let Some(wanted) = dst
        .reference
        .as_deref()
        .and_then(|r| r.parse::<Digest>().ok())
        && wanted != root.digest
    {
        bail!(Error::invalid(format!(
            "the destination digest {wanted} does not match the copied manifest {}",
            root.digest
        )));
    }
    copy_root(
        &*src.target,
        &*dst.target,
        &root,
        bytes.clone(),
        dst.tag(),
        &opts,
    )
    .await
    .with_context(|| format!("copying {} to {dst_raw}", args.source))?;
    if args.recursive {
        copy_referrers(&*src.target, &*dst.target, &root, &bytes, &opts)
            .await
            .with_context(|| format!("copying the referrers of {}", args.source))?;
    }

    status.finish();
    // A digest reference that --platform moved to a child is printed as the child's digest.
    let src_display = match src_ref.parse::<Digest>() {
        Ok(d) if d != root.digest => format!("{}@{}", src.name, root.digest),
        _ => args.source.clone(),
    };
    output::println_ignore_pipe(&format!(
        "Copied {} {src_display} => {} {dst_raw}",
        src.kind.marker(),
        dst.kind.marker()
    ));
    for tag in &extra_tags {
        dst.target
            .push_reference(&root, bytes.clone(), tag)
            .await
            .with_context(|| format!("tagging {} as {tag}", root.digest))?;
        output::println_ignore_pipe(&format!("Tagged {tag}"));
    }
    output::println_ignore_pipe(&format!("Digest: {}", root.digest));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        args: CpArgs,
    }

    #[test]
    fn from_and_to_options_become_the_same_target_options() {
        let cmd = Cmd::try_parse_from([
            "cp",
            "--from-oci-layout",
            "--to-plain-http=false",
            "--to-insecure",
            "-r",
            "dir:v1",
            "example.com/repo:a,b",
        ])
        .unwrap();
        let from: TargetArgs = cmd.args.from.clone().into();
        let to: TargetArgs = cmd.args.to.clone().into();
        assert!(from.oci_layout && from.oci_layout_path.is_none());
        assert!(!from.remote.insecure && from.remote.plain_http.is_none());
        assert!(!to.is_layout() && to.remote.insecure);
        assert_eq!(to.remote.plain_http, Some(false));
        assert!(cmd.args.recursive);
        assert_eq!(cmd.args.concurrency.get(), 3);
        // A layout flag and a layout path on the same side conflict.
        assert!(
            Cmd::try_parse_from([
                "cp",
                "--to-oci-layout",
                "--to-oci-layout-path",
                "x",
                "a",
                "b"
            ])
            .is_err()
        );
        assert!(
            Cmd::try_parse_from([
                "cp",
                "--from-oci-layout",
                "--to-oci-layout-path",
                "x",
                "a",
                "b"
            ])
            .is_ok()
        );
    }
}
