//! What a training run reports, over a channel, to whoever watches it (the CLI's progress bar,
//! the TUI's Train view, tests).

use super::metrics::Scores;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    pub fold: usize,
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub validation_loss: f64,
    pub validation: Scores,
    pub lr: f64,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainEvent {
    /// Features are being extracted (done / total clips; how many of the done came from the
    /// feature cache, known at the end).
    Preparing {
        done: usize,
        total: usize,
        from_cache: usize,
    },
    FoldStarted {
        fold: usize,
        folds: usize,
        name: String,
        train: usize,
        validation: usize,
        test: usize,
    },
    Batch {
        fold: usize,
        epoch: usize,
        batch: usize,
        batches: usize,
        loss: f64,
    },
    Epoch(EpochReport),
    LrReduced {
        fold: usize,
        epoch: usize,
        lr: f64,
    },
    EarlyStopped {
        fold: usize,
        epoch: usize,
        best_epoch: usize,
    },
    FoldFinished {
        fold: usize,
        test: Scores,
    },
    Finished {
        message: String,
    },
    /// The model directory was written (sent by whoever saves it, after `Finished`).
    Saved {
        dir: std::path::PathBuf,
    },
    Error {
        message: String,
    },
}
