//! Help pages and usage errors worded as oras (cobra) words them.

/// The help page of a command oras marks as in preview: its description says so, as oras's does.
pub const PREVIEW_HELP: &str = "{about-with-newline}\n** This command is in preview and under development. **\n\n{usage-heading} {usage}\n\n{all-args}{after-help}";

/// clap's `--help` pointer worded as oras's: `Run "oras push -h" for more options and examples`.
pub fn pointer(text: &str) -> String {
    let Some(usage) = text.find("Usage: ").map(|i| &text[i + "Usage: ".len()..]) else {
        return text.to_string();
    };
    let path: Vec<&str> = usage
        .split_whitespace()
        .take_while(|w| !w.starts_with(['<', '[', '-']))
        .collect();
    let run = format!(
        "Run \"{} -h\" for more options and examples",
        path.join(" ")
    );
    text.replace("For more information, try '--help'.", &run)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_help_pointer_names_the_command_as_oras_does() {
        let text = "x\n\nUsage: oras repo tags [OPTIONS] <REFERENCE>\n\nFor more information, try '--help'.\n";
        let want = "Run \"oras repo tags -h\" for more options and examples";
        assert!(
            super::pointer(text).contains(want),
            "{}",
            super::pointer(text)
        );
    }
}
