//! `oras login`: check a credential against the registry's API root (a ping) and save it in the credential
//! store (docker's config.json or its helper).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};
use clap::Args;
use oras_rs::credentials::Credential;

use super::options::{CommonArgs, RemoteArgs};

/// Log in to a remote registry
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Log in with username and password from command line flags:\n  oras login -u username -p password localhost:5000\n\nExample - Log in with username and password from stdin:\n  oras login -u username --password-stdin localhost:5000\n\nExample - Log in with identity token from stdin:\n  oras login --identity-token-stdin localhost:5000\n\nExample - Log in with username and password in an interactive terminal:\n  oras login localhost:5000"
)]
pub struct LoginArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    remote: RemoteArgs,

    /// The registry to log in to
    #[arg(value_name = "REGISTRY")]
    registry: String,
}

impl LoginArgs {
    /// Shared flags, for logging set-up.
    pub fn common(&self) -> &CommonArgs {
        &self.common
    }
}

/// `https://reg.example/` → `reg.example`: users paste URLs.
pub fn registry_name(raw: &str) -> String {
    raw.trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

fn read_line() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read from stdin")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn prompt(text: &str) -> Result<()> {
    print!("{text}");
    std::io::stdout().flush().context("cannot write the prompt")
}

/// Reads a secret: without echo from a terminal, as a line otherwise.
fn read_secret() -> Result<String> {
    if std::io::stdin().is_terminal() {
        let secret = rpassword::read_password().context("cannot read from the terminal")?;
        Ok(secret)
    } else {
        let secret = read_line()?;
        println!();
        Ok(secret)
    }
}

/// Asks for what the flags did not give, as oras does.
fn complete(cred: Option<Credential>) -> Result<Credential> {
    let mut cred = cred.unwrap_or_default();
    if !cred.refresh_token.is_empty() || !cred.password.is_empty() {
        return Ok(cred);
    }
    if cred.username.is_empty() {
        prompt("Username: ")?;
        cred.username = read_line()?;
    }
    if cred.username.is_empty() {
        prompt("Token: ")?;
        let token = read_secret()?;
        if token.is_empty() {
            bail!(oras_rs::Error::invalid("token required"));
        }
        return Ok(Credential::identity_token(token));
    }
    prompt("Password: ")?;
    cred.password = read_secret()?;
    if cred.password.is_empty() {
        bail!(oras_rs::Error::invalid("password required"));
    }
    Ok(cred)
}

/// Runs `oras login`.
pub async fn run(args: LoginArgs) -> Result<()> {
    let registry = registry_name(&args.registry);
    if registry.is_empty() {
        bail!(oras_rs::Error::invalid("the registry name is empty"));
    }
    let cred = complete(args.remote.flag_credential()?)?;
    let store = args.remote.store()?;
    let client = args.remote.client(&registry, Some(cred.clone()))?;
    oras_rs::registry::ping(&client, &registry, args.remote.plain_http).await?;
    store
        .put(&registry, &cred)
        .await
        .with_context(|| format!("saving the credential to {}", store.primary().display()))?;
    println!("Login Succeeded");
    Ok(())
}
