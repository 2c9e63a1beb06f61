//! `oras login`: check a credential against the registry's API root (a ping) and save it in the credential
//! store (docker's config.json or its helper).

mod prompt;

use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::registry::{Credentials, Registry};

use super::options::RemoteArgs;

/// Log in to a remote registry
#[derive(Args, Debug)]
#[command(
    // oras 0.x: `login -k` for --insecure (pull's -k is --keep-old-files, so only here).
    mut_arg("insecure", |a| a.short_alias('k')),
    after_help = "Example - Log in with username and password from command line flags:\n  oras login -u username -p password localhost:5000\n\nExample - Log in with username and password from stdin:\n  oras login -u username --password-stdin localhost:5000\n\nExample - Log in with identity token from stdin:\n  oras login --identity-token-stdin localhost:5000\n\nExample - Log in with username and password in an interactive terminal:\n  oras login localhost:5000"
)]
pub struct LoginArgs {
    #[command(flatten)]
    remote: RemoteArgs,

    /// The registry to log in to
    #[arg(value_name = "REGISTRY")]
    registry: String,
}

/// `https://reg.example/` → `reg.example`: users paste URLs.
pub fn registry_name(raw: &str) -> String {
    raw.trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// Runs `oras login`.
pub async fn run(args: LoginArgs) -> Result<()> {
    let registry = registry_name(&args.registry);
    if registry.is_empty() {
        bail!(oras_rs::Error::invalid("the registry name is empty"));
    }
    let mut options = args.remote.options()?;
    let cred = prompt::complete(match options.credentials {
        Credentials::Static(c) => Some(c),
        _ => None,
    })?;
    let store = args.remote.store()?;
    options.credentials = Credentials::Static(cred.clone());
    Registry::open(&registry, &options)?.ping().await?;
    store
        .put(&registry, &cred)
        .await
        .with_context(|| format!("saving the credential to {}", store.primary().display()))?;
    println!("Login Succeeded");
    Ok(())
}
