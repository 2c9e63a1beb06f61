//! The integration tests of oras-rs, as one test binary: each file is a module, and they share
//! the harness in [`common`] (real registries on loopback ports, the `oras` command builder,
//! fixtures). A new test file is a new `mod` line here, not a new `tests/*.rs` file (which would
//! be another binary that compiles the harness again).

mod common;

mod artifact_platform;
mod auth;
mod backup;
mod blob;
mod cache;
mod cli_surface;
mod directories;
mod e2e_attach;
mod e2e_auth;
mod e2e_backup;
mod e2e_blob;
mod e2e_cp;
mod e2e_cp_multiplatform;
mod e2e_discover;
mod e2e_manifest;
mod e2e_manifest_index;
mod e2e_misc;
mod e2e_pull;
mod e2e_push;
mod e2e_repo;
mod e2e_scenario;
mod e2e_status;
mod e2e_tag;
mod filesystems;
mod graph_depth;
mod harness;
mod headers;
mod hostile;
mod index;
mod layout_cp;
mod layout_descriptors;
mod manifest;
mod oras0x;
mod parity;
mod push_pull;
mod referrers;
mod repo;
mod repo_ls_auth;
mod skip_unchanged;
mod stdio;
mod templates;
mod terminal;
mod tls;
