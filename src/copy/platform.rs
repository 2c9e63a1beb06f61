//! `--platform os[/arch[/variant]][:os_version]`: parsing, matching (oras-go's rules) and
//! selecting the manifest of one platform from an index. Given a plain manifest instead, its
//! config is checked to be of that platform ("platform validation").

use crate::content::{ReadOnlyTarget, read_manifest};
use crate::error::{Error, Result};
use crate::oci::{self, Descriptor, Platform, media_type};

/// Media type of a Docker image config.
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// The architecture of this machine in Go's `GOARCH` words (what oras defaults to).
pub fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "loongarch64" => "loong64",
        other => other,
    }
}

/// Parses `os[/arch[/variant]][:os_version]`; a missing architecture is the host's.
///
/// ```
/// use oras_rs::copy::platform::{display, host_architecture, parse_platform};
///
/// let p = parse_platform("linux/arm/v7")?;
/// assert_eq!((p.os.as_str(), p.architecture.as_str()), ("linux", "arm"));
/// assert_eq!(p.variant.as_deref(), Some("v7"));
/// assert_eq!(parse_platform("windows/amd64:10.0.17763")?.os_version.as_deref(), Some("10.0.17763"));
/// assert_eq!(parse_platform("linux")?.architecture, host_architecture());
/// assert_eq!(display(&p), "linux/arm/v7");
/// assert!(parse_platform("/amd64").is_err());
/// assert!(parse_platform("a/b/c/d").is_err());
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn parse_platform(s: &str) -> Result<Platform> {
    let (spec, os_version) = match s.split_once(':') {
        Some((spec, version)) => (spec, Some(version.to_string())),
        None => (s, None),
    };
    let parts: Vec<&str> = spec.split('/').collect();
    let (os, arch, variant) = match parts.as_slice() {
        [os] => (*os, host_architecture(), None),
        [os, arch] => (*os, *arch, None),
        [os, arch, variant] => (*os, *arch, Some(variant.to_string())),
        _ => {
            return Err(Error::invalid(format!(
                "failed to parse platform {s:?}: expected format os[/arch[/variant]]"
            )));
        }
    };
    if os.is_empty() {
        return Err(Error::invalid(format!(
            "invalid platform {s:?}: OS cannot be empty"
        )));
    }
    if arch.is_empty() {
        return Err(Error::invalid(format!(
            "invalid platform {s:?}: architecture cannot be empty"
        )));
    }
    Ok(Platform {
        architecture: arch.to_string(),
        os: os.to_string(),
        os_version: os_version.filter(|v| !v.is_empty()),
        os_features: None,
        variant: variant.filter(|v| !v.is_empty()),
        features: None,
    })
}

/// `os/arch[/variant]`, for messages.
pub fn display(p: &Platform) -> String {
    let mut s = format!("{}/{}", p.os, p.architecture);
    if let Some(v) = &p.variant {
        s.push('/');
        s.push_str(v);
    }
    if let Some(v) = &p.os_version {
        s.push(':');
        s.push_str(v);
    }
    s
}

/// oras-go's rule: OS and architecture equal; variant, OS version and OS features compared only
/// when `want` sets them (features: `want`'s must be a subset of `got`'s).
///
/// ```
/// use oras_rs::copy::platform::{matches, parse_platform};
///
/// let got = parse_platform("linux/arm/v7")?;
/// assert!(matches(&got, &parse_platform("linux/arm")?)); // no variant asked: any
/// assert!(!matches(&got, &parse_platform("linux/arm/v6")?));
/// assert!(!matches(&parse_platform("linux/arm")?, &got)); // a variant asked must be there
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn matches(got: &Platform, want: &Platform) -> bool {
    got.os == want.os
        && got.architecture == want.architecture
        && want
            .variant
            .as_ref()
            .is_none_or(|v| got.variant.as_ref() == Some(v))
        && want
            .os_version
            .as_ref()
            .is_none_or(|v| got.os_version.as_ref() == Some(v))
        && want.os_features.as_ref().is_none_or(|wanted| {
            let have = got.os_features.as_deref().unwrap_or_default();
            wanted.iter().all(|f| have.contains(f))
        })
}

/// Resolves `reference` in `target`; with `want`, to the manifest of that platform (chosen from an
/// index, or a single manifest whose config matches).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::platform::{parse_platform, resolve_platform};
/// use oras_rs::{MemoryStore, PackOptions, Target, index, pack_manifest};
///
/// // An index with an entry for linux/arm64, tagged `all`.
/// let store = MemoryStore::new();
/// let mut arm = pack_manifest(&store, &PackOptions::default()).await?;
/// arm.platform = Some(parse_platform("linux/arm64")?);
/// let mut built = index::create(&store, &[arm.digest.to_string()], &Default::default(), &|_| {}).await?;
/// built.manifests[0].platform = arm.platform.clone();
/// let (root, bytes) = index::encode(&built)?;
/// index::push(&store, &root, &bytes, "all").await?;
///
/// assert_eq!(resolve_platform(&store, "all", None).await?.digest, root.digest);
/// let want = parse_platform("linux/arm64")?;
/// assert_eq!(resolve_platform(&store, "all", Some(&want)).await?.digest, arm.digest);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn resolve_platform(
    target: &dyn ReadOnlyTarget,
    reference: &str,
    want: Option<&Platform>,
) -> Result<Descriptor> {
    match want {
        None => target.resolve(reference).await,
        Some(p) => {
            let (root, bytes) = target.fetch_reference(reference).await?;
            Ok(select_platform(target, &root, bytes, p).await?.0)
        }
    }
}

/// From the manifest `root` (whose bytes are `bytes`), the manifest of platform `want`: the
/// first matching entry of an index, or `root` itself when it is an image manifest whose config
/// says it is of that platform. Returns the chosen descriptor and its bytes.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::platform::{parse_platform, select_platform};
/// use oras_rs::oci::{Index, media_type};
/// use oras_rs::{MemoryStore, PackOptions, pack_manifest};
///
/// // An index whose one entry is for linux/arm64.
/// let store = MemoryStore::new();
/// let mut arm = pack_manifest(&store, &PackOptions::default()).await?;
/// arm.platform = Some(parse_platform("linux/arm64")?);
/// let index = Index {
///     schema_version: 2,
///     media_type: Some(media_type::OCI_INDEX.into()),
///     artifact_type: None,
///     manifests: vec![arm.clone()],
///     subject: None,
///     annotations: None,
/// };
/// let (root, bytes) = oras_rs::index::encode(&index)?;
///
/// let want = parse_platform("linux/arm64")?;
/// let (chosen, _) = select_platform(&store, &root, bytes.clone(), &want).await?;
/// assert_eq!(chosen.digest, arm.digest);
/// let want = parse_platform("linux/amd64")?;
/// let err = select_platform(&store, &root, bytes, &want).await.unwrap_err();
/// assert!(err.to_string().contains("no manifest for platform linux/amd64"));
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn select_platform(
    src: &dyn ReadOnlyTarget,
    root: &Descriptor,
    bytes: Vec<u8>,
    want: &Platform,
) -> Result<(Descriptor, Vec<u8>)> {
    if media_type::is_index(&root.media_type) {
        let index = oci::parse_index(&bytes)?;
        let found = index
            .manifests
            .iter()
            .find(|m| m.platform.as_ref().is_some_and(|p| matches(p, want)));
        let Some(found) = found else {
            let available: Vec<String> = index
                .manifests
                .iter()
                .filter_map(|m| m.platform.as_ref().map(display))
                .collect();
            return Err(Error::invalid_with_hint(
                format!(
                    "{}: no manifest for platform {} in the index",
                    root.digest,
                    display(want)
                ),
                if available.is_empty() {
                    "The index lists no platforms.".to_string()
                } else {
                    format!("Platforms in the index: {}", available.join(", "))
                },
            ));
        };
        let chosen = read_manifest(src.fetch(found).await?, found).await?;
        return Ok((found.clone(), chosen));
    }
    if media_type::is_manifest(&root.media_type) {
        let manifest = oci::parse_manifest(&bytes)?;
        let config = &manifest.config;
        let expected = if root.media_type == media_type::DOCKER_MANIFEST {
            DOCKER_CONFIG
        } else {
            media_type::OCI_CONFIG
        };
        if config.media_type != expected {
            return Err(Error::invalid(format!(
                "{}: cannot check platform {}: the config of type {} is not an image config ({expected})",
                root.digest,
                display(want),
                config.media_type
            )));
        }
        let config_bytes = read_manifest(src.fetch(config).await?, config).await?;
        let got: Platform = serde_json::from_slice(&config_bytes).map_err(|e| {
            Error::invalid(format!(
                "{}: cannot read the platform from config {}: {e}",
                root.digest, config.digest
            ))
        })?;
        if !matches(&got, want) {
            return Err(Error::invalid(format!(
                "{}: the manifest is for platform {}, not {}",
                root.digest,
                display(&got),
                display(want)
            )));
        }
        return Ok((root.clone(), bytes));
    }
    Err(Error::invalid(format!(
        "{}: cannot select a platform from content of type {}",
        root.digest, root.media_type
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_oras() {
        let p = parse_platform("linux/arm/v7").unwrap();
        assert_eq!((p.os.as_str(), p.architecture.as_str()), ("linux", "arm"));
        assert_eq!(p.variant.as_deref(), Some("v7"));
        let p = parse_platform("windows/amd64:10.0.17763").unwrap();
        assert_eq!(p.os_version.as_deref(), Some("10.0.17763"));
        assert_eq!(
            parse_platform("linux").unwrap().architecture,
            host_architecture()
        );
        assert!(parse_platform("/amd64").is_err());
        assert!(parse_platform("linux/").is_err());
        assert!(parse_platform("a/b/c/d").is_err());
    }

    #[test]
    fn matching_ignores_what_is_not_asked() {
        let got = parse_platform("linux/arm/v7").unwrap();
        assert!(matches(&got, &parse_platform("linux/arm").unwrap()));
        assert!(matches(&got, &parse_platform("linux/arm/v7").unwrap()));
        assert!(!matches(&got, &parse_platform("linux/arm/v6").unwrap()));
        assert!(!matches(&got, &parse_platform("linux/arm64").unwrap()));
        let plain = parse_platform("linux/arm").unwrap();
        assert!(!matches(&plain, &got), "a wanted variant must be present");
    }
}
