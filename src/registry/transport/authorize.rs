//! Answering a registry's `401` ([`HttpClient::send_authed`]): Basic with the user's
//! credential, or Bearer with a token fetched from the challenge's realm (see [`super::super::auth`]
//! for the parsing and the caches).

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Request, Response, StatusCode};
use url::Url;

use super::failure::{chain, error_response};
use super::{Home, HttpClient, Via};
use crate::error::{Error, Result};
use crate::registry::auth::{self, Challenge, Scheme};
use crate::registry::error::AuthError;
use crate::registry::redact::redact_url;

impl HttpClient {
    /// Sends `req` with what worked before, answers one 401 challenge, and sends it again if it
    /// can be replayed (a streamed body cannot: authenticate on a bodiless request first).
    pub(super) async fn send_authed(&self, mut req: Request) -> Result<Response> {
        let Some(home) = self.home.clone().filter(|_| self.is_home(req.url())) else {
            return self.execute(req, true).await;
        };
        let replay = req.try_clone();
        let registry_url = req.url().clone();
        let (mut cached, mut attempt) = self.auth.cached().await;
        // A body that cannot be sent twice goes out with a live token: renewed now when the
        // cached one expired (or is about to), rather than answered by a 401 it cannot replay.
        if cached.is_none()
            && replay.is_none()
            && let Some(challenge) = self.auth.bearer_challenge()
        {
            cached = Some(
                self.authorize(&home, &registry_url, &challenge, attempt)
                    .await?,
            );
            attempt = self.auth.cached().await.1;
        }
        if let Some(h) = cached {
            req.headers_mut().insert(AUTHORIZATION, h);
        }
        let resp = self.execute(req, true).await?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        // A 401 from another origin (after a redirect) is never answered with our secrets.
        if !self.is_home(resp.url()) {
            return Ok(resp);
        }
        let Some(challenge) = resp
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(auth::parse_challenge)
        else {
            return Ok(resp);
        };
        let Some(mut replay) = replay else {
            // The body is gone: fetch a fresh token now (the one sent was refused), so that the
            // caller's restart of the upload goes out with it; the 401 is the answer.
            if challenge.scheme == Scheme::Bearer {
                self.authorize(&home, &registry_url, &challenge, attempt)
                    .await?;
            }
            return Ok(resp);
        };
        let header = self
            .authorize(&home, &registry_url, &challenge, attempt)
            .await?;
        drop(resp);
        replay.headers_mut().insert(AUTHORIZATION, header);
        self.execute(replay, true).await
    }

    /// The addresses `url`'s host goes to: its literal IP, a `--resolve` rule's address, or
    /// what the system resolver says (nothing when it fails or takes over 5 s: the request
    /// itself will fail, or a proxy resolves the name).
    pub(super) async fn addresses(&self, url: &Url) -> Vec<std::net::IpAddr> {
        let port = url.port_or_known_default().unwrap_or(443);
        let name = match url.host() {
            Some(url::Host::Ipv4(ip)) => return vec![ip.into()],
            Some(url::Host::Ipv6(ip)) => return vec![ip.into()],
            Some(url::Host::Domain(name)) => name.to_string(),
            None => return Vec::new(),
        };
        if let Some((_, addr)) = self
            .resolve
            .iter()
            .rev()
            .find(|(h, _)| h.eq_ignore_ascii_case(&name))
        {
            return vec![addr.ip()];
        }
        match tokio::time::timeout(
            Duration::from_secs(5),
            tokio::net::lookup_host((name.as_str(), port)),
        )
        .await
        {
            Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
            _ => Vec::new(),
        }
    }

    /// Basic credentials only over TLS, to a loopback host, or with an explicit --plain-http.
    fn check_plain(&self, home: &Home, url: &Url) -> Result<()> {
        if url.scheme() == "https"
            || home.explicit_plain_http
            || crate::reference::is_loopback_host(url.host_str().unwrap_or_default())
        {
            return Ok(());
        }
        Err(AuthError::PlainHttpCredentials {
            host: url.host_str().unwrap_or_default().to_string(),
        }
        .into())
    }

    async fn authorize(
        &self,
        home: &Home,
        registry_url: &Url,
        challenge: &Challenge,
        attempt: auth::Attempt,
    ) -> Result<HeaderValue> {
        match &challenge.scheme {
            Scheme::Basic => {
                let cred = self.auth.credential(&home.registry).await?;
                if cred.is_empty() {
                    return Err(AuthError::BasicCredentialNotFound {
                        config: self.auth.config_path(),
                    }
                    .into());
                }
                if cred.username.is_empty() || cred.password.is_empty() {
                    return Err(AuthError::MissingUsernameOrPassword.into());
                }
                self.check_plain(home, registry_url)?;
                let header = auth::basic_header(&cred);
                self.auth.set_basic(header.clone());
                Ok(header)
            }
            Scheme::Bearer => {
                let realm = challenge.params.get("realm").cloned().unwrap_or_default();
                let realm = auth::validate_realm(registry_url, &realm)?;
                if !realm
                    .host_str()
                    .unwrap_or_default()
                    .eq_ignore_ascii_case(registry_url.host_str().unwrap_or_default())
                {
                    let (registry_addrs, realm_addrs) =
                        tokio::join!(self.addresses(registry_url), self.addresses(&realm));
                    auth::check_resolved_realm(
                        registry_url,
                        &realm,
                        &registry_addrs,
                        &realm_addrs,
                    )?;
                }
                self.auth.remember_bearer(challenge);
                let service = challenge.params.get("service").cloned().unwrap_or_default();
                let hints = self.auth.hint_scopes();
                let scopes = auth::merge_scopes(
                    hints
                        .iter()
                        .map(String::as_str)
                        .chain(challenge.params.get("scope").map(String::as_str)),
                );
                self.auth
                    .bearer(&scopes, attempt, || {
                        self.fetch_token(home, realm, service, scopes.clone())
                    })
                    .await
            }
            Scheme::Other(name) => Err(AuthError::UnsupportedScheme {
                registry: home.registry.clone(),
                scheme: name.clone(),
            }
            .into()),
        }
    }

    /// Gets a token from `realm` (docker token spec / OAuth2 refresh-token grant).
    async fn fetch_token(
        &self,
        home: &Home,
        realm: Url,
        service: String,
        scopes: Vec<String>,
    ) -> Result<(String, Duration)> {
        let cred = self.auth.credential(&home.registry).await?;
        if !cred.access_token.is_empty() {
            // A registry token is used as is; its lifetime is unknown.
            return Ok((cred.access_token.clone(), Duration::from_secs(3600)));
        }
        let (method, req) = if !cred.refresh_token.is_empty() {
            self.check_plain(home, &realm)?;
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "refresh_token")
                .append_pair("refresh_token", &cred.refresh_token)
                .append_pair("service", &service)
                .append_pair("client_id", auth::CLIENT_ID);
            if !scopes.is_empty() {
                form.append_pair("scope", &scopes.join(" "));
            }
            let req = self
                .other_client
                .post(realm.clone())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form.finish());
            ("POST", req)
        } else {
            let mut url = realm.clone();
            {
                let mut q = url.query_pairs_mut();
                if !service.is_empty() {
                    q.append_pair("service", &service);
                }
                for s in &scopes {
                    q.append_pair("scope", s);
                }
            }
            let mut req = self.other_client.get(url);
            if !cred.username.is_empty() || !cred.password.is_empty() {
                self.check_plain(home, &realm)?;
                req = req.header(AUTHORIZATION, auth::basic_header(&cred));
            }
            ("GET", req)
        };
        let req = req
            .build()
            .map_err(|e| Error::Protocol(format!("invalid token request: {}", chain(&e))))?;
        let realm_text = redact_url(&realm);
        let resp = self.retrying(req, Via::TokenServer).await?;
        if resp.status() != StatusCode::OK {
            return Err(error_response(method, resp).await);
        }
        let body = crate::registry::response::read_capped(
            resp,
            auth::MAX_TOKEN_BODY,
            "token response",
            self.low_speed,
        )
        .await?;
        let token_error = |message: &str| AuthError::Token {
            method: method.to_string(),
            url: realm_text.clone(),
            message: message.to_string(),
        };
        let parsed: auth::TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| token_error("the token server's answer is not JSON"))?;
        parsed
            .into_token()
            .ok_or_else(|| token_error("the token server returned an empty token").into())
    }
}
