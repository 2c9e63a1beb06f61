//! The result of `oras tag`.

use super::report::Report;

/// The tags `oras tag` wrote, in argument order.
pub struct TagReport {
    /// The new tags.
    pub tagged: Vec<String>,
}

impl Report for TagReport {
    type Json = Vec<String>;

    fn text(&self) -> Vec<String> {
        self.tagged.iter().map(|t| format!("Tagged {t}")).collect()
    }

    fn json(&self) -> Vec<String> {
        self.tagged.clone()
    }
}
