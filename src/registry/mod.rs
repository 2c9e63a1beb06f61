//! A remote repository as a [`Target`](crate::content::Target), speaking the OCI
//! distribution-spec v1.1 (<https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md>),
//! and a registry as a whole ([`Registry`]: its catalog, the login ping).
//!
//! Requests are routed to `/blobs/` or `/manifests/` by media type; manifests are small and
//! buffered (so they can be verified and re-sent), blobs always stream.
//!
//! The module is split by concern: [`endpoint`](self) builds every URL and binds credentials;
//! the transport sends (authentication, redirects, retries, timeouts, redaction); `manifests`,
//! `blobs`, `uploads`, `tags` (and the catalog), `referrers` and `delete` are the protocol, one
//! file each; `target` wires them into the [`ReadOnlyTarget`](crate::content::ReadOnlyTarget) /
//! [`Target`](crate::content::Target) traits.

pub(crate) mod auth;
mod blobs;
mod catalog;
mod delete;
mod endpoint;
pub mod error;
mod manifests;
mod options;
mod redact;
mod referrers;
mod response;
mod retry;
mod speed;
mod tags;
mod target;
mod transport;
mod uploads;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

pub use catalog::Registry;
pub use options::{Credentials, RemoteOptions, Resolve};
pub use retry::{LowSpeed, Timeouts};
pub use tags::MAX_LIST_PAGES;

pub(crate) use retry::RetryPolicy;

use crate::error::{Error, Result};
use crate::reference::Reference;
use endpoint::Endpoint;
use transport::HttpClient;

/// One repository on one registry.
#[derive(Debug, Clone)]
pub struct Repository {
    client: HttpClient,
    endpoint: Endpoint,
    repository: String,
    /// Whether the registry has the Referrers API (see `referrers.rs`), shared by clones; fixed
    /// when opened by [`RemoteOptions::distribution_spec`], else detected.
    referrers: Arc<crate::referrers::Capability>,
    /// Blob uploads are chunked in pieces of this many bytes; 0 for monolithic uploads. Set when
    /// opened ([`RemoteOptions::upload_chunk_size`]), or to [`FALLBACK_CHUNK`] once a monolithic `PUT` was refused with 413.
    chunk_size: Arc<AtomicU64>,
}

/// The chunk size of uploads that switched to chunks after a `413 Payload Too Large`: below the
/// body limits proxies commonly set (nginx's default is 1 MiB).
pub const FALLBACK_CHUNK: u64 = 1024 * 1024;

impl Repository {
    /// The repository named by `reference` (its tag or digest is ignored here), reached with
    /// `client` bound to the registry.
    fn bind(client: &HttpClient, reference: &Reference, plain_http: Option<bool>) -> Result<Self> {
        let endpoint = Endpoint::new(&reference.registry, plain_http)?;
        let client = endpoint.bind(client);
        client.add_scope_hint(&auth::repository_scope(&reference.repository, &["pull"]));
        Ok(Repository {
            client,
            endpoint,
            repository: reference.repository.clone(),
            referrers: Default::default(),
            chunk_size: Default::default(),
        })
    }

    /// Asks for `pull,push` on this repository in every token request from now on, so that one
    /// token covers a whole push (called before the first write, and by the copy's existence
    /// checks, which only a destination makes).
    pub fn expect_push(&self) {
        self.client
            .add_scope_hint(&auth::repository_scope(&self.repository, &["pull", "push"]));
    }

    /// `registry/repository`, as users write it.
    pub fn name(&self) -> String {
        format!("{}/{}", self.endpoint.registry(), self.repository)
    }

    /// The user-facing form of a tag or digest in this repository.
    fn display_ref(&self, reference: &str) -> String {
        if reference.contains(':') {
            format!("{}@{reference}", self.name())
        } else {
            format!("{}:{reference}", self.name())
        }
    }

    /// Maps a 404 on a manifest to [`Error::NotFound`], keeping other errors.
    fn not_found(&self, err: Error, reference: &str) -> Error {
        match &err {
            Error::Response(r) if r.status == 404 => Error::NotFound(self.display_ref(reference)),
            _ => err,
        }
    }
}
