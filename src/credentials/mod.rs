//! Registry credentials and where they live, compatible with docker's `config.json`.
//!
//! A [`Credential`] is what a user gave (`-u/-p`, an identity token) or what a store holds. A
//! [`Store`] is the ordered list of config files oras reads (`--registry-config`, or docker's
//! `$DOCKER_CONFIG/config.json` / `~/.docker/config.json`): the first is read/write, the others
//! read-only fallbacks. Inside one file, `credHelpers` (exact host match) wins over `credsStore`,
//! which wins over `auths` ([`file::ConfigFile`], [`helper::Helper`]).
//!
//! This module never prints and never logs a secret; [`Credential`]'s `Debug` is redacted.

pub mod file;
pub mod helper;

use std::fmt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::error::{Error, Result};
use file::ConfigFile;
use helper::Helper;

/// The key docker uses for Docker Hub in `config.json` and with credential helpers.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// A username and password, an identity (refresh) token, or a registry (access) token.
///
/// ```
/// use oras_rs::Credential;
///
/// let basic = Credential::basic("alice", "s3cret");
/// assert!(!basic.is_empty());
/// assert_eq!(basic.secrets(), ["s3cret"]);
/// // `Debug` never shows a secret.
/// assert!(!format!("{basic:?}").contains("s3cret"));
/// assert_eq!(Credential::identity_token("t0ken").refresh_token, "t0ken");
/// assert!(Credential::default().is_empty());
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credential {
    /// User name for Basic auth and for the token server.
    pub username: String,
    /// Password for Basic auth and for the token server.
    pub password: String,
    /// OAuth2 refresh token (`identitytoken` in `config.json`, `--identity-token`).
    pub refresh_token: String,
    /// Bearer access token used as is (`registrytoken` in `config.json`).
    pub access_token: String,
}

impl Credential {
    /// A username and password.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credential {
            username: username.into(),
            password: password.into(),
            ..Credential::default()
        }
    }

    /// An identity (refresh) token.
    pub fn identity_token(token: impl Into<String>) -> Self {
        Credential {
            refresh_token: token.into(),
            ..Credential::default()
        }
    }

    /// True when nothing is set (anonymous).
    pub fn is_empty(&self) -> bool {
        self.username.is_empty()
            && self.password.is_empty()
            && self.refresh_token.is_empty()
            && self.access_token.is_empty()
    }

    /// Every secret this credential carries, for scrubbing text that may contain one.
    pub fn secrets(&self) -> Vec<&str> {
        [
            self.password.as_str(),
            self.refresh_token.as_str(),
            self.access_token.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("password", &mark(&self.password))
            .field("refresh_token", &mark(&self.refresh_token))
            .field("access_token", &mark(&self.access_token))
            .finish()
    }
}

/// Failures reading or writing credentials.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// A config file that cannot be read, parsed or written.
    #[error("{}: {message}", path.display())]
    File {
        /// The config file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A credential helper that failed, hung or answered nonsense.
    #[error("credential helper {program}: {message}")]
    Helper {
        /// `docker-credential-<name>`.
        program: String,
        /// What went wrong (never the secret).
        message: String,
    },
    /// A `credsStore`/`credHelpers` name that is not a plain helper suffix (it holds a path
    /// separator or other characters): it is not run.
    #[error(
        "refusing the credential helper {name:?} named in credsStore or credHelpers: a helper name is a plain suffix (letters, digits, '-', '_', '.', '+', '@'), not a path; nothing was run"
    )]
    UnsafeHelperName {
        /// The name as the config file gives it.
        name: String,
    },
    /// A credential that cannot be stored (e.g. a username with `:` in a plaintext file).
    #[error("{0}")]
    Invalid(String),
}

/// The `config.json` key docker uses for `registry` (`docker.io` and `registry-1.docker.io` map
/// to [`DOCKER_HUB_SERVER`]).
///
/// ```
/// use oras_rs::credentials::{DOCKER_HUB_SERVER, server_address};
///
/// assert_eq!(server_address("docker.io"), DOCKER_HUB_SERVER);
/// assert_eq!(server_address("localhost:5000"), "localhost:5000");
/// ```
pub fn server_address(registry: &str) -> String {
    match registry {
        "docker.io" | "registry-1.docker.io" | "index.docker.io" => DOCKER_HUB_SERVER.to_string(),
        other => other.to_string(),
    }
}

/// The host part of a `config.json` key: `https://index.docker.io/v1/` → `index.docker.io`,
/// `http://localhost:7000/` → `localhost:7000`, `reg.example` → `reg.example`.
///
/// ```
/// use oras_rs::credentials::key_hostname;
///
/// assert_eq!(key_hostname("https://index.docker.io/v1/"), "index.docker.io");
/// assert_eq!(key_hostname("http://localhost:7000/"), "localhost:7000");
/// assert_eq!(key_hostname("reg.example"), "reg.example");
/// ```
pub fn key_hostname(key: &str) -> &str {
    let rest = key
        .strip_prefix("http://")
        .or_else(|| key.strip_prefix("https://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

/// Where credentials come from for one registry host: the wire client asks it on a 401.
#[async_trait]
pub trait CredentialProvider: fmt::Debug + Send + Sync {
    /// The credential for `registry` (`host[:port]` as the user typed it); empty when none.
    async fn credential(&self, registry: &str) -> Result<Credential>;

    /// The file consulted, for the "check the credential stored in …" hint.
    fn config_path(&self) -> Option<PathBuf> {
        None
    }
}

/// A credential given on the command line, for one registry only.
#[derive(Debug, Clone)]
pub struct StaticProvider {
    /// The registry the credential belongs to.
    pub registry: String,
    /// The credential.
    pub credential: Credential,
}

#[async_trait]
impl CredentialProvider for StaticProvider {
    async fn credential(&self, registry: &str) -> Result<Credential> {
        if registry == self.registry {
            Ok(self.credential.clone())
        } else {
            Ok(Credential::default())
        }
    }
}

/// docker's config directory: `$DOCKER_CONFIG`, else `~/.docker`.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".docker").join("config.json"))
}

/// Whether `path` is a docker credentials file (a JSON object with `auths`, `credsStore` or
/// `credHelpers`): what oras 0.12's `--config` meant, and what oras 1.x's `--config` (a manifest
/// config) must never upload or overwrite. A missing, unreadable, large (over 1 MiB) or non-JSON
/// file is not one.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let creds = dir.path().join("config.json");
/// std::fs::write(&creds, r#"{"auths":{"localhost:5000":{"auth":"dTpw"}}}"#).unwrap();
/// let image_config = dir.path().join("image.json");
/// std::fs::write(&image_config, r#"{"architecture":"amd64","os":"linux"}"#).unwrap();
/// assert!(oras_rs::credentials::is_credentials_file(&creds));
/// assert!(!oras_rs::credentials::is_credentials_file(&image_config));
/// assert!(!oras_rs::credentials::is_credentials_file(&dir.path().join("missing.json")));
/// ```
pub fn is_credentials_file(path: &std::path::Path) -> bool {
    const KEYS: [&str; 3] = ["auths", "credsStore", "credHelpers"];
    let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= 1 << 20);
    small
        && std::fs::read(path)
            .ok()
            .and_then(|b| {
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&b).ok()
            })
            .is_some_and(|doc| KEYS.iter().any(|k| doc.contains_key(*k)))
}

/// The config files oras reads credentials from, first one read/write.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::credentials::{Credential, Store};
///
/// let dir = tempfile::tempdir().unwrap();
/// let config = dir.path().join("config.json");
/// let store = Store::new(&[config.clone()])?;
/// store.put("localhost:5000", &Credential::basic("alice", "s3cret")).await?;
/// assert_eq!(store.get("localhost:5000").await?, Credential::basic("alice", "s3cret"));
///
/// // docker's format: base64 of `user:password` under `auths`.
/// let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
/// assert_eq!(saved["auths"]["localhost:5000"]["auth"], "YWxpY2U6czNjcmV0");
///
/// store.delete("localhost:5000").await?;
/// assert!(store.get("localhost:5000").await?.is_empty());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Store {
    paths: Vec<PathBuf>,
}

impl Store {
    /// `paths` (from `--registry-config`), or docker's default config file when empty.
    pub fn new(paths: &[PathBuf]) -> Result<Self> {
        if !paths.is_empty() {
            return Ok(Store {
                paths: paths.to_vec(),
            });
        }
        let default = docker_config_path().ok_or_else(|| {
            Error::invalid_with_hint(
                "cannot locate docker's config.json: neither DOCKER_CONFIG nor HOME is set",
                crate::error::Advice::NameRegistryConfig,
            )
        })?;
        Ok(Store {
            paths: vec![default],
        })
    }

    /// The read/write file.
    pub fn primary(&self) -> &Path {
        &self.paths[0]
    }

    /// Looks `registry` up in each file in order; the first non-empty credential wins.
    pub async fn get(&self, registry: &str) -> Result<Credential> {
        let server = server_address(registry);
        for path in &self.paths {
            let file = ConfigFile::load(path)?;
            let cred = match file.helper_for(&server) {
                Some(name) => Helper::new(&name).get(&server).await?,
                None => file.get(&server),
            };
            if !cred.is_empty() {
                return Ok(cred);
            }
        }
        Ok(Credential::default())
    }

    /// Saves `cred` for `registry` in the first file (or its helper).
    pub async fn put(&self, registry: &str, cred: &Credential) -> Result<()> {
        let server = server_address(registry);
        let mut file = ConfigFile::load(self.primary())?;
        match file.helper_for(&server) {
            Some(name) => Helper::new(&name).store(&server, cred).await,
            None => {
                file.put(&server, cred)?;
                file.save()
            }
        }
    }

    /// Removes the credential of `registry` from the first file (or its helper). Removing a
    /// credential that is not there is not an error.
    pub async fn delete(&self, registry: &str) -> Result<()> {
        let server = server_address(registry);
        let mut file = ConfigFile::load(self.primary())?;
        match file.helper_for(&server) {
            Some(name) => Helper::new(&name).erase(&server).await,
            None => {
                if file.delete(&server) {
                    file.save()?;
                }
                Ok(())
            }
        }
    }
}

#[async_trait]
impl CredentialProvider for Store {
    async fn credential(&self, registry: &str) -> Result<Credential> {
        self.get(registry).await
    }

    fn config_path(&self) -> Option<PathBuf> {
        Some(self.primary().to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_docker_hub_and_hostnames() {
        assert_eq!(server_address("docker.io"), DOCKER_HUB_SERVER);
        assert_eq!(server_address("registry-1.docker.io"), DOCKER_HUB_SERVER);
        assert_eq!(server_address("localhost:5000"), "localhost:5000");
        assert_eq!(key_hostname(DOCKER_HUB_SERVER), "index.docker.io");
        assert_eq!(key_hostname("http://localhost:7000/"), "localhost:7000");
        assert_eq!(key_hostname("reg.example"), "reg.example");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credential {
            username: "u".into(),
            password: "hunter2".into(),
            refresh_token: "rt-secret".into(),
            access_token: "at-secret".into(),
        };
        let text = format!("{c:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("secret"),
            "{text}"
        );
        assert!(text.contains("\"u\""));
    }
}
