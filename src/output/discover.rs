//! The result of `oras discover`: the referrers graph as a tree (default), the deprecated table
//! of direct referrers, or the `--format json` document.

use anyhow::{Result, bail};
use oras_rs::Error;
use oras_rs::oci::{self, Descriptor};
use oras_rs::referrers::ReferrerNode;
use serde::Serialize;

use super::model;
use crate::cli::options::FormatArgs;

/// How `discover` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The tree view (default).
    Tree,
    /// The deprecated table of direct referrers.
    Table,
    /// The JSON document.
    Json,
    /// The JSON document through a Go template.
    GoTemplate,
}

impl Format {
    /// The depth of the graph to walk: the table shows direct referrers only.
    pub fn depth(self, asked: Option<usize>) -> Option<usize> {
        if self == Format::Table {
            Some(1)
        } else {
            asked
        }
    }
}

/// Validates `--format`, the deprecated `-o/--output` and `--template` as oras does, warning on
/// stderr about deprecated choices.
pub fn resolve_format(format: &FormatArgs, output: Option<&str>) -> Result<Format> {
    let (value, from_output) = match (format.format.as_deref(), output) {
        (_, Some(o)) => (o, true),
        (Some(f), None) => (f, false),
        (None, None) => ("tree", false),
    };
    if format.template.is_some() && !value.starts_with("go-template") {
        bail!("--template must be used with --format go-template");
    }
    let chosen = match value {
        "tree" | "" => Format::Tree,
        "table" => Format::Table,
        "json" => Format::Json,
        f if !from_output && (f == "go-template" || f.starts_with("go-template=")) => {
            format.template_text()?;
            Format::GoTemplate
        }
        other => bail!(Error::invalid_with_hint(
            format!("invalid format type: {other:?}"),
            if from_output {
                "supported types: tree, table, json"
            } else {
                "supported types: tree, table, json, go-template"
            }
        )),
    };
    if from_output {
        eprintln!("[DEPRECATED] --output is deprecated, try `--format {value}` instead");
    }
    if chosen == Format::Table {
        eprintln!("Format \"table\" is deprecated and will be removed in a future release.");
    }
    Ok(chosen)
}

/// What `oras discover` found: the subject and its referrers graph.
pub struct DiscoverReport {
    /// `registry/repository` or the layout path.
    pub name: String,
    /// The reference as the user wrote it.
    pub raw: String,
    /// The subject.
    pub subject: Descriptor,
    /// Its referrers.
    pub graph: Vec<ReferrerNode>,
    /// Annotations in the tree, descriptors in the table.
    pub verbose: bool,
}

impl DiscoverReport {
    /// The report of `subject` (in `name`, given as `raw`) and its referrers `graph`.
    pub fn new(
        name: String,
        raw: &str,
        subject: Descriptor,
        graph: Vec<ReferrerNode>,
        verbose: bool,
    ) -> Self {
        DiscoverReport {
            name,
            raw: raw.to_string(),
            subject,
            graph,
            verbose,
        }
    }

    /// Prints the report as `chosen`; `format` holds the template.
    pub fn emit(&self, chosen: Format, format: &FormatArgs) -> Result<()> {
        match chosen {
            Format::Tree => {
                let root = format!("{}@{}", self.name, self.subject.digest);
                super::print_json_bytes(render_tree(&root, &self.graph, self.verbose).as_bytes());
            }
            Format::Table => {
                let text = render_table(&self.raw, &self.subject, &self.graph, self.verbose)?;
                super::print_json_bytes(text.as_bytes());
            }
            Format::Json | Format::GoTemplate => {
                format.print(&JsonNode::new(&self.name, &self.subject, &self.graph))?;
            }
        }
        Ok(())
    }
}

/// `--format json`: the subject and, recursively, its referrers (oras-cli.md §3.4).
#[derive(Serialize)]
pub struct JsonNode {
    #[serde(flatten)]
    descriptor: model::DescriptorRef,
    referrers: Vec<JsonNode>,
}

impl JsonNode {
    /// The document of `desc` (in `name`) and its referrers graph.
    pub fn new(name: &str, desc: &Descriptor, referrers: &[ReferrerNode]) -> JsonNode {
        JsonNode {
            descriptor: model::DescriptorRef::new(name, desc),
            referrers: referrers
                .iter()
                .map(|r| JsonNode::new(name, &r.descriptor, &r.referrers))
                .collect(),
        }
    }
}

/// A node of the printed tree: children with the same value are merged, as oras's tree does.
struct TreeNode {
    value: String,
    children: Vec<TreeNode>,
}

impl TreeNode {
    fn new(value: String) -> TreeNode {
        TreeNode {
            value,
            children: Vec::new(),
        }
    }

    fn child(&mut self, value: String) -> &mut TreeNode {
        let pos = match self.children.iter().position(|c| c.value == value) {
            Some(pos) => pos,
            None => {
                self.children.push(TreeNode::new(value));
                self.children.len() - 1
            }
        };
        &mut self.children[pos]
    }

    fn add(&mut self, referrers: &[ReferrerNode], verbose: bool) {
        for referrer in referrers {
            let desc = &referrer.descriptor;
            let artifact_type = desc
                .artifact_type
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "<unknown>".to_string());
            let node = self.child(artifact_type).child(desc.digest.to_string());
            if verbose
                && let Some(annotations) = desc.annotations.as_ref().filter(|a| !a.is_empty())
            {
                let mut list = TreeNode::new("[annotations]".to_string());
                for (k, v) in annotations {
                    list.child(format!("{}: {}", yaml_scalar(k), yaml_scalar(v)));
                }
                node.children.push(list);
            }
            node.add(&referrer.referrers, verbose);
        }
    }

    fn print(&self, out: &mut String, prefix: &str, item: &str, next: &str) {
        out.push_str(prefix);
        out.push_str(item);
        out.push_str(&self.value);
        out.push('\n');
        let inner = format!("{prefix}{next}");
        for (i, child) in self.children.iter().enumerate() {
            if i + 1 < self.children.len() {
                child.print(out, &inner, "├── ", "│   ");
            } else {
                child.print(out, &inner, "└── ", "    ");
            }
        }
    }
}

/// The tree view: the subject, then per artifact type the referrers' digests, their
/// annotations (verbose) and their own referrers.
pub fn render_tree(root: &str, referrers: &[ReferrerNode], verbose: bool) -> String {
    let mut tree = TreeNode::new(root.to_string());
    tree.add(referrers, verbose);
    let mut out = String::new();
    tree.print(&mut out, "", "", "");
    out
}

/// The deprecated table view of the direct referrers; verbose adds each descriptor as JSON.
pub fn render_table(
    raw: &str,
    subject: &Descriptor,
    referrers: &[ReferrerNode],
    verbose: bool,
) -> Result<String> {
    let n = referrers.len();
    let noun = if n > 1 { "artifacts" } else { "artifact" };
    let mut out = format!(
        "Discovered {n} {noun} referencing {raw}\nDigest: {}\n",
        subject.digest
    );
    if n == 0 {
        return Ok(out);
    }
    out.push('\n');
    let title = "Artifact Type";
    let width = referrers
        .iter()
        .map(|r| r.descriptor.artifact_type.as_deref().unwrap_or("").len())
        .chain(std::iter::once(title.len()))
        .max()
        .unwrap_or(title.len());
    let row =
        |key: &str, value: &str| format!("{key} {} {value}\n", " ".repeat(width - key.len() + 1));
    out.push_str(&row(title, "Digest"));
    for r in referrers {
        let desc = &r.descriptor;
        out.push_str(&row(
            desc.artifact_type.as_deref().unwrap_or(""),
            &desc.digest.to_string(),
        ));
        if verbose {
            out.push_str(&String::from_utf8_lossy(&oci::to_go_json_pretty(desc)?));
        }
    }
    Ok(out)
}

/// A string as YAML (gopkg.in/yaml.v3) writes a plain scalar: as is when it reads back as the
/// same string, `'single-quoted'` when only the syntax is in the way, `"double-quoted"` when it
/// would read back as another type (null, bool, number, timestamp) or holds control characters.
fn yaml_scalar(s: &str) -> String {
    let double = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    if s.chars().any(|c| c.is_control()) {
        return double(s);
    }
    if yaml_resolves_to_non_string(s) {
        return double(s);
    }
    if yaml_plain_allowed(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// libyaml's rule for a plain scalar in block context: no leading or trailing space, no
/// indicator at the start, no `: ` and no ` #` inside.
fn yaml_plain_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    if chars.first() == Some(&' ') || chars.last() == Some(&' ') {
        return false;
    }
    let spaced = |i: usize| chars.get(i).is_none_or(|c| *c == ' ');
    for (i, c) in chars.iter().enumerate() {
        let blocked = if i == 0 {
            "#,[]{}&*!|>'\"%@`".contains(*c) || ("?:-".contains(*c) && spaced(1))
        } else {
            (*c == ':' && spaced(i + 1)) || (*c == '#' && chars[i - 1] == ' ')
        };
        if blocked {
            return false;
        }
    }
    true
}

/// Whether YAML 1.1/1.2 (as yaml.v3 resolves plain scalars) reads `s` as something other than a
/// string.
fn yaml_resolves_to_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y",
        "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    let body = s.strip_prefix(['+', '-']).unwrap_or(s).replace('_', "");
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    if let Some(hex) = body.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return true;
    }
    if body.parse::<f64>().is_ok() && body.bytes().any(|b| b.is_ascii_digit()) {
        return true;
    }
    // Timestamps: YYYY-MM-DD, optionally followed by a time.
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars_are_quoted_like_yaml_v3() {
        assert_eq!(
            yaml_scalar("org.opencontainers.image.created"),
            "org.opencontainers.image.created"
        );
        assert_eq!(
            yaml_scalar("2024-01-02T03:04:05Z"),
            "\"2024-01-02T03:04:05Z\""
        );
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("42"), "\"42\"");
        assert_eq!(yaml_scalar(""), "\"\"");
        assert_eq!(yaml_scalar("a: b"), "'a: b'");
        assert_eq!(yaml_scalar("hello world"), "hello world");
        assert_eq!(yaml_scalar("line\nbreak"), "\"line\\nbreak\"");
    }

    #[test]
    fn tree_groups_by_artifact_type() {
        let d = |n: u8, t: &str| {
            let mut desc = Descriptor::new(
                oci::media_type::OCI_MANIFEST,
                oras_rs::digest::Digest::sha256_of(&[n]),
                1,
            );
            desc.artifact_type = (!t.is_empty()).then(|| t.to_string());
            ReferrerNode {
                descriptor: desc,
                referrers: Vec::new(),
            }
        };
        let mut a = d(1, "t/a");
        a.referrers.push(d(3, ""));
        let tree = render_tree("r@x", &[a, d(2, "t/a")], true);
        let lines: Vec<&str> = tree.lines().collect();
        assert_eq!(lines[0], "r@x");
        assert_eq!(lines[1], "└── t/a");
        assert!(lines[2].starts_with("    ├── sha256:"));
        assert_eq!(lines[3], "    │   └── <unknown>");
        assert!(lines[4].starts_with("    │       └── sha256:"));
        assert!(lines[5].starts_with("    └── sha256:"));
        assert_eq!(lines.len(), 6);
    }
}
