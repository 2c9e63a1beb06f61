//! Option groups shared by commands, written once and flattened into each command, then turned
//! into typed values (a [`Repository`](oras_rs::registry::Repository), an [`OutputFormat`])
//! before a command runs.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, bail};
use clap::Args;
use oras_rs::content::cache::{CACHE_ENV, Cache};
use oras_rs::content::layout::{self, OciLayout};
use oras_rs::content::{ReadOnlyTarget, Target};
use oras_rs::digest::Digest;
use oras_rs::oci::Platform;
use oras_rs::reference::{Reference, parse_with_tags};

pub mod checks;
mod common;
mod concurrency;
mod copy;
mod descriptor;
mod pack;
mod pull;
mod remote;
pub use common::CommonArgs;
pub use concurrency::ConcurrencyArgs;
pub use copy::{CopyEnds, CopyEndsArgs};
pub use descriptor::DescriptorArgs;
pub use pack::{AttachPackArgs, PushPackArgs, SubjectArgs};
pub use pull::PullFileArgs;
pub use remote::RemoteArgs;

/// `--format` and `--template`.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Format Options")]
pub struct FormatArgs {
    /// Format output: 'text' (default), 'json', or 'go-template=TEMPLATE' (Go text/template over
    /// the JSON document)
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
    /// The JSON document rendered through a Go template ([`FormatArgs::template_text`]).
    GoTemplate,
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
                self.template_text()?;
                Ok(OutputFormat::GoTemplate)
            }
            other => bail!(oras_rs::Error::invalid_with_hint(
                format!("invalid format type: {other:?}"),
                "supported types: text, json, go-template"
            )),
        }
    }

    /// The template of `--format go-template=T` or `--format go-template --template T`.
    pub fn template_text(&self) -> Result<String> {
        let format = self.format.as_deref().unwrap_or_default();
        let inline = format.strip_prefix("go-template=").unwrap_or_default();
        let template = match (&self.template, inline) {
            (Some(t), "") => t.clone(),
            (None, t) => t.to_string(),
            (Some(_), _) => bail!("--template cannot be used with --format go-template=TEMPLATE"),
        };
        if template.is_empty() {
            bail!(oras_rs::Error::invalid_with_hint(
                "\"go-template\" format specified but no template given",
                "use `--format go-template=TEMPLATE` to specify the template"
            ));
        }
        crate::output::template::check(&template)?;
        Ok(template)
    }

    /// Prints `report` in the chosen format: its text lines, or its JSON document (pretty, Go
    /// escaping) or that document through the Go template.
    pub fn emit<R: crate::output::report::Report>(&self, report: &R) -> Result<()> {
        match self.resolve()? {
            OutputFormat::Text => {
                for line in report.text() {
                    crate::output::println_ignore_pipe(&line);
                }
                Ok(())
            }
            OutputFormat::Json | OutputFormat::GoTemplate => self.print(&report.json()),
        }
    }

    /// Prints the document of a `--format json` or `go-template` run on stdout.
    pub fn print<T: serde::Serialize>(&self, doc: &T) -> Result<()> {
        if self.resolve()? == OutputFormat::GoTemplate {
            let text = crate::output::template::render(&self.template_text()?, doc)?;
            crate::output::print_json_bytes(text.as_bytes());
        } else {
            crate::output::print_json_bytes(&oras_rs::oci::to_go_json_pretty(doc)?);
        }
        Ok(())
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
    pub oci_layout_path: Option<PathBuf>,
}

/// Which kind of store a [`TargetArgs`] opened; printed as `[registry]` or `[oci-layout]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A registry repository.
    Registry,
    /// An OCI image layout (directory or tar file).
    Layout,
}

impl TargetKind {
    /// The marker oras prints before a reference.
    pub fn marker(self) -> &'static str {
        match self {
            TargetKind::Registry => "[registry]",
            TargetKind::Layout => "[oci-layout]",
        }
    }
}

/// A target opened from the command line, with what a command needs to talk about it.
pub struct Opened<T: ?Sized> {
    /// The store.
    pub target: Arc<T>,
    /// Registry or layout.
    pub kind: TargetKind,
    /// The tag or digest given with the reference, if any.
    pub reference: Option<String>,
    /// `registry/repository` or the layout path: the prefix of `<name>@<digest>` in output.
    pub name: String,
    /// For a registry, the parsed reference (registry and repository), e.g. to decide on a
    /// cross-repository mount.
    pub remote: Option<Reference>,
}

impl<T: ?Sized> Opened<T> {
    /// The tag given with the reference; `None` when there is none or it is a digest.
    pub fn tag(&self) -> Option<&str> {
        self.reference
            .as_deref()
            .filter(|r| r.parse::<Digest>().is_err())
    }
}

/// A reference taken apart, before anything is opened.
enum Location {
    Registry(Reference),
    Layout {
        path: PathBuf,
        name: String,
        reference: Option<String>,
    },
}

/// Splits `<path>[:<tag>|@<digest>]` as oras does: at the last `@`, else at the last `:`.
fn split_layout_reference(raw: &str) -> Result<(String, Option<String>)> {
    let (path, reference) = if let Some(i) = raw.rfind('@') {
        let digest = &raw[i + 1..];
        digest.parse::<Digest>().map_err(|e| {
            oras_rs::Error::invalid(format!("{raw:?}: invalid OCI image layout reference: {e}"))
        })?;
        (&raw[..i], Some(digest.to_string()))
    } else if let Some(i) = raw.rfind(':') {
        let tag = &raw[i + 1..];
        (&raw[..i], (!tag.is_empty()).then(|| tag.to_string()))
    } else {
        (raw, None)
    };
    if path.is_empty() {
        bail!(oras_rs::Error::invalid(format!(
            "found empty file path in {raw:?}"
        )));
    }
    Ok((path.to_string(), reference))
}

impl TargetArgs {
    /// Whether the target is an OCI image layout.
    pub fn is_layout(&self) -> bool {
        self.oci_layout || self.oci_layout_path.is_some()
    }

    fn locate(&self, raw: &str) -> Result<Location> {
        // Headers are for a registry; on a layout they would be silently ignored (oras refuses too).
        if self.is_layout() && !self.remote.headers.is_empty() {
            bail!(oras_rs::Error::invalid(
                "custom header flags (-H/--header) cannot be used on an OCI image layout target"
            ));
        }
        if let Some(path) = &self.oci_layout_path {
            // The whole argument is the tag (or digest), so tags like `example.com:v1` work.
            return Ok(Location::Layout {
                path: path.clone(),
                name: path.display().to_string(),
                reference: (!raw.is_empty()).then(|| raw.to_string()),
            });
        }
        if self.oci_layout {
            let (path, reference) = split_layout_reference(raw)?;
            return Ok(Location::Layout {
                path: PathBuf::from(&path),
                name: path,
                reference,
            });
        }
        let reference = raw.parse::<Reference>().map_err(oras_rs::Error::from)?;
        Ok(Location::Registry(reference))
    }

    /// Opens `raw` for writing (push, cp destination, tag, attach). A layout must be a
    /// directory; it is created on the first write.
    pub fn open(&self, raw: &str) -> Result<Opened<dyn Target>> {
        match self.locate(raw)? {
            Location::Registry(reference) => {
                // A target's "not found" is the registry's answer (oras's `Target.ModifyError`).
                crate::output::failure::note_remote();
                let repo = self.remote.repository(&reference)?;
                Ok(Opened {
                    target: Arc::new(repo),
                    kind: TargetKind::Registry,
                    reference: reference.reference(),
                    name: reference.repo_ref(),
                    remote: Some(reference),
                })
            }
            Location::Layout {
                path,
                name,
                reference,
            } => {
                if path.is_file() {
                    bail!(oras_rs::Error::invalid_with_hint(
                        format!(
                            "{}: is a file; an OCI image layout written to must be a directory",
                            path.display()
                        ),
                        "Tar archives of layouts can only be read: unpack it, or write to a directory."
                    ));
                }
                Ok(Opened {
                    target: Arc::new(OciLayout::new(path)),
                    kind: TargetKind::Layout,
                    reference,
                    name,
                    remote: None,
                })
            }
        }
    }

    /// Opens `raw` for reading (pull, cp source, resolve); a layout may be a directory or a tar
    /// file.
    pub fn open_read(&self, raw: &str) -> Result<Opened<dyn ReadOnlyTarget>> {
        match self.locate(raw)? {
            Location::Layout {
                path,
                name,
                reference,
            } => Ok(Opened {
                target: layout::open_read(&path)?,
                kind: TargetKind::Layout,
                reference,
                name,
                remote: None,
            }),
            Location::Registry(_) => {
                let opened = self.open(raw)?;
                let target: Arc<dyn ReadOnlyTarget> = opened.target;
                Ok(Opened {
                    target,
                    kind: opened.kind,
                    reference: opened.reference,
                    name: opened.name,
                    remote: opened.remote,
                })
            }
        }
    }

    /// [`TargetArgs::open_read`] behind the read-through blob cache in `ORAS_CACHE` when that is
    /// set and non-empty, as Go oras does for `pull`, `manifest fetch`, `manifest fetch-config`
    /// and `blob fetch` (its `option.Cache`; `cp` has none).
    pub fn open_cached_read(&self, raw: &str) -> Result<Opened<dyn ReadOnlyTarget>> {
        let mut opened = self.open_read(raw)?;
        if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
            opened.target = Arc::new(Cache::new(opened.target, dir)?);
        }
        Ok(opened)
    }

    /// Opens a destination written `<target>[:<tag>[,<tag>...]]`: the target with its first tag,
    /// and the further tags in order.
    pub fn open_with_tags(&self, raw: &str) -> Result<(Opened<dyn Target>, Vec<String>)> {
        if !self.is_layout() {
            let (reference, extra) = parse_with_tags(raw).map_err(oras_rs::Error::from)?;
            return Ok((self.open(&reference.to_string())?, extra));
        }
        let mut pieces = raw.split(',');
        let first = pieces.next().unwrap_or_default();
        let mut extra = Vec::new();
        for (i, tag) in pieces.enumerate() {
            if tag.is_empty() {
                bail!(oras_rs::Error::invalid(format!(
                    "{raw:?}: invalid reference: tag {} of the comma-separated tag list is empty",
                    i + 2
                )));
            }
            extra.push(tag.to_string());
        }
        Ok((self.open(first)?, extra))
    }
}

/// Defines the `--from-*` or `--to-*` copy of [`TargetArgs`] for `cp` (clap cannot prefix a
/// flattened group), converting into the same [`TargetArgs`].
macro_rules! prefixed_target_args {
    ($name:ident, $prefix:literal, $heading:literal, $side:literal) => {
        #[doc = concat!("The ", $side, " of `cp`: the `--", $prefix, "*` options of [`TargetArgs`].")]
        #[derive(Args, Debug, Clone)]
        #[command(next_help_heading = $heading)]
        pub struct $name {
            /// Registry username
            #[arg(
                id = concat!($prefix, "username"),
                long = concat!($prefix, "username"),
                value_name = "USERNAME",
                help = concat!("The ", $side, " registry's username")
            )]
            pub username: Option<String>,

            /// Registry password or identity token
            #[arg(
                id = concat!($prefix, "password"),
                long = concat!($prefix, "password"),
                value_name = "PASSWORD",
                help = concat!("The ", $side, " registry's password or identity token")
            )]
            pub password: Option<String>,

            /// Registry identity token
            #[arg(
                id = concat!($prefix, "identity-token"),
                long = concat!($prefix, "identity-token"),
                value_name = "TOKEN",
                help = concat!("The ", $side, " registry's identity token")
            )]
            pub identity_token: Option<String>,

            /// Authentication files
            #[arg(
                id = concat!($prefix, "registry-config"),
                long = concat!($prefix, "registry-config"),
                value_name = "PATH",
                help = concat!("Path of the authentication file for the ", $side, " registry")
            )]
            pub registry_config: Vec<PathBuf>,

            /// CA file
            #[arg(
                id = concat!($prefix, "ca-file"),
                long = concat!($prefix, "ca-file"),
                value_name = "PATH",
                help = concat!("Server certificate authority file for the ", $side, " registry")
            )]
            pub ca_file: Option<PathBuf>,

            /// Client certificate
            #[arg(
                id = concat!($prefix, "cert-file"),
                long = concat!($prefix, "cert-file"),
                value_name = "PATH",
                help = concat!("Client certificate file for the ", $side, " registry")
            )]
            pub cert_file: Option<PathBuf>,

            /// Client key
            #[arg(
                id = concat!($prefix, "key-file"),
                long = concat!($prefix, "key-file"),
                value_name = "PATH",
                help = concat!("Client private key file for the ", $side, " registry")
            )]
            pub key_file: Option<PathBuf>,

            /// Custom headers
            #[arg(
                id = concat!($prefix, "header"),
                long = concat!($prefix, "header"),
                value_name = "HEADER",
                help = concat!("Add custom headers to requests to the ", $side, " registry (`Name: value`)")
            )]
            pub headers: Vec<String>,

            /// Custom DNS
            #[arg(
                id = concat!($prefix, "resolve"),
                long = concat!($prefix, "resolve"),
                value_name = "RESOLVE",
                help = concat!("Customized DNS for the ", $side, " registry, formatted in `host:port:address[:address_port]`")
            )]
            pub resolve: Vec<String>,

            /// Allow connections to the registry without certs
            #[arg(
                id = concat!($prefix, "insecure"),
                long = concat!($prefix, "insecure"),
                help = concat!("Allow connections to the ", $side, " registry without certs")
            )]
            pub insecure: bool,

            /// Use plain HTTP for the registry
            #[arg(
                id = concat!($prefix, "plain-http"),
                help = concat!("Use plain HTTP for the ", $side, " registry (default: only for loopback registries); =false forces HTTPS"),
                long = concat!($prefix, "plain-http"),
                num_args = 0..=1,
                default_missing_value = "true",
                require_equals = true,
                value_name = "BOOL"
            )]
            pub plain_http: Option<bool>,

            /// Set the target as an OCI image layout
            #[arg(
                id = concat!($prefix, "oci-layout"),
                long = concat!($prefix, "oci-layout"),
                help = concat!("Set the ", $side, " as an OCI image layout (`<dir-or-tar>[:<tag>|@<digest>]`)")
            )]
            pub oci_layout: bool,

            /// Set the path of the OCI image layout
            #[arg(
                id = concat!($prefix, "oci-layout-path"),
                help = concat!("[Experimental] Set the path of the ", $side, " OCI image layout; the reference is then the tag"),
                long = concat!($prefix, "oci-layout-path"),
                value_name = "PATH",
                conflicts_with = concat!($prefix, "oci-layout")
            )]
            pub oci_layout_path: Option<PathBuf>,
        }

        impl From<$name> for TargetArgs {
            fn from(a: $name) -> TargetArgs {
                TargetArgs {
                    remote: RemoteArgs {
                        username: a.username,
                        password: a.password,
                        identity_token: a.identity_token,
                        registry_config: a.registry_config,
                        insecure: a.insecure,
                        plain_http: a.plain_http,
                        ca_file: a.ca_file,
                        cert_file: a.cert_file,
                        key_file: a.key_file,
                        headers: a.headers,
                        resolve: a.resolve,
                        flag_prefix: $prefix,
                        ..RemoteArgs::default()
                    },
                    oci_layout: a.oci_layout,
                    oci_layout_path: a.oci_layout_path,
                }
            }
        }
    };
}

prefixed_target_args!(FromTargetArgs, "from-", "Source Options", "source");
prefixed_target_args!(ToTargetArgs, "to-", "Destination Options", "destination");

/// `--distribution-spec`: how referrers are listed and recorded.
#[derive(Args, Debug, Clone)]
pub struct DistributionSpecArgs {
    /// [Preview] Set OCI distribution spec version and API option. Options: v1.1-referrers-api,
    /// v1.1-referrers-tag
    #[arg(long, value_name = "SPEC")]
    pub distribution_spec: Option<String>,
}

impl DistributionSpecArgs {
    /// Validates the flag into `remote`, for the repository opened next (a layout ignores it).
    pub fn apply(&self, remote: &mut RemoteArgs) -> Result<()> {
        remote.distribution_spec = self
            .distribution_spec
            .as_deref()
            .map(str::parse)
            .transpose()?;
        Ok(())
    }
}

/// `--platform os[/arch][/variant][:os_version]`.
#[derive(Args, Debug, Clone)]
pub struct PlatformArgs {
    /// Request platform in the form of `os[/arch][/variant][:os_version]`
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
}

impl PlatformArgs {
    /// The parsed platform, if one was asked for.
    pub fn parse(&self) -> Result<Option<Platform>> {
        Ok(self
            .platform
            .as_deref()
            .map(oras_rs::copy::platform::parse_platform)
            .transpose()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_references_split_at_the_last_at_or_colon() {
        assert_eq!(
            split_layout_reference("dir:v1").unwrap(),
            ("dir".into(), Some("v1".into()))
        );
        assert_eq!(
            split_layout_reference("a:b/dir:v1").unwrap(),
            ("a:b/dir".into(), Some("v1".into()))
        );
        assert_eq!(split_layout_reference("dir").unwrap(), ("dir".into(), None));
        assert_eq!(
            split_layout_reference("dir:").unwrap(),
            ("dir".into(), None)
        );
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            split_layout_reference(&format!("x:y@{d}")).unwrap(),
            ("x:y".into(), Some(d))
        );
        assert!(split_layout_reference("dir@sha256:nothex").is_err());
        assert!(split_layout_reference(":v1").is_err());
    }
}
