//! `oci-client-peer push <registry>/<repo>:<tag> <file>...` pushes the files as layers
//! (`application/vnd.oci.image.layer.v1.tar`, `org.opencontainers.image.title` = the file name, an
//! empty `{}` config of type `application/vnd.oci.empty.v1+json`, artifact type
//! `application/vnd.unknown.artifact.v1`: the manifest `oras push` writes).
//! `oci-client-peer pull <registry>/<repo>:<tag> <outdir>` pulls every layer and writes it to
//! `<outdir>/<title>`.
//!
//! Both go through `oci_client::Client::push` and `Client::pull` with the default `ClientConfig`
//! (16 blobs in flight each way) over plain HTTP. Those APIs take and return whole blobs as
//! `bytes::Bytes`: every file is read into memory before the push, every layer is held in memory
//! until the pull returns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{OciImageManifest, IMAGE_LAYER_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

const TITLE: &str = "org.opencontainers.image.title";
const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";
const ARTIFACT_TYPE: &str = "application/vnd.unknown.artifact.v1";

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [op, target, files @ ..] if op == "push" && !files.is_empty() => push(target, files).await,
        [op, target, out] if op == "pull" => pull(target, Path::new(out)).await,
        _ => Err(
            "usage: oci-client-peer push <registry>/<repo>:<tag> <file>...\n       \
                  oci-client-peer pull <registry>/<repo>:<tag> <outdir>"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oci-client-peer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn client() -> Client {
    Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        ..Default::default()
    })
}

fn reference(target: &str) -> Result<Reference, Error> {
    target
        .parse()
        .map_err(|e| format!("{target}: not a reference: {e}").into())
}

async fn push(target: &str, files: &[String]) -> Result<(), Error> {
    let image = reference(target)?;
    let mut layers = Vec::with_capacity(files.len());
    for file in files {
        let path = Path::new(file);
        let title = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{file}: no file name"))?;
        let data = tokio::fs::read(path)
            .await
            .map_err(|e| format!("{file}: {e}"))?;
        let annotations = BTreeMap::from([(TITLE.to_string(), title.to_string())]);
        layers.push(ImageLayer::new(
            data,
            IMAGE_LAYER_MEDIA_TYPE.to_string(),
            Some(annotations),
        ));
    }
    let config = Config::new(b"{}".to_vec(), EMPTY_CONFIG.to_string(), None);
    let mut manifest = OciImageManifest::build(&layers, &config, None);
    manifest.media_type = Some(OCI_IMAGE_MEDIA_TYPE.to_string());
    manifest.artifact_type = Some(ARTIFACT_TYPE.to_string());
    client()
        .push(
            &image,
            &layers,
            config,
            &RegistryAuth::Anonymous,
            Some(manifest),
        )
        .await?;
    Ok(())
}

async fn pull(target: &str, out: &Path) -> Result<(), Error> {
    let image = reference(target)?;
    let data = client()
        .pull(
            &image,
            &RegistryAuth::Anonymous,
            vec![IMAGE_LAYER_MEDIA_TYPE],
        )
        .await?;
    tokio::fs::create_dir_all(out)
        .await
        .map_err(|e| format!("{}: {e}", out.display()))?;
    for layer in data.layers {
        let title = layer
            .annotations
            .as_ref()
            .and_then(|a| a.get(TITLE))
            .ok_or("a layer has no org.opencontainers.image.title")?;
        let path = output_path(out, title)?;
        tokio::fs::write(&path, &layer.data)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// `<out>/<title>`, for a title that is one plain file name (no separator, not `.` or `..`).
fn output_path(out: &Path, title: &str) -> Result<PathBuf, Error> {
    let mut parts = Path::new(title).components();
    match (parts.next(), parts.next()) {
        (Some(std::path::Component::Normal(name)), None) => Ok(out.join(name)),
        _ => Err(format!("layer title {title:?} is not a plain file name").into()),
    }
}
