//! Listing tags (distribution-spec "Listing Tags") and the pages of a listing: tag lists and
//! the catalog follow `Link: <…>; rel="next"` pages on the registry's own origin only, at most
//! [`MAX_LIST_PAGES`] pages of at most 4 MiB each.

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use url::Url;

use super::Repository;
use super::response::{header_str, read_capped};
use super::transport::HttpClient;
use crate::content::MAX_MANIFEST_BYTES;
use crate::error::{Error, Result};

/// Most pages of one tag list or catalog followed through `Link` headers.
pub const MAX_LIST_PAGES: usize = 1024;

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// Follows the pages of a listing from `url`, collecting what `extract` takes from each body.
pub(super) async fn paged(
    client: &HttpClient,
    mut url: Url,
    what: &str,
    extract: impl Fn(&[u8]) -> Result<Vec<String>>,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for _ in 0..MAX_LIST_PAGES {
        let req = client.request(Method::GET, url.as_str());
        let resp = client.send(req, &[StatusCode::OK]).await?;
        let next = next_link(&resp, &url)?;
        let body = read_capped(resp, MAX_MANIFEST_BYTES, what, client.low_speed()).await?;
        found.extend(extract(&body)?);
        match next {
            Some(n) => url = n,
            None => return Ok(found),
        }
    }
    Err(Error::Protocol(format!(
        "{what}: more than {MAX_LIST_PAGES} pages; giving up"
    )))
}

impl Repository {
    /// `GET /tags/list[?last=]`, every page: the repository's tags in the registry's order.
    pub async fn list_tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        let url = self.endpoint.tags(&self.repository, last)?;
        let what = format!("tags of {}", self.name());
        paged(&self.client, url, &what, |body| {
            let list: TagList = serde_json::from_slice(body)
                .map_err(|e| Error::Protocol(format!("{what}: invalid tag list: {e}")))?;
            Ok(list.tags.unwrap_or_default())
        })
        .await
        .map_err(|e| match &e {
            // A registry that says why (`NAME_UNKNOWN`) keeps its words, as oras prints them.
            Error::Response(r) if r.status == 404 && r.errors.is_empty() => {
                Error::NotFound(self.name())
            }
            _ => e,
        })
    }
}

/// The `rel="next"` target of a `Link` header, resolved against the current page; it must stay
/// on the registry's origin.
pub(super) fn next_link(resp: &reqwest::Response, current: &Url) -> Result<Option<Url>> {
    let Some(link) = header_str(resp, "Link") else {
        return Ok(None);
    };
    for part in link.split(',') {
        let mut fields = part.split(';');
        let target = fields.next().unwrap_or("").trim();
        let is_next = fields.any(|f| {
            let f = f.trim();
            f == "rel=\"next\"" || f == "rel=next"
        });
        if !is_next {
            continue;
        }
        let Some(target) = target.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
            return Err(Error::Protocol(format!("invalid Link header: {link:?}")));
        };
        let next = current
            .join(target)
            .map_err(|e| Error::Protocol(format!("invalid Link header {link:?}: {e}")))?;
        if next.origin() != current.origin() {
            return Err(Error::Protocol(format!(
                "the registry sent a next page on another origin ({}); refusing to follow it",
                next.origin().ascii_serialization()
            )));
        }
        return Ok(Some(next));
    }
    Ok(None)
}
