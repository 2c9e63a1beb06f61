//! Everything the binary prints. Status lines are a [`CopyObserver`] printing oras's wording to
//! stdout (oras prints them there when there is no terminal); with `--format json` the observer
//! is silent so stdout holds exactly one document. Errors and warnings go to stderr. On a
//! terminal the observer draws progress bars on stderr instead ([`progress`]).

pub mod backup;
pub mod blob;
pub mod copy;
pub mod discover;
pub mod escape;
pub mod failure;
pub mod help;
pub mod hints;
pub mod manifest;
pub mod model;
pub mod progress;
pub mod pull;
pub mod push;
pub mod repo;
pub mod report;
pub mod tag;
pub mod template;
pub mod text;

use std::io::Write;
use std::sync::Mutex;

use oras_rs::copy::CopyObserver;
use oras_rs::oci::Descriptor;

/// The words a command prints for each state, padded as oras pads them.
#[derive(Debug, Clone, Copy)]
pub struct Prompts {
    /// A transfer starts.
    pub start: &'static str,
    /// A transfer ended.
    pub done: &'static str,
    /// The destination had it.
    pub exists: &'static str,
    /// Left out.
    pub skipped: &'static str,
}

/// Prompts of push.
pub const PUSH: Prompts = Prompts {
    start: "Uploading",
    done: "Uploaded ",
    exists: "Exists   ",
    skipped: "Skipped  ",
};

/// Prompts of pull.
pub const PULL: Prompts = Prompts {
    start: "Downloading",
    done: "Downloaded ",
    exists: "Exists     ",
    skipped: "Skipped    ",
};

/// Prompts of cp.
pub const COPY: Prompts = Prompts {
    start: "Copying",
    done: "Copied ",
    exists: "Exists ",
    skipped: "Skipped",
};

/// Prints one status line per event, or nothing when `enabled` is false.
pub struct StatusPrinter {
    prompts: Prompts,
    enabled: bool,
    verbose: bool,
    out: Mutex<()>,
    bars: Option<progress::Bars>,
}

/// Whether a command draws progress bars: text output, stderr a terminal, no `--no-tty`, no
/// `-d/--debug` (debug logs would be drawn over).
pub fn use_bars(text_output: bool, no_tty: bool, debug: bool) -> bool {
    use std::io::IsTerminal;
    text_output && !no_tty && !debug && std::io::stderr().is_terminal()
}

impl StatusPrinter {
    /// A printer for `prompts`; `verbose` also prints blobs without a title.
    pub fn new(prompts: Prompts, enabled: bool, verbose: bool) -> Self {
        StatusPrinter {
            prompts,
            enabled,
            verbose,
            out: Mutex::new(()),
            bars: None,
        }
    }

    /// Draws progress bars on stderr instead of printing status lines to stdout, when `on`
    /// (see [`use_bars`]); free-form lines such as `Preparing <name>` are then left out, as oras
    /// leaves them out on a terminal.
    pub fn with_bars(mut self, on: bool) -> Self {
        if on && self.enabled {
            self.bars = Some(progress::Bars::new());
        }
        self
    }

    /// Stops the progress bars, if any; call it before printing the command's result.
    pub fn finish(&self) {
        if let Some(bars) = &self.bars {
            bars.close();
        }
    }

    /// Prints a free-form status line (e.g. `Preparing <name>`), when status output is on.
    pub fn line(&self, text: &str) {
        if self.enabled && self.bars.is_none() {
            let _guard = self.out.lock();
            println_ignore_pipe(text);
        }
    }

    /// What a status line calls `desc`: its title (or, `--verbose`, its media type), with the
    /// control characters a registry may have put there escaped.
    fn name(&self, desc: &Descriptor) -> Option<String> {
        match desc.title() {
            Some(t) => Some(escape::line(t).into_owned()),
            None if self.verbose => Some(escape::line(&desc.media_type).into_owned()),
            None => None,
        }
    }

    fn status(&self, prompt: &str, desc: &Descriptor) {
        let Some(name) = self.name(desc) else { return };
        let text = format!("{prompt} {} {name}", desc.digest.short());
        match &self.bars {
            Some(bars) => bars.println(&text),
            None => self.line(&text),
        }
    }
}

impl CopyObserver for StatusPrinter {
    fn on_start(&self, desc: &Descriptor) {
        match &self.bars {
            Some(bars) => {
                let name = self
                    .name(desc)
                    .unwrap_or_else(|| escape::line(&desc.media_type).into_owned());
                bars.start(desc, self.prompts.start, &name);
            }
            None => self.status(self.prompts.start, desc),
        }
    }
    fn on_done(&self, desc: &Descriptor) {
        match &self.bars {
            Some(bars) => {
                let name = self
                    .name(desc)
                    .unwrap_or_else(|| escape::line(&desc.media_type).into_owned());
                let line = format!("{} {} {name}", self.prompts.done, desc.digest.short());
                bars.finish(desc, &line);
            }
            None => self.status(self.prompts.done, desc),
        }
    }
    fn on_progress(&self, desc: &Descriptor, bytes: u64) {
        if let Some(bars) = &self.bars {
            bars.progress(desc, bytes);
        }
    }
    fn on_exists(&self, desc: &Descriptor) {
        self.status(self.prompts.exists, desc);
    }
    fn on_skipped(&self, desc: &Descriptor) {
        self.status(self.prompts.skipped, desc);
    }
    fn on_mounted(&self, desc: &Descriptor) {
        self.status("Mounted", desc);
    }
    fn on_referrers_not_copied(&self, _original: &Descriptor) {
        let text = "Warning: referrers of the source index are not copied because selecting a subset of platforms produces a new index digest";
        match &self.bars {
            Some(bars) => bars.println(text),
            None => self.line(text),
        }
    }
}

/// Prints a line to stdout, control characters escaped ([`escape::control`]); a closed pipe
/// (`oras … | head`) is not an error worth a panic.
pub fn println_ignore_pipe(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", escape::control(text));
}

/// Writes a finished JSON document to stdout.
pub fn print_json_bytes(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes);
    let _ = out.flush();
}
