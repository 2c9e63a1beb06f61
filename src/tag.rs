//! Tagging: point more tags at a manifest a target already holds (oras-go's `oras.TagN` /
//! `oras.TagBytesN`). Every command that writes extra tags (push, cp, tag, manifest push,
//! index create/update) goes through [`tag_bytes_n`], so a tag list is written one way.

use futures_util::{StreamExt, TryStreamExt, stream};

use crate::content::Target;
use crate::error::{Error, Result};
use crate::oci::Descriptor;

/// Points each of `tags` at the manifest `desc` (whose bytes are `bytes`), at most
/// `concurrency` at a time, and returns the tags in argument order once all are written.
///
/// A registry writes each tag with one `PUT /manifests/<tag>` of the same bytes, so the digest
/// never changes. The first failure stops the rest and names the tag.
///
/// ```
/// # tokio_test_block_on(async {
/// use oras_rs::content::memory::MemoryStore;
/// use oras_rs::content::{ReadOnlyTarget, Target};
/// use oras_rs::oci::{Descriptor, media_type};
///
/// let store = MemoryStore::new();
/// let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#.to_vec();
/// let digest = oras_rs::digest::Digest::sha256_of(&bytes);
/// let desc = Descriptor::new(media_type::OCI_MANIFEST, digest, bytes.len() as u64);
/// store.push(&desc, Box::pin(std::io::Cursor::new(bytes.clone()))).await?;
/// let tagged = oras_rs::tag::tag_bytes_n(&store, &desc, &bytes, &["v1".into(), "latest".into()], 2).await?;
/// assert_eq!(tagged, ["v1", "latest"]);
/// assert_eq!(store.resolve("latest").await?.digest, desc.digest);
/// # Ok::<(), oras_rs::Error>(())
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
pub async fn tag_bytes_n(
    target: &dyn Target,
    desc: &Descriptor,
    bytes: &[u8],
    tags: &[String],
    concurrency: usize,
) -> Result<Vec<String>> {
    stream::iter(tags.iter())
        .map(|tag| async move {
            target
                .push_reference(desc, bytes.to_vec(), tag)
                .await
                .map_err(|e| e.context(format!("tagging {} as {tag}", desc.digest)))?;
            Ok::<_, Error>(tag.clone())
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

/// Checks `tags` before any is written: each must make a valid reference with the repository
/// `repository` (`registry/name`) of a registry, or, for a store without one (`None`: an OCI
/// layout), merely not be empty.
///
/// ```
/// assert!(oras_rs::tag::check_tags(Some("localhost:5000/hello"), &["v1".into()]).is_ok());
/// assert!(oras_rs::tag::check_tags(Some("localhost:5000/hello"), &["a b".into()]).is_err());
/// assert!(oras_rs::tag::check_tags(None, &["".into()]).is_err());
/// ```
pub fn check_tags(repository: Option<&str>, tags: &[String]) -> Result<()> {
    match repository {
        Some(name) => {
            for tag in tags {
                format!("{name}:{tag}")
                    .parse::<crate::reference::Reference>()
                    .map_err(|e| Error::from(e).context(format!("unable to add tag {tag:?}")))?;
            }
            Ok(())
        }
        None if tags.iter().any(String::is_empty) => Err(Error::invalid("a tag cannot be empty")),
        None => Ok(()),
    }
}

/// Resolves `reference` in `target` and points each of `tags` at the same manifest (oras-go's
/// `oras.TagN`); returns the manifest's descriptor.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::{MemoryStore, PackOptions, ReadOnlyTarget, Target, pack_manifest, tag};
///
/// let store = MemoryStore::new();
/// let root = pack_manifest(&store, &PackOptions::default()).await?;
/// store.tag(&root, "v1").await?;
///
/// let tags = ["stable".to_string(), "latest".to_string()];
/// let tagged = tag::tag_n(&store, "v1", &tags, 2).await?;
/// assert_eq!(tagged.digest, root.digest);
/// assert_eq!(store.resolve("latest").await?.digest, root.digest);
/// // Nothing to tag: the reference must resolve.
/// assert!(tag::tag_n(&store, "v2", &tags, 2).await.is_err());
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn tag_n(
    target: &dyn Target,
    reference: &str,
    tags: &[String],
    concurrency: usize,
) -> Result<Descriptor> {
    let (desc, bytes) = target.fetch_reference(reference).await?;
    tag_bytes_n(target, &desc, &bytes, tags, concurrency).await?;
    Ok(desc)
}
