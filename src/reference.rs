//! Remote references `registry/repository[:tag][@digest]`, parsed with the
//! grammar of oras-go's `ParseReference`: the registry is mandatory (there is no
//! docker.io default), and a digest wins over a tag. Errors use oras's wording,
//! `"<input>": invalid reference: <what is wrong>`, and always name the part that
//! is wrong, because a bare "invalid reference" leaves the user guessing.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::digest::{Digest, DigestError};

/// The longest `registry/repository` that distribution-based registries accept.
const MAX_NAME_LEN: usize = 255;
/// The longest tag the distribution spec allows.
const MAX_TAG_LEN: usize = 128;
const REPOSITORY_RULE: &str = "must be lowercase letters, digits and separators . _ __ -";

/// A reference to a repository in a remote registry, optionally pinned to a tag
/// or a digest.
///
/// ```
/// use oras_rs::Reference;
///
/// let r: Reference = "localhost:5000/library/hello:v1".parse()?;
/// assert_eq!((r.registry.as_str(), r.repository.as_str()), ("localhost:5000", "library/hello"));
/// assert_eq!((r.tag.as_deref(), r.reference().as_deref()), (Some("v1"), Some("v1")));
/// assert_eq!((r.host(), r.port(), r.is_loopback()), ("localhost", Some(5000), true));
/// assert_eq!(r.repo_ref(), "localhost:5000/library/hello");
///
/// // A digest wins over a tag.
/// let digest = oras_rs::Digest::sha256_of(b"hi");
/// let pinned: Reference = format!("{r}@{digest}").parse()?;
/// assert_eq!((pinned.tag, pinned.digest), (None, Some(digest.clone())));
/// assert_eq!(r.with_digest(digest.clone()).to_string(), format!("localhost:5000/library/hello@{digest}"));
///
/// // The registry is mandatory, and an error says what is wrong.
/// let err = "hello:v1".parse::<Reference>().unwrap_err();
/// assert!(err.to_string().starts_with(r#""hello:v1": invalid reference: "#), "{err}");
/// # Ok::<(), oras_rs::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]`, e.g. `localhost:5000` or `[::1]:5000`.
    pub registry: String,
    /// The repository path inside the registry, e.g. `library/hello`.
    pub repository: String,
    /// The tag, if one was given and no digest was.
    pub tag: Option<String>,
    /// The digest, if one was given.
    pub digest: Option<Digest>,
}

/// Why a reference string was rejected. Displays as
/// `"<input>": invalid reference: <what is wrong>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// There is no `/`, so registry and repository cannot be told apart.
    #[error("{input:?}: invalid reference: missing registry or repository")]
    MissingRegistryOrRepository {
        /// The rejected reference.
        input: String,
    },
    /// The reference starts with a URL scheme such as `https://`.
    #[error(
        "{input:?}: invalid reference: remove the scheme \"{scheme}://\": a reference starts with the registry host"
    )]
    Scheme {
        /// The rejected reference.
        input: String,
        /// The scheme found, without `://`.
        scheme: String,
    },
    /// The registry is not a valid `host[:port]`.
    #[error("{input:?}: invalid reference: invalid registry {registry:?}: {reason}")]
    InvalidRegistry {
        /// The rejected reference.
        input: String,
        /// The registry part.
        registry: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The repository does not match the distribution grammar.
    #[error("{input:?}: invalid reference: invalid repository {repository:?}: {reason}")]
    InvalidRepository {
        /// The rejected reference.
        input: String,
        /// The repository part.
        repository: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A tag does not match `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    #[error("{input:?}: invalid reference: invalid tag {tag:?}: {reason}")]
    InvalidTag {
        /// The rejected reference.
        input: String,
        /// The offending tag.
        tag: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The digest after `@` is invalid.
    // The digest error is part of the message rather than a `source`, so that
    // error reporters printing the whole chain do not repeat it.
    #[error("{input:?}: invalid reference: {error}")]
    InvalidDigest {
        /// The rejected reference.
        input: String,
        /// What is wrong with the digest.
        error: DigestError,
    },
    /// A comma-separated tag list (`reg/repo:a,,b`) contains an empty tag.
    #[error(
        "{input:?}: invalid reference: tag {position} of the comma-separated tag list is empty"
    )]
    EmptyTagInList {
        /// The rejected reference.
        input: String,
        /// 1-based position of the empty tag in the list.
        position: usize,
    },
}

impl Reference {
    /// `registry/repository`, without tag or digest.
    pub fn repo_ref(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// What goes in `/v2/<repo>/manifests/<reference>`: the digest if there is
    /// one, else the tag.
    pub fn reference(&self) -> Option<String> {
        match (&self.digest, &self.tag) {
            (Some(d), _) => Some(d.to_string()),
            (None, Some(t)) => Some(t.clone()),
            (None, None) => None,
        }
    }

    /// The registry host without port; an IPv6 literal comes without brackets.
    pub fn host(&self) -> &str {
        split_registry(&self.registry).0
    }

    /// The registry port, if one was given.
    pub fn port(&self) -> Option<u16> {
        split_registry(&self.registry).1?.parse().ok()
    }

    /// Whether the registry is this machine: `localhost`, an address in
    /// `127.0.0.0/8`, or `::1`. oras-rs talks plain HTTP to these by default.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host())
    }

    /// The same repository at `tag`. Any digest is dropped so that the result
    /// names the tag. The tag is not validated: pass one that came from parsing.
    pub fn with_tag(&self, tag: impl Into<String>) -> Reference {
        Reference {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: Some(tag.into()),
            digest: None,
        }
    }

    /// The same repository pinned to `digest`; any tag is dropped, as when a
    /// reference gives both.
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: None,
            digest: Some(digest),
        }
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s, s)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Parses a push/copy destination `reg/repo[:tag][,tag…]` as oras does: the
/// argument is split at every `,`, the first piece is the reference (keeping its
/// first tag), and the other pieces are further tags, returned in order.
///
/// # Errors
///
/// Any error of [`Reference::from_str`], quoting the whole argument, plus an
/// empty or invalid tag in the list.
///
/// ```
/// use oras_rs::reference::parse_with_tags;
///
/// let (reference, more) = parse_with_tags("localhost:5000/hello:v1,stable,latest")?;
/// assert_eq!(reference.to_string(), "localhost:5000/hello:v1");
/// assert_eq!(more, ["stable", "latest"]);
/// assert!(parse_with_tags("localhost:5000/hello:v1,,latest").is_err());
/// assert!(parse_with_tags("localhost:5000/hello:v1,bad tag").is_err());
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn parse_with_tags(s: &str) -> Result<(Reference, Vec<String>), ReferenceError> {
    let mut pieces = s.split(',');
    let first = pieces.next().unwrap_or_default();
    let reference = parse(s, first)?;
    let mut tags = Vec::new();
    for (i, tag) in pieces.enumerate() {
        if tag.is_empty() {
            return Err(ReferenceError::EmptyTagInList {
                input: s.to_string(),
                position: i + 2,
            });
        }
        check_tag(tag).map_err(|reason| ReferenceError::InvalidTag {
            input: s.to_string(),
            tag: tag.to_string(),
            reason,
        })?;
        tags.push(tag.to_string());
    }
    Ok((reference, tags))
}

/// Parses `s`; errors quote `input`, which is the whole argument when `s` is
/// only its first piece.
fn parse(input: &str, s: &str) -> Result<Reference, ReferenceError> {
    if let Some((scheme, _)) = s.split_once("://")
        && !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return Err(ReferenceError::Scheme {
            input: input.to_string(),
            scheme: scheme.to_string(),
        });
    }
    let Some((registry, path)) = s.split_once('/') else {
        return Err(ReferenceError::MissingRegistryOrRepository {
            input: input.to_string(),
        });
    };
    let (name, digest) = match path.rsplit_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (path, None),
    };
    let (repository, tag) = match name.rsplit_once(':') {
        Some((repository, tag)) => (repository, Some(tag)),
        None => (name, None),
    };

    check_registry(registry).map_err(|reason| ReferenceError::InvalidRegistry {
        input: input.to_string(),
        registry: registry.to_string(),
        reason,
    })?;
    check_repository(registry, repository).map_err(|reason| ReferenceError::InvalidRepository {
        input: input.to_string(),
        repository: repository.to_string(),
        reason,
    })?;

    let digest = match digest {
        Some(d) => Some(
            d.parse::<Digest>()
                .map_err(|error| ReferenceError::InvalidDigest {
                    input: input.to_string(),
                    error,
                })?,
        ),
        None => None,
    };
    let tag = match (tag, &digest) {
        // oras-go drops a tag given together with a digest, without validating it.
        (_, Some(_)) => None,
        (Some(t), None) => {
            check_tag(t).map_err(|reason| ReferenceError::InvalidTag {
                input: input.to_string(),
                tag: t.to_string(),
                reason,
            })?;
            Some(t.to_string())
        }
        (None, None) => None,
    };
    Ok(Reference {
        registry: registry.to_string(),
        repository: repository.to_string(),
        tag,
        digest,
    })
}

/// The one loopback rule: whether `host` (a name or an IP address, without port; an IPv6
/// address with or without brackets) is this machine: `localhost`, an address in `127.0.0.0/8`,
/// or `::1`. By default oras-rs talks plain HTTP to `localhost` (as Go oras) and, to the
/// addresses, HTTPS unless the server answers in plaintext; credentials may go to any of them
/// over plain HTTP.
///
/// ```
/// use oras_rs::reference::is_loopback_host;
///
/// assert!(is_loopback_host("localhost"));
/// assert!(is_loopback_host("127.0.0.2") && is_loopback_host("[::1]"));
/// assert!(!is_loopback_host("registry.example.com"));
/// ```
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|a| a.is_loopback())
}

/// [`is_loopback_host`] of a registry written `host[:port]` (IPv6 in brackets).
pub fn is_loopback_registry(registry: &str) -> bool {
    is_loopback_host(split_registry(registry).0)
}

/// Splits `host[:port]` or `[ipv6][:port]` without validating; tolerant of any
/// string because `Reference`'s fields are public.
fn split_registry(registry: &str) -> (&str, Option<&str>) {
    if let Some(rest) = registry.strip_prefix('[')
        && let Some((host, after)) = rest.split_once(']')
    {
        return (host, after.strip_prefix(':'));
    }
    match registry.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (registry, None),
    }
}

fn check_registry(registry: &str) -> Result<(), String> {
    if registry.is_empty() {
        return Err("must not be empty (expected host[:port])".into());
    }
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let Some((inner, after)) = rest.split_once(']') else {
            return Err("missing ']' after IPv6 address".into());
        };
        if inner.parse::<Ipv6Addr>().is_err() {
            return Err(format!("invalid IPv6 address {inner:?}"));
        }
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(format!("unexpected {after:?} after ']' (expected :port)")),
        };
        (None, port)
    } else {
        if registry.bytes().filter(|&b| b == b':').count() > 1 {
            return Err("an IPv6 address must be in brackets, e.g. [::1]:5000".into());
        }
        let (host, port) = split_registry(registry);
        (Some(host), port)
    };
    if let Some(host) = host {
        check_host(host)?;
    }
    if let Some(port) = port {
        check_port(port)?;
    }
    Ok(())
}

fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("missing host name before the port".into());
    }
    // Underscores are not DNS but occur in container host names, and oras-go
    // accepts them.
    if let Some(c) = host
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!("invalid character {c:?} in host name"));
    }
    if host.len() > 253 {
        return Err(format!(
            "host name is {} characters long, at most 253 allowed",
            host.len()
        ));
    }
    let labels: Vec<&str> = host.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err("host name has an empty label (check the dots)".into());
        }
        if label.len() > 63 {
            return Err(format!("host label {label:?} is longer than 63 characters"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "host label {label:?} must not start or end with '-'"
            ));
        }
    }
    // All-numeric names can only mean an IPv4 address (a top-level domain is
    // never numeric), so hold them to that form.
    if labels.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit()))
        && host.parse::<Ipv4Addr>().is_err()
    {
        return Err(format!("invalid IPv4 address {host:?}"));
    }
    Ok(())
}

fn check_port(port: &str) -> Result<(), String> {
    if port.is_empty() {
        return Err("missing port number after ':'".into());
    }
    // Checked by hand because u16's parser also accepts a leading '+'.
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port {port:?} is not a number"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(format!("port {port} is out of range 1-65535")),
    }
}

fn check_repository(registry: &str, repository: &str) -> Result<(), String> {
    if repository.is_empty() {
        return Err("must not be empty".into());
    }
    if repository.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(REPOSITORY_RULE.into());
    }
    if let Some(c) = repository.chars().find(|&c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/'))
    }) {
        return Err(format!("invalid character {c:?}: {REPOSITORY_RULE}"));
    }
    for component in repository.split('/') {
        check_component(component)?;
    }
    let total = registry.len() + 1 + repository.len();
    if total > MAX_NAME_LEN {
        return Err(format!(
            "registry/repository is {total} characters long, at most {MAX_NAME_LEN} allowed"
        ));
    }
    Ok(())
}

/// One path component: `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`, i.e. runs of
/// lowercase letters and digits joined by `.`, `_`, `__` or any number of `-`.
/// Assumes the characters were already checked.
fn check_component(component: &str) -> Result<(), String> {
    if component.is_empty() {
        return Err("empty path component (check the slashes)".into());
    }
    let is_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = component.as_bytes();
    if !bytes.first().is_some_and(|&b| is_alnum(b)) || !bytes.last().is_some_and(|&b| is_alnum(b)) {
        return Err(format!(
            "path component {component:?} must start and end with a lowercase letter or digit"
        ));
    }
    for separator in component.split(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        let ok = separator.is_empty()
            || matches!(separator, "." | "_" | "__")
            || separator.bytes().all(|b| b == b'-');
        if !ok {
            return Err(format!(
                "invalid separator {separator:?} in {component:?}: use one of . _ __ or dashes"
            ));
        }
    }
    Ok(())
}

/// `^[\w][\w.-]{0,127}$` with ASCII `\w`.
fn check_tag(tag: &str) -> Result<(), String> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let Some(first) = tag.chars().next() else {
        return Err("must not be empty".into());
    };
    if !is_word(first) {
        return Err(format!(
            "must start with a letter, digit or _, not {first:?}"
        ));
    }
    if let Some(c) = tag.chars().find(|&c| !(is_word(c) || c == '.' || c == '-')) {
        return Err(format!(
            "invalid character {c:?} (allowed: letters, digits, _ . -)"
        ));
    }
    if tag.len() > MAX_TAG_LEN {
        return Err(format!(
            "{} characters long, at most {MAX_TAG_LEN} allowed",
            tag.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn digest() -> Digest {
        format!("sha256:{HEX}").parse().unwrap()
    }

    fn parse_ok(s: &str) -> Reference {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn parse_err(s: &str) -> ReferenceError {
        match s.parse::<Reference>() {
            Ok(r) => panic!("{s} parsed as {r:?}"),
            Err(e) => e,
        }
    }

    fn message(s: &str) -> String {
        parse_err(s).to_string()
    }

    #[test]
    fn plain_reference() {
        let r = parse_ok("ghcr.io/oras-project/oras:v1.3.0");
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.repository, "oras-project/oras");
        assert_eq!(r.tag.as_deref(), Some("v1.3.0"));
        assert_eq!(r.digest, None);
        assert_eq!(r.repo_ref(), "ghcr.io/oras-project/oras");
        assert_eq!(r.reference().as_deref(), Some("v1.3.0"));

        let r = parse_ok("example.com/hello");
        assert_eq!(r.tag, None);
        assert_eq!(r.reference(), None);
    }

    #[test]
    fn registry_with_port_has_no_tag() {
        let r = parse_ok("localhost:5000/repo");
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "repo");
        assert_eq!(r.tag, None);
        assert_eq!(r.host(), "localhost");
        assert_eq!(r.port(), Some(5000));

        let r = parse_ok("localhost:5000/repo:v1");
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(parse_ok("example.com/a").port(), None);
        assert_eq!(parse_ok("example.com:65535/a").port(), Some(65535));
    }

    #[test]
    fn ipv4_registry() {
        let r = parse_ok("10.0.0.1:5000/a/b:v1");
        assert_eq!(r.host(), "10.0.0.1");
        assert_eq!(r.port(), Some(5000));
        assert!(message("999.0.0.1/a").contains(r#"invalid IPv4 address "999.0.0.1""#));
        assert!(message("1.2.3/a").contains("invalid IPv4 address"));
    }

    #[test]
    fn ipv6_registry() {
        let r = parse_ok("[::1]:5000/a/b:v1");
        assert_eq!(r.registry, "[::1]:5000");
        assert_eq!(r.repository, "a/b");
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.host(), "::1");
        assert_eq!(r.port(), Some(5000));

        let r = parse_ok("[fe80::1]/a:b");
        assert_eq!(r.host(), "fe80::1");
        assert_eq!(r.port(), None);

        assert!(message("::1/a").contains("must be in brackets"));
        assert!(message("[zz]:5000/a").contains(r#"invalid IPv6 address "zz""#));
        assert!(message("[::1/a").contains("missing ']'"));
        assert!(message("[::1]x/a").contains("after ']'"));
    }

    #[test]
    fn nested_repository() {
        let r = parse_ok("example.com/a/b/c-d/e__f/g.h:latest");
        assert_eq!(r.repository, "a/b/c-d/e__f/g.h");
        assert!(parse_ok("example.com/a---b/c_d").tag.is_none());
    }

    #[test]
    fn uppercase_repository() {
        assert_eq!(
            message("localhost:5000/Hello:v1"),
            r#""localhost:5000/Hello:v1": invalid reference: invalid repository "Hello": must be lowercase letters, digits and separators . _ __ -"#
        );
    }

    #[test]
    fn bad_repository_separators() {
        for (input, repo) in [
            ("example.com/a..b", "a..b"),
            ("example.com/a___b", "a___b"),
            ("example.com/a.-b", "a.-b"),
            ("example.com/-a", "-a"),
            ("example.com/a-", "a-"),
            ("example.com/a/.b", "a/.b"),
            ("example.com/a//b", "a//b"),
            ("example.com/a/", "a/"),
            ("example.com/", ""),
            ("example.com/:v1", ""),
            ("example.com/a!b", "a!b"),
        ] {
            match parse_err(input) {
                ReferenceError::InvalidRepository { repository, .. } => {
                    assert_eq!(repository, repo, "{input}")
                }
                e => panic!("{input}: {e}"),
            }
        }
        assert!(message("example.com/a..b").contains(r#"invalid separator ".." in "a..b""#));
        assert!(message("example.com/-a").contains("must start and end"));
    }

    #[test]
    fn repository_too_long() {
        // "example.com/" is 12 characters, leaving 243 for the repository.
        let ok = format!("example.com/{}", "a".repeat(243));
        parse_ok(&ok);
        let long = format!("example.com/{}", "a".repeat(244));
        assert!(message(&long).contains("at most 255 allowed"));
    }

    #[test]
    fn tag_length_limit() {
        let tag128 = format!("a{}", "b".repeat(127));
        assert_eq!(
            parse_ok(&format!("example.com/r:{tag128}")).tag,
            Some(tag128.clone())
        );
        let e = message(&format!("example.com/r:{tag128}c"));
        assert!(e.contains("129 characters long, at most 128"), "{e}");
    }

    #[test]
    fn tag_rules() {
        assert!(message("example.com/r:.v1").contains(r#"invalid tag ".v1": must start"#));
        assert!(message("example.com/r:-v1").contains(r#"invalid tag "-v1""#));
        assert!(
            message("localhost:5000/hello:v1!").starts_with(
                r#""localhost:5000/hello:v1!": invalid reference: invalid tag "v1!": "#
            )
        );
        assert!(message("example.com/r:").contains(r#"invalid tag "": must not be empty"#));
        assert_eq!(
            parse_ok("example.com/r:_x.Y-1").tag.as_deref(),
            Some("_x.Y-1")
        );
        // A second colon leaves a colon in the repository part.
        assert!(matches!(
            parse_err("example.com/r:a:b"),
            ReferenceError::InvalidRepository { .. }
        ));
    }

    #[test]
    fn digest_forms() {
        let r = parse_ok(&format!("localhost:5000/hello@sha256:{HEX}"));
        assert_eq!(r.digest, Some(digest()));
        assert_eq!(r.tag, None);
        assert_eq!(r.reference(), Some(format!("sha256:{HEX}")));

        assert_eq!(
            message("localhost:5000/hello@sha256:12"),
            r#""localhost:5000/hello@sha256:12": invalid reference: invalid digest "sha256:12": sha256 needs 64 hex characters, got 2"#
        );
        assert!(matches!(
            parse_err("example.com/r@"),
            ReferenceError::InvalidDigest { .. }
        ));
        assert!(
            message(&format!("example.com/r@md5:{HEX}")).contains("unsupported digest algorithm")
        );
    }

    #[test]
    fn tag_and_digest_drops_tag() {
        let r = parse_ok(&format!("localhost:5000/hello:v1@sha256:{HEX}"));
        assert_eq!(r.repository, "hello");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest, Some(digest()));
        // Like oras-go, the dropped tag is not validated.
        let r = parse_ok(&format!("localhost:5000/hello:v1!@sha256:{HEX}"));
        assert_eq!(r.tag, None);
    }

    #[test]
    fn missing_registry() {
        assert_eq!(
            message("hello"),
            r#""hello": invalid reference: missing registry or repository"#
        );
        assert!(matches!(
            parse_err("ubuntu:latest"),
            ReferenceError::MissingRegistryOrRepository { .. }
        ));
        assert!(message("/hello").contains(r#"invalid registry "": must not be empty"#));
        assert!(matches!(
            parse_err(""),
            ReferenceError::MissingRegistryOrRepository { .. }
        ));
    }

    #[test]
    fn scheme_given() {
        let e = message("http://localhost:5000/hello:v1");
        assert_eq!(
            e,
            r#""http://localhost:5000/hello:v1": invalid reference: remove the scheme "http://": a reference starts with the registry host"#
        );
        assert!(matches!(
            parse_err("https://ghcr.io/a"),
            ReferenceError::Scheme { .. }
        ));
    }

    #[test]
    fn bad_registry() {
        assert!(message("localhost:0/a").contains("port 0 is out of range"));
        assert!(message("localhost:65536/a").contains("port 65536 is out of range"));
        assert!(message("localhost:99999999999999999999/a").contains("out of range"));
        assert!(message("localhost:abc/a").contains(r#"port "abc" is not a number"#));
        assert!(message("localhost:+50/a").contains("is not a number"));
        assert!(message("localhost:/a").contains("missing port number"));
        assert!(message(":5000/a").contains("missing host name"));
        assert!(message("my registry/a").contains("invalid character ' ' in host name"));
        assert!(message("-bad.com/a").contains(r#"host label "-bad""#));
        assert!(message("bad..com/a").contains("empty label"));
        assert!(message("user@host/a").contains("invalid character '@'"));
        let long_label = format!("{}.com/a", "a".repeat(64));
        assert!(message(&long_label).contains("longer than 63"));
        assert!(matches!(
            parse_err("exa mple.com/a"),
            ReferenceError::InvalidRegistry { registry, .. } if registry == "exa mple.com"
        ));
        // Container host names with underscores are accepted, as by oras-go.
        parse_ok("my_registry:5000/a");
    }

    #[test]
    fn comma_tag_lists() {
        let (r, tags) = parse_with_tags("localhost:5000/repo:a,b,c").unwrap();
        assert_eq!(r.tag.as_deref(), Some("a"));
        assert_eq!(tags, ["b", "c"]);

        let (r, tags) = parse_with_tags("localhost:5000/repo").unwrap();
        assert_eq!(r.tag, None);
        assert!(tags.is_empty());

        let (r, tags) = parse_with_tags(&format!("localhost:5000/repo@sha256:{HEX}")).unwrap();
        assert_eq!(r.digest, Some(digest()));
        assert!(tags.is_empty());

        assert_eq!(
            parse_with_tags("localhost:5000/repo:a,,b")
                .unwrap_err()
                .to_string(),
            r#""localhost:5000/repo:a,,b": invalid reference: tag 2 of the comma-separated tag list is empty"#
        );
        assert!(matches!(
            parse_with_tags("localhost:5000/repo:a,b,"),
            Err(ReferenceError::EmptyTagInList { position: 3, .. })
        ));
        let e = parse_with_tags("localhost:5000/repo:a,b!").unwrap_err();
        assert!(
            matches!(&e, ReferenceError::InvalidTag { tag, .. } if tag == "b!"),
            "{e}"
        );
        // Errors in the first piece quote the whole argument.
        let e = parse_with_tags("localhost:5000/Repo:a,b").unwrap_err();
        assert!(
            e.to_string().starts_with(r#""localhost:5000/Repo:a,b": "#),
            "{e}"
        );
        // A comma is not part of a plain reference.
        assert!(matches!(
            parse_err("localhost:5000/repo:a,b"),
            ReferenceError::InvalidTag { .. }
        ));
    }

    #[test]
    fn loopback() {
        for s in [
            "localhost/a",
            "localhost:5000/a",
            "127.0.0.1/a",
            "127.1.2.3:5000/a",
            "[::1]:5000/a",
            "[::1]/a",
        ] {
            assert!(parse_ok(s).is_loopback(), "{s}");
        }
        for s in [
            "example.com/a",
            "10.0.0.1/a",
            "localhost.example.com/a",
            "[::2]/a",
        ] {
            assert!(!parse_ok(s).is_loopback(), "{s}");
        }
    }

    #[test]
    fn one_loopback_rule_for_hosts_and_registries() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["example.com", "10.0.0.1", "[::2]", "localhost.example.com"] {
            assert!(!is_loopback_host(host), "{host}");
        }
        for registry in ["localhost:5000", "127.0.0.1", "[::1]:5000", "[::1]"] {
            assert!(is_loopback_registry(registry), "{registry}");
        }
        assert!(!is_loopback_registry("example.com:5000"));
    }

    #[test]
    fn accessors_tolerate_unvalidated_fields() {
        let r = Reference {
            registry: "[::1".into(),
            repository: String::new(),
            tag: None,
            digest: None,
        };
        assert_eq!(r.port(), None);
        let _ = r.host();
        let r = Reference {
            registry: "host:notaport".into(),
            ..r
        };
        assert_eq!(r.host(), "host");
        assert_eq!(r.port(), None);
    }

    #[test]
    fn with_tag_and_digest() {
        let r = parse_ok("example.com/a:v1");
        let d = r.with_digest(digest());
        assert_eq!(d.tag, None);
        assert_eq!(d.digest, Some(digest()));
        let t = d.with_tag("v2");
        assert_eq!(t.tag.as_deref(), Some("v2"));
        assert_eq!(t.digest, None);
        assert_eq!(t.to_string(), "example.com/a:v2");
    }

    #[test]
    fn display_round_trip() {
        for s in [
            "example.com/a".to_string(),
            "localhost:5000/a/b:v1".to_string(),
            "[::1]:5000/a/b:v1".to_string(),
            format!("127.0.0.1:5000/x@sha256:{HEX}"),
        ] {
            let r = parse_ok(&s);
            assert_eq!(r.to_string(), s);
            assert_eq!(parse_ok(&r.to_string()), r);
        }
        let both = Reference {
            tag: Some("v1".into()),
            ..parse_ok(&format!("example.com/a@sha256:{HEX}"))
        };
        assert_eq!(both.to_string(), format!("example.com/a:v1@sha256:{HEX}"));
    }
}
