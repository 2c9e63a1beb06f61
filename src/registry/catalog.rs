//! [`Registry`]: a registry as a whole, what is not about one repository: the catalog
//! (Distribution's `GET /v2/_catalog`, paged like tag lists) and the API root `GET /v2/` that a
//! login pings.

use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::endpoint::Endpoint;
use super::tags::paged;
use super::transport::HttpClient;
use crate::error::{Error, Result};
use crate::reference::Reference;

#[derive(Deserialize)]
struct Catalog {
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

/// A registry as a whole: its catalog, and the check of a credential.
#[derive(Debug, Clone)]
pub struct Registry {
    client: HttpClient,
    endpoint: Endpoint,
}

impl Registry {
    /// The registry `host` (`name[:port]`), reached with `client` bound to it.
    pub(super) fn bind(client: &HttpClient, host: &str, plain_http: Option<bool>) -> Result<Self> {
        // A throw-away reference gives the host the same validation as a reference's registry.
        let _: Reference = format!("{host}/probe").parse()?;
        let endpoint = Endpoint::new(host, plain_http)?;
        Ok(Registry {
            client: endpoint.bind(client),
            endpoint,
        })
    }

    /// The registry's host, as given.
    pub fn host(&self) -> &str {
        self.endpoint.registry()
    }

    /// `GET /v2/_catalog[?last=]`, every page: the repository names the registry lists, in its
    /// order.
    pub async fn repositories(&self, last: Option<&str>) -> Result<Vec<String>> {
        let url = self.endpoint.catalog(last)?;
        let what = format!("catalog of {}", self.host());
        paged(&self.client, url, &what, |body| {
            let list: Catalog = serde_json::from_slice(body)
                .map_err(|e| Error::Protocol(format!("{what}: invalid catalog: {e}")))?;
            Ok(list.repositories.unwrap_or_default())
        })
        .await
    }

    /// The repositories under `namespace` (`team` lists `team/…`; `None` or empty: all), every
    /// page of the catalog from `last` on (a `last` without the namespace is taken inside it).
    /// Names are full (`team/app`), in the registry's order.
    pub async fn list_repositories(
        &self,
        namespace: Option<&str>,
        last: Option<&str>,
    ) -> Result<Vec<String>> {
        let prefix = namespace
            .map(|n| n.trim_end_matches('/'))
            .filter(|n| !n.is_empty())
            .map(|n| format!("{n}/"));
        let last = match (&prefix, last) {
            (Some(p), Some(l)) if !l.starts_with(p.as_str()) => Some(format!("{p}{l}")),
            (_, l) => l.map(str::to_string),
        };
        let mut repos = self.repositories(last.as_deref()).await?;
        if let Some(p) = &prefix {
            repos.retain(|r| r.starts_with(p.as_str()));
        }
        Ok(repos)
    }

    /// `GET /v2/` with this registry's credential: how `oras login` checks one. Only `200 OK`
    /// counts as success; a registry that answers `401` refuses the credential.
    pub async fn ping(&self) -> Result<()> {
        let url = self.endpoint.api_root();
        let req = self.client.request(Method::GET, url.as_str());
        match self.client.send(req, &[StatusCode::OK]).await {
            Ok(_) => Ok(()),
            Err(Error::Response(r)) if r.status == 404 => Err(Error::NotFound(url.to_string())),
            Err(e) => Err(e),
        }
    }
}
