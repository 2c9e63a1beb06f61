//! docker credential helpers: `docker-credential-<name> get|store|erase` with the server address
//! (or a JSON credential) on stdin and JSON on stdout
//! (<https://github.com/docker/docker-credential-helpers#development>). A helper that does not
//! answer within the timeout is killed: a GUI helper waiting for input must not hang oras.

use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::{Credential, CredentialError};
use crate::error::Result;

/// Username a helper uses to say "the secret is an identity token".
const TOKEN_USERNAME: &str = "<token>";
/// What helpers print when they have nothing for a server.
const NOT_FOUND: &str = "credentials not found in native keychain";
/// Default limit for one helper run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Environment variable overriding [`DEFAULT_TIMEOUT`], in seconds.
pub const TIMEOUT_ENV: &str = "ORAS_CREDENTIAL_HELPER_TIMEOUT";

/// One credential helper program.
#[derive(Debug, Clone)]
pub struct Helper {
    name: String,
    program: String,
    timeout: Duration,
}

/// Whether `name` is a plain helper suffix (`desktop`, `ecr-login`, `desktop.exe`): ASCII
/// letters, digits and `-_.+@`, not `.`/`..`. Anything else (a path separator above all) would
/// make `docker-credential-<name>` a path to some program rather than a helper on `PATH`.
pub fn is_plain_helper_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '@'))
}

#[derive(Serialize, Deserialize)]
struct HelperCredential {
    #[serde(rename = "ServerURL", default)]
    server_url: String,
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

impl Helper {
    /// The helper `docker-credential-<name>`, found on `PATH`.
    pub fn new(name: &str) -> Self {
        let timeout = std::env::var(TIMEOUT_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| *s > 0.0 && s.is_finite())
            .map(Duration::from_secs_f64)
            .unwrap_or(DEFAULT_TIMEOUT);
        Helper {
            name: name.to_string(),
            program: format!("docker-credential-{name}"),
            timeout,
        }
    }

    fn error(&self, message: impl Into<String>) -> CredentialError {
        CredentialError::Helper {
            program: self.program.clone(),
            message: message.into(),
        }
    }

    /// Runs `program action` with `input` on stdin; returns (success, stdout). A name that is
    /// not a plain helper suffix is refused and nothing runs.
    async fn run(&self, action: &str, input: &[u8]) -> Result<(bool, Vec<u8>)> {
        if !is_plain_helper_name(&self.name) {
            return Err(CredentialError::UnsafeHelperName {
                name: self.name.clone(),
            }
            .into());
        }
        let mut child = tokio::process::Command::new(&self.program)
            .arg(action)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    self.error(
                        "not found on PATH (the config file names it in credsStore or credHelpers)",
                    )
                } else {
                    self.error(format!("cannot run: {e}"))
                }
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A helper that exits without reading its input is not an error here.
            let _ = stdin.write_all(input).await;
        }
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| {
                self.error(format!(
                    "{action} did not finish within {:?}; it was stopped (set {TIMEOUT_ENV} to wait longer)",
                    self.timeout
                ))
            })?
            .map_err(|e| self.error(format!("{action}: {e}")))?;
        Ok((output.status.success(), output.stdout))
    }

    fn failure(&self, action: &str, stdout: &[u8]) -> CredentialError {
        let text = String::from_utf8_lossy(stdout).trim().to_string();
        // A helper's error text is normally a short sentence; anything that looks like data is
        // withheld, since it could carry a secret.
        if text.is_empty() || text.contains('{') || text.len() > 200 {
            self.error(format!("{action} failed"))
        } else {
            self.error(format!("{action} failed: {text}"))
        }
    }

    /// The credential stored for `server`; empty when the helper has none.
    pub async fn get(&self, server: &str) -> Result<Credential> {
        let (ok, stdout) = self.run("get", server.as_bytes()).await?;
        if !ok {
            if String::from_utf8_lossy(&stdout).trim() == NOT_FOUND {
                return Ok(Credential::default());
            }
            return Err(self.failure("get", &stdout).into());
        }
        let answer: HelperCredential = serde_json::from_slice(&stdout)
            .map_err(|_| self.error("get: the answer is not the expected JSON"))?;
        if answer.username == TOKEN_USERNAME {
            return Ok(Credential::identity_token(answer.secret));
        }
        Ok(Credential::basic(answer.username, answer.secret))
    }

    /// Stores `cred` for `server` (an identity token as username `<token>`).
    pub async fn store(&self, server: &str, cred: &Credential) -> Result<()> {
        let payload = if !cred.refresh_token.is_empty() {
            HelperCredential {
                server_url: server.to_string(),
                username: TOKEN_USERNAME.to_string(),
                secret: cred.refresh_token.clone(),
            }
        } else {
            HelperCredential {
                server_url: server.to_string(),
                username: cred.username.clone(),
                secret: cred.password.clone(),
            }
        };
        let input = serde_json::to_vec(&payload).map_err(|e| self.error(e.to_string()))?;
        let (ok, stdout) = self.run("store", &input).await?;
        if !ok {
            return Err(self.failure("store", &stdout).into());
        }
        Ok(())
    }

    /// Removes the credential of `server`; "not found" is not an error.
    pub async fn erase(&self, server: &str) -> Result<()> {
        let (ok, stdout) = self.run("erase", server.as_bytes()).await?;
        if !ok && String::from_utf8_lossy(&stdout).trim() != NOT_FOUND {
            return Err(self.failure("erase", &stdout).into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_helper_suffixes_are_helper_names() {
        for ok in [
            "desktop",
            "osxkeychain",
            "ecr-login",
            "desktop.exe",
            "acr_env",
            "gcr+1",
        ] {
            assert!(is_plain_helper_name(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../../tmp/evil",
            "/bin/sh",
            "x/evil",
            "x\\evil",
            "a b",
            "a\u{1b}[2J",
        ] {
            assert!(!is_plain_helper_name(bad), "{bad:?}");
        }
    }
}
