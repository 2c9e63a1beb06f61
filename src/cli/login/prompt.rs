//! What `oras login` asks for when the flags do not give it: a username, then a password (or,
//! without a username, a token), read without echo from a terminal.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};
use oras_rs::credentials::Credential;

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
pub fn complete(cred: Option<Credential>) -> Result<Credential> {
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
