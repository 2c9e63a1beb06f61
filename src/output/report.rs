//! One report type per command: the result it prints, rendered as oras's text lines or as the
//! `--format json` / `go-template` document. Commands build a report and hand it to
//! [`crate::cli::options::FormatArgs::emit`]; no command matches on the format itself.

use serde::Serialize;

/// A command's result, in both renderings.
pub trait Report {
    /// The `--format json` document (also what a Go template sees).
    type Json: Serialize;

    /// The lines oras prints in text mode, in order.
    fn text(&self) -> Vec<String>;

    /// The JSON document.
    fn json(&self) -> Self::Json;
}

/// Prints the text rendering of `report` (for commands without `--format`).
pub fn print_text<R: Report>(report: &R) {
    for line in report.text() {
        super::println_ignore_pipe(&line);
    }
}
