//! Per-corpus counts for `serlab datasets` (text and JSON) and the TUI.

use super::{Catalog, CorpusKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub total_clips: usize,
    /// True for the generated demo corpus.
    pub synthetic: bool,
    pub classes: Vec<String>,
    pub corpora: Vec<CorpusSummary>,
    pub unreadable: Vec<UnreadableFile>,
    /// Corpora the datasets file names whose folders are not there (also among `unreadable`).
    pub missing_corpora: Vec<super::MissingCorpus>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CorpusSummary {
    pub kind: CorpusKind,
    pub path: String,
    pub clips: usize,
    pub speakers: usize,
    pub duration_s: f64,
    pub by_class: BTreeMap<String, usize>,
    pub by_emotion: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnreadableFile {
    pub path: String,
    pub error: String,
}

impl Summary {
    pub fn of(catalog: &Catalog) -> Self {
        let corpora = catalog
            .corpora
            .iter()
            .map(|root| {
                let clips: Vec<_> = catalog
                    .clips
                    .iter()
                    .filter(|c| c.corpus == root.kind && c.path.starts_with(&root.path))
                    .collect();
                let speakers: BTreeSet<&str> = clips.iter().map(|c| c.speaker.as_str()).collect();
                let mut by_class: BTreeMap<String, usize> =
                    catalog.classes().iter().map(|c| (c.clone(), 0)).collect();
                let mut by_emotion = BTreeMap::new();
                for clip in &clips {
                    if let Some(class) = clip.target {
                        *by_class
                            .entry(catalog.labels.class_name(class).to_string())
                            .or_default() += 1;
                    }
                    *by_emotion.entry(clip.emotion.to_string()).or_default() += 1;
                }
                let duration: f64 = clips.iter().map(|c| c.duration_s).sum();
                CorpusSummary {
                    kind: root.kind,
                    path: root.path.display().to_string(),
                    clips: clips.len(),
                    speakers: speakers.len(),
                    duration_s: (duration * 1000.0).round() / 1000.0,
                    by_class,
                    by_emotion,
                }
            })
            .collect::<Vec<_>>();
        Self {
            total_clips: corpora.iter().map(|c| c.clips).sum(),
            synthetic: catalog.synthetic,
            classes: catalog.classes().to_vec(),
            corpora,
            missing_corpora: catalog.missing.clone(),
            unreadable: catalog
                .problems
                .iter()
                .map(|p| UnreadableFile {
                    path: p.path.display().to_string(),
                    error: p.error.clone(),
                })
                .collect(),
        }
    }
}
