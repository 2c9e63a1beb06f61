//! `oras logout`: remove a registry's credential from the credential store.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use oras_rs::credentials::Store;

use super::login::registry_name;

/// Log out from a remote registry
#[derive(Args, Debug)]
#[command(after_help = "Example - Logout:\n  oras logout localhost:5000")]
pub struct LogoutArgs {
    /// Path of the authentication file for registry
    #[arg(long, value_name = "PATH")]
    registry_config: Vec<PathBuf>,

    /// The registry to log out from
    #[arg(value_name = "REGISTRY")]
    registry: String,
}

/// Runs `oras logout`: prints nothing on success; a registry without a credential is not an
/// error.
pub async fn run(args: LogoutArgs) -> Result<()> {
    let store = Store::new(&args.registry_config)?;
    let registry = registry_name(&args.registry);
    store
        .delete(&registry)
        .await
        .with_context(|| format!("removing the credential from {}", store.primary().display()))?;
    Ok(())
}
