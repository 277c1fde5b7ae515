//! The model whose predictions the lab shows beside the clips: a run's out-of-fold predictions
//! (`predictions.csv` in its model folder), how suspect each clip's label looks under them, and
//! which predictions a relabel since the run has made stale. The latest run by default; the
//! Runs view and a finished training switch it.

use super::App;
use crate::corpus::Catalog;
use crate::relabel::ClipKey;
use crate::train::predictions::ClipPrediction;
use crate::train::runs::RunRecord;
use std::collections::{HashMap, HashSet};
use std::path::Path;

pub struct ModelPredictions {
    /// The run they come from, when known.
    pub run: Option<RunRecord>,
    pub classes: Vec<String>,
    pub by_clip: HashMap<ClipKey, ClipPrediction>,
    /// Clips relabelled since the run: their prediction was made under another label.
    pub stale: HashSet<ClipKey>,
    /// Suspicion of each suspect clip's label in force (`train::suspects`), 1 - p(label).
    pub suspicion: HashMap<ClipKey, f32>,
}

impl ModelPredictions {
    /// The predictions in a model folder, if it has any for these classes.
    pub fn load(model: &Path, run: Option<RunRecord>, catalog: &Catalog) -> Result<Self, String> {
        let (classes, rows) = crate::train::predictions::read(&model.join("predictions.csv"))?;
        if classes != catalog.classes() {
            return Err(format!(
                "{}: classes {} are not the datasets' ({})",
                model.display(),
                classes.join(", "),
                catalog.classes().join(", ")
            ));
        }
        let by_clip = rows
            .into_iter()
            .map(|p| {
                let key = ClipKey {
                    corpus: p.corpus,
                    path: p.path.clone(),
                };
                (key, p)
            })
            .collect();
        let mut model = Self {
            run,
            classes,
            by_clip,
            stale: HashSet::new(),
            suspicion: HashMap::new(),
        };
        model.rescore(catalog);
        Ok(model)
    }

    /// Suspicion under the labels in force now; a clip whose label changed since the run is
    /// stale.
    pub fn rescore(&mut self, catalog: &Catalog) {
        let mut current: Vec<ClipPrediction> = Vec::new();
        self.stale.clear();
        for clip in &catalog.clips {
            let key = ClipKey::of(clip);
            let (Some(p), Some(label)) = (self.by_clip.get(&key), clip.target) else {
                continue;
            };
            if p.label != label {
                self.stale.insert(key);
            }
            current.push(ClipPrediction { label, ..p.clone() });
        }
        self.suspicion = crate::train::suspects::find(&current, self.classes.len())
            .into_iter()
            .map(|s| {
                let key = ClipKey {
                    corpus: s.prediction.corpus,
                    path: s.prediction.path,
                };
                (key, s.score)
            })
            .collect();
    }

    /// The out-of-fold confusion matrix (label at training time x prediction).
    pub fn confusion(&self) -> Vec<Vec<usize>> {
        let n = self.classes.len();
        let mut matrix = vec![vec![0; n]; n];
        for p in self.by_clip.values() {
            if p.label < n && p.predicted < n {
                matrix[p.label][p.predicted] += 1;
            }
        }
        matrix
    }

    pub fn describe(&self) -> String {
        match &self.run {
            Some(run) => format!(
                "run {} ({}, UA {})",
                run.id,
                run.plugin,
                run.unweighted_accuracy
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "-".into())
            ),
            None => "a model".into(),
        }
    }
}

impl App {
    /// Shows a run's predictions beside the clips (the Runs view's Enter, a finished training,
    /// the latest run at start).
    pub fn use_run_predictions(&mut self, run: RunRecord) {
        let Some(model) = run.model.clone() else {
            self.status = format!("run {} kept no model folder", run.id);
            return;
        };
        match ModelPredictions::load(&model, Some(run), &self.catalog) {
            Ok(predictions) => {
                self.status = format!("predictions of {} beside the clips", predictions.describe());
                self.model = Some(predictions);
                self.refresh_view();
            }
            Err(e) => self.status = format!("no predictions to show: {e}"),
        }
    }

    /// The latest finished run's predictions, if there is one (quietly: at start).
    pub fn use_latest_run(&mut self) {
        let Some(run) = self.paths.runs.as_ref().and_then(|r| r.latest_model()) else {
            return;
        };
        let Some(model) = run.model.clone() else {
            return;
        };
        if let Ok(predictions) = ModelPredictions::load(&model, Some(run), &self.catalog) {
            self.model = Some(predictions);
            self.refresh_view();
        }
    }
}
