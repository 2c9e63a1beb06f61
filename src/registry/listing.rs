//! Paged listings: `GET /v2/<name>/tags/list` and `GET /v2/_catalog` (distribution-spec v1.1.1
//! "Listing Tags", and Distribution's catalog), following `Link: <…>; rel="next"` on the
//! registry's own origin only, with every page capped in size and the number of pages capped
//! (oras-go GHSA-298f: an endless or self-referencing `Link` chain must stop). For the `repo
//! tags` and `repo ls` commands.

use reqwest::{Method, StatusCode};
use url::Url;

use super::referrers::next_link;
use super::{HttpClient, Repository, read_capped, registry_base};
use crate::error::{Error, Result};

/// Most pages followed for one listing.
pub const MAX_LIST_PAGES: usize = 1024;
/// Largest page body read (a page of 10,000 long names fits).
pub const MAX_LIST_PAGE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(serde::Deserialize)]
struct TagPage {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct CatalogPage {
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

/// Reads the pages of a listing from `first`, calling `page` with each page's body; stops at
/// the last page, after [`MAX_LIST_PAGES`], or when a `Link` leaves `origin` (an error).
async fn pages(
    client: &HttpClient,
    first: Url,
    what: &str,
    mut page: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let origin = first.origin();
    let mut url = first;
    for _ in 0..MAX_LIST_PAGES {
        let req = client.request(Method::GET, url.as_str());
        let resp = client.send(req, &[StatusCode::OK]).await?;
        let next = next_link(&resp, &url)?;
        let body = read_capped(resp, MAX_LIST_PAGE_BYTES, what).await?;
        page(&body)?;
        match next {
            Some(n) if n.origin() == origin => url = n,
            Some(n) => {
                return Err(Error::Protocol(format!(
                    "{what}: the registry's next page is on another origin ({}); refusing to follow it",
                    n.origin().ascii_serialization()
                )));
            }
            None => return Ok(()),
        }
    }
    Err(Error::Protocol(format!(
        "{what}: more than {MAX_LIST_PAGES} pages; giving up (the registry's Link chain does not end)"
    )))
}

impl Repository {
    /// Every tag of this repository, in the registry's order, starting after `last` when given
    /// (`?last=`), `page_size` per page when given (`?n=`).
    pub async fn tags(&self, last: Option<&str>, page_size: Option<u32>) -> Result<Vec<String>> {
        let mut first = self.url("tags/list")?;
        {
            let mut q = first.query_pairs_mut();
            if let Some(n) = page_size {
                q.append_pair("n", &n.to_string());
            }
            if let Some(last) = last {
                q.append_pair("last", last);
            }
        }
        if first.query() == Some("") {
            first.set_query(None);
        }
        let what = format!("tags of {}", self.name());
        let mut tags = Vec::new();
        pages(&self.client, first, &what, |body| {
            let page: TagPage = serde_json::from_slice(body)
                .map_err(|e| Error::Protocol(format!("{what}: invalid tag list: {e}")))?;
            tags.extend(page.tags.unwrap_or_default());
            Ok(())
        })
        .await
        .map_err(|e| self.not_found(e, "tags"))?;
        Ok(tags)
    }
}

/// Every repository of `registry` (`GET /v2/_catalog`), starting after `last` when given.
pub async fn catalog(
    client: &HttpClient,
    registry: &str,
    plain_http: Option<bool>,
    last: Option<&str>,
) -> Result<Vec<String>> {
    let base = registry_base(registry, plain_http)?;
    let client = client.bind(&base, registry, plain_http == Some(true));
    client.add_scope_hint("registry:catalog:*");
    let mut first = base
        .join("_catalog")
        .map_err(|e| Error::Protocol(format!("cannot build the catalog URL: {e}")))?;
    if let Some(last) = last {
        first.query_pairs_mut().append_pair("last", last);
    }
    let what = format!("repositories of {registry}");
    let mut repos = Vec::new();
    pages(&client, first, &what, |body| {
        let page: CatalogPage = serde_json::from_slice(body)
            .map_err(|e| Error::Protocol(format!("{what}: invalid catalog: {e}")))?;
        repos.extend(page.repositories.unwrap_or_default());
        Ok(())
    })
    .await?;
    Ok(repos)
}
