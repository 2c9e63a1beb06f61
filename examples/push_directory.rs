//! Push a directory as one artifact (a tar+gzip layer, as `oras push <ref> <dir>` does), then
//! pull it into an empty directory and compare every file with the original.
//!
//! ```text
//! cargo run --example push_directory -- localhost:5000/docs:v1 ./docs
//! ```
//!
//! Prints the manifest digest and the number of files; exits non-zero on any failure or
//! difference.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use oras_rs::content::file::{FileStore, WritePolicy};
use oras_rs::copy::NoopObserver;
use oras_rs::pack::{FileArg, PackFiles};
use oras_rs::registry::{RemoteOptions, Repository};
use oras_rs::{PullOptions, pull};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [target, dir] = args.as_slice() else {
        eprintln!("usage: push_directory <registry>/<repository>:<tag> <directory>");
        return ExitCode::from(2);
    };
    match push_directory(target, Path::new(dir)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("push_directory: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn push_directory(target: &str, dir: &Path) -> Result<()> {
    let dir = dir.canonicalize()?;
    let name = dir.file_name().ok_or("the directory has no name")?;
    // Titles are relative paths, as oras stores them: pack from the directory's parent.
    std::env::set_current_dir(dir.parent().ok_or("the directory has no parent")?)?;

    let packed = PackFiles {
        artifact_type: Some("application/vnd.example.directory".into()),
        files: vec![FileArg::parse(&name.to_string_lossy())],
        ..PackFiles::default()
    }
    .pack(&|_: &str| {})
    .await?;

    let repo = Repository::open(target, &RemoteOptions::default())?;
    let tag = target
        .rsplit_once(':')
        .map(|(_, t)| t)
        .filter(|t| !t.contains('/'));
    let pushed = packed
        .copy_to(&repo, tag, 3, Arc::new(NoopObserver))
        .await?;

    let out = tempfile::tempdir()?;
    let files = FileStore::new(out.path(), WritePolicy::default());
    pull(
        &repo,
        &pushed.digest.to_string(),
        &files,
        &PullOptions::new(),
    )
    .await?;

    let original = tree(&dir)?;
    let pulled = tree(&out.path().join(name))?;
    if original != pulled {
        return Err(format!(
            "the pulled tree differs: {} files pushed, {} pulled",
            original.len(),
            pulled.len()
        )
        .into());
    }
    println!("{} {} files", pushed.digest, original.len());
    Ok(())
}

/// Every regular file under `root`: its relative path and its bytes, sorted.
fn tree(root: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let bytes = std::fs::read(&path)?;
                out.push((path.strip_prefix(root)?.to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    Ok(out)
}
