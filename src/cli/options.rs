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
