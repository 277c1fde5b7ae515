//! A training run as a job, the one way both faces train: a worker thread runs the training,
//! saves the model folder, and reports every step through a channel; the CLI prints the events,
//! the TUI's Train view draws them, and either can cancel. The channel closes when the job ends.

use super::engine::TrainError;
use super::events::TrainEvent;
use super::run::{run, MetricsReport, TrainConfig};
use super::runs::{RunRecord, RunStore};
use crate::corpus::Catalog;
use crate::features::Plugin;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Where a job's results go.
#[derive(Debug, Clone, Default)]
pub struct JobOutput {
    /// The model folder.
    pub model_dir: Option<PathBuf>,
    /// Where the run is recorded (`serlab runs`).
    pub runs: Option<RunStore>,
    /// Which face started it: `cli` or `tui`.
    pub source: &'static str,
}

/// What a job that ended well leaves.
#[derive(Debug)]
pub struct Finished {
    pub metrics: MetricsReport,
    /// Clips whose features could not be extracted (each with its reason).
    pub skipped: Vec<String>,
    /// The model folder, when one was asked for.
    pub saved: Option<PathBuf>,
    /// The run's record id, when it was recorded.
    pub run_id: Option<String>,
}

pub struct TrainJob {
    pub events: Receiver<TrainEvent>,
    cancel: Arc<AtomicBool>,
    worker: JoinHandle<Result<Finished, TrainError>>,
}

impl TrainJob {
    /// Starts training `catalog`'s labelled clips with `plugin`; the model and the run record
    /// go where `output` says.
    pub fn start(
        catalog: Catalog,
        plugin: Arc<Plugin>,
        params: Vec<f64>,
        config: TrainConfig,
        output: JobOutput,
    ) -> Self {
        let (tx, events) = std::sync::mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let worker = std::thread::spawn(move || {
            let mut record = RunRecord::start(output.source, &plugin, &params, &config);
            let result = run(&catalog, plugin, params, &config, &tx, &flag).and_then(|outcome| {
                record.fingerprint = outcome.data_fingerprint.clone();
                let saved = match output.model_dir {
                    Some(dir) => {
                        super::persist::save_outcome(&dir, &outcome)
                            .map_err(|e| TrainError::NotSaved(e.to_string()))?;
                        let _ = tx.send(TrainEvent::Saved { dir: dir.clone() });
                        Some(dir)
                    }
                    None => None,
                };
                Ok(Finished {
                    metrics: outcome.metrics,
                    skipped: outcome.skipped,
                    saved,
                    run_id: None,
                })
            });
            let result = match (&output.runs, result) {
                (Some(runs), result) => record_run(runs, record, result),
                (None, result) => result,
            };
            if let Err(e) = &result {
                let _ = tx.send(TrainEvent::Error {
                    message: e.to_string(),
                });
            }
            result
        });
        Self {
            events,
            cancel,
            worker,
        }
    }

    /// Asks the job to stop at the next batch (it then ends with `TrainError::Cancelled`).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Waits for the job's end (after its channel closed, this returns at once).
    pub fn wait(self) -> Result<Finished, TrainError> {
        self.worker.join().unwrap_or(Err(TrainError::Panicked))
    }
}

/// Writes the run's record, finished or not. A record that cannot be written is a warning in the
/// run's result, never the loss of the model it trained.
fn record_run(
    runs: &RunStore,
    mut record: RunRecord,
    result: Result<Finished, TrainError>,
) -> Result<Finished, TrainError> {
    match result {
        Ok(mut finished) => {
            record.finish(Some(&finished.metrics), finished.saved.clone(), None);
            match runs.record(&record) {
                Ok(()) => finished.run_id = Some(record.id),
                Err(e) => finished
                    .skipped
                    .push(format!("the run was not recorded: {e}")),
            }
            Ok(finished)
        }
        Err(error) => {
            record.finish(None, None, Some(error.to_string()));
            let _ = runs.record(&record);
            Err(error)
        }
    }
}
