//! Progress bars on a terminal (the only module that uses indicatif). One bar per blob in flight
//! (name, bytes, speed, ETA) above a total line; a finished blob's bar is replaced by the status
//! line oras prints for it, written above the bars so nothing is ever drawn over. Used only when
//! stderr is a terminal and neither `--format json`, `--no-tty` nor `-d` was given.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use oras_rs::digest::Digest;
use oras_rs::oci::Descriptor;

/// A blob is one bar: same digest under two titles are two files.
type Key = (Digest, Option<String>);

/// The bars of one command, drawn on stderr.
pub struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    blobs: Mutex<HashMap<Key, ProgressBar>>,
    /// Whether the total line was added (at the first transfer).
    shown: AtomicBool,
}

fn key(desc: &Descriptor) -> Key {
    (desc.digest.clone(), desc.title().map(str::to_string))
}

impl Bars {
    /// Bars on stderr, with an empty total line.
    pub fn new() -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        // Shown from the first transfer on (nothing is drawn while files are being hashed).
        let total = ProgressBar::new(0);
        total.set_style(
            ProgressStyle::with_template(
                "  Total {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12} {elapsed:>4}",
            )
            .expect("valid template"),
        );
        Bars {
            multi,
            total,
            blobs: Mutex::new(HashMap::new()),
            shown: AtomicBool::new(false),
        }
    }

    /// A transfer of `desc`, shown as `name`, starts: a new bar above the total line.
    pub fn start(&self, desc: &Descriptor, prompt: &str, name: &str) {
        let mut blobs = self.blobs.lock().expect("bars lock");
        if !self.shown.swap(true, Ordering::Relaxed) {
            self.multi.add(self.total.clone());
            self.total.enable_steady_tick(Duration::from_millis(200));
        }
        let bar = self
            .multi
            .insert_before(&self.total, ProgressBar::new(desc.size));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} {msg:20!} [{bar:25}] {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12} ETA {eta:>3}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(format!("{prompt} {}", desc.digest.short()));
        bar.set_message(name.to_string());
        self.total.inc_length(desc.size);
        if let Some(old) = blobs.insert(key(desc), bar) {
            self.multi.remove(&old);
        }
    }

    /// `bytes` of `desc` have passed.
    pub fn progress(&self, desc: &Descriptor, bytes: u64) {
        let blobs = self.blobs.lock().expect("bars lock");
        if let Some(bar) = blobs.get(&key(desc)) {
            let delta = bytes.saturating_sub(bar.position());
            bar.set_position(bytes);
            self.total.inc(delta);
        }
    }

    /// `desc`'s bar (if any) is replaced by the status `line`.
    pub fn finish(&self, desc: &Descriptor, line: &str) {
        if let Some(bar) = self.blobs.lock().expect("bars lock").remove(&key(desc)) {
            // A blob the source sent without progress (a manifest) still counts in full.
            let delta = desc.size.saturating_sub(bar.position());
            self.total.inc(delta);
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.println(line);
    }

    /// Prints `line` above the bars.
    pub fn println(&self, line: &str) {
        let _ = self.multi.println(super::escape::control(line));
    }

    /// Stops drawing: unfinished bars are removed and the total line stays, so what is printed
    /// next (the command's result, on stdout) starts on a clean line.
    pub fn close(&self) {
        for (_, bar) in self.blobs.lock().expect("bars lock").drain() {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        if self.shown.load(Ordering::Relaxed) && !self.total.is_finished() {
            self.total.disable_steady_tick();
            self.total.finish();
        }
    }
}

impl Default for Bars {
    fn default() -> Self {
        Bars::new()
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.close();
    }
}
