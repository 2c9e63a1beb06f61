//! `oras version`: the layout oras prints, with our own version and toolchain.

use anyhow::Result;
use clap::Args;

/// Show version information
#[derive(Args, Debug)]
pub struct VersionArgs {
    /// Ignored, as oras ignores them
    #[arg(hide = true)]
    extra: Vec<String>,
}

/// Runs `oras version`.
pub fn run(args: VersionArgs) -> Result<()> {
    if !args.extra.is_empty() {
        eprintln!(
            "warning: `oras version` requires no argument, {:?} will be ignored",
            args.extra.join(",")
        );
    }
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    crate::output::println_ignore_pipe(&format!("Version:        {}", env!("CARGO_PKG_VERSION")));
    crate::output::println_ignore_pipe(&format!("OS/Arch:        {os}/{arch}"));
    Ok(())
}
