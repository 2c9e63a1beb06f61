//! Token server answers: the token, and how long it may be used, bounded whatever the server
//! says.

use std::time::{Duration, Instant};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
