//! A training run as a job, the one way both faces train: a worker thread runs the training,
//! saves the model folder, and reports every step through a channel; the CLI prints the events,
//! the TUI's Train view draws them, and either can cancel. The channel closes when the job ends.

use super::engine::TrainError;
use super::events::TrainEvent;
use super::run::{run, MetricsReport, TrainConfig};
use crate::corpus::Catalog;
use crate::features::Plugin;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::thread::JoinHandle;

/// What a job that ended well leaves.
#[derive(Debug)]
pub struct Finished {
    pub metrics: MetricsReport,
    /// Clips whose features could not be extracted (each with its reason).
    pub skipped: Vec<String>,
    /// The model folder, when one was asked for.
    pub saved: Option<PathBuf>,
}

pub struct TrainJob {
    pub events: Receiver<TrainEvent>,
    cancel: Arc<AtomicBool>,
    worker: JoinHandle<Result<Finished, TrainError>>,
}

impl TrainJob {
    /// Starts training `catalog`'s labelled clips with `plugin`; the model goes to `out`.
    pub fn start(
        catalog: Catalog,
        plugin: Arc<Plugin>,
        params: Vec<f64>,
        config: TrainConfig,
        out: Option<PathBuf>,
    ) -> Self {
        let (tx, events) = std::sync::mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let worker = std::thread::spawn(move || {
            let result = run(&catalog, plugin, params, &config, &tx, &flag).and_then(|outcome| {
                let saved = match out {
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
                })
            });
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
