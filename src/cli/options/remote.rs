//! `RemoteArgs`: the remote options of every command that talks to a registry (credentials,
//! TLS, plain HTTP, headers, `--resolve`), validated once and turned into the library's
//! [`RemoteOptions`], with the command's `--chunk-size` and `--distribution-spec` when it has
//! them.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use anyhow::{Result, bail};
use clap::Args;
use oras_rs::credentials::{Credential, Store};
use oras_rs::reference::Reference;
use oras_rs::referrers::DistributionSpec;
use oras_rs::registry::{Credentials, Registry, RemoteOptions, Repository, Resolve};

/// How to reach one registry: credentials, TLS, plain HTTP, extra headers and name overrides.
/// `Debug` redacts the secrets.
#[derive(Args, Clone, Default)]
#[command(next_help_heading = "Remote Options")]
pub struct RemoteArgs {
    /// Registry username
    #[arg(short = 'u', long, value_name = "USERNAME")]
    pub username: Option<String>,

    /// Registry password or identity token
    #[arg(short = 'p', long, value_name = "PASSWORD")]
    pub password: Option<String>,

    /// Read password from stdin
    #[arg(long)]
    pub password_stdin: bool,

    /// Registry identity token
    #[arg(long, value_name = "TOKEN")]
    pub identity_token: Option<String>,

    /// Read identity token from stdin
    #[arg(long)]
    pub identity_token_stdin: bool,

    /// Path of the authentication file for registry; the first is read/write, the others
    /// read-only fallbacks
    #[arg(long, value_name = "PATH", short_alias = 'c')]
    pub registry_config: Vec<PathBuf>,

    /// Allow connections to SSL registry without certs
    #[arg(long)]
    pub insecure: bool,

    /// Allow insecure connections to registry without SSL check (default: localhost; 127.0.0.0/8
    /// and [::1] try HTTPS first); --plain-http=false forces HTTPS
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true, value_name = "BOOL")]
    pub plain_http: Option<bool>,

    /// Server certificate authority file for the remote registry
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,

    /// Client certificate file for the remote registry
    #[arg(long, value_name = "PATH")]
    pub cert_file: Option<PathBuf>,

    /// Client private key file for the remote registry
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,

    /// Add custom headers to requests (`Name: value`), sent to the registry only
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// Customized DNS for registry, formatted in `host:port:address[:address_port]`
    #[arg(long, value_name = "RESOLVE")]
    pub resolve: Vec<String>,

    /// The secret read from stdin, read once however many times the options are used.
    #[arg(skip)]
    pub(super) stdin_secret: StdinSecret,

    /// `from-` or `to-` when these options came from cp's prefixed flags (for messages).
    #[arg(skip)]
    pub flag_prefix: &'static str,

    /// The command's `--chunk-size`, set by the command before it opens the repository.
    #[arg(skip)]
    pub upload_chunk_size: Option<u64>,

    /// The command's `--distribution-spec`, set by the command before it opens the repository.
    #[arg(skip)]
    pub distribution_spec: Option<DistributionSpec>,
}

impl std::fmt::Debug for RemoteArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hide = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        let header_names: Vec<&str> = self
            .headers
            .iter()
            .map(|h| h.split(':').next().unwrap_or(""))
            .collect();
        f.debug_struct("RemoteArgs")
            .field("username", &self.username)
            .field("password", &hide(&self.password))
            .field("password_stdin", &self.password_stdin)
            .field("identity_token", &hide(&self.identity_token))
            .field("identity_token_stdin", &self.identity_token_stdin)
            .field("registry_config", &self.registry_config)
            .field("insecure", &self.insecure)
            .field("plain_http", &self.plain_http)
            .field("ca_file", &self.ca_file)
            .field("cert_file", &self.cert_file)
            .field("key_file", &self.key_file)
            .field("header_names", &header_names)
            .field("resolve", &self.resolve)
            .field("upload_chunk_size", &self.upload_chunk_size)
            .field("distribution_spec", &self.distribution_spec)
            .finish()
    }
}

/// A secret read from stdin at most once; `Debug` never shows it.
#[derive(Clone, Default)]
pub(super) struct StdinSecret(Arc<OnceLock<String>>);

impl std::fmt::Debug for StdinSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StdinSecret(<redacted>)")
    }
}

/// oras's mutual exclusions: `a, b cannot be used at the same time`.
fn exclusive(pairs: &[(&str, bool)]) -> Result<()> {
    let set: Vec<&str> = pairs
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
    if set.len() > 1 {
        bail!(oras_rs::Error::invalid(format!(
            "{} cannot be used at the same time",
            set.join(", ")
        )));
    }
    Ok(())
}

/// Reads all of stdin, dropping one trailing `\n` then one trailing `\r` (as oras does).
fn read_stdin_secret() -> Result<String> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .map_err(|e| oras_rs::Error::invalid(format!("cannot read the secret from stdin: {e}")))?;
    if text.ends_with('\n') {
        text.pop();
    }
    if text.ends_with('\r') {
        text.pop();
    }
    Ok(text)
}

/// Splits `Name: value` at the first colon. The value is kept as typed (the library trims it
/// for the wire), so `--debug` shows `"A": " b"` as oras does.
fn parse_header(raw: &str) -> Result<(String, String)> {
    match raw.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => bail!(oras_rs::Error::invalid_with_hint(
            format!("invalid header: {raw:?}"),
            "Please use the format `-H \"Name: value\"`."
        )),
    }
}

/// Parses `host:port:address[:address_port]` (IPv6 addresses in brackets).
fn parse_resolve(raw: &str) -> Result<(String, u16, std::net::SocketAddr)> {
    let bad = || {
        oras_rs::Error::invalid_with_hint(
            format!("invalid --resolve value {raw:?}"),
            "Use host:port:address[:address_port], e.g. registry.example:443:10.0.0.5",
        )
    };
    let (host, rest) = raw.split_once(':').ok_or_else(bad)?;
    let (port, address) = rest.split_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let (ip, address_port) = if let Some(inner) = address.strip_prefix('[') {
        let (ip, after) = inner.split_once(']').ok_or_else(bad)?;
        let ap = match after.strip_prefix(':') {
            Some(p) => p.parse::<u16>().map_err(|_| bad())?,
            None if after.is_empty() => port,
            None => return Err(bad().into()),
        };
        (ip.to_string(), ap)
    } else {
        match address.split_once(':') {
            Some((ip, p)) => (ip.to_string(), p.parse::<u16>().map_err(|_| bad())?),
            None => (address.to_string(), port),
        }
    };
    let ip: std::net::IpAddr = ip.parse().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad().into());
    }
    Ok((
        host.to_string(),
        port,
        std::net::SocketAddr::new(ip, address_port),
    ))
}

impl RemoteArgs {
    /// Checks the mutual exclusions and pairings of the flags, as oras does.
    pub fn validate(&self) -> Result<()> {
        exclusive(&[
            ("--username", self.username.is_some()),
            ("--identity-token", self.identity_token.is_some()),
            ("--identity-token-stdin", self.identity_token_stdin),
        ])?;
        exclusive(&[
            ("--password", self.password.is_some()),
            ("--identity-token", self.identity_token.is_some()),
            ("--identity-token-stdin", self.identity_token_stdin),
            ("--password-stdin", self.password_stdin),
        ])?;
        if self.cert_file.is_some() != self.key_file.is_some() {
            bail!(oras_rs::Error::invalid(
                "--cert-file must be used in conjunction with --key-file"
            ));
        }
        for h in &self.headers {
            parse_header(h)?;
        }
        for r in &self.resolve {
            parse_resolve(r)?;
        }
        Ok(())
    }

    /// Whether a secret comes from stdin (so a `-` file argument cannot).
    pub fn reads_stdin(&self) -> bool {
        self.password_stdin || self.identity_token_stdin
    }

    /// Refuses a `-` (or `-:<type>`) file argument when a secret is read from stdin too: only
    /// one of them can have it (oras's wording).
    pub fn check_stdin_file<'a>(&self, files: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let from_stdin = |f: &str| crate::cli::stdio::is_stdin(oras_rs::pack::split_file_arg(f).0);
        if !files.into_iter().any(from_stdin) {
            return Ok(());
        }
        if self.password_stdin {
            bail!(oras_rs::Error::invalid(
                "`-` read file from input and `--password-stdin` read password from input cannot be both used"
            ));
        }
        if self.identity_token_stdin {
            bail!(oras_rs::Error::invalid(
                "`-` read file from input and `--identity-token-stdin` read identity token from input cannot be both used"
            ));
        }
        Ok(())
    }

    /// The credential given by flags (and stdin), if any, with oras's warnings for secrets
    /// passed on the command line. `None` means "use the credential store".
    pub fn flag_credential(&self) -> Result<Option<Credential>> {
        self.validate()?;
        // cp's prefixed flags have no stdin form to recommend.
        let p = self.flag_prefix;
        if self.password.is_some() && p.is_empty() {
            eprintln!("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        } else if self.password.is_some() {
            eprintln!("WARNING! Using --{p}password via the CLI is insecure.");
        }
        if self.identity_token.is_some() && !p.is_empty() {
            eprintln!("WARNING! Using --{p}identity-token via the CLI is insecure.");
        } else if self.identity_token.is_some() {
            eprintln!(
                "WARNING! Using --identity-token via the CLI is insecure. Use --identity-token-stdin."
            );
        }
        let stdin = if self.reads_stdin() {
            Some(match self.stdin_secret.0.get() {
                Some(s) => s.clone(),
                None => {
                    let s = read_stdin_secret()?;
                    let _ = self.stdin_secret.0.set(s.clone());
                    s
                }
            })
        } else {
            None
        };
        let username = self.username.clone().unwrap_or_default();
        let secret = if self.password_stdin {
            stdin.clone()
        } else {
            self.password.clone()
        };
        let token = if self.identity_token_stdin {
            stdin
        } else {
            self.identity_token.clone()
        };
        if let Some(token) = token {
            return Ok(Some(Credential::identity_token(token)));
        }
        match (username.is_empty(), secret) {
            (true, None) => Ok(None),
            // Without a username the password is an identity token (oras).
            (true, Some(secret)) => Ok(Some(Credential::identity_token(secret))),
            (false, secret) => Ok(Some(Credential::basic(
                username,
                secret.unwrap_or_default(),
            ))),
        }
    }

    /// The credential store named by `--registry-config` (or docker's config.json).
    pub fn store(&self) -> Result<Store> {
        Ok(Store::new(&self.registry_config)?)
    }

    /// These flags as the library's [`RemoteOptions`], checked once: the credential of the flags
    /// (and stdin) or else the credential store, the parsed headers and `--resolve` rules, and
    /// the chunk size and distribution spec the command set.
    pub fn options(&self) -> Result<RemoteOptions> {
        let credentials = match self.flag_credential()? {
            Some(credential) => Credentials::Static(credential),
            None => Credentials::Store(self.registry_config.clone()),
        };
        let resolve = self
            .resolve
            .iter()
            .map(|raw| {
                let (host, port, address) = parse_resolve(raw)?;
                Ok(Resolve {
                    host,
                    port,
                    address,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let headers = self
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<Result<Vec<_>>>()?;
        Ok(RemoteOptions {
            credentials,
            plain_http: self.plain_http,
            insecure: self.insecure,
            ca_file: self.ca_file.clone(),
            client_cert: self.cert_file.clone().zip(self.key_file.clone()),
            headers,
            resolve,
            upload_chunk_size: self.upload_chunk_size,
            distribution_spec: self.distribution_spec,
            ..RemoteOptions::default()
        })
    }

    /// The registry `host` as a whole (for the catalog), reached as these flags say.
    pub fn registry(&self, host: &str) -> Result<Registry> {
        Ok(Registry::open(host, &self.options()?)?)
    }

    /// The repository `reference` names, reached as these flags say.
    pub fn repository(&self, reference: &Reference) -> Result<Repository> {
        Ok(Repository::open_reference(reference, &self.options()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resolve_rules() {
        let (host, port, addr) = parse_resolve("reg.example:443:10.0.0.5").unwrap();
        assert_eq!((host.as_str(), port), ("reg.example", 443));
        assert_eq!(addr.to_string(), "10.0.0.5:443");
        let (_, _, addr) = parse_resolve("reg.example:443:[::1]").unwrap();
        assert_eq!(addr.to_string(), "[::1]:443");
        assert!(parse_resolve("reg.example:443:10.0.0.5:443").is_ok());
        for bad in ["reg", "reg:x:1.2.3.4", "reg:443:not-an-ip", ":443:1.2.3.4"] {
            assert!(parse_resolve(bad).is_err(), "{bad}");
        }
        // An address port of its own: the request goes there, `Host` still says reg:443.
        let (host, port, addr) = parse_resolve("reg:443:1.2.3.4:8443").unwrap();
        assert_eq!((host.as_str(), port), ("reg", 443));
        assert_eq!(addr.to_string(), "1.2.3.4:8443");
        let (_, _, addr) = parse_resolve("reg:443:[::1]:8443").unwrap();
        assert_eq!(addr.to_string(), "[::1]:8443");
    }

    #[test]
    fn parses_headers_at_the_first_colon() {
        assert_eq!(
            parse_header("X-Api-Key: a:b").unwrap(),
            ("X-Api-Key".to_string(), " a:b".to_string())
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header(": value").is_err());
    }

    #[test]
    fn debug_of_remote_args_hides_secrets() {
        let args = RemoteArgs {
            password: Some("hunter2".into()),
            identity_token: Some("idtoken".into()),
            headers: vec!["X-Api-Key: apikey".into()],
            ..RemoteArgs::default()
        };
        let _ = args.stdin_secret.0.set("stdinsecret".into());
        let text = format!("{args:?}");
        for secret in ["hunter2", "idtoken", "apikey", "stdinsecret"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("X-Api-Key"), "{text}");
    }
}
