//! `--descriptor` and `--pretty`, declared once for manifest fetch/fetch-config/push/delete and
//! blob fetch/push/delete. Each command words `--descriptor`'s help for itself with
//! `mut_arg("descriptor", …)`.

use anyhow::{Result, bail};
use clap::Args;
use oras_rs::oci::{self, Descriptor};

/// `--descriptor`: print the descriptor instead of the content or status output; `--pretty`:
/// indent JSON output.
#[derive(Args, Debug, Clone, Copy)]
pub struct DescriptorArgs {
    /// Output the descriptor
    #[arg(long)]
    pub descriptor: bool,

    /// Prettify JSON output
    #[arg(long)]
    pub pretty: bool,
}

impl DescriptorArgs {
    /// Refuses `--descriptor` with `--output -`: both would be written to stdout.
    pub fn check_output(&self, output: Option<&str>) -> Result<()> {
        if self.descriptor && output == Some("-") {
            bail!("--descriptor cannot be used with --output -: both would be written to stdout");
        }
        Ok(())
    }

    /// Refuses `--descriptor` on a deletion without `--force` (there would be a prompt).
    pub fn check_force(&self, force: bool) -> Result<()> {
        if self.descriptor && !force {
            bail!("must apply --force to confirm the deletion if the descriptor is outputted");
        }
        Ok(())
    }

    /// Prints `desc` as compact JSON, or indented with `--pretty`.
    pub fn print(&self, desc: &Descriptor) -> Result<()> {
        let bytes = if self.pretty {
            oci::to_go_json_pretty(desc)?
        } else {
            oci::to_go_json(desc)?
        };
        crate::output::print_json_bytes(&bytes);
        Ok(())
    }
}
