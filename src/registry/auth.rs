//! Lazy, scoped, cached and suspicious registry authentication (oras-go `auth/client.go`).
//!
//! A request first goes out anonymously, or with what worked before for this registry (a Basic
//! header, or a bearer token cached for the same scope set and not expired). A `401` is answered
//! once: `Basic` with the user's credential, or `Bearer` with a token fetched from the challenge's
//! realm (GET with Basic credentials, POST `grant_type=refresh_token` with an identity token, or
//! the stored registry token as is). Concurrent requests that need the same token wait for one
//! fetch. Realms that could steal a secret (plain http from https, private and loopback addresses
//! other than the registry's own host) are refused.
//!
//! This module parses and decides; [`super::client::HttpClient`] sends.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::HeaderValue;
use url::Url;

use super::error::AuthError;
use crate::credentials::{Credential, CredentialProvider};
use crate::error::Result;

/// Token responses are read up to this many bytes.
pub const MAX_TOKEN_BODY: u64 = 128 * 1024;
/// Lifetime assumed when a token server does not say (docker token spec: 60 s).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);
/// A token is renewed this long before it expires, or a quarter of its lifetime when that is
/// shorter (a 3 s token is still used for its first 2.25 s).
const EXPIRY_MARGIN: Duration = Duration::from_secs(5);
/// The longest a token is cached, whatever its `expires_in` says (a registry's
/// `18446744073709551615` must not overflow an `Instant`).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// `client_id` sent with refresh-token grants.
pub const CLIENT_ID: &str = "oras-rs";

/// An authentication scheme named by `WWW-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// RFC 7617 Basic.
    Basic,
    /// Docker registry token auth.
    Bearer,
    /// Anything else (kept for the error message).
    Other(String),
}

/// One parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme.
    pub scheme: Scheme,
    /// Lower-cased parameter names and their values (`realm`, `service`, `scope`, …).
    pub params: BTreeMap<String, String>,
}

/// Parses the first challenge of a `WWW-Authenticate` value.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = match header.find(char::is_whitespace) {
        Some(i) => (&header[..i], &header[i..]),
        None => (header, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "basic" => Scheme::Basic,
        "bearer" => Scheme::Bearer,
        _ => Scheme::Other(scheme.to_string()),
    };
    let mut params = BTreeMap::new();
    let bytes: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_whitespace() || bytes[i] == ',') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != '=' && bytes[i] != ',' && !bytes[i].is_whitespace() {
            i += 1;
        }
        let key: String = bytes[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != '=' {
            // A token without a value: the start of another challenge; stop here.
            break;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                value.push(bytes[i]);
                i += 1;
            }
            i += 1;
        } else {
            while i < bytes.len() && bytes[i] != ',' && !bytes[i].is_whitespace() {
                value.push(bytes[i]);
                i += 1;
            }
        }
        if !key.is_empty() {
            params.insert(key, value);
        }
    }
    Some(Challenge { scheme, params })
}

/// Merges scopes (`type:name:action[,action]`), joining the actions of the same resource,
/// sorted and de-duplicated; `*` absorbs the others.
pub fn merge_scopes<'a>(scopes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut by_resource: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut opaque = BTreeSet::new();
    for scope in scopes {
        for part in scope.split(' ').filter(|s| !s.is_empty()) {
            match part.rsplit_once(':') {
                Some((resource, actions)) if resource.contains(':') => {
                    let set = by_resource.entry(resource.to_string()).or_default();
                    set.extend(
                        actions
                            .split(',')
                            .filter(|a| !a.is_empty())
                            .map(str::to_string),
                    );
                }
                _ => {
                    opaque.insert(part.to_string());
                }
            }
        }
    }
    let mut out: Vec<String> = by_resource
        .into_iter()
        .map(|(resource, actions)| {
            let actions: Vec<String> = if actions.contains("*") {
                vec!["*".into()]
            } else {
                actions.into_iter().collect()
            };
            format!("{resource}:{}", actions.join(","))
        })
        .collect();
    out.extend(opaque);
    out
}

/// The repository scope `repository:<name>:<actions>`.
pub fn repository_scope(repository: &str, actions: &[&str]) -> String {
    format!("repository:{repository}:{}", actions.join(","))
}

fn is_internal_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_ip(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Refuses a realm that could leak a secret or serve as an SSRF hop: only http(s); no plain
/// http for an https registry; no loopback, private, link-local or unspecified address unless it
/// is the registry's own host.
pub fn validate_realm(registry_url: &Url, realm: &str) -> std::result::Result<Url, AuthError> {
    let registry = registry_url.host_str().unwrap_or_default().to_string();
    let refuse = |reason: &str| AuthError::UnsafeRealm {
        registry: registry.clone(),
        realm: crate::registry::redact::redact_url_str(realm),
        reason: reason.to_string(),
    };
    let url = Url::parse(realm).map_err(|_| refuse("not a valid URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if registry_url.scheme() == "http" => {}
        "http" => return Err(refuse("a plain-http realm for an https registry")),
        _ => return Err(refuse("only http and https realms are allowed")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("a realm with credentials in its URL"));
    }
    let host = url.host_str().unwrap_or_default();
    let same_host = host.eq_ignore_ascii_case(&registry);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let internal = crate::reference::is_loopback_host(bare)
        || bare.parse::<IpAddr>().is_ok_and(is_internal_ip);
    if internal && !same_host {
        return Err(refuse(
            "a loopback, private or link-local address that is not the registry's own host",
        ));
    }
    Ok(url)
}

/// Refuses a realm whose host *name* resolves to a loopback, private or link-local address
/// (`realm_addrs`) for a registry that is not itself on such an address (`registry_addrs`, its
/// resolved addresses, or its literal IP): a public registry must not point the client (and the
/// user's credentials) at a service inside the user's network. A registry that is itself
/// internal (`localhost`, a host on a private network) may use a realm there too; literal IP
/// realms are judged by [`validate_realm`].
pub fn check_resolved_realm(
    registry_url: &Url,
    realm: &Url,
    registry_addrs: &[IpAddr],
    realm_addrs: &[IpAddr],
) -> std::result::Result<(), AuthError> {
    let registry = registry_url.host_str().unwrap_or_default();
    let realm_host = realm.host_str().unwrap_or_default();
    if realm_host.eq_ignore_ascii_case(registry) {
        return Ok(());
    }
    let Some(bad) = realm_addrs.iter().copied().find(|ip| is_internal_ip(*ip)) else {
        return Ok(());
    };
    let bare = registry.trim_start_matches('[').trim_end_matches(']');
    let registry_internal = crate::reference::is_loopback_host(bare)
        || bare.parse::<IpAddr>().is_ok_and(is_internal_ip)
        || registry_addrs.iter().copied().any(is_internal_ip);
    if registry_internal {
        return Ok(());
    }
    Err(AuthError::UnsafeRealm {
        registry: registry.to_string(),
        realm: crate::registry::redact::redact_url(realm),
        reason: format!(
            "its host {realm_host} resolves to {bad}, a loopback, private or link-local address, and the registry is not on such an address"
        ),
    })
}

/// `Authorization: Basic base64(user:pass)`, marked sensitive.
pub fn basic_header(cred: &Credential) -> HeaderValue {
    sensitive(&format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", cred.username, cred.password))
    ))
}

/// `Authorization: Bearer <token>`, marked sensitive.
pub fn bearer_header(token: &str) -> HeaderValue {
    sensitive(&format!("Bearer {token}"))
}

fn sensitive(value: &str) -> HeaderValue {
    let mut v = HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

/// The parts of a token server's answer we use.
#[derive(Debug, serde::Deserialize)]
pub struct TokenResponse {
    /// Token (docker spec).
    #[serde(default)]
    pub token: String,
    /// Token (OAuth2 spelling; preferred).
    #[serde(default)]
    pub access_token: String,
    /// Lifetime in seconds, as the server wrote it: any JSON number (negative, fractional,
    /// huge) or a numeric string; anything else is ignored.
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub expires_in: Option<f64>,
}

/// `expires_in` as any number or numeric string, without failing the whole response.
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    })
}

/// A token lifetime of `seconds` as the server announced it: the default when missing, zero,
/// negative or not a number; fractions kept; at most [`MAX_TOKEN_LIFETIME`].
pub fn token_lifetime(seconds: Option<f64>) -> Duration {
    match seconds {
        // A lifetime too small to be a Duration (1e-308 s) is no lifetime: the default, as 0 is.
        Some(s) if s.is_finite() && s > 0.0 => match Duration::try_from_secs_f64(s) {
            Ok(d) if d.is_zero() => DEFAULT_TOKEN_LIFETIME,
            Ok(d) => d.min(MAX_TOKEN_LIFETIME),
            Err(_) => MAX_TOKEN_LIFETIME,
        },
        Some(s) if s == f64::INFINITY => MAX_TOKEN_LIFETIME,
        _ => DEFAULT_TOKEN_LIFETIME,
    }
}

/// When a token of `lifetime` fetched at `now` stops being offered: `lifetime` less the renewal
/// margin (5 s, or a quarter of a shorter lifetime), never past what an `Instant` can hold.
pub fn token_deadline(now: Instant, lifetime: Duration) -> Instant {
    let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
    let margin = EXPIRY_MARGIN.min(lifetime / 4);
    now.checked_add(lifetime.saturating_sub(margin))
        .unwrap_or(now)
}

impl TokenResponse {
    /// The token to use, `access_token` first.
    pub fn into_token(self) -> Option<(String, Duration)> {
        let token = if !self.access_token.is_empty() {
            self.access_token
        } else {
            self.token
        };
        if token.is_empty() {
            return None;
        }
        Some((token, token_lifetime(self.expires_in)))
    }
}

/// A cached bearer token.
#[derive(Clone)]
struct CachedToken {
    header: HeaderValue,
    expires: Instant,
    generation: u64,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("header", &"<redacted>")
            .field("generation", &self.generation)
            .finish()
    }
}

type TokenSlot = Arc<tokio::sync::Mutex<Option<CachedToken>>>;

/// What [`AuthState::cached`] attached to a request, so that a 401 can tell whether someone else
/// already refreshed the token.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attempt {
    /// Generation of the token that was sent, if a token was sent.
    pub generation: Option<u64>,
}

/// The authentication state of one client (one registry): credential source, scope hints and
/// caches. Shared by the clones of a client.
#[derive(Debug, Default)]
pub struct AuthState {
    provider: Option<Arc<dyn CredentialProvider>>,
    credential: tokio::sync::OnceCell<Credential>,
    hints: Mutex<BTreeSet<String>>,
    basic: Mutex<Option<HeaderValue>>,
    tokens: Mutex<HashMap<String, TokenSlot>>,
    generation: std::sync::atomic::AtomicU64,
    /// The last Bearer challenge answered, so that a token can be fetched before a request
    /// whose body cannot be sent twice.
    last_bearer: Mutex<Option<Challenge>>,
}

impl AuthState {
    /// State that asks `provider` for credentials (anonymous when `None`).
    pub fn new(provider: Option<Arc<dyn CredentialProvider>>) -> Self {
        AuthState {
            provider,
            ..AuthState::default()
        }
    }

    /// Adds scope hints asked for up front (e.g. `repository:r:pull,push` before a push).
    pub fn add_hint(&self, scope: &str) {
        let mut hints = self.hints.lock().unwrap_or_else(|e| e.into_inner());
        let merged = merge_scopes(hints.iter().map(String::as_str).chain([scope]));
        *hints = merged.into_iter().collect();
    }

    /// The current hints as a cache key.
    pub fn hint_scopes(&self) -> Vec<String> {
        let hints = self.hints.lock().unwrap_or_else(|e| e.into_inner());
        hints.iter().cloned().collect()
    }

    /// The config file consulted for credentials, if any.
    pub fn config_path(&self) -> Option<std::path::PathBuf> {
        self.provider.as_ref().and_then(|p| p.config_path())
    }

    /// The credential for `registry`, looked up once per run.
    pub async fn credential(&self, registry: &str) -> Result<Credential> {
        self.credential
            .get_or_try_init(|| async {
                match &self.provider {
                    Some(p) => p.credential(registry).await,
                    None => Ok(Credential::default()),
                }
            })
            .await
            .cloned()
    }

    fn slot(&self, key: &str) -> TokenSlot {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.entry(key.to_string()).or_default().clone()
    }

    /// What to send before any challenge: the Basic header that worked, or a live token cached
    /// for the current hints.
    pub async fn cached(&self) -> (Option<HeaderValue>, Attempt) {
        if let Some(h) = self.basic.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return (Some(h), Attempt::default());
        }
        let key = self.hint_scopes().join(" ");
        let exists = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&key);
        if !exists {
            return (None, Attempt::default());
        }
        let slot = self.slot(&key);
        let guard = slot.lock().await;
        match guard.as_ref() {
            Some(t) if t.expires > Instant::now() => (
                Some(t.header.clone()),
                Attempt {
                    generation: Some(t.generation),
                },
            ),
            _ => (None, Attempt::default()),
        }
    }

    /// Remembers the Bearer challenge just answered.
    pub fn remember_bearer(&self, challenge: &Challenge) {
        *self.last_bearer.lock().unwrap_or_else(|e| e.into_inner()) = Some(challenge.clone());
    }

    /// The last Bearer challenge answered, without its `scope` (the current hints stand for
    /// it), or `None` when Basic worked or nothing was challenged yet.
    pub fn bearer_challenge(&self) -> Option<Challenge> {
        if self
            .basic
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
        {
            return None;
        }
        let mut challenge = self
            .last_bearer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        challenge.params.remove("scope");
        Some(challenge)
    }

    /// Remembers a Basic header that the registry asked for.
    pub fn set_basic(&self, header: HeaderValue) {
        *self.basic.lock().unwrap_or_else(|e| e.into_inner()) = Some(header);
    }

    /// The bearer header for `scopes`: a token someone else fetched after `attempt`, or a new one
    /// from `fetch`. Concurrent callers for the same scopes share one fetch.
    pub async fn bearer<F, Fut>(
        &self,
        scopes: &[String],
        attempt: Attempt,
        fetch: F,
    ) -> Result<HeaderValue>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(String, Duration)>>,
    {
        let key = scopes.join(" ");
        let slot = self.slot(&key);
        let mut guard = slot.lock().await;
        if let Some(t) = guard.as_ref()
            && t.expires > Instant::now()
            && Some(t.generation) != attempt.generation
        {
            return Ok(t.header.clone());
        }
        let (token, lifetime) = fetch().await?;
        let header = bearer_header(&token);
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        *guard = Some(CachedToken {
            header: header.clone(),
            expires: token_deadline(Instant::now(), lifetime),
            generation,
        });
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenges() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull,push""#,
        )
        .unwrap();
        assert_eq!(c.scheme, Scheme::Bearer);
        assert_eq!(c.params["realm"], "https://auth.example/token");
        assert_eq!(c.params["service"], "reg.example");
        assert_eq!(c.params["scope"], "repository:a/b:pull,push");
        let c = parse_challenge(r#"Basic realm="Registry Realm""#).unwrap();
        assert_eq!(c.scheme, Scheme::Basic);
        assert_eq!(parse_challenge(""), None);
    }

    #[test]
    fn merges_scopes_per_resource() {
        assert_eq!(
            merge_scopes([
                "repository:a:pull",
                "repository:a:push,pull",
                "repository:b:pull",
                "registry:catalog:*"
            ]),
            vec![
                "registry:catalog:*",
                "repository:a:pull,push",
                "repository:b:pull"
            ]
        );
    }

    #[test]
    fn refuses_dangerous_realms() {
        let https = Url::parse("https://reg.example/v2/").unwrap();
        let http = Url::parse("http://127.0.0.1:5000/v2/").unwrap();
        assert!(validate_realm(&https, "https://auth.example/token").is_ok());
        assert!(validate_realm(&https, "http://auth.example/token").is_err());
        assert!(validate_realm(&https, "https://169.254.169.254/latest").is_err());
        assert!(validate_realm(&https, "https://10.0.0.1/t").is_err());
        assert!(validate_realm(&https, "https://[::1]/t").is_err());
        assert!(validate_realm(&https, "file:///etc/passwd").is_err());
        assert!(validate_realm(&http, "http://127.0.0.1:6000/token").is_ok());
        assert!(validate_realm(&http, "http://127.0.0.2:6000/token").is_err());
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_token_fetch_and_expired_tokens_are_renewed() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let state = AuthState::new(None);
        let fetches = AtomicUsize::new(0);
        let scopes = vec!["repository:a:pull".to_string()];
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(("t1".to_string(), Duration::from_secs(300)))
        };
        let (a, b, c) = tokio::join!(
            state.bearer(&scopes, Attempt::default(), fetch),
            state.bearer(&scopes, Attempt::default(), fetch),
            state.bearer(&scopes, Attempt::default(), fetch),
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(a.unwrap(), b.unwrap());
        assert!(c.is_ok());

        // A 401 with the cached token (same generation) fetches a new one.
        state.add_hint("repository:a:pull");
        let (_, attempt) = state.cached().await;
        assert!(attempt.generation.is_some());
        let renewed = state
            .bearer(&scopes, attempt, || async {
                Ok(("t2".to_string(), Duration::from_secs(1)))
            })
            .await
            .unwrap();
        assert_eq!(renewed, bearer_header("t2"));
        // A token shorter than the 5 s margin is still offered for the first 3/4 of its life.
        assert_eq!(state.cached().await.0, Some(bearer_header("t2")));
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert!(state.cached().await.0.is_none(), "renewed after 750 ms");
    }

    #[test]
    fn token_lifetimes_from_hostile_expires_in_values_are_bounded() {
        let parse = |json: &str| {
            serde_json::from_str::<TokenResponse>(json)
                .unwrap()
                .into_token()
                .unwrap()
                .1
        };
        assert_eq!(
            parse(r#"{"token":"t","expires_in":18446744073709551615}"#),
            MAX_TOKEN_LIFETIME
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":1e300}"#),
            MAX_TOKEN_LIFETIME
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":-5}"#),
            DEFAULT_TOKEN_LIFETIME
        );
        // Found by the token_response fuzz target: positive, but below a nanosecond.
        assert_eq!(
            parse(r#"{"token":"t","expires_in":1e-308}"#),
            DEFAULT_TOKEN_LIFETIME
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":-1e300}"#),
            DEFAULT_TOKEN_LIFETIME
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":0}"#),
            DEFAULT_TOKEN_LIFETIME
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":2.5}"#),
            Duration::from_millis(2500)
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":"30"}"#),
            Duration::from_secs(30)
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":"soon"}"#),
            DEFAULT_TOKEN_LIFETIME
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":[1]}"#),
            DEFAULT_TOKEN_LIFETIME
        );
        assert_eq!(
            parse(r#"{"token":"t","expires_in":null}"#),
            DEFAULT_TOKEN_LIFETIME
        );
        assert_eq!(token_lifetime(Some(f64::NAN)), DEFAULT_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some(f64::INFINITY)), MAX_TOKEN_LIFETIME);
        let now = Instant::now();
        assert_eq!(
            token_deadline(now, Duration::MAX),
            now + MAX_TOKEN_LIFETIME - EXPIRY_MARGIN
        );
        assert_eq!(
            token_deadline(now, Duration::from_secs(300)),
            now + Duration::from_secs(295)
        );
        assert_eq!(
            token_deadline(now, Duration::from_secs(2)),
            now + Duration::from_millis(1500)
        );
        assert_eq!(token_deadline(now, Duration::ZERO), now);
    }

    #[test]
    fn realm_names_that_resolve_to_internal_addresses_are_refused_for_public_registries() {
        let public = Url::parse("https://reg.example/v2/").unwrap();
        let realm = Url::parse("https://auth.example/token").unwrap();
        let public_ip: IpAddr = "203.0.113.7".parse().unwrap();
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "::ffff:192.168.0.1",
        ] {
            let ip: IpAddr = internal.parse().unwrap();
            let err = check_resolved_realm(&public, &realm, &[public_ip], &[public_ip, ip])
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("resolves to {ip}")), "{err}");
        }
        // Public addresses, or a name that does not resolve here (a proxy resolves it): allowed.
        assert!(check_resolved_realm(&public, &realm, &[public_ip], &[public_ip]).is_ok());
        assert!(check_resolved_realm(&public, &realm, &[], &[]).is_ok());
        // The registry's own host, or a registry that is internal itself (localhost, a private
        // network): its realm may be internal too.
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let same = Url::parse("https://reg.example:5001/token").unwrap();
        assert!(check_resolved_realm(&public, &same, &[public_ip], &[loopback]).is_ok());
        let local = Url::parse("http://localhost:5000/v2/").unwrap();
        assert!(check_resolved_realm(&local, &realm, &[], &[loopback]).is_ok());
        let private = Url::parse("https://reg.corp/v2/").unwrap();
        let ten: IpAddr = "10.0.0.5".parse().unwrap();
        assert!(check_resolved_realm(&private, &realm, &[ten], &[ten]).is_ok());
    }
}
