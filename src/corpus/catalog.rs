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

/// A corpus the datasets file names whose folder is not there (or cannot be read).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MissingCorpus {
    pub kind: CorpusKind,
    pub path: PathBuf,
    /// The datasets file that names it, and the line.
    pub file: Option<PathBuf>,
    pub line: usize,
    /// `does not exist`, `is not a folder`, or why it cannot be read.
    pub error: String,
}

impl MissingCorpus {
    /// What is wrong and where it was set, without the folder itself.
    pub fn reason(&self) -> String {
        let origin = match &self.file {
            Some(file) => format!(" (set in {}:{})", file.display(), self.line),
            None => String::new(),
        };
        format!(
            "{} corpus folder {}{origin}",
            self.kind.display_name(),
            self.error
        )
    }
}

impl std::fmt::Display for MissingCorpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason())
    }
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
    /// Corpora the datasets file names that are not there: the catalog holds the others.
    pub missing: Vec<MissingCorpus>,
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
            missing: Vec::new(),
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
    /// Work that computes from the data refuses to run on part of what the user asked for, or
    /// on the demo corpus in its place.
    #[error("{}", missing_message(.0))]
    MissingCorpora(Vec<MissingCorpus>),
}

fn missing_message(missing: &[MissingCorpus]) -> String {
    let mut text = format!(
        "{} configured corpus folder{} not there:",
        missing.len(),
        if missing.len() == 1 { " is" } else { "s are" }
    );
    for corpus in missing {
        text.push_str(&format!("\n  {corpus}"));
    }
    text.push_str("\nfix the `path`, or set `enabled = false` for a corpus you do not have; the synthetic demo corpus stands in only when the datasets file names no corpus");
    text
}

/// Why a configured corpus folder cannot be used, if it cannot.
fn check_folder(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("does not exist".into()),
        Err(e) => Some(format!("cannot be read: {e}")),
        Ok(m) if !m.is_dir() => Some("is not a folder".into()),
        Ok(_) => std::fs::read_dir(path)
            .err()
            .map(|e| format!("cannot be read: {e}")),
    }
}

/// The catalog of the configured corpora. The synthetic demo corpus (generated into the cache
/// dir on first use) stands in only when the datasets file names no corpus (or there is no
/// file). Named corpora whose folders are not there are listed in `missing`, and the catalog holds
/// the others: what `serlab datasets` and the TUI show. Work that computes from the data uses
/// `open_catalog_for_work`, which refuses such a catalog.
pub fn open_catalog(config: &DatasetsConfig) -> Result<Catalog, CatalogError> {
    let mut roots = Vec::new();
    let mut missing = Vec::new();
    let named = config.enabled_corpora().count();
    for entry in config.enabled_corpora() {
        match check_folder(&entry.path) {
            None => roots.push(CorpusRoot {
                kind: entry.kind,
                path: entry.path.clone(),
            }),
            Some(error) => missing.push(MissingCorpus {
                kind: entry.kind,
                path: entry.path.clone(),
                file: config.source.clone(),
                line: entry.line,
                error,
            }),
        }
    }
    let mut catalog = if named == 0 {
        let demo_root = demo::ensure_cached(&dirs::cache_dir())?;
        demo_catalog(&demo_root, config)
    } else {
        Catalog::scan(&roots, &config.labels, config.sample_rate)
    };
    catalog.problems.splice(
        0..0,
        missing.iter().map(|m| Problem {
            path: m.path.clone(),
            error: m.reason(),
        }),
    );
    catalog.missing = missing;
    apply_relabels(&mut catalog);
    Ok(catalog)
}

/// The catalog for work that computes from the data (train, eval, extract, suspects): every
/// corpus the datasets file names must be there.
pub fn open_catalog_for_work(config: &DatasetsConfig) -> Result<Catalog, CatalogError> {
    let catalog = open_catalog(config)?;
    if !catalog.missing.is_empty() {
        return Err(CatalogError::MissingCorpora(catalog.missing));
    }
    Ok(catalog)
}

/// The demo corpus in place of the configured one, when the user asks for it (the TUI's panel
/// about missing corpora offers it).
pub fn open_demo_catalog(config: &DatasetsConfig) -> Result<Catalog, CatalogError> {
    let demo_root = demo::ensure_cached(&dirs::cache_dir())?;
    let mut catalog = demo_catalog(&demo_root, config);
    apply_relabels(&mut catalog);
    Ok(catalog)
}

/// The user's relabels override corpus labels everywhere, training included.
fn apply_relabels(catalog: &mut Catalog) {
    let store_path = crate::relabel::RelabelStore::default_path();
    match crate::relabel::RelabelStore::open(&store_path) {
        Ok(store) => {
            for unknown in store.apply_to(catalog) {
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
