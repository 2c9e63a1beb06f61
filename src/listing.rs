//! Listing what a target holds, as `oras repo tags` shows it: the tags of a registry repository
//! or an OCI layout in lexical order after `last`, optionally without digest-like tags, only
//! those of one repository kept in a shared layout, or only those pointing at one manifest.
//! (The repositories of a registry: [`crate::registry::Registry::list_repositories`].)

use crate::content::{self, ReadOnlyTarget};
use crate::digest::Digest;
use crate::error::Result;

/// Which tags [`list_tags`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagQuery {
    /// Only tags lexically after this one.
    pub last: Option<String>,
    /// Leave out tags that read as a digest, such as `sha256-<hex>` (the referrers tag schema).
    pub exclude_digest_tags: bool,
    /// Only the tags written `<scope>:<tag>`, returned as `<tag>`: how oras keeps several
    /// repositories in one OCI layout (`--oci-layout-path <dir> <registry>/<repo>`).
    pub scope: Option<String>,
}

/// The tags of `target` that `query` asks for, sorted lexically (the order paginated answers
/// and `last` follow; Distribution answers an unpaginated list in storage order).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::content::layout::OciLayout;
/// use oras_rs::content::Target;
/// use oras_rs::listing::{TagQuery, list_tags};
/// use oras_rs::oci::{Descriptor, media_type};
///
/// let dir = tempfile::tempdir().unwrap();
/// let layout = OciLayout::new(dir.path().to_path_buf());
/// let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#.to_vec();
/// let desc = Descriptor::new(
///     media_type::OCI_MANIFEST,
///     oras_rs::digest::Digest::sha256_of(&bytes),
///     bytes.len() as u64,
/// );
/// let digest_tag = desc.digest.to_string().replacen(':', "-", 1);
/// for tag in ["v2", "v1", digest_tag.as_str()] {
///     layout.push_reference(&desc, bytes.clone(), tag).await?;
/// }
/// let all = list_tags(&layout, &TagQuery::default()).await?;
/// assert_eq!(all.len(), 3);
/// let query = TagQuery { last: Some("v1".into()), exclude_digest_tags: true, scope: None };
/// assert_eq!(list_tags(&layout, &query).await?, ["v2"]);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn list_tags(
    target: &(impl ReadOnlyTarget + ?Sized),
    query: &TagQuery,
) -> Result<Vec<String>> {
    let last = query.last.as_deref().filter(|l| !l.is_empty());
    let mut tags = match &query.scope {
        Some(scope) => {
            let prefix = format!("{scope}:");
            content::tags(target, None)
                .await?
                .into_iter()
                .filter_map(|t| t.strip_prefix(&prefix).map(str::to_string))
                .collect()
        }
        None => content::tags(target, last).await?,
    };
    tags.sort();
    // Distribution ignores `last` unless `n` is given too: filter here as well.
    if let Some(last) = last {
        tags.retain(|t| t.as_str() > last);
    }
    if query.exclude_digest_tags {
        tags.retain(|t| !is_digest_tag(t));
    }
    Ok(tags)
}

/// The tags of `tags` that resolve to `digest` in `target`, in order (one resolve per tag).
///
/// # Errors
///
/// The first tag that cannot be resolved, with its name in the context.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::listing::tags_pointing_at;
/// use oras_rs::{MemoryStore, PackOptions, Target, pack_manifest};
///
/// let store = MemoryStore::new();
/// let typed = |t: &str| PackOptions { artifact_type: Some(t.into()), ..PackOptions::default() };
/// let one = pack_manifest(&store, &typed("application/x.one")).await?;
/// let two = pack_manifest(&store, &typed("application/x.two")).await?;
/// for (desc, tag) in [(&one, "a"), (&two, "b"), (&one, "c")] {
///     store.tag(desc, tag).await?;
/// }
///
/// let tags = vec!["a".to_string(), "b".to_string(), "c".to_string()];
/// assert_eq!(tags_pointing_at(&store, tags, &one.digest).await?, ["a", "c"]);
/// // A tag that does not resolve is an error naming it.
/// let err = tags_pointing_at(&store, vec!["gone".to_string()], &one.digest).await.unwrap_err();
/// assert!(err.to_string().contains("resolving tag gone"));
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn tags_pointing_at(
    target: &(impl ReadOnlyTarget + ?Sized),
    tags: Vec<String>,
    digest: &Digest,
) -> Result<Vec<String>> {
    let mut kept = Vec::new();
    for tag in tags {
        match target.resolve(&tag).await {
            Ok(d) if d.digest == *digest => kept.push(tag),
            Ok(_) => {}
            Err(e) => return Err(e.context(format!("resolving tag {tag}"))),
        }
    }
    Ok(kept)
}

/// [`tags_pointing_at`] for tags listed under a [`TagQuery::scope`]: each is resolved as it is
/// stored (`<scope>:<tag>`) and returned as listed.
pub async fn scoped_tags_pointing_at(
    target: &(impl ReadOnlyTarget + ?Sized),
    scope: &str,
    tags: Vec<String>,
    digest: &Digest,
) -> Result<Vec<String>> {
    let prefix = format!("{scope}:");
    let stored = tags.into_iter().map(|t| format!("{prefix}{t}")).collect();
    let kept = tags_pointing_at(target, stored, digest).await?;
    Ok(kept
        .into_iter()
        .map(|t| t[prefix.len()..].to_string())
        .collect())
}

/// Splits the reference given with `repo tags --oci-layout-path <dir>` (a layout holding
/// several repositories), `<registry>/<repo>[:<tag>|@<digest>]`, into the
/// [`TagQuery::scope`] and what picks among its tags: the layout tag `<registry>/<repo>:<tag>`
/// as stored, or the digest.
///
/// ```
/// use oras_rs::listing::split_scope;
///
/// assert_eq!(split_scope("localhost:5000/x"), ("localhost:5000/x", None));
/// assert_eq!(
///     split_scope("localhost:5000/x:v1"),
///     ("localhost:5000/x", Some("localhost:5000/x:v1".to_string()))
/// );
/// let digest = format!("sha256:{}", "a".repeat(64));
/// assert_eq!(
///     split_scope(&format!("localhost:5000/x@{digest}")),
///     ("localhost:5000/x", Some(digest))
/// );
/// ```
pub fn split_scope(reference: &str) -> (&str, Option<String>) {
    if let Some((scope, digest)) = reference.rsplit_once('@') {
        return (scope, Some(digest.to_string()));
    }
    // A tag is after the last `:` that follows the last `/` (a port comes before it).
    let name_start = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[name_start..].rfind(':') {
        Some(i) => (&reference[..name_start + i], Some(reference.to_string())),
        None => (reference, None),
    }
}

/// Whether `tag` reads as a digest once its first `-` becomes `:` (`sha256-<hex>`).
///
/// ```
/// use oras_rs::listing::is_digest_tag;
///
/// assert!(is_digest_tag(&format!("sha256-{}", "a".repeat(64))));
/// assert!(!is_digest_tag("v1"));
/// ```
pub fn is_digest_tag(tag: &str) -> bool {
    tag.replacen('-', ":", 1).parse::<Digest>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_digest_tag;

    #[test]
    fn digest_tags_are_recognised() {
        assert!(is_digest_tag(&format!("sha256-{}", "a".repeat(64))));
        assert!(!is_digest_tag(&format!("sha256-{}", "a".repeat(63))));
        assert!(!is_digest_tag("v1"));
        assert!(!is_digest_tag("sha256-latest"));
    }
}
