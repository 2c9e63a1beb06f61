//! [`Endpoint`]: one registry as requests see it. It is the only place that builds registry
//! URLs (the API root `GET /v2/` a login pings, the catalog, and every repository's manifests,
//! blobs, uploads, tags and referrers), the only place that decides between HTTP and HTTPS, and
//! the only place that binds a client to the registry's origin, which is what gives requests
//! their credentials.
//!
//! The scheme: an explicit `--plain-http[=false]` wins; otherwise `localhost` gets plain HTTP
//! (as in Go oras), a loopback IP address (`127.0.0.0/8`, `[::1]`) gets HTTPS with a detected
//! fall back to plain HTTP when the server answers TLS in plaintext (see
//! `transport::scheme`), and every other registry HTTPS.

use url::Url;

use super::transport::HttpClient;
use super::transport::scheme::{self, Spoken};
use crate::error::{Error, Result};
use crate::oci::{Descriptor, media_type};

/// Where one registry is and how to speak to it.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// The registry as the user wrote it (`host[:port]`): the credential key, and its name in
    /// messages.
    registry: String,
    /// `<scheme>://<wire host>/v2/`
    base: Url,
    /// For a loopback IP address without an explicit choice: `http://<host>/v2/`, used once
    /// the registry was seen to speak plain HTTP (`base` is then the HTTPS one tried first).
    fallback: Option<Url>,
    /// Whether plain HTTP was asked for explicitly (`--plain-http`): then Basic credentials may
    /// go over it to a host that is not loopback.
    explicit_plain_http: bool,
}

/// The host requests go to: Docker Hub's `docker.io` is served by `registry-1.docker.io` (its
/// credential stays under `https://index.docker.io/v1/`, see
/// [`crate::credentials::server_address`]).
pub(crate) fn wire_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    }
}

impl Endpoint {
    /// The registry `registry` (`host[:port]`). An explicit `plain_http` wins; otherwise
    /// `localhost` gets HTTP, a loopback IP address HTTPS falling back to HTTP when it answers
    /// in plaintext, and all others HTTPS.
    pub(crate) fn new(registry: &str, plain_http: Option<bool>) -> Result<Endpoint> {
        if registry.is_empty() || registry.contains('/') || registry.contains('@') {
            return Err(Error::invalid(format!("invalid registry {registry:?}")));
        }
        let url = |scheme: &str| {
            Url::parse(&format!("{scheme}://{}/v2/", wire_host(registry)))
                .map_err(|e| Error::invalid(format!("invalid registry {registry:?}: {e}")))
        };
        let https = url("https")?;
        let (base, fallback) = match (plain_http, https.host()) {
            (Some(true), _) => (url("http")?, None),
            (Some(false), _) => (https, None),
            (None, Some(url::Host::Domain(name))) if name.eq_ignore_ascii_case("localhost") => {
                (url("http")?, None)
            }
            (None, Some(url::Host::Ipv4(ip))) if ip.is_loopback() => (https, Some(url("http")?)),
            (None, Some(url::Host::Ipv6(ip))) if ip.is_loopback() => (https, Some(url("http")?)),
            (None, _) => (https, None),
        };
        Ok(Endpoint {
            registry: registry.to_string(),
            base,
            fallback,
            explicit_plain_http: plain_http == Some(true),
        })
    }

    /// The base requests go to now: the plain-HTTP fallback once the registry was seen to
    /// speak plain HTTP, else `base`.
    fn current(&self) -> &Url {
        match &self.fallback {
            Some(plain) if scheme::spoken(&self.registry) == Some(Spoken::Plain) => plain,
            _ => &self.base,
        }
    }

    /// The registry as the user wrote it.
    pub(crate) fn registry(&self) -> &str {
        &self.registry
    }

    /// `client` bound to this registry: only its origin gets credentials, `-H` headers and the
    /// client certificate.
    pub(crate) fn bind(&self, client: &HttpClient) -> HttpClient {
        client.bind(
            &self.base,
            self.fallback.as_ref(),
            &self.registry,
            self.explicit_plain_http,
        )
    }

    /// Whether `url` is on the registry's own origin (where upload sessions and next pages must
    /// stay).
    pub(crate) fn same_origin(&self, url: &Url) -> bool {
        url.origin() == self.current().origin()
    }

    fn join(&self, path: &str) -> Result<Url> {
        self.current()
            .join(path)
            .map_err(|e| Error::Protocol(format!("cannot build URL for {path}: {e}")))
    }

    /// `GET /v2/`: the API root a login pings.
    pub(crate) fn api_root(&self) -> Url {
        self.current().clone()
    }

    /// `/v2/_catalog[?last=]`.
    pub(crate) fn catalog(&self, last: Option<&str>) -> Result<Url> {
        let mut url = self.join("_catalog")?;
        if let Some(last) = last.filter(|l| !l.is_empty()) {
            url.query_pairs_mut().append_pair("last", last);
        }
        Ok(url)
    }

    /// `/v2/<repository>/manifests/<reference>` (a tag or a digest).
    pub(crate) fn manifest(&self, repository: &str, reference: &str) -> Result<Url> {
        self.join(&format!("{repository}/manifests/{reference}"))
    }

    /// `/v2/<repository>/blobs/<digest>`.
    pub(crate) fn blob(&self, repository: &str, digest: &str) -> Result<Url> {
        self.join(&format!("{repository}/blobs/{digest}"))
    }

    /// The manifest or blob URL of `desc`, by its media type.
    pub(crate) fn descriptor(&self, repository: &str, desc: &Descriptor) -> Result<Url> {
        let digest = desc.digest.to_string();
        if is_manifest(&desc.media_type) {
            self.manifest(repository, &digest)
        } else {
            self.blob(repository, &digest)
        }
    }

    /// `/v2/<repository>/blobs/uploads/`: where an upload session starts.
    pub(crate) fn uploads(&self, repository: &str) -> Result<Url> {
        self.join(&format!("{repository}/blobs/uploads/"))
    }

    /// `/v2/<repository>/blobs/uploads/?mount=<digest>&from=<other>`: a cross-repository mount.
    pub(crate) fn mount(&self, repository: &str, digest: &str, from: &str) -> Result<Url> {
        let mut url = self.uploads(repository)?;
        url.query_pairs_mut()
            .append_pair("mount", digest)
            .append_pair("from", from);
        Ok(url)
    }

    /// `/v2/<repository>/tags/list[?last=]`.
    pub(crate) fn tags(&self, repository: &str, last: Option<&str>) -> Result<Url> {
        let mut url = self.join(&format!("{repository}/tags/list"))?;
        if let Some(last) = last.filter(|l| !l.is_empty()) {
            url.query_pairs_mut().append_pair("last", last);
        }
        Ok(url)
    }

    /// `/v2/<repository>/referrers/<digest>[?artifactType=]`.
    pub(crate) fn referrers(
        &self,
        repository: &str,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<Url> {
        let mut url = self.join(&format!("{repository}/referrers/{digest}"))?;
        if let Some(t) = artifact_type {
            url.query_pairs_mut().append_pair("artifactType", t);
        }
        Ok(url)
    }
}

/// Whether a media type is served under `/manifests/` (manifests and indexes) rather than
/// `/blobs/`.
pub(crate) fn is_manifest(desc_media_type: &str) -> bool {
    media_type::is_manifest(desc_media_type) || media_type::is_index(desc_media_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(registry: &str, plain_http: Option<bool>) -> String {
        Endpoint::new(registry, plain_http)
            .unwrap()
            .api_root()
            .to_string()
    }

    #[test]
    fn docker_hub_requests_go_to_registry_1() {
        assert_eq!(wire_host("docker.io"), "registry-1.docker.io");
        assert_eq!(wire_host("localhost:5000"), "localhost:5000");
        assert_eq!(url("docker.io", None), "https://registry-1.docker.io/v2/");
        assert_eq!(url("localhost:5000", None), "http://localhost:5000/v2/");
        assert_eq!(
            url("localhost:5000", Some(false)),
            "https://localhost:5000/v2/"
        );
        assert_eq!(
            url("127.0.0.1:5000", Some(false)),
            "https://127.0.0.1:5000/v2/"
        );
        assert_eq!(url("reg.example", Some(true)), "http://reg.example/v2/");
        assert!(Endpoint::new("a/b", None).is_err());
        assert!(Endpoint::new("", None).is_err());
    }

    #[test]
    fn loopback_addresses_try_https_first_and_fall_back_once_seen_plain() {
        // Ports no test listens on: the memory is per process.
        for registry in ["127.0.0.1:65011", "[::1]:65012", "127.1.2.3"] {
            let e = Endpoint::new(registry, None).unwrap();
            let https = format!("https://{registry}/v2/");
            assert_eq!(e.api_root().as_str(), https);
            assert!(e.same_origin(&Url::parse(&https).unwrap()));
            scheme::record(registry, Spoken::Plain);
            assert_eq!(e.api_root().as_str(), format!("http://{registry}/v2/"));
            assert!(!e.same_origin(&Url::parse(&https).unwrap()));
            // An explicit choice is never changed by what was seen.
            assert_eq!(url(registry, Some(false)), https);
        }
        let tls = Endpoint::new("127.0.0.1:65013", None).unwrap();
        scheme::record("127.0.0.1:65013", Spoken::Tls);
        scheme::record("127.0.0.1:65013", Spoken::Plain);
        assert_eq!(tls.api_root().as_str(), "https://127.0.0.1:65013/v2/");
        // Names other than localhost are never detected.
        scheme::record("reg.example:65014", Spoken::Plain);
        assert_eq!(
            url("reg.example:65014", None),
            "https://reg.example:65014/v2/"
        );
    }

    #[test]
    fn every_url_is_built_here() {
        let e = Endpoint::new("reg.example:5000", None).unwrap();
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            e.manifest("ns/r", "v1").unwrap().as_str(),
            "https://reg.example:5000/v2/ns/r/manifests/v1"
        );
        assert_eq!(
            e.blob("r", &d).unwrap().as_str(),
            format!("https://reg.example:5000/v2/r/blobs/{d}")
        );
        assert_eq!(
            e.mount("r", "sha256:1", "other").unwrap().as_str(),
            "https://reg.example:5000/v2/r/blobs/uploads/?mount=sha256%3A1&from=other"
        );
        assert_eq!(
            e.tags("r", Some("v1")).unwrap().as_str(),
            "https://reg.example:5000/v2/r/tags/list?last=v1"
        );
        assert_eq!(
            e.catalog(None).unwrap().as_str(),
            "https://reg.example:5000/v2/_catalog"
        );
        assert_eq!(
            e.referrers("r", "sha256:1", Some("a/b")).unwrap().as_str(),
            "https://reg.example:5000/v2/r/referrers/sha256:1?artifactType=a%2Fb"
        );
    }
}
