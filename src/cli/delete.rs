//! The shared end of `blob delete` and `manifest delete`, once the reference was resolved:
//! `Missing` under `--force`, the `[y/N]` prompt, the deletion (the library keeps the referrers
//! tag schema), then the descriptor or `Deleted`.

use anyhow::{Result, bail};
use oras_rs::Error;
use oras_rs::content::Target;
use oras_rs::oci::Descriptor;

use crate::cli::options::{DescriptorArgs, Opened};
use crate::output::text;
use text::confirm;

/// What `blob delete` and `manifest delete` were asked, for [`delete_resolved`].
pub struct Deletion<'a> {
    /// The reference as typed.
    pub reference: &'a str,
    /// `blob` or `manifest`, for the messages.
    pub kind: &'static str,
    /// Appended to the confirmation question (manifests take their tags with them).
    pub question_tail: &'static str,
    /// `-f/--force`.
    pub force: bool,
    /// `--descriptor` and `--pretty`.
    pub descriptor: DescriptorArgs,
}

/// The shared end of `blob delete` and `manifest delete`, once the reference was resolved:
/// `Missing` under `--force`, the `[y/N]` prompt, the deletion, then the descriptor or `Deleted`.
pub async fn delete_resolved(
    target: &Opened<dyn Target>,
    resolved: oras_rs::Result<Descriptor>,
    d: Deletion<'_>,
) -> Result<()> {
    let desc = match resolved {
        Ok(desc) => desc,
        Err(Error::NotFound(_)) if d.force && !d.descriptor.descriptor => {
            crate::output::println_ignore_pipe(&format!("Missing {}", d.reference));
            return Ok(());
        }
        Err(Error::NotFound(_)) => bail!(Error::invalid(format!(
            "{}: the specified {} does not exist",
            d.reference, d.kind
        ))),
        Err(e) => return Err(e.into()),
    };
    if !d.force
        && !confirm(&format!(
            "Are you sure you want to delete the {} {:?}{}?",
            d.kind,
            desc.digest.to_string(),
            d.question_tail
        ))?
    {
        crate::output::println_ignore_pipe("Operation cancelled.");
        return Ok(());
    }
    oras_rs::manifest::delete(&*target.target, &desc).await?;
    if d.descriptor.descriptor {
        return d.descriptor.print(&desc);
    }
    crate::output::println_ignore_pipe(&format!(
        "Deleted {} {}",
        target.kind.marker(),
        d.reference
    ));
    Ok(())
}
