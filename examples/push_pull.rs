//! The oras blog's SDK program, in Rust: push a file held in memory to a registry, then pull it
//! back into a directory that accepts only its media type.
//!
//! ```text
//! cargo run --example push_pull -- localhost:5000/helloworld:latest
//! ```
//!
//! Prints the manifest digest; exits non-zero when any step fails or the pulled bytes differ.

use std::process::ExitCode;

use oras_rs::content::Target;
use oras_rs::content::file::{FileStore, WritePolicy};
use oras_rs::content::memory::MemoryStore;
use oras_rs::digest::Digest;
use oras_rs::reference::Reference;
use oras_rs::registry::{RemoteOptions, Repository};
use oras_rs::{CopyOptions, PackOptions, PullOptions, copy, pack_manifest, pull};

const CONTENT: &[u8] = b"Hello World!\n";
const MEDIA_TYPE: &str = "plain/text";

#[tokio::main]
async fn main() -> ExitCode {
    let target = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "localhost:5000/helloworld:latest".to_string());
    match push_pull(&target).await {
        Ok(digest) => {
            println!("{digest}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("push_pull: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn push_pull(target: &str) -> Result<Digest, Box<dyn std::error::Error>> {
    let reference: Reference = target.parse()?;
    let tag = reference
        .tag
        .clone()
        .unwrap_or_else(|| "latest".to_string());

    // 1. The file, in memory, with its own media type, and a manifest packed around it.
    let memory = MemoryStore::new();
    let layer = memory.add(Some("helloworld.txt"), MEDIA_TYPE, CONTENT.to_vec());
    let options = PackOptions {
        artifact_type: Some("application/vnd.example+type".into()),
        layers: vec![layer],
        ..PackOptions::default()
    };
    let manifest = pack_manifest(&memory, &options).await?;
    memory.tag(&manifest, &tag).await?;

    // 2. Copy the manifest, its config and its layer to the repository (credentials from the
    //    docker credential store; plain HTTP for a loopback registry, as oras does).
    let repo = Repository::open(target, &RemoteOptions::default())?;
    let pushed = copy(&memory, &tag, &repo, Some(&tag), &CopyOptions::default()).await?;

    // 3. Pull it back into a temporary directory, accepting only `plain/text` layers.
    let dir = tempfile::tempdir()?;
    let files = FileStore::new(dir.path(), WritePolicy::default());
    let only_text = PullOptions::new().with_media_types([MEDIA_TYPE.to_string()]);
    let pulled = pull(&repo, &tag, &files, &only_text).await?;

    let bytes = std::fs::read(dir.path().join("helloworld.txt"))?;
    if bytes != CONTENT || pulled.manifest.digest != pushed.digest {
        return Err(format!(
            "pulled {} bytes of manifest {}, pushed {} bytes of manifest {}",
            bytes.len(),
            pulled.manifest.digest,
            CONTENT.len(),
            pushed.digest
        )
        .into());
    }
    Ok(pushed.digest)
}
