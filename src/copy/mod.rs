//! The one transfer algorithm: copy a graph of content from one target to another (oras-go v2's
//! `oras.Copy`, extended as `oras.ExtendedCopy` to referrers). Children are copied before their
//! parent, so a manifest is stored only after everything it references (on a registry: the
//! manifest PUT comes last and a failed push leaves no tag pointing at missing content). Each
//! node is copied once, subgraphs the destination already has are skipped, and a semaphore
//! permit is held only while one blob is checked and transfers, never while waiting for children.
//! Every byte read from the source is verified against its descriptor on the way.
//!
//! [`copy`] is the entry point: what it copies is said by [`CopyOptions`] (concurrency, progress,
//! a platform of an index, the referrers, cross-repository mounts, a successor filter, subjects,
//! extra tags). [`pull`] is a copy into files, [`backup`] copies per tag into an OCI layout and
//! back, and [`platform`] picks one manifest of an index.

pub mod backup;
pub mod platform;
pub mod pull;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use tokio::sync::{OnceCell, Semaphore};

use crate::content::{BlobReader, Mount, ReadOnlyTarget, Target, read_manifest};
use crate::digest::{Digest, VerifyError, VerifyingReader};
use crate::error::{CopySide, Error, Result};

const SRC: CopySide = CopySide::Source;
const DST: CopySide = CopySide::Destination;
use crate::oci::{self, Descriptor, Platform, media_type};
use crate::reference::Reference;

pub use pull::{PullFilter, pull_filter};

/// Receives the progress of a copy; the binary turns these into status lines or bars.
pub trait CopyObserver: Send + Sync {
    /// A node starts transferring.
    fn on_start(&self, _desc: &Descriptor) {}
    /// A node was stored in the destination.
    fn on_done(&self, _desc: &Descriptor) {}
    /// The destination already had the node (and so its whole subgraph).
    fn on_exists(&self, _desc: &Descriptor) {}
    /// The node was left out by the copy's filter.
    fn on_skipped(&self, _desc: &Descriptor) {}
    /// The blob was mounted from another repository of the same registry, not transferred.
    fn on_mounted(&self, _desc: &Descriptor) {}
    /// The referrers of the source index `original` are not copied: the copy's root is that
    /// index narrowed to some platforms ([`CopyOptions::platforms`]), a new digest they do not
    /// refer to. Called before anything is copied, only when the copy copies referrers.
    fn on_referrers_not_copied(&self, _original: &Descriptor) {}
    /// `bytes` of the blob `desc` (between [`CopyObserver::on_start`] and
    /// [`CopyObserver::on_done`]) have been read from the source so far. Called once per chunk
    /// read (up to a few hundred KiB), so it must be cheap.
    fn on_progress(&self, _desc: &Descriptor, _bytes: u64) {}
}

/// An observer that reports nothing.
pub struct NoopObserver;
impl CopyObserver for NoopObserver {}

/// What to do with a successor.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Copy it, possibly with an edited descriptor (e.g. a title given to the config).
    Copy(Box<Descriptor>),
    /// Leave it out and report it as skipped.
    Skip,
    /// Leave it out silently.
    Ignore,
}

/// Chooses, for each successor of a manifest, whether it is copied. It may be asked more than
/// once about one descriptor and must answer the same each time.
pub type SuccessorFilter = Arc<dyn Fn(&Descriptor) -> Decision + Send + Sync>;

/// How a copy runs. The [`Default`] is oras-go's `DefaultCopyOptions`: 3 blobs at once, the
/// whole graph (subjects included), no platform selection, no referrers, no mounts, no extra
/// tags, no progress. Build one with the `with_*` methods:
///
/// ```
/// use oras_rs::copy::CopyOptions;
///
/// let opts = CopyOptions::new()
///     .with_concurrency(5)
///     .with_referrers(true)
///     .with_tags(vec!["latest".to_string()]);
/// assert_eq!(opts.concurrency, 5);
/// assert!(opts.include_subject && opts.platform.is_none());
/// ```
#[derive(Clone)]
pub struct CopyOptions {
    /// Blobs transferring at once (also: extra tags written at once).
    pub concurrency: usize,
    /// Who hears about progress.
    pub observer: Arc<dyn CopyObserver>,
    /// Which successors are copied; all of them when `None`.
    pub filter: Option<SuccessorFilter>,
    /// Whether a manifest's `subject` is copied too (pull follows it only with
    /// `--include-subject`).
    pub include_subject: bool,
    /// The repository (of the destination's registry) blobs are mounted from instead of being
    /// transferred; when the destination answers that it cannot mount, the blob is copied.
    pub mount_from: Option<String>,
    /// With a platform, [`copy`] copies the manifest of that platform from an index (or checks
    /// that a single manifest is of it): see [`platform::select_platform`].
    pub platform: Option<Platform>,
    /// With two or more platforms (which take the place of `platform`), [`copy`] copies the
    /// index narrowed to them, or the whole index when they are all its platforms: see
    /// [`platform::narrow_index`].
    pub platforms: Vec<Platform>,
    /// Whether [`copy`] copies the referrers of the root too, recursively (`cp -r`; see
    /// [`copy_referrers`]).
    pub referrers: bool,
    /// Further tags [`copy`] points at the root once everything is copied
    /// ([`crate::tag::tag_bytes_n`]).
    pub extra_tags: Vec<String>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            concurrency: 3,
            observer: Arc::new(NoopObserver),
            filter: None,
            include_subject: true,
            mount_from: None,
            platform: None,
            platforms: Vec::new(),
            referrers: false,
            extra_tags: Vec::new(),
        }
    }
}

impl CopyOptions {
    /// The defaults ([`CopyOptions::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`CopyOptions::concurrency`].
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets [`CopyOptions::observer`].
    pub fn with_observer(mut self, observer: Arc<dyn CopyObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Sets [`CopyOptions::filter`].
    pub fn with_filter(mut self, filter: SuccessorFilter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sets [`CopyOptions::include_subject`].
    pub fn with_include_subject(mut self, include: bool) -> Self {
        self.include_subject = include;
        self
    }

    /// Sets [`CopyOptions::mount_from`].
    pub fn with_mount_from(mut self, repository: impl Into<Option<String>>) -> Self {
        self.mount_from = repository.into();
        self
    }

    /// Mounts blobs from the source repository when both sides are repositories of one
    /// registry (as oras does); otherwise leaves [`CopyOptions::mount_from`] as it is.
    pub fn with_mount_between(self, src: Option<&Reference>, dst: Option<&Reference>) -> Self {
        match (src, dst) {
            (Some(s), Some(d)) if s.registry == d.registry => {
                self.with_mount_from(s.repository.clone())
            }
            _ => self,
        }
    }

    /// Sets [`CopyOptions::platform`].
    pub fn with_platform(mut self, platform: impl Into<Option<Platform>>) -> Self {
        self.platform = platform.into();
        self
    }

    /// Sets the platforms to copy: none keeps [`CopyOptions::platform`], one sets it, two or
    /// more set [`CopyOptions::platforms`].
    ///
    /// ```
    /// use oras_rs::copy::{CopyOptions, platform::parse_platforms};
    ///
    /// let one = CopyOptions::new().with_platforms(parse_platforms("linux/amd64")?);
    /// assert!(one.platform.is_some() && one.platforms.is_empty());
    /// let two = CopyOptions::new().with_platforms(parse_platforms("linux/amd64,linux/arm64")?);
    /// assert_eq!(two.platforms.len(), 2);
    /// # Ok::<(), oras_rs::Error>(())
    /// ```
    pub fn with_platforms(mut self, mut platforms: Vec<Platform>) -> Self {
        match platforms.len() {
            0 => {}
            1 => {
                self.platform = platforms.pop();
                self.platforms.clear();
            }
            _ => self.platforms = platforms,
        }
        self
    }

    /// Sets [`CopyOptions::referrers`].
    pub fn with_referrers(mut self, referrers: bool) -> Self {
        self.referrers = referrers;
        self
    }

    /// Sets [`CopyOptions::extra_tags`].
    pub fn with_tags(mut self, tags: Vec<String>) -> Self {
        self.extra_tags = tags;
        self
    }
}

/// How deep a graph may nest below its root (index → index → … → manifest → blob). Real
/// artifacts nest a few levels; a registry serving thousands would otherwise make the walk, whose
/// futures nest one per level, overflow the stack.
pub const MAX_GRAPH_DEPTH: usize = 64;

/// A node of the walk ([`node_key`]).
type NodeKey = [u8; 32];

/// A node of the walk: digest, media type (oras-go's tracker tells nodes apart by both) and
/// title (two files with the same bytes are two files), as the SHA-256 of the three: one
/// fixed-size key instead of three strings per node, which a walk of 15,000 files keeps to its end.
fn node_key(desc: &Descriptor) -> NodeKey {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    // Each part is length-prefixed, so no two different tuples hash the same bytes.
    let parts = [
        Some(desc.digest.algorithm().as_str()),
        Some(desc.digest.hex()),
        Some(desc.media_type.as_str()),
        desc.title(),
    ];
    for part in parts {
        match part {
            Some(p) => {
                h.update([1]);
                h.update((p.len() as u64).to_le_bytes());
                h.update(p.as_bytes());
            }
            None => h.update([0]),
        }
    }
    h.finalize().into()
}

struct Ctx<'a> {
    src: &'a dyn ReadOnlyTarget,
    dst: &'a dyn Target,
    opts: &'a CopyOptions,
    permits: Semaphore,
    /// One cell per node: concurrent visitors of the same node wait for the first.
    seen: Mutex<HashMap<NodeKey, Arc<OnceCell<()>>>>,
}

/// Copies the graph rooted at `src_ref` (tag or digest) of `src` into `dst` and returns the
/// root's descriptor (oras-go's `oras.Copy`).
///
/// With [`CopyOptions::platform`] the root is the manifest of that platform. `dst_ref` is the
/// tag the root gets (it is written under it even when the destination has the digest), or a
/// digest the root must have (checked before anything is copied), or `None`. Then, as
/// [`CopyOptions`] says, the root's referrers are copied ([`copy_referrers`]) and the extra
/// tags written.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::content::layout::OciLayout;
/// use oras_rs::content::memory::MemoryStore;
/// use oras_rs::content::{ReadOnlyTarget, Target};
/// use oras_rs::copy::{CopyOptions, copy};
/// use oras_rs::digest::Digest;
/// use oras_rs::oci::{Descriptor, media_type};
///
/// // A memory store holding one file and a manifest listing it, tagged `v1`.
/// let src = MemoryStore::new();
/// let hello = b"Hello World!\n".to_vec();
/// let layer = Descriptor::new("plain/text", Digest::sha256_of(&hello), hello.len() as u64);
/// src.insert(&layer, hello.clone());
/// src.insert(&Descriptor::empty_json(), b"{}".to_vec());
/// let manifest = format!(
///     r#"{{"schemaVersion":2,"mediaType":"{}","artifactType":"application/vnd.example","config":{},"layers":[{}]}}"#,
///     media_type::OCI_MANIFEST,
///     serde_json::to_string(&Descriptor::empty_json()).unwrap(),
///     serde_json::to_string(&layer).unwrap(),
/// );
/// let root = Descriptor::new(
///     media_type::OCI_MANIFEST,
///     Digest::sha256_of(manifest.as_bytes()),
///     manifest.len() as u64,
/// );
/// src.push_reference(&root, manifest.into_bytes(), "v1").await?;
///
/// // Copy it into an OCI image layout, tagged `v1` and `latest`.
/// let dir = tempfile::tempdir().unwrap();
/// let layout = OciLayout::new(dir.path());
/// let opts = CopyOptions::new().with_tags(vec!["latest".into()]);
/// let copied = copy(&src, "v1", &layout, Some("v1"), &opts).await?;
/// assert_eq!(copied.digest, root.digest);
/// assert_eq!(layout.resolve("latest").await?.digest, root.digest);
/// assert!(layout.exists(&layer).await?);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn copy(
    src: &dyn ReadOnlyTarget,
    src_ref: &str,
    dst: &dyn Target,
    dst_ref: Option<&str>,
    opts: &CopyOptions,
) -> Result<Descriptor> {
    // Resolving the root is not one side of the copy (oras-go's `Copy` reports it plainly).
    let (root, bytes) = src.fetch_reference(src_ref).await?;
    let (root, mut bytes) = match (&opts.platform, opts.platforms.as_slice()) {
        (_, [_, _, ..]) => match platform::narrow_index(src_ref, &root, &bytes, &opts.platforms)? {
            Some(narrowed) => {
                if opts.referrers {
                    opts.observer.on_referrers_not_copied(&root);
                }
                narrowed
            }
            None => (root, bytes),
        },
        (Some(p), _) => platform::select_platform(src, &root, bytes, p).await?,
        (None, _) => (root, bytes),
    };
    let tag = match dst_ref.map(|r| (r, r.parse::<Digest>())) {
        Some((_, Ok(wanted))) if wanted != root.digest => {
            return Err(Error::invalid(format!(
                "the destination digest {wanted} does not match the copied manifest {}",
                root.digest
            )));
        }
        Some((tag, Err(_))) => Some(tag),
        _ => None,
    };
    // One walk for the artifact and its referrers: a node they share is copied and reported
    // once (oras-go's `ExtendedCopyGraph` tracks every node of the whole graph).
    let ctx = Ctx::new(src, dst, opts);
    // The bytes are kept only when the referrers or the extra tags need them again: a manifest
    // of megabytes is not held twice for nothing.
    let root_bytes = if opts.referrers || !opts.extra_tags.is_empty() {
        bytes.clone()
    } else {
        std::mem::take(&mut bytes)
    };
    copy_root_in(&ctx, &root, root_bytes, tag).await?;
    if opts.referrers {
        copy_referrers_in(&ctx, &root, &bytes)
            .await
            .map_err(|e| e.context(format!("copying the referrers of {}", root.digest)))?;
    }
    crate::tag::tag_bytes_n(dst, &root, &bytes, &opts.extra_tags, opts.concurrency)
        .await
        .map_err(|e| e.at(DST))?;
    Ok(root)
}

/// Copies the graph below the manifest `root` (whose bytes the caller already holds), then the
/// manifest itself, tagged `dst_ref` when given.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::{CopyOptions, copy_root};
/// use oras_rs::{MemoryStore, OciLayout, PackOptions, ReadOnlyTarget, Target, pack_manifest};
///
/// let src = MemoryStore::new();
/// let layer = src.add(Some("hi.txt"), "text/plain", b"hi\n".to_vec());
/// let options = PackOptions { layers: vec![layer.clone()], ..PackOptions::default() };
/// let root = pack_manifest(&src, &options).await?;
/// let bytes = src.get(&root.digest).unwrap();
///
/// let dir = tempfile::tempdir().unwrap();
/// let dst = OciLayout::new(dir.path());
/// copy_root(&src, &dst, &root, bytes, Some("v1"), &CopyOptions::default()).await?;
/// assert_eq!(dst.resolve("v1").await?.digest, root.digest);
/// assert!(dst.exists(&layer).await?);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn copy_root(
    src: &dyn ReadOnlyTarget,
    dst: &dyn Target,
    root: &Descriptor,
    bytes: Vec<u8>,
    dst_ref: Option<&str>,
    opts: &CopyOptions,
) -> Result<()> {
    copy_root_in(&Ctx::new(src, dst, opts), root, bytes, dst_ref).await
}

impl<'a> Ctx<'a> {
    fn new(src: &'a dyn ReadOnlyTarget, dst: &'a dyn Target, opts: &'a CopyOptions) -> Self {
        Ctx {
            src,
            dst,
            opts,
            permits: Semaphore::new(opts.concurrency.max(1)),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records `desc` as copied, so the walk does not visit (nor report) it again.
    fn mark_copied(&self, desc: &Descriptor) {
        let key = node_key(desc);
        let cell = self
            .seen
            .lock()
            .expect("copy lock")
            .entry(key)
            .or_default()
            .clone();
        let _ = cell.set(());
    }
}

/// [`copy_root`] within the walk `ctx`.
async fn copy_root_in(
    ctx: &Ctx<'_>,
    root: &Descriptor,
    bytes: Vec<u8>,
    dst_ref: Option<&str>,
) -> Result<()> {
    let (dst, observer) = (ctx.dst, &ctx.opts.observer);
    let children = children_of(ctx, &root.media_type, &bytes)?;
    copy_children(ctx, children, 1).await?;
    match dst_ref {
        Some(tag) => {
            // The root is always written under its tag, even when the digest already exists.
            observer.on_start(root);
            dst.push_reference(root, bytes, tag)
                .await
                .map_err(|e| e.at(DST))?;
            observer.on_done(root);
        }
        None if dst.exists(root).await.map_err(|e| e.at(DST))? => observer.on_exists(root),
        None => {
            observer.on_start(root);
            dst.push(root, Box::pin(std::io::Cursor::new(bytes)))
                .await
                .map_err(|e| e.at(DST))?;
            observer.on_done(root);
        }
    }
    ctx.mark_copied(root);
    Ok(())
}

/// The successors of a manifest, without its subject unless the copy follows subjects.
fn children_of(ctx: &Ctx<'_>, media_type: &str, bytes: &[u8]) -> Result<Vec<Descriptor>> {
    let (subject, mut children) = oci::manifest::subject_and_successors(media_type, bytes)?;
    if let Some(subject) = subject.filter(|_| ctx.opts.include_subject) {
        children.insert(0, subject);
    }
    Ok(children)
}

fn copy_children<'a>(
    ctx: &'a Ctx<'a>,
    children: Vec<Descriptor>,
    depth: usize,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        // Skips are reported first, in the manifest's order, as before any copy starts. The
        // children kept are decided again as their turn comes, so a manifest of 15,000 layers
        // is one list of descriptors giving its memory back as it drains, not two.
        let filter = ctx.opts.filter.as_ref();
        if let Some(f) = filter {
            for child in children.iter().filter(|c| matches!(f(c), Decision::Skip)) {
                ctx.opts.observer.on_skipped(child);
            }
        }
        let picked = draining(children).filter_map(move |child| match filter {
            None => Some(child),
            Some(f) => match f(&child) {
                Decision::Copy(desc) => Some(*desc),
                Decision::Skip | Decision::Ignore => None,
            },
        });
        // The children's walks are started a few at a time, not all at once: each is a boxed
        // future of a few KiB, and a manifest of 15,000 layers made 15,000 of them (60 MiB).
        // Enough are in flight to keep every permit busy while the next ones wait for theirs.
        stream::iter(picked)
            .map(|desc| copy_node(ctx, desc, depth))
            .buffer_unordered(in_flight(ctx.opts.concurrency))
            .try_for_each(|()| std::future::ready(Ok(())))
            .await
    })
}

/// `list`'s items in order, its memory given back as it empties: the descriptors of a
/// 15,000-layer manifest (about 300 bytes each) would otherwise stay allocated until the last
/// one's copy ends, beside the list of files written meanwhile.
fn draining<T>(mut list: Vec<T>) -> impl Iterator<Item = T> {
    list.reverse();
    std::iter::from_fn(move || {
        let next = list.pop();
        // Halved whenever half is free: the copies add up to one pass over the list.
        if list.capacity() > 64 && list.len() <= list.capacity() / 2 {
            list.shrink_to_fit();
        }
        next
    })
}

/// How many children of one manifest are walked at once, for `concurrency` permits.
fn in_flight(concurrency: usize) -> usize {
    concurrency.max(1).saturating_mul(4).max(8)
}

fn copy_node<'a>(ctx: &'a Ctx<'a>, desc: Descriptor, depth: usize) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if depth > MAX_GRAPH_DEPTH {
            return Err(Error::Protocol(format!(
                "{}: the graph nests more than {MAX_GRAPH_DEPTH} levels deep below its root; refusing to walk it",
                desc.digest
            )));
        }
        let key = node_key(&desc);
        let cell = ctx
            .seen
            .lock()
            .expect("copy lock")
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_try_init(|| copy_node_once(ctx, &desc, depth))
            .await?;
        Ok(())
    })
}

async fn copy_node_once(ctx: &Ctx<'_>, desc: &Descriptor, depth: usize) -> Result<()> {
    let observer = &ctx.opts.observer;
    let is_manifest =
        media_type::is_manifest(&desc.media_type) || media_type::is_index(&desc.media_type);
    // A blob's permit covers its existence check too: a thousand blobs are a thousand HEADs,
    // and without the permit they would all be in flight at once (a connection and its buffers
    // each). A manifest holds none: it waits for its children, which need permits.
    let _permit = if is_manifest {
        None
    } else {
        Some(
            ctx.permits
                .acquire()
                .await
                .map_err(|_| Error::Protocol("copy cancelled".into()))?,
        )
    };
    if ctx.dst.exists(desc).await.map_err(|e| e.at(DST))? {
        observer.on_exists(desc);
        return Ok(());
    }
    if is_manifest {
        let fetched = ctx.src.fetch(desc).await.map_err(|e| e.at(SRC))?;
        let bytes = read_manifest(fetched, desc).await.map_err(|e| e.at(SRC))?;
        let children = children_of(ctx, &desc.media_type, &bytes)?;
        copy_children(ctx, children, depth + 1).await?;
        observer.on_start(desc);
        ctx.dst
            .push(desc, Box::pin(std::io::Cursor::new(bytes)))
            .await
            .map_err(|e| e.at(DST))?;
        observer.on_done(desc);
        return Ok(());
    }
    if let Some(from) = &ctx.opts.mount_from {
        match ctx.dst.mount(desc, from).await {
            Ok(Mount::Mounted) => {
                observer.on_mounted(desc);
                return Ok(());
            }
            Ok(Mount::NotMounted | Mount::Unsupported) => {}
            // Not allowed to read the source repository: copying may still work (oras retries
            // without mounting too).
            Err(Error::Response(r)) if r.status == 401 || r.status == 403 => {}
            Err(e) => return Err(e.at(DST)),
        }
    }
    observer.on_start(desc);
    let started = std::time::Instant::now();
    // A failed upload is restarted from the source: a fresh reader, and on a registry a fresh
    // upload session (POST, then PUT). Before each restart the destination is asked whether the
    // blob arrived after all (the answer may have been lost, not the bytes).
    let mut restarts = 0;
    // A streamed upload refused with 401 (its token expired on the way) is restarted once: the
    // client fetched a fresh token when it saw the 401.
    let mut reauthorized = false;
    loop {
        match transfer_blob(ctx, desc).await {
            Ok(()) => break,
            Err((_, Error::Response(r))) if r.status == 401 && !reauthorized => {
                reauthorized = true;
                tracing::debug!(digest = %desc.digest, "upload refused with 401; restarting it with a fresh token");
                drop(r);
            }
            Err((_, e)) if restarts + 1 < UPLOAD_ATTEMPTS && upload_restartable(&e) => {
                tokio::time::sleep(restart_backoff(restarts)).await;
                restarts += 1;
                if ctx.dst.exists(desc).await.map_err(|e| e.at(DST))? {
                    tracing::debug!(digest = %desc.digest, "blob arrived despite the failed upload");
                    break;
                }
                tracing::debug!(
                    digest = %desc.digest,
                    attempt = restarts + 1,
                    "upload failed ({e}); restarting it from the source"
                );
            }
            Err((side, e)) => return Err(e.at(side)),
        }
    }
    let elapsed = started.elapsed();
    tracing::debug!(
        digest = %desc.digest,
        size = desc.size,
        elapsed_ms = elapsed.as_millis() as u64,
        mib_per_s = (desc.size as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64().max(1e-6)) as u64,
        restarts,
        "blob transferred"
    );
    observer.on_done(desc);
    Ok(())
}

/// Uploads of one blob in all, the first included: a failed upload is restarted from the source
/// at most twice.
const UPLOAD_ATTEMPTS: u32 = 3;

/// Whether a failed upload is worth restarting from the source: the request is retryable
/// ([`Error::is_retryable`]: a broken connection, a timeout, 408, 429, most 5xx), or the registry
/// answered 413 (it switches to chunked uploads after it). A refused digest, a missing
/// permission or a TLS failure would fail again.
fn upload_restartable(e: &Error) -> bool {
    e.is_retryable() || matches!(e, Error::Response(r) if r.status == 413)
}

/// The wait before restart number `restart` (0 for the first): the registry client's backoff,
/// from `ORAS_RETRY_BASE_MS` (250 ms when unset), doubling, at most 16 times the base or 4 s.
fn restart_backoff(restart: u32) -> Duration {
    let base = std::env::var("ORAS_RETRY_BASE_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_millis(250), Duration::from_millis);
    let max = Duration::from_secs(4).min(base.saturating_mul(16));
    base.saturating_mul(1u32 << restart.min(20)).min(max)
}

/// One transfer of a blob: a new reader of the source, verified (unless the destination checks
/// the digest itself) and counted, pushed to the destination.
/// A failure says which side it came from.
async fn transfer_blob(ctx: &Ctx<'_>, desc: &Descriptor) -> Result<(), (CopySide, Error)> {
    let observer = &ctx.opts.observer;
    let reader = ctx.src.fetch(desc).await.map_err(|e| (SRC, e))?;
    // A destination that checks the digest of what it stores (a registry checks `?digest=`)
    // does not need the bytes hashed here too: that would hash every pushed file twice (once
    // when it was added, once on the way out). Everything else gets them verified.
    let checked: BlobReader = if ctx.dst.verifies_uploads() {
        reader
    } else {
        Box::pin(VerifyingReader::new(reader, desc.digest.clone(), desc.size))
    };
    let counted = ProgressReader {
        inner: checked,
        desc: desc.clone(),
        observer: observer.clone(),
        read: 0,
    };
    ctx.dst
        .push(desc, Box::pin(counted))
        .await
        .map_err(|e| (DST, e))
}

/// Counts the bytes read through it for [`CopyObserver::on_progress`], and refuses more bytes
/// than the descriptor's size (cheap, and a stream that is too long stops at once even when
/// the digest is checked by the destination).
struct ProgressReader {
    inner: BlobReader,
    desc: Descriptor,
    observer: Arc<dyn CopyObserver>,
    read: u64,
}

impl tokio::io::AsyncRead for ProgressReader {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        let this = self.get_mut();
        let before = buf.filled().len();
        match this.inner.as_mut().poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let n = (buf.filled().len() - before) as u64;
                if n > 0 {
                    this.read += n;
                    if this.read > this.desc.size {
                        // None of the excess reaches the destination.
                        buf.set_filled(before);
                        let e = VerifyError::SizeMismatch {
                            expected: this.desc.size,
                            actual: this.read,
                        };
                        return Poll::Ready(Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            e,
                        )));
                    }
                    this.observer.on_progress(&this.desc, this.read);
                }
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

/// Copies the referrers of `root` into `dst` (`cp -r`): every manifest whose `subject` is the
/// root, or a child manifest of the root when it is an index, then their referrers in turn. Each
/// referrer is copied by digest with its whole graph; cycles end because each manifest is
/// visited once. Call it after the root itself was copied, so subjects exist first.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use oras_rs::copy::{CopyOptions, copy, copy_referrers};
/// use oras_rs::{OciLayout, PackOptions, ReadOnlyTarget, Target, pack_manifest};
///
/// let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
/// let (src, dst) = (OciLayout::new(a.path()), OciLayout::new(b.path()));
/// let image = pack_manifest(&src, &PackOptions::default()).await?;
/// src.tag(&image, "v1").await?;
/// let attach = PackOptions { subject: Some(image.clone()), ..PackOptions::default() };
/// let sbom = pack_manifest(&src, &attach).await?;
///
/// let opts = CopyOptions::default();
/// copy(&src, "v1", &dst, Some("v1"), &opts).await?;
/// let bytes = std::fs::read(src.blob_path(&image.digest)).unwrap();
/// copy_referrers(&src, &dst, &image, &bytes, &opts).await?;
/// assert!(dst.exists(&sbom).await?);
/// assert_eq!(oras_rs::referrers::list(&dst, &image, None).await?[0].digest, sbom.digest);
/// # Ok::<(), oras_rs::Error>(())
/// # }).unwrap();
/// ```
pub async fn copy_referrers(
    src: &dyn ReadOnlyTarget,
    dst: &dyn Target,
    root: &Descriptor,
    root_bytes: &[u8],
    opts: &CopyOptions,
) -> Result<()> {
    let ctx = Ctx::new(src, dst, opts);
    ctx.mark_copied(root);
    copy_referrers_in(&ctx, root, root_bytes).await
}

/// [`copy_referrers`] within the walk `ctx`, which has copied `root`.
async fn copy_referrers_in(ctx: &Ctx<'_>, root: &Descriptor, root_bytes: &[u8]) -> Result<()> {
    let src = ctx.src;
    let mut queue = std::collections::VecDeque::from([root.clone()]);
    if media_type::is_index(&root.media_type) {
        queue.extend(
            oci::successors(&root.media_type, root_bytes)?
                .into_iter()
                .filter(|d| {
                    media_type::is_manifest(&d.media_type) || media_type::is_index(&d.media_type)
                }),
        );
    }
    let mut visited: std::collections::HashSet<Digest> =
        queue.iter().map(|d| d.digest.clone()).collect();
    while let Some(node) = queue.pop_front() {
        let referrers = crate::referrers::list(src, &node, None).await;
        for referrer in referrers.map_err(|e| e.at(SRC))? {
            if !visited.insert(referrer.digest.clone()) {
                continue;
            }
            let fetched = src.fetch(&referrer).await.map_err(|e| e.at(SRC))?;
            let bytes = read_manifest(fetched, &referrer)
                .await
                .map_err(|e| e.at(SRC))?;
            copy_root_in(ctx, &referrer, bytes, None).await?;
            queue.push_back(referrer);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn draining_keeps_the_order_and_gives_memory_back() {
        let mut it = draining((0..1000).collect::<Vec<u32>>());
        assert_eq!(
            it.by_ref().take(900).collect::<Vec<_>>(),
            (0..900).collect::<Vec<_>>()
        );
        assert_eq!(it.collect::<Vec<_>>(), (900..1000).collect::<Vec<_>>());
    }

    #[test]
    fn node_keys_tell_digest_type_and_title_apart() {
        let blob = |media_type: &str, title: Option<&str>| {
            let mut d = Descriptor::new(media_type, Digest::sha256_of(b"x"), 1);
            d.annotations = title.map(|t| [(oci::annotations::TITLE.into(), t.into())].into());
            d
        };
        let keys = [
            node_key(&blob("a", None)),
            node_key(&blob("a", Some("f"))),
            node_key(&blob("b", None)),
            node_key(&blob("a", Some(""))),
            node_key(&Descriptor::new("a", Digest::sha256_of(b"y"), 1)),
        ];
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
        assert_eq!(node_key(&blob("a", Some("f"))), keys[1]);
    }

    #[derive(Default)]
    struct Recorder(Mutex<Vec<u64>>);
    impl CopyObserver for Recorder {
        fn on_progress(&self, _desc: &Descriptor, bytes: u64) {
            self.0.lock().unwrap().push(bytes);
        }
    }

    fn reader(data: &'static [u8], size: u64, observer: Arc<Recorder>) -> ProgressReader {
        let desc = Descriptor::new(
            "application/octet-stream".to_string(),
            Digest::sha256_of(data),
            size,
        );
        ProgressReader {
            inner: Box::pin(data),
            desc,
            observer,
            read: 0,
        }
    }

    #[tokio::test]
    async fn progress_reader_reports_running_totals() {
        let observer = Arc::new(Recorder::default());
        let mut r = reader(b"0123456789", 10, observer.clone());
        let mut buf = [0u8; 4];
        let mut got = Vec::new();
        loop {
            let n = r.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"0123456789");
        assert_eq!(*observer.0.lock().unwrap(), [4, 8, 10]);
    }

    #[tokio::test]
    async fn progress_reader_refuses_bytes_past_the_size() {
        let observer = Arc::new(Recorder::default());
        let mut r = reader(b"0123456789", 6, observer);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).await.unwrap_err();
        assert!(matches!(
            crate::digest::verify_error(&err),
            Some(VerifyError::SizeMismatch { expected: 6, .. })
        ));
    }
}
