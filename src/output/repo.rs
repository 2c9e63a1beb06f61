//! The results of `oras repo ls` and `oras repo tags`.

use super::model;
use super::report::Report;

/// The repositories `oras repo ls` found.
pub struct RepoListReport {
    /// The registry host.
    pub registry: String,
    /// `<namespace>/` when one was given: text output shows names relative to it.
    pub prefix: Option<String>,
    /// Full repository names.
    pub repositories: Vec<String>,
}

impl Report for RepoListReport {
    type Json = model::RepoList;

    fn text(&self) -> Vec<String> {
        self.repositories
            .iter()
            .map(|repo| {
                let shown = self
                    .prefix
                    .as_deref()
                    .and_then(|p| repo.strip_prefix(p))
                    .unwrap_or(repo);
                shown.to_string()
            })
            .collect()
    }

    fn json(&self) -> model::RepoList {
        model::RepoList {
            registry: self.registry.clone(),
            repositories: self.repositories.clone(),
        }
    }
}

/// The tags `oras repo tags` found.
pub struct TagListReport {
    /// The tags, in order.
    pub tags: Vec<String>,
}

impl Report for TagListReport {
    type Json = model::TagList;

    fn text(&self) -> Vec<String> {
        self.tags.clone()
    }

    fn json(&self) -> model::TagList {
        model::TagList {
            tags: self.tags.clone(),
        }
    }
}
