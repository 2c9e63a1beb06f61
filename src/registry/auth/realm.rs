//! Which token realms may receive a credential: no plain http from https, no private,
//! loopback or link-local address other than the registry's own kind, by literal or by what the
//! name resolves to.

use std::net::IpAddr;

use url::Url;

use crate::registry::error::AuthError;

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

#[cfg(test)]
mod tests {
    use super::*;

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
