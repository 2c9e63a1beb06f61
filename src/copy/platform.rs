//! `--platform os[/arch[/variant]][:os_version]`: parsing, matching (oras-go's rules) and
//! selecting the manifest of one platform from an index. Given a plain manifest instead, its
//! config is checked to be of that platform ("platform validation"). Several platforms narrow
//! an index to them ([`narrow_index`], `cp --platform a,b`).

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
/// arm.platform = Some(Box::new(parse_platform("linux/arm64")?));
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
/// arm.platform = Some(Box::new(parse_platform("linux/arm64")?));
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
                .filter_map(|m| m.platform.as_deref().map(display))
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

/// Parses `--platform` values separated by commas (`linux/amd64,linux/arm64`), each as
/// [`parse_platform`] does.
///
/// ```
/// use oras_rs::copy::platform::{display, parse_platforms};
///
/// let all = parse_platforms("linux/amd64,linux/arm/v7")?;
/// assert_eq!(all.iter().map(display).collect::<Vec<_>>(), ["linux/amd64", "linux/arm/v7"]);
/// assert!(parse_platforms("linux/amd64,").is_err());
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn parse_platforms(s: &str) -> Result<Vec<Platform>> {
    s.split(',').map(|one| parse_platform(one.trim())).collect()
}

/// The annotation by which an attestation entry of an index (Docker buildx's `unknown/unknown`
/// entries) names the image it is about; narrowing keeps it with that image.
const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";

/// The index `root` (whose bytes are `bytes`) narrowed to the platforms `wants`, as oras v1.3's
/// `cp --platform a,b` narrows it: the entries of those platforms and the attestations that name
/// them (`vnd.docker.reference.digest`), every other field kept. `None` when every entry that has a
/// platform is wanted: the index is copied whole, its digest (and referrers) kept.
///
/// The new index is encoded as Go's `encoding/json` re-encodes it (keys sorted, compact, `<>&`
/// escaped), so its digest is the one oras gives it. `reference` names the source in errors.
/// A platform no entry has is an error that lists the ones the index has.
///
/// ```
/// use oras_rs::copy::platform::{narrow_index, parse_platforms};
/// use oras_rs::oci::{Descriptor, parse_index};
///
/// let entry = |n: u8, p: &str| format!(
///     r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}","size":9,"platform":{p}}}"#,
///     format!("{n:x}").repeat(64));
/// let bytes = format!(
///     r#"{{"schemaVersion":2,"manifests":[{},{},{}]}}"#,
///     entry(1, r#"{"os":"linux","architecture":"amd64"}"#),
///     entry(2, r#"{"os":"linux","architecture":"arm64"}"#),
///     entry(3, r#"{"os":"linux","architecture":"arm","variant":"v7"}"#),
/// );
/// let root = Descriptor::new("application/vnd.oci.image.index.v1+json",
///     oras_rs::digest::Digest::sha256_of(bytes.as_bytes()), bytes.len() as u64);
///
/// let (narrowed, new_bytes) = narrow_index("v1", &root, bytes.as_bytes(), &parse_platforms("linux/amd64,linux/arm")?)?
///     .expect("two of three");
/// assert_eq!(parse_index(&new_bytes)?.manifests.len(), 2);
/// assert_ne!(narrowed.digest, root.digest);
/// assert!(narrow_index("v1", &root, bytes.as_bytes(), &parse_platforms("linux/amd64,linux/arm64,linux/arm")?)?.is_none());
/// let err = narrow_index("v1", &root, bytes.as_bytes(), &parse_platforms("linux/amd64,linux/s390x")?).unwrap_err();
/// assert!(err.to_string().contains("unmatched platforms: [linux/s390x]; available platforms in index: [linux/amd64, linux/arm64, linux/arm/v7]"));
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn narrow_index(
    reference: &str,
    root: &Descriptor,
    bytes: &[u8],
    wants: &[Platform],
) -> Result<Option<(Descriptor, Vec<u8>)>> {
    if !media_type::is_index(&root.media_type) {
        return Err(Error::invalid_with_hint(
            format!("{reference:?} is not an image index or a manifest list"),
            crate::error::Advice::SinglePlatform,
        ));
    }
    let index = oci::parse_index(bytes)?;
    let wanted = |p: &Option<Box<Platform>>| {
        p.as_deref()
            .is_some_and(|p| wants.iter().any(|w| matches(p, w)))
    };
    let unmatched: Vec<String> = wants
        .iter()
        .filter(|w| {
            !index
                .manifests
                .iter()
                .any(|m| m.platform.as_ref().is_some_and(|p| matches(p, w)))
        })
        .map(display)
        .collect();
    if !unmatched.is_empty() {
        let available: Vec<String> = index
            .manifests
            .iter()
            .filter_map(|m| m.platform.as_deref().map(display))
            .collect();
        return Err(Error::invalid(format!(
            "some requested platforms were not matched; unmatched platforms: [{}]; available platforms in index: [{}]",
            unmatched.join(", "),
            available.join(", ")
        )));
    }
    if index
        .manifests
        .iter()
        .all(|m| m.platform.is_none() || wanted(&m.platform))
    {
        return Ok(None);
    }
    let selected: Vec<&Descriptor> = index
        .manifests
        .iter()
        .filter(|m| wanted(&m.platform))
        .collect();
    let keep = |m: &Descriptor| {
        let about = m.annotations.as_ref().and_then(|a| a.get(REFERENCE_DIGEST));
        selected.iter().any(|s| same_content(s, m))
            || about.is_some_and(|d| selected.iter().any(|s| s.digest.to_string() == *d))
    };
    let narrowed = go_json::narrow_manifests(bytes, |entry| keep(entry))?;
    let mut desc = root.clone();
    desc.digest = crate::digest::Digest::sha256_of(&narrowed);
    desc.size = narrowed.len() as u64;
    Ok(Some((desc, narrowed)))
}

/// oras-go's `content.Equal`: the same digest, size and media type.
fn same_content(a: &Descriptor, b: &Descriptor) -> bool {
    a.digest == b.digest && a.size == b.size && a.media_type == b.media_type
}

/// An index re-encoded the way Go's `encoding/json` re-encodes a `map[string]json.RawMessage`
/// (what oras does to drop entries): top-level keys sorted, the last of duplicate keys kept,
/// every value compacted with `<`, `>`, `&`, U+2028 and U+2029 escaped, the kept entries of
/// `manifests` as they were written.
mod go_json {
    use std::collections::BTreeMap;

    use serde_json::value::RawValue;

    use crate::error::{Error, Result};
    use crate::oci::Descriptor;

    pub(super) fn narrow_manifests(
        bytes: &[u8],
        keep: impl Fn(&Descriptor) -> bool,
    ) -> Result<Vec<u8>> {
        let bad = |e: serde_json::Error| Error::invalid(format!("failed to filter index: {e}"));
        let fields: BTreeMap<String, &RawValue> = serde_json::from_slice(bytes).map_err(bad)?;
        let entries: Vec<&RawValue> = match fields.get("manifests") {
            Some(raw) => serde_json::from_str(raw.get()).map_err(bad)?,
            None => {
                return Err(Error::invalid(
                    "failed to filter index: index does not contain a manifests array",
                ));
            }
        };
        let mut manifests = String::from("[");
        for raw in entries {
            let entry: Descriptor = serde_json::from_str(raw.get()).map_err(bad)?;
            if keep(&entry) {
                if manifests.len() > 1 {
                    manifests.push(',');
                }
                compact(raw.get(), &mut manifests);
            }
        }
        manifests.push(']');
        let mut out = String::from("{");
        for (i, (key, raw)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let key = serde_json::to_string(key).map_err(bad)?;
            compact(&key, &mut out);
            out.push(':');
            match key.as_str() {
                "\"manifests\"" => out.push_str(&manifests),
                _ => compact(raw.get(), &mut out),
            }
        }
        out.push('}');
        Ok(out.into_bytes())
    }

    /// Go's `json.Compact` with HTML escaping, of valid JSON `raw`, appended to `out`.
    pub(super) fn compact(raw: &str, out: &mut String) {
        let (mut in_string, mut escaped) = (false, false);
        for c in raw.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                ' ' | '\t' | '\n' | '\r' if !in_string => {}
                _ => out.push(c),
            }
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            }
        }
    }
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

    const AMD64: &str = r#"{ "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111", "size": 9, "platform": { "os": "linux", "architecture": "amd64" } }"#;
    const ARM64: &str = r#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":9,"platform":{"os":"linux","architecture":"arm64"}}"#;
    const ATTESTATION: &str = r#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":9,"platform":{"os":"unknown","architecture":"unknown"},"annotations":{"vnd.docker.reference.digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","vnd.docker.reference.type":"attestation-manifest"}}"#;

    fn index(bytes: &str) -> Descriptor {
        Descriptor::new(
            media_type::OCI_INDEX,
            crate::digest::Digest::sha256_of(bytes.as_bytes()),
            bytes.len() as u64,
        )
    }

    /// What Go's `json.Marshal` of the `map[string]json.RawMessage` gives: keys sorted,
    /// whitespace gone, `<>&` escaped, the dropped entry gone and the kept ones as written.
    #[test]
    fn a_narrowed_index_is_encoded_as_oras_encodes_it() {
        let doc = format!(
            "{{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n  \"manifests\": [{AMD64}, {ARM64}],\n  \"annotations\": {{ \"note\": \"<a&b>\" }}\n}}"
        );
        let want = parse_platforms("linux/amd64,linux/s390x").unwrap();
        assert!(narrow_index("v1", &index(&doc), doc.as_bytes(), &want).is_err());
        let want = parse_platforms("linux/amd64,linux/amd64").unwrap();
        let (desc, bytes) = narrow_index("v1", &index(&doc), doc.as_bytes(), &want)
            .unwrap()
            .unwrap();
        let expected = r#"{"annotations":{"note":"\u003ca\u0026b\u003e"},"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":9,"platform":{"os":"linux","architecture":"amd64"}}],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#;
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
        assert_eq!(desc.digest, crate::digest::Digest::sha256_of(&bytes));
        assert_eq!(desc.size, bytes.len() as u64);
        assert_eq!(desc.media_type, media_type::OCI_INDEX);
    }

    #[test]
    fn narrowing_keeps_the_attestation_of_a_kept_image_and_counts_only_platform_entries() {
        let doc = format!(r#"{{"schemaVersion":2,"manifests":[{AMD64},{ARM64},{ATTESTATION}]}}"#);
        let amd64 = parse_platforms("linux/amd64,linux/amd64").unwrap();
        let (_, bytes) = narrow_index("v1", &index(&doc), doc.as_bytes(), &amd64)
            .unwrap()
            .unwrap();
        let kept = oci::parse_index(&bytes).unwrap().manifests;
        assert_eq!(kept.len(), 2);
        assert!(kept[1].digest.to_string().ends_with("3333"));
        let arm64 = parse_platforms("linux/arm64,linux/arm64").unwrap();
        let (_, bytes) = narrow_index("v1", &index(&doc), doc.as_bytes(), &arm64)
            .unwrap()
            .unwrap();
        assert_eq!(oci::parse_index(&bytes).unwrap().manifests.len(), 1);
        // The attestation's unknown/unknown is a platform of the index: asking for both
        // images leaves it out, so the index is narrowed, not kept whole.
        let both = parse_platforms("linux/amd64,linux/arm64").unwrap();
        assert!(
            narrow_index("v1", &index(&doc), doc.as_bytes(), &both)
                .unwrap()
                .is_some()
        );
        let err = narrow_index(
            "v1",
            &index(&doc),
            doc.as_bytes(),
            &parse_platforms("linux/arm,linux/amd64").unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unmatched platforms: [linux/arm]; available platforms in index: [linux/amd64, linux/arm64, unknown/unknown]"), "{err}");
    }

    #[test]
    fn several_platforms_of_a_plain_manifest_are_refused_with_advice() {
        let manifest = Descriptor::new(
            media_type::OCI_MANIFEST,
            crate::digest::Digest::sha256_of(b"{}"),
            2,
        );
        let err = narrow_index(
            "v1",
            &manifest,
            b"{}",
            &parse_platforms("linux/amd64,linux/arm64").unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#""v1" is not an image index or a manifest list"#
        );
        assert_eq!(
            err.hint(),
            Some(crate::error::Advice::SinglePlatform.into())
        );
    }
}
