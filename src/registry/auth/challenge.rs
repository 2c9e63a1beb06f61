//! `WWW-Authenticate` challenges and the scopes asked for (distribution spec, docker token
//! auth).

use std::collections::{BTreeMap, BTreeSet};

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
}
