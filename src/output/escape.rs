//! What a registry controls (titles, references, annotations, error messages) reaches the
//! user's terminal only with its control characters escaped: an `ESC[2J` in a title must not
//! clear the screen, an OSC sequence must not set the window title, a `\r` must not overwrite
//! the line before it. JSON output keeps the exact strings (JSON escapes them itself).

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character but `\n` and `\t` escaped (`\x1b`, `\r`, `\u{9b}`):
/// for whole blocks of output whose line breaks are ours.
pub fn control(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

/// `text` with every control character but `\t` escaped, `\n` too: for one value placed on a
/// line of ours (a title in a status line), so it cannot start a line that looks like ours.
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\t')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !c.is_control() || keep(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_run() {
        assert_eq!(control("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(control("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(control("one\ntwo\tthree\r"), "one\ntwo\tthree\\r");
        assert_eq!(control("\u{9b}31m\u{7f}"), "\\u{9b}31m\\x7f");
        assert_eq!(line("a\nb"), "a\\nb");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            control("Downloaded 1234 a.txt ü"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(line("tab\tok"), Cow::Borrowed(_)));
    }
}
