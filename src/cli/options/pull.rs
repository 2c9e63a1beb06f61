//! The options of `oras pull` that say what is written where, turned into the library's
//! [`PullOptions`] and the [`FileStore`] the files go to.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use oras_rs::PullOptions;
use oras_rs::content::file::{FileStore, WritePolicy};
use oras_rs::copy::pull::PullConfig;
use oras_rs::oci::Platform;

use super::ConcurrencyArgs;

/// `-o`, `-k`, `-T`, `--config`, `--include-subject`, `--concurrency`, `-t`, `-a` and
/// `--preserve-permissions`.
#[derive(Args, Debug)]
pub struct PullFileArgs {
    /// Output directory; `-` streams the artifact's only layer to stdout
    #[arg(short = 'o', long, default_value = ".")]
    pub output: PathBuf,

    /// Do not replace existing files when pulling, treat them as errors
    #[arg(short = 'k', long)]
    keep_old_files: bool,

    /// Allow storing files out of the output directory
    #[arg(short = 'T', long)]
    allow_path_traversal: bool,

    /// Output manifest configuration (`path[:mediatype]`)
    #[arg(long, value_name = "PATH[:TYPE]", alias = "manifest-config")]
    config: Option<String>,

    /// [Preview] Recursively pull the subject of artifacts
    #[arg(long)]
    include_subject: bool,

    #[command(flatten)]
    concurrency: ConcurrencyArgs<3>,

    /// Pull only layers of this media type (repeatable; oras 0.x compatible)
    #[arg(short = 't', long = "media-type", value_name = "TYPE")]
    media_types: Vec<String>,

    /// Pull layers of every media type (oras 0.x compatible; the default)
    #[arg(short = 'a', long)]
    allow_all: bool,

    /// Keep the permission bits stored in pulled directories (setuid/setgid excepted) instead of masking them by the umask
    #[arg(long)]
    preserve_permissions: bool,

    /// Do not download a file already in the output directory with the right size and digest (reported as Exists)
    #[arg(long)]
    skip_unchanged: bool,
}

impl PullFileArgs {
    /// Whether `-o -` streams the only layer to stdout.
    pub fn to_stdout(&self) -> bool {
        self.output.as_os_str() == "-"
    }

    /// What the pull copies (`-a` wins over `-t`: every media type).
    pub fn options(&self, platform: Option<Platform>) -> Result<PullOptions> {
        let config = self
            .config
            .as_deref()
            .map(str::parse::<PullConfig>)
            .transpose()?;
        if let Some(c) = &config {
            super::pack::refuse_credentials_config(&self.output.join(&c.path).to_string_lossy())?;
        }
        let media_types = self.media_types.iter().filter(|_| !self.allow_all);
        Ok(PullOptions::new()
            .with_concurrency(self.concurrency.get())
            .with_config(config)
            .with_platform(platform)
            .with_include_subject(self.include_subject)
            .with_media_types(media_types.cloned()))
    }

    /// The output directory as a store, writing as `-k`, `-T`, `--preserve-permissions` and
    /// `ORAS_MAX_UNPACK_SIZE` say.
    pub fn store(&self) -> Result<FileStore> {
        let policy = WritePolicy {
            keep_old_files: self.keep_old_files,
            allow_path_traversal: self.allow_path_traversal,
            preserve_permissions: self.preserve_permissions,
            skip_unchanged: self.skip_unchanged,
            ..WritePolicy::from_env()?
        };
        Ok(FileStore::new(&self.output, policy))
    }
}
