//! The combined catalog of every configured corpus, or of the synthetic demo corpus.

use super::{demo, scan_corpus, CorpusKind, Emotion, Gender, Intensity};
use crate::config::{dirs, DatasetsConfig, LabelMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    pub corpus: CorpusKind,
    pub path: PathBuf,
    /// Path relative to the corpus root: with `corpus`, the clip's stable identity.
    pub relative: String,
    pub speaker: String,
    pub gender: Gender,
    pub emotion: Emotion,
    pub intensity: Intensity,
    /// Index into the catalog's classes, `None` when the label map leaves the emotion out.
    pub target: Option<usize>,
    pub sample_rate: u32,
    pub channels: u16,
    pub duration_s: f64,
    /// The target comes from the user's relabels, not the corpus.
    pub relabelled: bool,
}

impl Clip {
    /// Speakers are only unique within a corpus.
    pub fn speaker_key(&self) -> String {
        format!("{}:{}", self.corpus, self.speaker)
    }
}

/// A file or folder that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CorpusRoot {
    pub kind: CorpusKind,
    pub path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub corpora: Vec<CorpusRoot>,
    pub clips: Vec<Clip>,
    pub problems: Vec<Problem>,
    pub labels: LabelMap,
    pub sample_rate: u32,
    /// True when this is the generated demo corpus, not real recordings.
    pub synthetic: bool,
}

impl Catalog {
    pub fn classes(&self) -> &[String] {
        self.labels.classes()
    }

    /// Clips that have a target class (the ones a model trains on).
    pub fn labelled(&self) -> impl Iterator<Item = &Clip> {
        self.clips.iter().filter(|c| c.target.is_some())
    }

    /// Scans the given corpus roots.
    pub fn scan(roots: &[CorpusRoot], labels: &LabelMap, sample_rate: u32) -> Self {
        let mut clips = Vec::new();
        let mut problems = Vec::new();
        for root in roots {
            let (found, issues) = scan_corpus(root.kind, &root.path, labels);
            clips.extend(found);
            problems.extend(issues);
        }
        Self {
            corpora: roots.to_vec(),
            clips,
            problems,
            labels: labels.clone(),
            sample_rate,
            synthetic: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
}

/// The catalog of the configured corpora. Corpus folders that do not exist are reported as
/// problems; when no configured corpus exists at all, the synthetic demo corpus (generated into
/// the cache dir on first use) stands in.
pub fn open_catalog(config: &DatasetsConfig) -> Result<Catalog, CatalogError> {
    let mut roots = Vec::new();
    let mut missing = Vec::new();
    for entry in config.enabled_corpora() {
        if entry.path.is_dir() {
            roots.push(CorpusRoot {
                kind: entry.kind,
                path: entry.path.clone(),
            });
        } else {
            let origin = match &config.source {
                Some(file) => format!(" (set in {} line {})", file.display(), entry.line),
                None => String::new(),
            };
            missing.push(Problem {
                path: entry.path.clone(),
                error: format!(
                    "{} corpus folder does not exist{origin}",
                    entry.kind.display_name()
                ),
            });
        }
    }
    let mut catalog = if roots.is_empty() {
        let demo_root = demo::ensure_cached(&dirs::cache_dir())?;
        demo_catalog(&demo_root, config)
    } else {
        Catalog::scan(&roots, &config.labels, config.sample_rate)
    };
    missing.append(&mut catalog.problems);
    catalog.problems = missing;
    // The user's relabels override corpus labels everywhere, training included.
    let store_path = crate::relabel::RelabelStore::default_path();
    match crate::relabel::RelabelStore::open(&store_path) {
        Ok(store) => {
            for unknown in store.apply_to(&mut catalog) {
                catalog.problems.push(Problem {
                    path: store_path.clone(),
                    error: unknown,
                });
            }
        }
        Err(err) => catalog.problems.push(Problem {
            path: store_path,
            error: err.to_string(),
        }),
    }
    Ok(catalog)
}

/// The catalog of a demo corpus written under `root`.
pub fn demo_catalog(root: &Path, config: &DatasetsConfig) -> Catalog {
    let roots: Vec<CorpusRoot> = demo::demo_roots(root)
        .into_iter()
        .map(|(kind, path)| CorpusRoot { kind, path })
        .collect();
    let mut catalog = Catalog::scan(&roots, &config.labels, config.sample_rate);
    catalog.synthetic = true;
    catalog
}
