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

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::HeaderValue;

mod challenge;
mod realm;
mod token;

pub use challenge::{Challenge, Scheme, merge_scopes, parse_challenge, repository_scope};
pub use realm::{check_resolved_realm, validate_realm};
#[cfg(feature = "fuzzing")]
pub use token::token_lifetime;
pub use token::{MAX_TOKEN_BODY, TokenResponse, token_deadline};

use crate::credentials::{Credential, CredentialProvider};
use crate::error::Result;
/// `client_id` sent with refresh-token grants.
pub const CLIENT_ID: &str = "oras-rs";

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
}
