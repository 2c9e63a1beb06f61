//! When a request is sent again ([`RetryPolicy`]) and how long its answer may take
//! ([`Timeouts`]), both defaulting to oras-rs's numbers overridden by the `ORAS_*` environment.
//! See `docs/reliability-tests.md`.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::error::{Error, Result};

/// Default connect timeout (Go's `net.Dialer` in oras: 30 s).
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time to wait for a response's headers once the request is sent (§3 of the
/// reliability notes: 60 s; oras itself has none and hangs).
pub(crate) const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default longest silence while reading a response body (the notes recommend 60–120 s; the
/// upper end, since a busy registry or storage backend may pause between chunks).
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Environment variable overriding the connect timeout (`30`, `1.5`, `500ms`, `2m`; `0` = none).
pub(crate) const ENV_CONNECT_TIMEOUT: &str = "ORAS_CONNECT_TIMEOUT";
/// Environment variable overriding the response-header timeout.
pub(crate) const ENV_RESPONSE_TIMEOUT: &str = "ORAS_RESPONSE_TIMEOUT";
/// Environment variable overriding the read-idle timeout.
pub(crate) const ENV_READ_TIMEOUT: &str = "ORAS_READ_TIMEOUT";
/// Environment variable overriding the first backoff of a retry, in milliseconds (tests set it
/// low so that faults are fast).
pub(crate) const ENV_RETRY_BASE_MS: &str = "ORAS_RETRY_BASE_MS";
/// Environment variable overriding the number of attempts of a replayable request (1 = none).
pub(crate) const ENV_RETRY_ATTEMPTS: &str = "ORAS_RETRY_ATTEMPTS";
/// Environment variable overriding the longest `Retry-After` oras waits for (a duration).
pub(crate) const ENV_MAX_RETRY_AFTER: &str = "ORAS_MAX_RETRY_AFTER";

/// Environment variable overriding the low-speed floor, in bytes per second (`0` = none).
pub(crate) const ENV_LOW_SPEED_LIMIT: &str = "ORAS_LOW_SPEED_LIMIT";
/// Environment variable overriding how long a download may stay under the floor (a duration).
pub(crate) const ENV_LOW_SPEED_TIME: &str = "ORAS_LOW_SPEED_TIME";
/// Default low-speed floor: 1 KiB/s…
pub(crate) const DEFAULT_LOW_SPEED_LIMIT: u64 = 1024;
/// …over 60 s.
pub(crate) const DEFAULT_LOW_SPEED_TIME: Duration = Duration::from_secs(60);

/// The read-idle timeout in force, in milliseconds (0 = none), for the message of a body read
/// that timed out (`body_io_error` has no client at hand).
pub(crate) static READ_TIMEOUT_MS: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(0);

/// The three timeouts of a request. There is deliberately none on the total time: a large blob
/// may take hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the TCP (and TLS) connection; `None` = no limit.
    pub connect: Option<Duration>,
    /// From sending a request (whose body is in memory) to its response headers.
    pub response: Option<Duration>,
    /// The longest silence while reading a response (headers included: reqwest's read timeout
    /// runs from the send).
    pub read: Option<Duration>,
}

impl Timeouts {
    /// The defaults (connect 30 s, response 60 s, read-idle 120 s), overridden by
    /// `ORAS_CONNECT_TIMEOUT`, `ORAS_RESPONSE_TIMEOUT` and `ORAS_READ_TIMEOUT` (`30`, `1.5`,
    /// `500ms`, `2m`, `1h`); `0` in a variable turns that timeout off.
    ///
    /// # Errors
    ///
    /// A variable that is not a duration.
    pub fn from_env() -> Result<Self> {
        Ok(Timeouts {
            connect: env_duration(ENV_CONNECT_TIMEOUT)?.unwrap_or(Some(DEFAULT_CONNECT_TIMEOUT)),
            response: env_duration(ENV_RESPONSE_TIMEOUT)?.unwrap_or(Some(DEFAULT_RESPONSE_TIMEOUT)),
            read: env_duration(ENV_READ_TIMEOUT)?.unwrap_or(Some(DEFAULT_READ_TIMEOUT)),
        })
    }
}

/// The low-speed limit of a blob download (curl's `--speed-limit`/`--speed-time`): it fails
/// when fewer than `bytes_per_second × time` bytes arrived in a window of `time`, so that a
/// registry trickling a byte now and then (which never trips the read-idle timeout) cannot keep
/// a pull alive for hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowSpeed {
    /// The floor, in bytes per second; 0 turns the limit off.
    pub bytes_per_second: u64,
    /// How long a download may stay under the floor.
    pub time: Duration,
}

impl Default for LowSpeed {
    /// 1 KiB/s over 60 s.
    fn default() -> Self {
        LowSpeed {
            bytes_per_second: DEFAULT_LOW_SPEED_LIMIT,
            time: DEFAULT_LOW_SPEED_TIME,
        }
    }
}

impl LowSpeed {
    /// The defaults (1 KiB/s over 60 s), overridden by `ORAS_LOW_SPEED_LIMIT` (bytes per
    /// second, `0` = no limit) and `ORAS_LOW_SPEED_TIME` (`60`, `2s`, `1m`); `None` when off.
    ///
    /// # Errors
    ///
    /// A variable that is not a number (or a duration).
    pub fn from_env() -> Result<Option<Self>> {
        let mut limit = LowSpeed::default();
        if let Some(raw) = env_var(&[ENV_LOW_SPEED_LIMIT]) {
            limit.bytes_per_second = raw.trim().parse::<u64>().map_err(|_| {
                Error::invalid_with_hint(
                    format!("invalid {ENV_LOW_SPEED_LIMIT} {raw:?}"),
                    "Use bytes per second (1024); 0 turns the limit off.",
                )
            })?;
        }
        match env_duration(ENV_LOW_SPEED_TIME)? {
            Some(Some(time)) => limit.time = time,
            Some(None) => return Ok(None),
            None => {}
        }
        Ok(limit.enabled().then_some(limit))
    }

    /// Whether the limit does anything.
    pub fn enabled(&self) -> bool {
        self.bytes_per_second > 0 && !self.time.is_zero()
    }

    /// The bytes a window of [`LowSpeed::time`] must bring.
    pub fn window_bytes(&self) -> u64 {
        let bytes = self.bytes_per_second as f64 * self.time.as_secs_f64();
        if bytes >= u64::MAX as f64 {
            u64::MAX
        } else {
            bytes.ceil() as u64
        }
    }
}

/// When and how often a replayable request is sent again.
///
/// The numbers, from the survey of trusted clients (reliability notes §2–§3): 5 attempts in
/// all, as containerd (`maxAttempts = 5`) and regclient (`DefaultRetryLimit = 5`), one fewer
/// than oras-go's 6 sends; exponential backoff from 250 ms (oras-go's base) doubling to at most
/// 4 s per wait with ±20 % jitter, so a failing request gives up after about 4 s of waiting
/// (250 + 500 + 1000 + 2000 ms) instead of hammering; `Retry-After` honoured (seconds or HTTP
/// date, on every retried status, as regclient) but only up to 60 s: oras-go clamps it to 3 s
/// and retries 5 times into a quota, which burns the quota; a longer wait fails at once and says
/// how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Sends in all, the first included (1 = never retry).
    pub attempts: u32,
    /// The first backoff; each next one doubles.
    pub base: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` waited for; longer fails with [`RateLimited`].
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(250),
            max_backoff: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The defaults, overridden by [`ENV_RETRY_ATTEMPTS`], [`ENV_RETRY_BASE_MS`] and
    /// [`ENV_MAX_RETRY_AFTER`].
    pub fn from_env() -> Result<Self> {
        let mut policy = RetryPolicy::default();
        if let Some(raw) = env_var(&[ENV_RETRY_ATTEMPTS]) {
            policy.attempts = raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "invalid {ENV_RETRY_ATTEMPTS} {raw:?}: expected a number of attempts (1 or more)"
                    ))
                })?;
        }
        if let Some(raw) = env_var(&[ENV_RETRY_BASE_MS]) {
            let ms = raw.trim().parse::<u64>().map_err(|_| {
                Error::invalid(format!(
                    "invalid {ENV_RETRY_BASE_MS} {raw:?}: expected milliseconds"
                ))
            })?;
            policy.base = Duration::from_millis(ms);
            policy.max_backoff = policy.max_backoff.min(policy.base.saturating_mul(16));
        }
        if let Some(wait) = env_duration(ENV_MAX_RETRY_AFTER)? {
            policy.max_retry_after = wait.unwrap_or(Duration::ZERO);
        }
        Ok(policy)
    }

    /// The wait before retry number `retry` (0 for the first retry): `base × 2^retry`, at most
    /// `max_backoff`, times a random factor in [0.8, 1.2).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_backoff);
        exp.mul_f64(0.8 + 0.4 * random_unit())
    }
}

/// A random number in [0, 1) (std's per-process random hash keys; no extra dependency).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses a duration: `30` or `1.5` (seconds), `500ms`, `2s`, `3m`, `1h`. `Ok(None)` when the
/// variable is unset; `Ok(Some(None))` for `0` (no limit).
fn env_duration(name: &str) -> Result<Option<Option<Duration>>> {
    let Some(raw) = env_var(&[name]) else {
        return Ok(None);
    };
    let d = parse_duration(&raw).ok_or_else(|| {
        Error::invalid_with_hint(
            format!("invalid {name} {raw:?}"),
            "Use seconds (30, 1.5) or a unit (500ms, 2s, 3m, 1h); 0 turns the limit off.",
        )
    })?;
    Ok(Some(if d.is_zero() { None } else { Some(d) }))
}

/// `30`, `1.5`, `500ms`, `2s`, `3m`, `1h` → a duration.
pub(crate) fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (number, unit) = match raw.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: f64 = number.trim().parse().ok()?;
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(n * scale).ok()
}

/// A wait the way people say it: `45s`, `2m30s`, `1h`, `1h5m`.
pub(crate) fn human_duration(d: Duration) -> String {
    let secs = d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0));
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), as a wait from now.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(raw, &format)
        .ok()?
        .assume_utc();
    let wait = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// Statuses worth another try: 408, 429 and 5xx but 501 and 505 (a registry that does not
/// implement something will not start to).
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429)
        || (status.is_server_error() && !matches!(status.as_u16(), 501 | 505))
}

/// The first non-empty variable of `names`.
pub(crate) fn env_var(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_in_seconds_and_as_an_http_date() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a past date: now");
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Fri, 31 Dec 2999 23:59:59 GMT"),
        );
        assert!(retry_after(&h).unwrap() > Duration::from_secs(3600 * 24 * 365));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("soon"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn retry_after_edge_values_neither_overflow_nor_pass_as_waits() {
        let mut h = HeaderMap::new();
        let mut set = |v: &'static str| {
            h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static(v));
            retry_after(&h)
        };
        let max = set("18446744073709551615").unwrap();
        assert_eq!(max, Duration::from_secs(u64::MAX));
        assert!(
            max > RetryPolicy::default().max_retry_after,
            "refused, not waited"
        );
        assert_eq!(human_duration(max), "5124095576030431h15s");
        assert_eq!(human_duration(Duration::MAX), "5124095576030431h15s");
        assert_eq!(set("18446744073709551616"), None);
        assert_eq!(set("-5"), None);
        assert_eq!(set("1.5"), None);
        assert_eq!(
            set("Fri, 31 Dec 9999 23:59:59 GMT").map(|d| d > max),
            Some(false)
        );
    }

    #[test]
    fn low_speed_windows_saturate() {
        let huge = LowSpeed {
            bytes_per_second: u64::MAX,
            time: Duration::MAX,
        };
        assert_eq!(huge.window_bytes(), u64::MAX);
        let usual = LowSpeed::default();
        assert_eq!(usual.window_bytes(), 60 * 1024);
        assert!(usual.enabled());
        let off = LowSpeed {
            bytes_per_second: 0,
            ..usual
        };
        assert!(!off.enabled());
        let fractional = LowSpeed {
            bytes_per_second: 3,
            time: Duration::from_millis(1500),
        };
        assert_eq!(fractional.window_bytes(), 5);
    }

    #[test]
    fn retried_statuses() {
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 405, 413, 416, 501, 505] {
            assert!(!retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let p = RetryPolicy::default();
        for retry in 0..8 {
            let expected = Duration::from_millis(250 * (1 << retry)).min(p.max_backoff);
            for _ in 0..20 {
                let d = p.backoff(retry);
                assert!(
                    d >= expected.mul_f64(0.8) && d < expected.mul_f64(1.2),
                    "{d:?}"
                );
            }
        }
        let total: Duration = (0..p.attempts - 1).map(|r| p.backoff(r)).sum();
        assert!(total < Duration::from_secs(6), "{total:?}");
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        for bad in ["", "x", "-1", "5d", "1e400"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(human_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(human_duration(Duration::from_secs(150)), "2m30s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "2s");
        assert_eq!(human_duration(Duration::ZERO), "0s");
    }
}
