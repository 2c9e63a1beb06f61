//! The result of `oras cp`.

use oras_rs::digest::Digest;
use oras_rs::oci::Descriptor;
use serde::Serialize;

use super::report::Report;
use crate::cli::options::CopyEnds;

/// What a copy stored: the root manifest and the tags pointing at it.
pub struct CopyReport {
    /// `[registry]` or `[oci-layout]` of the source.
    pub src_marker: &'static str,
    /// The source as the user wrote it.
    pub source: String,
    /// `registry/repository` or the layout path of the source.
    pub src_name: String,
    /// The tag or digest of the source reference.
    pub src_ref: String,
    /// `[registry]` or `[oci-layout]` of the destination.
    pub dst_marker: &'static str,
    /// The destination as the user wrote it, up to the first comma.
    pub destination: String,
    /// The further tags, in argument order.
    pub extra_tags: Vec<String>,
    /// The copied root (with `--platform`, the platform's manifest).
    pub root: Descriptor,
}

/// `oras cp`'s document: the copied manifest.
#[derive(Serialize)]
pub struct Copy {
    /// The copied manifest's digest.
    pub digest: String,
    /// The further tags.
    pub tags: Vec<String>,
}

impl CopyReport {
    /// The report of copying `source` (as written) to `destination` (as written, up to the
    /// first comma) between the opened `ends`; `root` is what was copied.
    pub fn new(ends: &CopyEnds, source: &str, destination: &str, root: Descriptor) -> Self {
        CopyReport {
            src_marker: ends.src.kind.marker(),
            source: source.to_string(),
            src_name: ends.src.name.clone(),
            src_ref: ends.src_ref.clone(),
            dst_marker: ends.dst.kind.marker(),
            destination: destination.to_string(),
            extra_tags: ends.extra_tags.clone(),
            root,
        }
    }
}

impl Report for CopyReport {
    type Json = Copy;

    fn text(&self) -> Vec<String> {
        // A digest reference that --platform moved to a child is printed as the child's digest.
        let source = match self.src_ref.parse::<Digest>() {
            Ok(d) if d != self.root.digest => format!("{}@{}", self.src_name, self.root.digest),
            _ => self.source.clone(),
        };
        let mut lines = vec![format!(
            "Copied {} {source} => {} {}",
            self.src_marker, self.dst_marker, self.destination
        )];
        lines.extend(self.extra_tags.iter().map(|t| format!("Tagged {t}")));
        lines.push(format!("Digest: {}", self.root.digest));
        lines
    }

    fn json(&self) -> Copy {
        Copy {
            digest: self.root.digest.to_string(),
            tags: self.extra_tags.clone(),
        }
    }
}
