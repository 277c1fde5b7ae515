//! The metrics a run or an evaluation reports (`metrics.json`): pooled and per-corpus scores,
//! the confusion matrix, and a line per fold.

use super::metrics::Scores;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorpusScores {
    pub accuracy: f64,
    pub unweighted_accuracy: f64,
    pub n: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoldSummary {
    pub name: String,
    pub accuracy: f64,
    pub unweighted_accuracy: f64,
    pub n: usize,
    pub best_epoch: usize,
    pub epochs_run: usize,
}

/// The metrics JSON of `serlab train` and `serlab eval`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricsReport {
    pub protocol: String,
    pub leaky: bool,
    pub accuracy: f64,
    pub unweighted_accuracy: f64,
    pub macro_f1: f64,
    pub classes: Vec<String>,
    /// rows = true class, in `classes` order
    pub confusion: Vec<Vec<usize>>,
    pub per_corpus: BTreeMap<String, CorpusScores>,
    pub n: usize,
    #[serde(default)]
    pub folds: Vec<FoldSummary>,
    pub synthetic: bool,
    /// The same test clips predicted each alone (by the clip-alone head), with nothing from
    /// their speaker's other clips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_clip: Option<Box<MetricsReport>>,
}

impl MetricsReport {
    pub fn new(
        protocol: String,
        leaky: bool,
        classes: &[String],
        truth: &[usize],
        predicted: &[usize],
        corpora: &[String],
        synthetic: bool,
    ) -> Self {
        let scores = Scores::compute(truth, predicted, classes.len());
        let mut per_corpus = BTreeMap::new();
        let names: std::collections::BTreeSet<&String> = corpora.iter().collect();
        for name in names {
            let idx: Vec<usize> = (0..truth.len()).filter(|&i| &corpora[i] == name).collect();
            let s = Scores::compute(
                &idx.iter().map(|&i| truth[i]).collect::<Vec<_>>(),
                &idx.iter().map(|&i| predicted[i]).collect::<Vec<_>>(),
                classes.len(),
            );
            per_corpus.insert(
                name.clone(),
                CorpusScores {
                    accuracy: s.accuracy,
                    unweighted_accuracy: s.unweighted_accuracy,
                    n: s.n,
                },
            );
        }
        Self {
            protocol,
            leaky,
            accuracy: scores.accuracy,
            unweighted_accuracy: scores.unweighted_accuracy,
            macro_f1: scores.macro_f1,
            classes: classes.to_vec(),
            confusion: scores.confusion,
            per_corpus,
            n: scores.n,
            folds: Vec::new(),
            synthetic,
            single_clip: None,
        }
    }
}
