//! Records what `oras version` prints beyond the crate version: the rustc that built the binary
//! and, in a git checkout, the commit.

use std::process::Command;

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = output(&rustc, &["--version"])
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_default();
    println!("cargo:rustc-env=ORAS_RUSTC_VERSION={version}");
    // The TLS stack, for bug reports: rustls's version as locked in Cargo.lock.
    println!("cargo:rerun-if-changed=Cargo.lock");
    let rustls = std::fs::read_to_string("Cargo.lock")
        .ok()
        .and_then(|lock| {
            let key = "name = \"rustls\"\nversion = \"";
            let at = lock.find(key)? + key.len();
            lock[at..].split('"').next().map(str::to_string)
        })
        .unwrap_or_default();
    println!("cargo:rustc-env=ORAS_RUSTLS_VERSION={rustls}");
    let commit = output("git", &["rev-parse", "HEAD"]).unwrap_or_default();
    println!("cargo:rustc-env=ORAS_GIT_COMMIT={commit}");
    // Rebuild when HEAD moves: the HEAD file and the branch it points at.
    if let Some(git_dir) = output("git", &["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
    }
    if let (Some(common), Some(branch)) = (
        output("git", &["rev-parse", "--git-common-dir"]),
        output("git", &["symbolic-ref", "-q", "HEAD"]),
    ) {
        let path = format!("{common}/{branch}");
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        } else {
            println!("cargo:rerun-if-changed={common}/packed-refs");
        }
    }
}
