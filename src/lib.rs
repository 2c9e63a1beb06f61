//! oras-rs: "OCI Registry As Storage" in Rust.
//!
//! Every place content lives is a *target*: a remote registry repository
//! ([`registry::Repository`]), a set of local files ([`content::file::FileStore`]) or memory
//! ([`content::memory::MemoryStore`]). They all implement [`content::ReadOnlyTarget`] /
//! [`content::Target`], and every transfer is one algorithm, [`copy::copy`]: a graph walk that
//! copies the children of a manifest before the manifest itself. `push` is a copy from files to a
//! registry, `pull` a copy from a registry to files.
//!
//! The library never prints and never exits; the `oras` binary turns its results and
//! [`Error`]s into output and exit codes.
#![deny(missing_docs)]

pub mod blob;
pub mod content;
pub mod copy;
pub mod credentials;
pub mod digest;
pub mod error;
pub mod index;
pub mod listing;
pub mod manifest;
pub mod oci;
pub mod pack;
pub mod reference;
pub mod referrers;
pub mod registry;
pub mod tag;

pub use copy::pull::{PullOptions, Pulled, pull};
pub use copy::{CopyOptions, copy};
pub use error::{Error, Result};
pub use pack::{ImageSpec, PackFiles, PackOptions, PackedFiles, pack_manifest};
