//! oras-rs: "OCI Registry As Storage" in Rust: push, pull and copy any content (files, Helm
//! charts, SBOMs, signatures, WASM modules, ML models) to and from OCI registries and OCI image
//! layouts. It is the SDK under the `oras` binary (which is a drop-in for the Go oras CLI), shaped
//! after oras-go v2, and it streams: blobs are hashed while they move, written to temp files and
//! renamed only once verified, and memory does not grow with their size.
//!
//! # The model
//!
//! Every place content lives is a *target*: a repository of a registry ([`Repository`], opened
//! from a reference string with [`RemoteOptions`]), an OCI image layout on disk ([`OciLayout`]),
//! a directory of plain files ([`FileStore`]) or memory ([`MemoryStore`]). They all implement
//! [`ReadOnlyTarget`] (fetch, exists, resolve) and, when writable, [`Target`] (push, tag).
//! Content is a graph of [`Descriptor`]s: an index points at manifests, a manifest at its config
//! and layers, and a referrer (a signature, an SBOM) at its `subject`.
//!
//! Every transfer is one algorithm, [`copy()`]: a walk of that graph from a root that copies the
//! children of a node before the node, so a manifest is stored last and a tag never points at
//! missing content. A push is a copy from memory or files to a repository, a pull a copy from a
//! repository to files ([`pull()`] adds the checks and file naming of `oras pull`), `oras cp` a
//! copy between any two targets.
//!
//! # Data flow of a push and a pull
//!
//! 1. Pack: blobs go into a [`MemoryStore`] ([`MemoryStore::add`]) or are named as files
//!    ([`pack::PackFiles`]); [`pack_manifest`] builds the manifest (oras's exact bytes) and its
//!    `{}` config there.
//! 2. Copy: [`copy()`] to the destination `Target`: each blob is checked with `exists` and
//!    skipped when present, mounted across repositories when it can be, otherwise streamed
//!    (concurrently, [`CopyOptions::concurrency`]); then the manifest is pushed under its tag.
//! 3. Pull: [`pull()`] resolves the tag, walks the manifest, and writes each titled layer to
//!    `<dir>/<title>` through a temp file renamed once the digest matched; the media types it
//!    accepts are a [`PullOptions`] filter.
//!
//! # Tasks
//!
//! | To | Use | Example |
//! |----|-----|---------|
//! | push bytes held in memory | [`MemoryStore::add`], [`pack_manifest`], [`copy()`] | [`pack_manifest`], `examples/push_pull.rs` |
//! | push files or a directory | [`pack::PackFiles::pack`], [`pack::PackedFiles::copy_to`] | [`pack::PackFiles::pack`], `examples/push_directory.rs` |
//! | pull into a directory | [`pull()`] with [`PullOptions`] | [`pull()`] |
//! | copy with referrers, or one platform | [`copy()`] with [`CopyOptions::with_referrers`], [`CopyOptions::with_platform`] | `examples/copy_to_layout.rs` |
//! | attach and discover | [`pack_manifest`] with a `subject`, [`discover`] | `examples/attach_discover.rs` |
//! | tag, resolve | [`tag::tag_n`], [`manifest::resolve`] | below |
//! | fetch or push one manifest or blob | [`manifest`], [`blob`] | their modules |
//! | list repositories and tags | [`Registry::list_repositories`], [`listing::list_tags`] | [`listing`] |
//! | an index of manifests | [`index`] | [`index`] |
//!
//! A registry is reached the way `oras` reaches it by default: credentials from the docker
//! credential store, HTTPS except plain HTTP for `localhost` (and for a loopback address that
//! answers in plaintext); [`RemoteOptions`] says
//! otherwise (static credentials, a CA file, plain HTTP, retries, chunked uploads, the
//! distribution spec).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use oras_rs::{CopyOptions, MemoryStore, OciLayout, PackOptions, ReadOnlyTarget, Target};
//! use oras_rs::{copy, manifest, pack_manifest, tag};
//!
//! // Pack a file held in memory, then copy it to a repository (an OCI layout here; a
//! // `Repository::open("localhost:5000/hello:v1", &RemoteOptions::default())?` is used the same
//! // way).
//! let memory = MemoryStore::new();
//! let layer = memory.add(Some("hello.txt"), "text/plain", b"hello\n".to_vec());
//! let options = PackOptions { layers: vec![layer], ..PackOptions::default() };
//! let root = pack_manifest(&memory, &options).await?;
//! memory.tag(&root, "v1").await?;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let repo = OciLayout::new(dir.path());
//! copy(&memory, "v1", &repo, Some("v1"), &CopyOptions::default()).await?;
//!
//! // More tags, and resolving one of them.
//! tag::tag_n(&repo, "v1", &["stable".to_string()], 3).await?;
//! assert_eq!(manifest::resolve(&repo, "stable", None).await?.digest, root.digest);
//! assert_eq!(repo.resolve("v1").await?.digest, root.digest);
//! # Ok::<(), oras_rs::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Errors
//!
//! Every function returns [`Error`]: the registry's HTTP status and error codes
//! ([`registry::error::ErrorResponse`]), the reference, digest mismatches, bad input. The library
//! never prints and never exits; the `oras` binary turns results and errors into output, hints
//! and exit codes.
#![deny(missing_docs)]

pub mod blob;
pub mod content;
pub mod copy;
pub mod credentials;
pub mod digest;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod index;
pub mod listing;
pub mod manifest;
pub mod oci;
pub mod pack;
pub mod reference;
pub mod referrers;
pub mod registry;
pub mod tag;

pub use content::file::{FileStore, WritePolicy};
pub use content::layout::OciLayout;
pub use content::memory::MemoryStore;
pub use content::{BlobReader, ReadOnlyTarget, Target};
pub use copy::pull::{PullOptions, Pulled, pull};
pub use copy::{CopyObserver, CopyOptions, copy};
pub use credentials::Credential;
pub use digest::Digest;
pub use error::{Error, Result};
pub use oci::{Descriptor, Platform};
pub use pack::{ImageSpec, PackFiles, PackOptions, PackedFiles, pack_manifest};
pub use reference::Reference;
pub use referrers::discover;
pub use registry::{Credentials, Registry, RemoteOptions, Repository};
