//! JSON output identical to Go's `encoding/json`, built on serde_json with a custom
//! [`Formatter`].
//!
//! Manifests must hash the same as the ones `oras` builds, and `--format json` output should read
//! the same, so this module reproduces what Go does and serde_json does not: `<`, `>`, `&`,
//! U+2028 and U+2029 escaped as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`; control
//! characters other than `\n`, `\r`, `\t` as `\u00XX` with lowercase hex (no `\b` / `\f`); and
//! `json.MarshalIndent(v, "", "  ")` layout for pretty output. Struct field order and sorted map
//! keys come from the types themselves (serde field order, `BTreeMap`).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter};

use super::OciError;

/// Serializes `v` as compact JSON exactly as Go's `json.Marshal` would: no whitespace and no
/// trailing newline. This is the form manifests are pushed in.
pub fn to_go_json<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, OciError> {
    write(v, GoFormatter::compact())
}

/// Serializes `v` as Go's `json.MarshalIndent(v, "", "  ")` plus a trailing `\n`, which is what
/// an indenting `json.Encoder` prints: the layout of `--format json` and `--pretty` output.
pub fn to_go_json_pretty<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, OciError> {
    let mut out = write(v, GoFormatter::pretty())?;
    out.push(b'\n');
    Ok(out)
}

fn write<T: Serialize + ?Sized>(v: &T, formatter: GoFormatter) -> Result<Vec<u8>, OciError> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    v.serialize(&mut ser).map_err(|source| OciError::Json {
        what: "value for JSON output".to_string(),
        source,
    })?;
    // Growth by doubling leaves up to half unused; a 15,000-layer manifest is kept for a while.
    out.shrink_to_fit();
    Ok(out)
}

/// serde_json formatter with Go's string escaping and, optionally, Go's two-space indentation.
#[derive(Debug)]
struct GoFormatter {
    /// `None` for compact output, else the current nesting depth.
    depth: Option<usize>,
    /// Whether the innermost open array or object has had a value yet; an empty one closes on
    /// the same line (`[]`, `{}`), as in Go.
    has_value: bool,
}

impl GoFormatter {
    fn compact() -> Self {
        GoFormatter {
            depth: None,
            has_value: false,
        }
    }

    fn pretty() -> Self {
        GoFormatter {
            depth: Some(0),
            has_value: false,
        }
    }

    fn newline_indent<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        if let Some(depth) = self.depth {
            w.write_all(b"\n")?;
            for _ in 0..depth {
                w.write_all(b"  ")?;
            }
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        if let Some(depth) = self.depth.as_mut() {
            *depth += 1;
        }
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        if let Some(depth) = self.depth.as_mut() {
            *depth = depth.saturating_sub(1);
            if self.has_value {
                self.newline_indent(w)?;
            }
        }
        // The enclosing container, if any, now has a value (this one).
        self.has_value = true;
        w.write_all(bracket)
    }

    fn element<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline_indent(w)
    }
}

impl Formatter for GoFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.element(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.element(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.depth.is_some() {
            w.write_all(b": ")
        } else {
            w.write_all(b":")
        }
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    /// serde_json hands over runs it considers safe; Go additionally escapes HTML-significant
    /// characters and the JavaScript line separators.
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escaped: &[u8] = match c {
                '<' => b"\\u003c",
                '>' => b"\\u003e",
                '&' => b"\\u0026",
                '\u{2028}' => b"\\u2028",
                '\u{2029}' => b"\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(escaped)?;
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        let byte = match char_escape {
            CharEscape::Quote => return w.write_all(b"\\\""),
            CharEscape::ReverseSolidus => return w.write_all(b"\\\\"),
            CharEscape::LineFeed => return w.write_all(b"\\n"),
            CharEscape::CarriageReturn => return w.write_all(b"\\r"),
            CharEscape::Tab => return w.write_all(b"\\t"),
            // Go never escapes '/'; serde_json does not ask either, but stay faithful.
            CharEscape::Solidus => return w.write_all(b"/"),
            CharEscape::Backspace => 0x08,
            CharEscape::FormFeed => 0x0c,
            CharEscape::AsciiControl(b) => b,
        };
        const HEX: &[u8; 16] = b"0123456789abcdef";
        w.write_all(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0x0f)],
        ])
    }
}

/// Indents JSON `bytes` as Go's `json.Indent(…, "", "  ")` does (key order and string
/// contents untouched; `{}` and `[]` stay closed), plus a trailing newline: what oras prints for
/// `--pretty`. Not JSON: an error.
///
/// ```
/// let pretty = oras_rs::oci::json::indent(br#"{"z":1,"a":[]}"#)?;
/// assert_eq!(pretty, b"{\n  \"z\": 1,\n  \"a\": []\n}\n");
/// # Ok::<(), oras_rs::Error>(())
/// ```
pub fn indent(bytes: &[u8]) -> crate::error::Result<Vec<u8>> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| {
        crate::error::Error::invalid(format!("cannot pretty-print: not valid JSON: {e}"))
    })?;
    let mut out = Vec::with_capacity(bytes.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'"' => {
                in_string = true;
                out.push(c);
            }
            b'{' | b'[' => {
                out.push(c);
                // An empty object or array stays `{}` / `[]`.
                let rest = bytes[i..].iter().position(|b| !b" \t\n\r".contains(b));
                let close = if c == b'{' { b'}' } else { b']' };
                if let Some(p) = rest
                    && bytes[i + p] == close
                {
                    out.push(close);
                    i += p + 1;
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(c),
        }
    }
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn compact<T: Serialize + ?Sized>(v: &T) -> String {
        String::from_utf8(to_go_json(v).unwrap()).unwrap()
    }

    fn pretty<T: Serialize + ?Sized>(v: &T) -> String {
        String::from_utf8(to_go_json_pretty(v).unwrap()).unwrap()
    }

    #[test]
    fn html_characters_are_unicode_escaped() {
        assert_eq!(compact("<a&b>"), r#""\u003ca\u0026b\u003e""#);
    }

    #[test]
    fn line_and_paragraph_separators_are_escaped() {
        assert_eq!(compact("a\u{2028}b\u{2029}c"), r#""a\u2028b\u2029c""#);
    }

    #[test]
    fn quote_and_backslash_use_short_forms() {
        assert_eq!(compact("\"\\"), r#""\"\\""#);
    }

    #[test]
    fn newline_return_and_tab_use_short_forms() {
        assert_eq!(compact("\n\r\t"), r#""\n\r\t""#);
    }

    #[test]
    fn backspace_and_form_feed_use_unicode_escapes() {
        assert_eq!(compact("\u{8}\u{c}"), r#""\u0008\u000c""#);
    }

    #[test]
    fn other_control_characters_use_lowercase_hex() {
        assert_eq!(
            compact("\u{0}\u{1}\u{1b}\u{1f}"),
            r#""\u0000\u0001\u001b\u001f""#
        );
    }

    #[test]
    fn everything_else_is_written_verbatim() {
        // DEL, '/', non-ASCII and astral characters are not escaped by Go.
        assert_eq!(compact("/\u{7f}é😀'"), "\"/\u{7f}é😀'\"");
    }

    #[test]
    fn map_keys_are_escaped_too() {
        let map: BTreeMap<&str, &str> = [("<k>", "v&")].into();
        assert_eq!(compact(&map), r#"{"\u003ck\u003e":"v\u0026"}"#);
    }

    #[test]
    fn compact_has_no_whitespace_or_newline() {
        let v = json!({"b": [1, 2], "a": {"c": null}, "d": [], "e": {}});
        assert_eq!(compact(&v), r#"{"a":{"c":null},"b":[1,2],"d":[],"e":{}}"#);
    }

    #[test]
    fn pretty_matches_marshal_indent_with_trailing_newline() {
        let v = json!({
            "reference": "localhost:5000/hello@sha256:abc",
            "size": 6,
            "annotations": {"a": "<b>"},
            "tags": ["x", "y"],
            "files": [{"path": "/tmp/a", "list": []}],
            "empty": {},
            "none": null,
            "ok": true
        });
        let expected = "{\n  \"annotations\": {\n    \"a\": \"\\u003cb\\u003e\"\n  },\n  \"empty\": {},\n  \"files\": [\n    {\n      \"list\": [],\n      \"path\": \"/tmp/a\"\n    }\n  ],\n  \"none\": null,\n  \"ok\": true,\n  \"reference\": \"localhost:5000/hello@sha256:abc\",\n  \"size\": 6,\n  \"tags\": [\n    \"x\",\n    \"y\"\n  ]\n}\n";
        assert_eq!(pretty(&v), expected);
    }

    #[test]
    fn pretty_empty_containers_and_scalars() {
        assert_eq!(pretty(&json!([])), "[]\n");
        assert_eq!(pretty(&json!({})), "{}\n");
        assert_eq!(pretty(&json!([[], {}])), "[\n  [],\n  {}\n]\n");
        assert_eq!(pretty("s"), "\"s\"\n");
        assert_eq!(pretty(&json!(null)), "null\n");
    }

    #[test]
    fn indents_like_go_and_keeps_key_order() {
        let got = super::indent(br#"{"z":1,"a":[],"b":{"c":"x,{y}:\""},"d":[1,2]}"#).unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "{\n  \"z\": 1,\n  \"a\": [],\n  \"b\": {\n    \"c\": \"x,{y}:\\\"\"\n  },\n  \"d\": [\n    1,\n    2\n  ]\n}\n"
        );
        assert!(super::indent(b"not json").is_err());
    }
}
