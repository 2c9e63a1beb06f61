//! [`RemoteOptions`]: how to reach registries, the one value [`Repository::open`] and
//! [`Registry::open`] take. It holds what the `oras` CLI's remote flags say (credentials, TLS,
//! plain HTTP, headers, `--resolve`, timeouts and retries, the upload chunk size and the
//! distribution spec), checked once when it is built and turned into a client here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::retry::{LowSpeed, RetryPolicy, Timeouts};
use super::transport::{ClientOptions, HttpClient};
use super::{Registry, Repository};
use crate::credentials::{Credential, CredentialProvider, StaticProvider, Store};
use crate::error::Result;
use crate::reference::Reference;
use crate::referrers::DistributionSpec;

/// Where the credential for a registry comes from.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// The docker credential store (config files and their credential helpers): these files,
    /// the first read/write and the others read-only fallbacks; when empty, docker's own
    /// `$DOCKER_CONFIG/config.json` or `~/.docker/config.json` (and anonymous when neither
    /// `DOCKER_CONFIG` nor `HOME` is set). What `oras login` writes.
    Store(Vec<PathBuf>),
    /// This credential, for the registry that is opened (and no other host).
    Static(Credential),
    /// A credential source of the caller's own.
    Provider(Arc<dyn CredentialProvider>),
    /// None: every request is anonymous.
    Anonymous,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::Store(Vec::new())
    }
}

/// One `--resolve host:port:address[:address_port]` rule: requests to `host:port` go to
/// `address` (whose port may differ), still naming `host:port` in `Host` and in every origin
/// check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    /// The host name as it appears in references.
    pub host: String,
    /// The port of `host` the rule applies to.
    pub port: u16,
    /// Where the connection really goes.
    pub address: SocketAddr,
}

/// How to reach registries: credentials, transport security, overrides and protocol choices.
///
/// `RemoteOptions::default()` is what `oras` does without flags: credentials from the docker
/// credential store, plain HTTP for `localhost` (as Go oras), HTTPS for a loopback IP address
/// (`127.0.0.0/8`, `[::1]`) falling back to plain HTTP once the server answers TLS in plaintext
/// (never after a certificate error), HTTPS for every other registry, the system's CA roots, timeouts and retries from the `ORAS_*`
/// environment variables (`ORAS_CONNECT_TIMEOUT`, `ORAS_RESPONSE_TIMEOUT`, `ORAS_READ_TIMEOUT`,
/// `ORAS_RETRY_ATTEMPTS`, `ORAS_RETRY_BASE_MS`, `ORAS_MAX_RETRY_AFTER`), the low-speed limit of
/// downloads from `ORAS_LOW_SPEED_LIMIT`/`ORAS_LOW_SPEED_TIME`, or oras-rs's defaults,
/// monolithic uploads, and the Referrers API detected on first use.
///
/// ```
/// use oras_rs::credentials::Credential;
/// use oras_rs::registry::{Credentials, RemoteOptions, Repository};
///
/// let options = RemoteOptions {
///     credentials: Credentials::Static(Credential::basic("alice", "secret")),
///     plain_http: Some(true),
///     upload_chunk_size: Some(5 * 1024 * 1024),
///     ..RemoteOptions::default()
/// };
/// // Opening sends nothing yet: the first request authenticates when challenged.
/// let repo = Repository::open("registry.example:5000/team/app:v1", &options)?;
/// assert_eq!(repo.name(), "registry.example:5000/team/app");
/// # Ok::<(), oras_rs::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct RemoteOptions {
    /// Where credentials come from.
    pub credentials: Credentials,
    /// `Some(true)`: plain HTTP (and Basic credentials may go over it); `Some(false)`: HTTPS
    /// even for loopback registries; `None`: plain HTTP for `localhost`, HTTPS for a loopback IP
    /// address unless it answers the TLS handshake in plaintext (then plain HTTP, remembered
    /// for the rest of the process), HTTPS for all others.
    pub plain_http: Option<bool>,
    /// Skip TLS certificate verification (unsafe).
    pub insecure: bool,
    /// Extra CA certificates (PEM) trusted besides the system roots.
    pub ca_file: Option<PathBuf>,
    /// A client certificate and its key (PEM), presented to the registry only.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Extra headers `(name, value)`, sent to the registry's own origin only. Both are trimmed
    /// for the wire; the `--debug` trace prints them as given (unless the name suggests a
    /// credential).
    pub headers: Vec<(String, String)>,
    /// Name and port overrides.
    pub resolve: Vec<Resolve>,
    /// Timeouts; `None` for the `ORAS_*` environment or the defaults (connect 30 s, response
    /// 60 s, read-idle 120 s).
    pub timeouts: Option<Timeouts>,
    /// Sends of a replayable request in all (1 = never retry); `None` for `ORAS_RETRY_ATTEMPTS`
    /// or 5.
    pub retry_attempts: Option<u32>,
    /// Upload blobs in chunks of this many bytes; `None` (or 0) for monolithic uploads, which
    /// switch to chunks by themselves when a proxy refuses a large body.
    pub upload_chunk_size: Option<u64>,
    /// List and record referrers through the Referrers API only, or through the tag schema
    /// only, instead of detecting what the registry has.
    pub distribution_spec: Option<DistributionSpec>,
    /// The low-speed limit of blob downloads; `None` for `ORAS_LOW_SPEED_LIMIT` and
    /// `ORAS_LOW_SPEED_TIME` or 1 KiB/s over 60 s (a limit of 0 bytes per second turns it off).
    pub low_speed: Option<LowSpeed>,
}

impl std::fmt::Debug for RemoteOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values are often secrets (API keys): only their names are shown.
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("RemoteOptions")
            .field("credentials", &self.credentials)
            .field("plain_http", &self.plain_http)
            .field("insecure", &self.insecure)
            .field("ca_file", &self.ca_file)
            .field("client_cert", &self.client_cert)
            .field("header_names", &header_names)
            .field("resolve", &self.resolve)
            .field("timeouts", &self.timeouts)
            .field("retry_attempts", &self.retry_attempts)
            .field("upload_chunk_size", &self.upload_chunk_size)
            .field("distribution_spec", &self.distribution_spec)
            .field("low_speed", &self.low_speed)
            .finish()
    }
}

impl RemoteOptions {
    /// A client for `registry` configured by these options, with its credential source.
    fn client(&self, registry: &str) -> Result<HttpClient> {
        let credentials: Option<Arc<dyn CredentialProvider>> = match &self.credentials {
            Credentials::Static(credential) => Some(Arc::new(StaticProvider {
                registry: registry.to_string(),
                credential: credential.clone(),
            })),
            Credentials::Store(paths) => match Store::new(paths) {
                Ok(store) => Some(Arc::new(store)),
                // Without HOME or DOCKER_CONFIG there is no default store: go anonymous.
                Err(_) if paths.is_empty() => None,
                Err(e) => return Err(e),
            },
            Credentials::Provider(provider) => Some(provider.clone()),
            Credentials::Anonymous => None,
        };
        let retry = match self.retry_attempts {
            Some(attempts) => Some(RetryPolicy {
                attempts: attempts.max(1),
                ..RetryPolicy::from_env()?
            }),
            None => None,
        };
        HttpClient::new(&ClientOptions {
            insecure: self.insecure,
            timeouts: self.timeouts,
            retry,
            ca_file: self.ca_file.clone(),
            client_cert: self.client_cert.clone(),
            headers: self.headers.clone(),
            resolve: self
                .resolve
                .iter()
                .map(|r| (r.host.clone(), r.address))
                .collect(),
            port_overrides: self
                .resolve
                .iter()
                .map(|r| (r.host.clone(), r.port, r.address.port()))
                .collect(),
            credentials,
            low_speed: self.low_speed,
            ..ClientOptions::default()
        })
    }
}

impl Repository {
    /// Opens the repository named by `reference` (`registry/repository[:tag|@digest]`; the tag
    /// or digest is ignored here). Nothing is sent yet: the first request goes out anonymously
    /// and answers the registry's challenge with the credential of `options`.
    ///
    /// ```
    /// use oras_rs::registry::{RemoteOptions, Repository};
    ///
    /// let repo = Repository::open("localhost:5000/hello:latest", &RemoteOptions::default())?;
    /// assert_eq!(repo.name(), "localhost:5000/hello");
    /// assert!(Repository::open("no-registry", &RemoteOptions::default()).is_err());
    /// # Ok::<(), oras_rs::Error>(())
    /// ```
    ///
    /// Reading a manifest needs a registry:
    ///
    /// ```no_run
    /// use oras_rs::content::ReadOnlyTarget;
    /// use oras_rs::registry::{RemoteOptions, Repository};
    ///
    /// # async fn run() -> oras_rs::Result<()> {
    /// let repo = Repository::open("localhost:5000/hello", &RemoteOptions::default())?;
    /// let (desc, bytes) = repo.fetch_reference("latest").await?;
    /// assert_eq!(desc.size, bytes.len() as u64);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// An invalid reference, an unreadable CA file or client certificate, an invalid header, or
    /// an unusable `--registry-config` store.
    pub fn open(reference: &str, options: &RemoteOptions) -> Result<Repository> {
        let reference: Reference = reference.parse()?;
        Repository::open_reference(&reference, options)
    }

    /// [`Repository::open`] with a reference parsed already.
    ///
    /// ```
    /// use oras_rs::{Reference, RemoteOptions, Repository};
    ///
    /// let reference: Reference = "localhost:5000/hello:v1".parse()?;
    /// let repo = Repository::open_reference(&reference, &RemoteOptions::default())?;
    /// assert_eq!(repo.name(), "localhost:5000/hello");
    /// # Ok::<(), oras_rs::Error>(())
    /// ```
    pub fn open_reference(reference: &Reference, options: &RemoteOptions) -> Result<Repository> {
        let client = options.client(&reference.registry)?;
        let repo = Repository::bind(&client, reference, options.plain_http)?;
        if let Some(bytes) = options.upload_chunk_size {
            repo.chunk_size
                .store(bytes, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(spec) = options.distribution_spec {
            repo.referrers.force(spec);
        }
        Ok(repo)
    }
}

impl Registry {
    /// Opens the registry `host` (`name[:port]`) as a whole, for its catalog or to check a
    /// credential ([`Registry::ping`]). Nothing is sent yet.
    ///
    /// ```
    /// use oras_rs::registry::{Registry, RemoteOptions};
    ///
    /// let registry = Registry::open("localhost:5000", &RemoteOptions::default())?;
    /// assert_eq!(registry.host(), "localhost:5000");
    /// # Ok::<(), oras_rs::Error>(())
    /// ```
    ///
    /// ```no_run
    /// use oras_rs::registry::{Registry, RemoteOptions};
    ///
    /// # async fn run() -> oras_rs::Result<()> {
    /// let registry = Registry::open("localhost:5000", &RemoteOptions::default())?;
    /// let names = registry.repositories(None).await?;
    /// assert!(names.iter().all(|name| !name.is_empty()));
    /// # Ok(()) }
    /// ```
    pub fn open(host: &str, options: &RemoteOptions) -> Result<Registry> {
        let client = options.client(host)?;
        Registry::bind(&client, host, options.plain_http)
    }
}
