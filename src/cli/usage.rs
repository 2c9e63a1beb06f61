//! Usage errors worded as oras (cobra) words them: the first line starts with `Error:` (scripts
//! grep for it), and a required flag that is missing is `required flag(s) "output" not set`.
//! clap's usage line and its `--help` pointer follow.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The text to print for a parse error that is not a help or version request.
pub fn render(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let rest = text.strip_prefix("error: ").unwrap_or(&text);
    if err.kind() == ErrorKind::MissingRequiredArgument
        && let Some(flags) = missing_flags(err)
    {
        let usage = rest.find("\nUsage:").map_or("", |i| &rest[i..]);
        return format!(
            "Error: required flag(s) {flags} not set\n{}",
            crate::output::help::pointer(usage)
        );
    }
    format!("Error: {}", crate::output::help::pointer(rest))
}

/// `"a", "b"` when every missing argument is a flag (`--a <A>`), as cobra lists them.
fn missing_flags(err: &clap::Error) -> Option<String> {
    let Some(ContextValue::Strings(missing)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let names: Option<Vec<String>> = missing
        .iter()
        .map(|arg| {
            let name = arg.strip_prefix("--")?.split([' ', '=']).next()?;
            Some(format!("{name:?}"))
        })
        .collect();
    names.filter(|n| !n.is_empty()).map(|n| n.join(", "))
}

#[cfg(test)]
mod tests {
    use super::render;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Args {
        #[arg(long)]
        output: String,
        reference: Option<String>,
    }

    #[derive(Parser, Debug)]
    struct Positional {
        reference: String,
    }

    #[test]
    fn a_missing_flag_is_worded_as_cobra_words_it() {
        let err = Args::try_parse_from(["oras", "ref"]).unwrap_err();
        let text = render(&err);
        assert!(
            text.starts_with("Error: required flag(s) \"output\" not set\n"),
            "{text}"
        );
        assert!(text.contains("Usage:"), "{text}");
    }

    #[test]
    fn other_usage_errors_start_with_error() {
        let err = Positional::try_parse_from(["oras"]).unwrap_err();
        let text = render(&err);
        assert!(
            text.starts_with("Error: the following required arguments"),
            "{text}"
        );
        let err = Positional::try_parse_from(["oras", "a", "--bogus"]).unwrap_err();
        assert!(render(&err).starts_with("Error: unexpected argument '--bogus'"));
    }
}
