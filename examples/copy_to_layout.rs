//! Copy an artifact with its referrers (signatures, SBOMs) from a registry into an OCI image
//! layout on disk and back, as `oras cp -r <ref> --to-oci-layout <dir>:<tag>` does: an air-gap
//! transfer. The copy back goes to `<repository>-restored` of the same registry.
//!
//! ```text
//! cargo run --example copy_to_layout -- localhost:5000/app:v1 ./app-layout
//! ```
//!
//! Checks that the layout holds the tagged artifact and its referrers and that the restored
//! repository lists the same referrers; exits non-zero on any failure.

use std::process::ExitCode;

use oras_rs::content::ReadOnlyTarget;
use oras_rs::content::layout::OciLayout;
use oras_rs::reference::Reference;
use oras_rs::referrers::discover;
use oras_rs::registry::{RemoteOptions, Repository};
use oras_rs::{CopyOptions, copy};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [target, layout] = args.as_slice() else {
        eprintln!("usage: copy_to_layout <registry>/<repository>:<tag> <layout directory>");
        return ExitCode::from(2);
    };
    match copy_to_layout(target, layout).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("copy_to_layout: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn copy_to_layout(target: &str, layout_dir: &str) -> Result<()> {
    let reference: Reference = target.parse()?;
    let tag = reference.tag.clone().ok_or("the reference needs a tag")?;
    let options = RemoteOptions::default();
    let repo = Repository::open(target, &options)?;
    let with_referrers = CopyOptions::default().with_referrers(true);

    // Registry -> layout, referrers included.
    let layout = OciLayout::new(layout_dir);
    let root = copy(&repo, &tag, &layout, Some(&tag), &with_referrers).await?;
    let in_registry = referrer_digests(&repo, &root).await?;
    let in_layout = referrer_digests(&layout, &root).await?;
    if in_layout != in_registry {
        return Err(format!("layout referrers {in_layout:?}, registry's {in_registry:?}").into());
    }

    // Layout -> another repository of the registry, referrers included.
    let restored_ref = reference.with_tag(tag.clone());
    let restored_name = format!(
        "{}/{}-restored:{tag}",
        restored_ref.registry, restored_ref.repository
    );
    let restored = Repository::open(&restored_name, &options)?;
    let back = copy(&layout, &tag, &restored, Some(&tag), &with_referrers).await?;
    let in_restored = referrer_digests(&restored, &back).await?;
    if back.digest != root.digest || in_restored != in_registry {
        return Err(format!(
            "{restored_name} got {} with referrers {in_restored:?}",
            back.digest
        )
        .into());
    }
    println!(
        "{} with {} referrer(s): {target} -> {layout_dir} -> {restored_name}",
        root.digest,
        in_registry.len()
    );
    Ok(())
}

/// The digests of every referrer below `subject`, all levels, sorted.
async fn referrer_digests(
    target: &dyn ReadOnlyTarget,
    subject: &oras_rs::oci::Descriptor,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut nodes = discover(target, subject, None, None).await?;
    while let Some(node) = nodes.pop() {
        out.push(node.descriptor.digest.to_string());
        nodes.extend(node.referrers);
    }
    out.sort();
    Ok(out)
}
