//! Attach an SBOM to an artifact and find it again, as `oras attach` and `oras discover` do:
//! push a small artifact to `<ref>`, attach an SPDX document to it (a manifest whose `subject`
//! is the artifact), then list the artifact's referrers and check that the SBOM is among them.
//!
//! ```text
//! cargo run --example attach_discover -- localhost:5000/app:v1
//! ```
//!
//! Works against registries with the Referrers API and without it (the referrers tag schema).
//! Prints the subject's and the SBOM's digests; exits non-zero on any failure.

use std::process::ExitCode;

use oras_rs::content::Target;
use oras_rs::content::memory::MemoryStore;
use oras_rs::oci::Descriptor;
use oras_rs::reference::Reference;
use oras_rs::referrers::discover;
use oras_rs::registry::{RemoteOptions, Repository};
use oras_rs::{CopyOptions, PackOptions, copy, pack_manifest};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const SBOM_TYPE: &str = "application/spdx+json";

#[tokio::main]
async fn main() -> ExitCode {
    let Some(target) = std::env::args().nth(1) else {
        eprintln!("usage: attach_discover <registry>/<repository>:<tag>");
        return ExitCode::from(2);
    };
    match attach_discover(&target).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("attach_discover: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn attach_discover(target: &str) -> Result<()> {
    let reference: Reference = target.parse()?;
    let tag = reference.tag.clone().ok_or("the reference needs a tag")?;
    let repo = Repository::open(target, &RemoteOptions::default())?;

    // The subject: a one-file artifact, pushed and tagged.
    let memory = MemoryStore::new();
    let app = memory.add(Some("app.txt"), "text/plain", b"app v1\n".to_vec());
    let subject = artifact(&memory, "application/vnd.example.app", app, None).await?;
    memory.tag(&subject, &tag).await?;
    copy(&memory, &tag, &repo, Some(&tag), &CopyOptions::default()).await?;

    // The SBOM: a manifest whose subject is the artifact, pushed by digest (no tag), as
    // `oras attach` does. The registry records the referrer (or oras-rs writes the tag schema).
    let doc = br#"{"spdxVersion":"SPDX-2.3","name":"app"}"#.to_vec();
    let sbom_layer = memory.add(Some("sbom.spdx.json"), SBOM_TYPE, doc);
    let sbom = artifact(&memory, SBOM_TYPE, sbom_layer, Some(subject.clone())).await?;
    let no_subject = CopyOptions::default().with_include_subject(false);
    copy(&memory, &sbom.digest.to_string(), &repo, None, &no_subject).await?;

    // Discover: the subject's referrers of the SBOM type.
    let found = discover(&repo, &subject, Some(SBOM_TYPE), None).await?;
    if !found
        .iter()
        .any(|node| node.descriptor.digest == sbom.digest)
    {
        return Err(format!("{} lists no referrer {}", subject.digest, sbom.digest).into());
    }
    println!("{} <- {} ({SBOM_TYPE})", subject.digest, sbom.digest);
    Ok(())
}

/// Packs one layer into a manifest of `artifact_type` in `memory`.
async fn artifact(
    memory: &MemoryStore,
    artifact_type: &str,
    layer: Descriptor,
    subject: Option<Descriptor>,
) -> Result<Descriptor> {
    let options = PackOptions {
        artifact_type: Some(artifact_type.into()),
        layers: vec![layer],
        subject,
        ..PackOptions::default()
    };
    Ok(pack_manifest(memory, &options).await?)
}
