//! Option groups shared by commands, written once and flattened into each command, then turned
//! into typed values (a [`Repository`], an [`OutputFormat`]) before a command runs.

use anyhow::{Result, bail};
use clap::Args;
use oras_rs::reference::Reference;
use oras_rs::registry::{ClientOptions, HttpClient, Repository};

/// `-d/--debug` and the deprecated `-v/--verbose`.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Output debug logs (implies --no-tty)
    #[arg(short = 'd', long)]
    pub debug: bool,

    /// [Deprecated] print status output for unnamed blobs
    #[arg(short = 'v', long, hide = true, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub verbose: Option<bool>,

    /// [Preview] Do not show progress output
    #[arg(long)]
    pub no_tty: bool,
}

impl CommonArgs {
    /// Whether status lines of unnamed blobs are printed (oras default: yes).
    pub fn verbose(&self) -> bool {
        if self.verbose.is_some() {
            eprintln!(
                "Flag --verbose has been deprecated, and will be removed in a future release."
            );
        }
        self.verbose.unwrap_or(true)
    }
}

/// How to reach one registry.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Remote Options")]
pub struct RemoteArgs {
    /// Allow connections to SSL registry without certs
    #[arg(long)]
    pub insecure: bool,

    /// Allow insecure connections to registry without SSL check (default: only for localhost,
    /// 127.0.0.0/8 and [::1]); --plain-http=false forces HTTPS
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true, value_name = "BOOL")]
    pub plain_http: Option<bool>,
}

impl RemoteArgs {
    /// The repository `reference` names, with a client configured by these flags.
    pub fn repository(&self, reference: &Reference) -> Result<Repository> {
        let client = HttpClient::new(&ClientOptions {
            insecure: self.insecure,
            ..ClientOptions::default()
        })?;
        Ok(Repository::new(client, reference, self.plain_http)?)
    }
}

/// `--format` and `--template`.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Format Options")]
pub struct FormatArgs {
    /// Format output using a custom template: 'text' (default) or 'json'
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// [Experimental] Template string used to format output
    #[arg(long, value_name = "TEMPLATE")]
    pub template: Option<String>,
}

/// The output format chosen by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Status lines and a summary, as oras prints them without a terminal.
    Text,
    /// One pretty-printed JSON document on stdout, nothing else.
    Json,
}

impl FormatArgs {
    /// Validates the flags the way oras does.
    pub fn resolve(&self) -> Result<OutputFormat> {
        let format = self.format.as_deref().unwrap_or("text");
        if self.template.is_some() && !format.starts_with("go-template") {
            bail!("--template must be used with --format go-template");
        }
        match format {
            "text" | "" => Ok(OutputFormat::Text),
            "json" => Ok(OutputFormat::Json),
            f if f == "go-template" || f.starts_with("go-template=") => {
                bail!(oras_rs::Error::invalid_with_hint(
                    "the go-template format is not supported by oras-rs yet",
                    "Use --format json and a JSON tool such as jq."
                ))
            }
            other => bail!(oras_rs::Error::invalid_with_hint(
                format!("invalid format type: {other:?}"),
                "supported types: text, json"
            )),
        }
    }
}

/// Where a command reads or writes: a registry repository (default) or an OCI image layout.
#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    #[command(flatten)]
    pub remote: RemoteArgs,

    /// Set target as an OCI image layout (`<dir-or-tar>[:<tag>|@<digest>]`)
    #[arg(long)]
    pub oci_layout: bool,

    /// [Experimental] Set the path for the OCI image layout target; the reference is then the tag
    #[arg(long, value_name = "PATH", conflicts_with = "oci_layout")]
    pub oci_layout_path: Option<std::path::PathBuf>,
}

/// Which kind of store a [`TargetArgs`] opened; printed as `[registry]` or `[oci-layout]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A registry repository.
    Registry,
}

impl TargetKind {
    /// The marker oras prints before a reference.
    pub fn marker(self) -> &'static str {
        match self {
            TargetKind::Registry => "[registry]",
        }
    }
}

/// A target opened from the command line, with what a command needs to talk about it.
pub struct Opened<T: ?Sized> {
    /// The store.
    pub target: std::sync::Arc<T>,
    /// Registry or layout.
    pub kind: TargetKind,
    /// The tag or digest given with the reference, if any.
    pub reference: Option<String>,
    /// `registry/repository` or the layout path: the prefix of `<name>@<digest>` in output.
    pub name: String,
}

impl TargetArgs {
    /// Opens `raw` for writing (push, cp destination, tag, attach).
    pub fn open(&self, raw: &str) -> Result<Opened<dyn oras_rs::content::Target>> {
        if self.oci_layout || self.oci_layout_path.is_some() {
            bail!(oras_rs::Error::invalid(
                "OCI image layouts are not supported by oras-rs yet"
            ));
        }
        let reference: Reference = raw.parse()?;
        let repo = self.remote.repository(&reference)?;
        Ok(Opened {
            target: std::sync::Arc::new(repo),
            kind: TargetKind::Registry,
            reference: reference.reference(),
            name: reference.repo_ref(),
        })
    }

    /// Opens `raw` for reading (pull, cp source, discover, resolve); a layout may be a tar file.
    pub fn open_read(&self, raw: &str) -> Result<Opened<dyn oras_rs::content::ReadOnlyTarget>> {
        let opened = self.open(raw)?;
        let target: std::sync::Arc<dyn oras_rs::content::ReadOnlyTarget> = opened.target;
        Ok(Opened {
            target,
            kind: opened.kind,
            reference: opened.reference,
            name: opened.name,
        })
    }
}
