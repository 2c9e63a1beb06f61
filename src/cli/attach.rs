//! `oras attach`: pack files and annotations into an image-spec v1.1 manifest whose `subject` is
//! an existing manifest, and copy it to the subject's repository by digest (never tagged). The
//! registry side (Referrers API or the `<alg>-<hex>` tag-schema index) is handled by the library
//! when the manifest is pushed.

use anyhow::{Context, Result};
use clap::Args;

use super::options::{AttachPackArgs, CommonArgs, ConcurrencyArgs, FormatArgs, OutputFormat};
use super::options::{SubjectArgs, TargetArgs};
use crate::output::{self, push::AttachReport};

/// [Preview] Attach files to an existing artifact
#[derive(Args, Debug)]
#[command(
    help_template = crate::output::help::PREVIEW_HELP,
    after_help = "Example - Attach file 'hi.txt' with artifact type 'doc/example' to manifest 'hello:v1' in registry 'localhost:5000':\n  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt\n\nExample - Attach an artifact with only annotations:\n  oras attach --artifact-type doc/example --annotation \"key=val\" localhost:5000/hello:v1\n\nExample - Attach file 'hi.txt' and export the pushed manifest to 'manifest.json':\n  oras attach --artifact-type doc/example --export-manifest manifest.json localhost:5000/hello:v1 hi.txt"
)]
pub struct AttachArgs {
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
    #[command(flatten)]
    pack: AttachPackArgs,
    #[command(flatten)]
    subject: SubjectArgs,
    #[command(flatten)]
    concurrency: ConcurrencyArgs<5>,
}

/// Runs `oras attach`.
pub async fn run(mut args: AttachArgs, common: &CommonArgs) -> Result<()> {
    let files = args.files.iter().map(String::as_str);
    args.target.remote.check_stdin_file(files)?;
    let format = args.format.resolve()?;
    let subject = args.subject.parse()?;
    let mut request = args.pack.request(&args.files, subject.platform.as_ref())?;
    args.target.remote.distribution_spec = subject.spec;
    let dest = args.target.open(&args.reference)?;
    let subject = subject.resolve(&dest, &args.reference).await?;
    request.subject = Some(subject.clone());
    let status = common.status_printer(output::PUSH, format == OutputFormat::Text);
    let packed = request.pack(&*status).await?;
    let target = &*dest.target;
    let copied = packed.copy_to(target, None, args.concurrency.get(), status.clone());
    (copied.await).with_context(|| format!("attaching to {}", args.reference))?;
    status.finish();
    args.pack.common.export(&packed)?;
    let (marker, name, manifest) = (dest.kind.marker(), dest.name, packed.descriptor);
    let reference = args.reference;
    let report = AttachReport {
        marker,
        reference,
        name,
        subject,
        manifest,
    };
    args.format.emit(&report)
}
