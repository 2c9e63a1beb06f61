//! The results of `oras manifest push`, `oras manifest fetch` and `oras manifest index
//! create`/`update`.

use anyhow::Result;
use oras_rs::digest::Digest;
use oras_rs::index::Event;
use oras_rs::oci::Descriptor;

use super::model;
use super::report::Report;
use crate::cli::options::{FormatArgs, Opened, OutputFormat};
use crate::output::text;

/// The destination as oras shows it after a push: the reference up to the first comma when it
/// has a tag, else `<name>@<digest>`.
pub fn shown_destination<T: ?Sized>(dest: &Opened<T>, raw: &str, desc: &Descriptor) -> String {
    match dest.tag() {
        Some(_) => raw.split(',').next().unwrap_or_default().to_string(),
        None => format!("{}@{}", dest.name, desc.digest),
    }
}

/// What `oras manifest push` stored.
pub struct PushReport {
    /// `[registry]` or `[oci-layout]`.
    pub marker: &'static str,
    /// The destination as shown ([`shown_destination`]).
    pub shown: String,
    /// `registry/repository` or the layout path.
    pub name: String,
    /// The further tags, in argument order.
    pub tagged: Vec<String>,
    /// The manifest.
    pub manifest: Descriptor,
}

impl PushReport {
    /// The report of pushing `desc` to `dest` (given as `raw`) and tagging it `tagged`.
    pub fn new<T: ?Sized>(
        dest: &Opened<T>,
        raw: &str,
        tagged: Vec<String>,
        desc: &Descriptor,
    ) -> Self {
        PushReport {
            marker: dest.kind.marker(),
            shown: shown_destination(dest, raw, desc),
            name: dest.name.clone(),
            tagged,
            manifest: desc.clone(),
        }
    }
}

impl Report for PushReport {
    type Json = model::DescriptorRef;

    fn text(&self) -> Vec<String> {
        let mut lines = vec![format!("Pushed: {} {}", self.marker, self.shown)];
        lines.extend(self.tagged.iter().map(|t| format!("Tagged {t}")));
        lines.push(format!("Digest: {}", self.manifest.digest));
        lines
    }

    fn json(&self) -> model::DescriptorRef {
        model::DescriptorRef::new(&self.name, &self.manifest)
    }
}

/// The end of `oras manifest index create`/`update` once the index was pushed: its extra tags
/// and its digest.
pub struct TaggedReport {
    /// The further tags, in argument order.
    pub tagged: Vec<String>,
    /// The index.
    pub digest: String,
}

impl Report for TaggedReport {
    type Json = TaggedJson;

    fn text(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.tagged.iter().map(|t| format!("Tagged {t}")).collect();
        lines.push(format!("Digest: {}", self.digest));
        lines
    }

    fn json(&self) -> TaggedJson {
        TaggedJson {
            digest: self.digest.clone(),
            tags: self.tagged.clone(),
        }
    }
}

/// [`TaggedReport`] as JSON.
#[derive(serde::Serialize)]
pub struct TaggedJson {
    /// The digest.
    pub digest: String,
    /// The further tags.
    pub tags: Vec<String>,
}

/// What `oras manifest fetch` got: the manifest, printed as it is (text), or described with its
/// content (`--format json` / go-template).
pub struct FetchReport {
    /// `registry/repository` or the layout path.
    pub name: String,
    /// The manifest.
    pub desc: Descriptor,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// `--pretty`.
    pub pretty: bool,
    /// Whether text output prints the bytes (no `--output FILE`).
    pub to_stdout: bool,
}

impl FetchReport {
    /// The report of the manifest `desc` (in `name`) whose bytes are `bytes`.
    pub fn new(
        name: String,
        desc: Descriptor,
        bytes: Vec<u8>,
        pretty: bool,
        to_stdout: bool,
    ) -> Self {
        FetchReport {
            name,
            desc,
            bytes,
            pretty,
            to_stdout,
        }
    }

    /// Prints the report: the manifest's bytes as they are (or indented), or the JSON document.
    pub fn emit(&self, format: &FormatArgs) -> Result<()> {
        match format.resolve()? {
            OutputFormat::Text if self.to_stdout => text::print_json(&self.bytes, self.pretty),
            OutputFormat::Text => Ok(()),
            _ => format.print(&self.json()),
        }
    }

    fn json(&self) -> model::ManifestFetch {
        model::ManifestFetch {
            descriptor: model::DescriptorRef::new(&self.name, &self.desc),
            content: serde_json::from_slice(&self.bytes).ok(),
        }
    }
}

/// The status lines of `oras manifest index create`/`update`, left out when the index goes to
/// stdout.
pub struct IndexStatus {
    quiet: bool,
}

impl IndexStatus {
    /// Status for an index written to `output` (`-`: stdout, which silences it) or pushed.
    pub fn new(output: Option<&str>) -> Self {
        IndexStatus {
            quiet: output == Some("-"),
        }
    }

    /// Prints `<prompt> <text>`, the prompt padded as oras pads it.
    pub fn line(&self, prompt: &str, text: &str) {
        if !self.quiet {
            super::println_ignore_pipe(&format!("{prompt:<9} {text}"));
        }
    }

    /// Prints the line of one step of building the index.
    pub fn event(&self, event: Event<'_>) {
        match event {
            Event::Fetching(source) => self.line("Fetching", source),
            Event::Fetched { source, desc } => {
                let bare = source.strip_prefix(['@', ':']).unwrap_or(source);
                if bare.parse::<Digest>().is_ok() {
                    self.line("Fetched", &desc.digest.to_string());
                } else {
                    self.line("Fetched", &format!("{} {source}", desc.digest));
                }
            }
            Event::Removed(digest) => self.line("Removed", &digest.to_string()),
            Event::Added { source, desc } => {
                self.line("Added", &format!("{} {source}", desc.digest))
            }
            Event::Merged { source, desc } => {
                self.line("Merged", &format!("{} {source}", desc.digest))
            }
        }
    }
}
