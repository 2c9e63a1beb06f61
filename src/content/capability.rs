//! What only some stores can do beyond the core [`ReadOnlyTarget`] / [`Target`] operations,
//! as oras-go's `registry.TagLister`, `content.Deleter` and `registry.ReferrerLister`: list
//! tags, delete content, list referrers themselves. A store with a capability returns itself
//! from the matching discovery method, so it is found behind `dyn ReadOnlyTarget` /
//! `dyn Target`; [`tags`] and [`delete`] use it or say the store cannot, and
//! [`crate::referrers::list`] falls back to the referrers tag schema.

use async_trait::async_trait;

use super::{ReadOnlyTarget, Target};
use crate::error::{Error, Result};
use crate::oci::Descriptor;

/// A store that lists its tags ([`ReadOnlyTarget::tag_lister`]).
#[async_trait]
pub trait TagLister: Send + Sync {
    /// The store's tags in its own order (a registry's, or sorted for a layout), only those
    /// after `last` when given.
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>>;
}

/// A store that deletes content ([`Target::deleter`]).
#[async_trait]
pub trait Deleter: Send + Sync {
    /// Deletes `desc`: a manifest with every tag pointing at it, or a blob. Missing content is
    /// [`Error::NotFound`]. A registry also keeps the referrers tag schema up to date
    /// ([`crate::referrers::remove_from_tag_schema`]).
    async fn delete(&self, desc: &Descriptor) -> Result<()>;
}

/// A store that lists the referrers of a manifest itself ([`ReadOnlyTarget::referrer_lister`]):
/// a registry through its Referrers API (falling back to the tag schema when it has none), a
/// layout from its index.
#[async_trait]
pub trait ReferrerLister: Send + Sync {
    /// The manifests whose `subject` is `subject`, only those of `artifact_type` when given.
    async fn referrers(
        &self,
        subject: &Descriptor,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>>;
}

/// The tags of `target` through its [`TagLister`], only those after `last` when given.
///
/// ```
/// use oras_rs::content::memory::MemoryStore;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let err = oras_rs::content::tags(&MemoryStore::new(), None).await.unwrap_err();
/// assert_eq!(err.to_string(), "this store cannot list tags");
/// # });
/// ```
///
/// # Errors
///
/// The listing's own, or [`Error::InvalidInput`] when the store cannot list tags.
pub async fn tags(
    target: &(impl ReadOnlyTarget + ?Sized),
    last: Option<&str>,
) -> Result<Vec<String>> {
    match target.tag_lister() {
        Some(lister) => lister.tags(last).await,
        None => Err(Error::invalid("this store cannot list tags")),
    }
}

/// Deletes `desc` from `target` through its [`Deleter`].
///
/// # Errors
///
/// The deletion's own ([`Error::NotFound`] for missing content), or [`Error::InvalidInput`] when the
/// store cannot delete content.
pub async fn delete(target: &(impl Target + ?Sized), desc: &Descriptor) -> Result<()> {
    match target.deleter() {
        Some(deleter) => deleter.delete(desc).await,
        None => Err(Error::invalid("this store cannot delete content")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::layout::OciLayout;
    use crate::content::memory::MemoryStore;
    use crate::digest::Digest;
    use crate::oci::media_type;

    fn manifest(subject: Option<&Descriptor>) -> (Descriptor, Vec<u8>) {
        let subject = subject.map_or(String::new(), |s| {
            format!(r#","subject":{}"#, serde_json::to_string(s).unwrap())
        });
        let bytes = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.sbom","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}},"layers":[]{subject}}}"#
        )
        .into_bytes();
        let desc = Descriptor::new(
            media_type::OCI_MANIFEST,
            Digest::sha256_of(&bytes),
            bytes.len() as u64,
        );
        (desc, bytes)
    }

    #[tokio::test]
    async fn a_memory_store_has_no_capabilities_and_says_so() {
        let store = MemoryStore::new();
        assert!(store.tag_lister().is_none());
        assert!(store.referrer_lister().is_none());
        assert!(store.deleter().is_none());
        let err = tags(&store, None).await.unwrap_err();
        assert_eq!(err.to_string(), "this store cannot list tags");
        let (desc, _) = manifest(None);
        let err = delete(&store, &desc).await.unwrap_err();
        assert_eq!(err.to_string(), "this store cannot delete content");
    }

    #[tokio::test]
    async fn a_layout_lists_tags_and_referrers_and_deletes_behind_dyn_target() {
        let dir = tempfile::tempdir().unwrap();
        let layout: &dyn Target = &OciLayout::new(dir.path());
        assert!(layout.tag_lister().is_some());
        assert!(layout.referrer_lister().is_some());
        assert!(layout.deleter().is_some());
        let (subject, bytes) = manifest(None);
        layout.push_reference(&subject, bytes, "v1").await.unwrap();
        let (referrer, bytes) = manifest(Some(&subject));
        layout
            .push(&referrer, Box::pin(std::io::Cursor::new(bytes)))
            .await
            .unwrap();
        assert_eq!(tags(layout, None).await.unwrap(), ["v1"]);
        // Found by scanning the index: there is no `sha256-<hex>` tag-schema index.
        let found = crate::referrers::list(layout, &subject, None)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].digest, referrer.digest);
        delete(layout, &subject).await.unwrap();
        assert!(tags(layout, None).await.unwrap().is_empty());
        let err = layout.resolve("v1").await.unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err}");
    }
}
