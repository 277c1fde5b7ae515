//! The record of every training run, from the CLI or the TUI: its settings, the clips and labels
//! it saw (a fingerprint), its metrics and its model folder, so runs can be listed and compared
//! after the views that started them are gone.
//!
//! The store is a folder with one JSON file per run, each written atomically (temp file, fsync,
//! rename). No shared index: two serlab processes finishing runs at once write two files and
//! cannot lose each other's; a reader never sees half a record; a file broken by hand costs that
//! run, not the list. A run count in the thousands lists in milliseconds, and a new dependency
//! (SQLite) would buy nothing here.

use super::report::MetricsReport;
use super::run::TrainConfig;
use crate::util::atomic::write_atomically;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: String,
    /// `cli` or `tui`.
    pub source: String,
    /// `finished`, `failed` or `cancelled`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub plugin: String,
    pub plugin_version: String,
    pub plugin_params: BTreeMap<String, f64>,
    pub split: String,
    pub folds: Option<usize>,
    pub ensemble: usize,
    pub epochs: usize,
    pub norm: String,
    /// `off`, or the augmentation policy and copies per clip.
    pub augmentation: String,
    pub seed: u64,
    /// Of the clips and the labels in force that the run saw (relabels change it).
    pub fingerprint: String,
    pub synthetic: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unweighted_accuracy: Option<f64>,
    /// The same test clips predicted each alone (the clip-alone head).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_clip_unweighted_accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macro_f1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// The model folder (with `metrics.json`, `history.json`, `predictions.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
}

impl RunRecord {
    /// A record of a run starting now with these settings.
    pub fn start(
        source: &str,
        plugin: &crate::features::Plugin,
        params: &[f64],
        config: &TrainConfig,
    ) -> Self {
        let started = crate::util::time::now_utc();
        Self {
            id: new_id(),
            finished: started.clone(),
            started,
            source: source.to_string(),
            status: "running".into(),
            error: None,
            plugin: plugin.name.clone(),
            plugin_version: plugin.version.clone(),
            plugin_params: plugin
                .params
                .iter()
                .map(|p| p.name.clone())
                .zip(params.iter().copied())
                .collect(),
            split: config.split.as_str().to_string(),
            folds: config.folds,
            ensemble: config.ensemble,
            epochs: config.settings.epochs,
            norm: format!("{:?}", config.norm),
            augmentation: if config.augment.is_off() || config.augment_copies == 0 {
                "off".into()
            } else {
                format!(
                    "{} copies per clip, policy {}",
                    config.augment_copies,
                    serde_json::to_string(&config.augment).unwrap_or_default()
                )
            },
            seed: config.settings.seed,
            fingerprint: String::new(),
            synthetic: false,
            unweighted_accuracy: None,
            single_clip_unweighted_accuracy: None,
            accuracy: None,
            macro_f1: None,
            n: None,
            model: None,
        }
    }

    /// Fills in how the run ended.
    pub fn finish(
        &mut self,
        metrics: Option<&MetricsReport>,
        model: Option<PathBuf>,
        error: Option<String>,
    ) {
        self.finished = crate::util::time::now_utc();
        if let Some(m) = metrics {
            self.unweighted_accuracy = Some(m.unweighted_accuracy);
            self.single_clip_unweighted_accuracy =
                m.single_clip.as_ref().map(|s| s.unweighted_accuracy);
            self.accuracy = Some(m.accuracy);
            self.macro_f1 = Some(m.macro_f1);
            self.n = Some(m.n);
            self.synthetic = m.synthetic;
        }
        self.model = model;
        self.status = match &error {
            None => "finished".into(),
            Some(e) if e.contains("cancelled") => "cancelled".into(),
            Some(_) => "failed".into(),
        };
        self.error = error;
    }
}

/// Sortable by time, unique between processes: `20261207-153012-3f2a9c`.
fn new_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let stamp = crate::util::time::format_utc(now.as_secs());
    let compact: String = stamp
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect();
    let salt = crate::util::rng::fnv1a(
        format!(
            "{}:{}:{:?}",
            std::process::id(),
            now.as_nanos(),
            std::thread::current().id()
        )
        .as_bytes(),
    );
    format!("{compact}-{:06x}", salt & 0xff_ffff)
}

#[derive(Debug, Clone)]
pub struct RunStore {
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}: cannot write the run record: {cause}", path.display())]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("no run `{id}` in {} (see `serlab runs`)", dir.display())]
    Unknown { id: String, dir: PathBuf },
}

impl RunStore {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// `runs/` in the user data dir.
    pub fn default_location() -> Self {
        Self::new(crate::config::dirs::data_dir().join("runs"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn record(&self, run: &RunRecord) -> Result<(), RunError> {
        let path = self.dir.join(format!("{}.json", run.id));
        let text = serde_json::to_vec_pretty(run).map_err(|e| RunError::Write {
            path: path.clone(),
            cause: std::io::Error::other(e),
        })?;
        write_atomically(&path, &text).map_err(|cause| RunError::Write { path, cause })
    }

    /// Every readable run, oldest first, and the files that could not be read (with why).
    pub fn list(&self) -> (Vec<RunRecord>, Vec<(PathBuf, String)>) {
        let mut runs = Vec::new();
        let mut broken = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return (runs, broken);
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<RunRecord>(&b).map_err(|e| e.to_string()))
            {
                Ok(run) => runs.push(run),
                Err(e) => broken.push((path, e)),
            }
        }
        runs.sort_by(|a, b| (&a.started, &a.id).cmp(&(&b.started, &b.id)));
        (runs, broken)
    }

    pub fn get(&self, id: &str) -> Result<RunRecord, RunError> {
        self.list()
            .0
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| RunError::Unknown {
                id: id.to_string(),
                dir: self.dir.clone(),
            })
    }

    /// The newest finished run with a model folder that is still there.
    pub fn latest_model(&self) -> Option<RunRecord> {
        self.list()
            .0
            .into_iter()
            .rev()
            .find(|r| r.status == "finished" && r.model.as_ref().is_some_and(|m| m.is_dir()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, started: &str) -> RunRecord {
        RunRecord {
            id: id.into(),
            started: started.into(),
            finished: started.into(),
            source: "cli".into(),
            status: "finished".into(),
            error: None,
            plugin: "classic".into(),
            plugin_version: "1.0.0".into(),
            plugin_params: BTreeMap::new(),
            split: "speaker-independent split".into(),
            folds: Some(4),
            ensemble: 1,
            epochs: 5,
            norm: "Global".into(),
            augmentation: "off".into(),
            seed: 1,
            fingerprint: "abc".into(),
            synthetic: true,
            unweighted_accuracy: Some(0.7),
            single_clip_unweighted_accuracy: None,
            accuracy: Some(0.72),
            macro_f1: Some(0.69),
            n: Some(100),
            model: None,
        }
    }

    #[test]
    fn runs_are_listed_oldest_first_and_a_broken_file_costs_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::new(dir.path().join("runs"));
        assert!(store.list().0.is_empty(), "no folder yet: no runs");
        store.record(&record("b", "2026-12-07T10:00:00Z")).unwrap();
        store.record(&record("a", "2026-12-06T10:00:00Z")).unwrap();
        std::fs::write(dir.path().join("runs/broken.json"), "{").unwrap();
        let (runs, broken) = store.list();
        assert_eq!(
            runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(broken.len(), 1);
        assert_eq!(store.get("a").unwrap(), record("a", "2026-12-06T10:00:00Z"));
        assert!(store
            .get("zz")
            .unwrap_err()
            .to_string()
            .contains("no run `zz`"));
    }

    #[test]
    fn ids_sort_by_time_and_differ() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), "20261207-153012-3f2a9c".len(), "{a}");
    }
}
