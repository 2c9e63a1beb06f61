//! Which scheme a loopback registry speaks, when the user did not say.
//!
//! Go oras speaks HTTPS to every registry but `localhost` unless `--plain-http` is given, and
//! Docker tries HTTPS first and then plain HTTP for the "insecure" `127.0.0.0/8`. oras-rs keeps
//! plain HTTP for `localhost` (as oras) and, for a loopback IP address (`127.0.0.0/8`, `[::1]`)
//! with no explicit `--plain-http`, detects: the first request goes over HTTPS; only when the
//! server answers the TLS handshake in plaintext HTTP (what a plain-HTTP server does with a
//! `ClientHello`), or, for a registry written without a port, when nothing listens on 443, it
//! goes again over plain HTTP. A server that answered TLS (with a certificate we refuse, an
//! alert, or a good answer) is never asked in plaintext. The choice is remembered for the rest
//! of the process, per registry (`host[:port]`).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// What a registry was seen to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spoken {
    /// It answered a TLS handshake (whatever the outcome): never downgraded.
    Tls,
    /// It answered a TLS handshake with plaintext HTTP, or (no port written) nothing listens
    /// on 443.
    Plain,
}

static SPOKEN: LazyLock<Mutex<HashMap<String, Spoken>>> = LazyLock::new(Default::default);

/// What `registry` (`host[:port]` as written) was seen to speak in this process, if anything.
pub(crate) fn spoken(registry: &str) -> Option<Spoken> {
    SPOKEN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(registry)
        .copied()
}

/// Records what `registry` speaks. Once it answered TLS, that sticks: a later plaintext answer
/// on the same address does not turn its requests into plain HTTP. Returns what is recorded.
pub(crate) fn record(registry: &str, seen: Spoken) -> Spoken {
    let mut map = SPOKEN.lock().unwrap_or_else(|e| e.into_inner());
    let entry = map.entry(registry.to_string()).or_insert(seen);
    if seen == Spoken::Tls {
        *entry = Spoken::Tls;
    }
    *entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_that_answered_tls_is_never_downgraded() {
        let name = "127.0.0.9:65001";
        assert_eq!(spoken(name), None);
        assert_eq!(record(name, Spoken::Tls), Spoken::Tls);
        assert_eq!(record(name, Spoken::Plain), Spoken::Tls);
        assert_eq!(spoken(name), Some(Spoken::Tls));
        let plain = "127.0.0.9:65002";
        assert_eq!(record(plain, Spoken::Plain), Spoken::Plain);
        assert_eq!(spoken(plain), Some(Spoken::Plain));
        // A TLS answer later wins (the port now has a TLS server).
        assert_eq!(record(plain, Spoken::Tls), Spoken::Tls);
    }
}
