//! What `oras backup` and `oras restore` print: a line per step ([`BackupEvent`]) as it
//! happens, between the transfer's status lines, and the summary at the end.

use std::time::Duration;

use oras_rs::copy::backup::BackupEvent;
use serde::Serialize;

use super::Prompts;
use super::report::Report;

/// Prompts of backup.
pub const BACKUP: Prompts = Prompts {
    start: "Pulling  ",
    done: "Pulled   ",
    exists: "Exists   ",
    skipped: "Skipped  ",
};

/// Prompts of restore.
pub const RESTORE: Prompts = Prompts {
    start: "Pushing  ",
    done: "Pushed   ",
    exists: "Exists   ",
    skipped: "Skipped  ",
};

/// The lines of one step.
pub fn event_lines(event: BackupEvent<'_>) -> Vec<String> {
    match event {
        // `Found N tag(s) in <where>: a, b`, or a header and one tag per line past five.
        BackupEvent::Found { tags, place } if tags.len() <= 5 => vec![format!(
            "Found {} tag(s) in {place}: {}",
            tags.len(),
            tags.join(", ")
        )],
        BackupEvent::Found { tags, place } => {
            let mut lines = vec![format!("Found {} tag(s) in {place}:", tags.len())];
            lines.extend(tags.iter().map(|t| format!("  {t}")));
            lines
        }
        BackupEvent::Loaded { path, size } => vec![format!(
            "Loaded backup archive: {} ({})",
            path.display(),
            human_size(size)
        )],
        BackupEvent::BackedUp { tag, referrers } => {
            vec![format!("Pulled tag {tag} with {referrers} referrer(s)")]
        }
        BackupEvent::Restored { tag, referrers } => {
            vec![format!("Pushed tag {tag} with {referrers} referrer(s)")]
        }
        BackupEvent::WouldRestore { tag, referrers } => vec![format!(
            "Dry run: would push tag {tag} with {referrers} referrer(s)"
        )],
        BackupEvent::Exporting { path } => vec![format!("Exporting to {}", path.display())],
        BackupEvent::Exported { path, size } => vec![format!(
            "Exported to {} ({})",
            path.display(),
            human_size(size)
        )],
    }
}

/// Prints the lines of one step.
pub fn print_event(event: BackupEvent<'_>) {
    for line in event_lines(event) {
        super::println_ignore_pipe(&line);
    }
}

/// A byte count as oras prints it (`1.5 MB`).
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The document of a backup or restore.
#[derive(Serialize)]
pub struct Summary {
    /// The tags copied (or, in a dry run, that would be).
    pub tags: usize,
    /// Where from.
    pub from: String,
    /// Where to.
    pub to: String,
}

/// What a backup did.
pub struct BackupReport {
    /// The tags backed up.
    pub tags: usize,
    /// The repository.
    pub from: String,
    /// The output path as given.
    pub to: String,
    /// Since the command started.
    pub elapsed: Duration,
}

impl Report for BackupReport {
    type Json = Summary;

    fn text(&self) -> Vec<String> {
        vec![format!(
            "Successfully backed up {} tag(s) from {:?} to {:?} in {:.3}s.",
            self.tags,
            self.from,
            self.to,
            self.elapsed.as_secs_f64()
        )]
    }

    fn json(&self) -> Summary {
        Summary {
            tags: self.tags,
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// What a restore did.
pub struct RestoreReport {
    /// The tags restored (or that would be).
    pub tags: usize,
    /// The backup path as given.
    pub from: String,
    /// The repository.
    pub to: String,
    /// Whether nothing was pushed.
    pub dry_run: bool,
    /// Since the command started.
    pub elapsed: Duration,
}

impl Report for RestoreReport {
    type Json = Summary;

    fn text(&self) -> Vec<String> {
        vec![if self.dry_run {
            format!(
                "Dry run complete: {} tag(s) would be restored to {:?} (no data pushed)",
                self.tags, self.to
            )
        } else {
            format!(
                "Successfully restored {} tag(s) to {:?} in {:.3}s",
                self.tags,
                self.to,
                self.elapsed.as_secs_f64()
            )
        }]
    }

    fn json(&self) -> Summary {
        Summary {
            tags: self.tags,
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_humanised() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1500), "1.5 KB");
        assert_eq!(human_size(2_000_000), "2.0 MB");
    }

    #[test]
    fn more_than_five_tags_are_listed_one_per_line() {
        let tags: Vec<String> = (1..=6).map(|i| format!("v{i}")).collect();
        let lines = event_lines(BackupEvent::Found {
            tags: &tags,
            place: "the backup",
        });
        assert_eq!(lines[0], "Found 6 tag(s) in the backup:");
        assert_eq!(lines[6], "  v6");
    }
}
