//! `oras version`: the layout oras prints (keys padded to the longest), with our own version,
//! the Rust toolchain in place of Go's, the platform, the TLS backend, and the git commit when
//! built from a checkout.

use anyhow::Result;
use clap::Args;

/// Show version information
#[derive(Args, Debug)]
pub struct VersionArgs {
    /// Ignored, as oras ignores them
    #[arg(hide = true)]
    extra: Vec<String>,
}

/// The `key: value` lines of `oras version`, in order.
pub fn lines() -> Vec<(&'static str, String)> {
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    let mut lines = vec![
        ("Version", env!("CARGO_PKG_VERSION").to_string()),
        ("Rust version", env!("ORAS_RUSTC_VERSION").to_string()),
        ("OS/Arch", format!("{os}/{arch}")),
        ("TLS", tls()),
    ];
    let commit = env!("ORAS_GIT_COMMIT");
    if !commit.is_empty() {
        lines.push(("Git commit", commit.to_string()));
    }
    lines
}

/// The TLS backend: rustls with the ring provider, certificates checked against the system's
/// trust store (reqwest's rustls-platform-verifier) plus `--ca-file`.
fn tls() -> String {
    match env!("ORAS_RUSTLS_VERSION") {
        "" => "rustls (ring, system roots)".to_string(),
        v => format!("rustls {v} (ring, system roots)"),
    }
}

/// Runs `oras version`.
pub fn run(args: VersionArgs) -> Result<()> {
    if !args.extra.is_empty() {
        eprintln!(
            "warning: `oras version` requires no argument, {:?} will be ignored",
            args.extra.join(",")
        );
    }
    let lines = lines();
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    for (key, value) in lines {
        let key = format!("{key}:");
        crate::output::println_ignore_pipe(&format!("{key:<width$}{value}"));
    }
    Ok(())
}
