//! The integration tests of oras-rs, as one test binary: each file is a module, and they share
//! the harness in [`common`] (real registries on loopback ports, the `oras` command builder,
//! fixtures). A new test file is a new `mod` line here, not a new `tests/*.rs` file (which would
//! be another binary that compiles the harness again).

mod common;

mod auth;
mod backup;
mod blob;
mod cache;
mod cli_surface;
mod directories;
mod filesystems;
mod graph_depth;
mod harness;
mod hostile;
mod index;
mod layout_cp;
mod manifest;
mod oras0x;
mod parity;
mod push_pull;
mod referrers;
mod repo;
mod repo_ls_auth;
mod stdio;
mod templates;
mod terminal;
mod tls;
