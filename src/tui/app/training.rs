//! The Train view's run: a worker thread trains with the active plugin and the current
//! augmentation, saves the model directory, and reports through the training event channel.
//! The run is over when the worker hangs up (after saving, an error, a stop, or a crash).

use super::App;
use crate::train::events::{EpochReport, TrainEvent};
use crate::train::metrics::Scores;
use crate::train::run::TrainConfig;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;

/// What the Train view shows.
#[derive(Default)]
pub struct TrainView {
    pub running: bool,
    pub history: Vec<EpochReport>,
    /// The latest validation scores (confusion matrix) during training.
    pub confusion: Option<Scores>,
    /// The held-out test scores once the run has been evaluated.
    pub test: Option<Scores>,
    /// (epoch, batch, batches)
    pub progress: Option<(usize, usize, usize)>,
    /// When the current epoch started, for the ETA.
    pub epoch_started: Option<std::time::Instant>,
    /// Epochs where the LR dropped or training stopped early, with a word.
    pub markers: Vec<(usize, &'static str)>,
    pub fold: String,
    pub result: Option<String>,
    /// Where the finished model was written.
    pub saved: Option<PathBuf>,
    events: Option<Receiver<TrainEvent>>,
    cancel: Option<Arc<AtomicBool>>,
}

impl TrainView {
    /// Seconds left in the current epoch, from the pace of its batches so far.
    pub fn epoch_eta(&self) -> Option<f64> {
        let (_, batch, batches) = self.progress?;
        let started = self.epoch_started?;
        (batch > 0).then(|| {
            let per_batch = started.elapsed().as_secs_f64() / batch as f64;
            per_batch * batches.saturating_sub(batch) as f64
        })
    }
}

/// TUI runs are shorter than the CLI default: results in minutes, not hours.
fn tui_loop_settings() -> crate::train::engine::LoopSettings {
    crate::train::engine::LoopSettings {
        epochs: 20,
        ..Default::default()
    }
}

impl App {
    pub(super) fn train_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('s') => self.start_training(),
            KeyCode::Char('x') => self.stop_training(),
            _ => {}
        }
    }

    pub fn start_training(&mut self) {
        if self.train.running {
            self.status = "training is already running".into();
            return;
        }
        if let Some(missing) = self.catalog.missing.first() {
            // As `serlab train`: never a model of part of what the datasets file asks for.
            self.status = format!(
                "not training: {} configured corpus folder(s) missing, e.g. {missing}",
                self.catalog.missing.len()
            );
            return;
        }
        let plugin = match self.registry.get(&self.active_plugin) {
            Ok(p) => p,
            Err(e) => {
                self.status = e.to_string();
                return;
            }
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let catalog = self.catalog.clone();
        let flag = cancel.clone();
        let params = plugin.default_params();
        let config = TrainConfig {
            settings: tui_loop_settings(),
            augment: self.augment.policy.clone(),
            // One network, not the CLI's ensemble of three: a run in minutes.
            ensemble: 1,
            on_plugin_error: self.on_plugin_error,
            ..TrainConfig::default()
        };
        let out = self
            .paths
            .models
            .as_deref()
            .map(|models| crate::train::persist::default_model_dir(models, &plugin.name));
        std::thread::spawn(move || {
            let outcome =
                match crate::train::run::run(&catalog, plugin, params, &config, &tx, &flag) {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        let _ = tx.send(TrainEvent::Error {
                            message: e.to_string(),
                        });
                        return;
                    }
                };
            let Some(dir) = out else { return };
            let event = match crate::train::persist::save_outcome(&dir, &outcome) {
                Ok(()) => TrainEvent::Saved { dir },
                Err(e) => TrainEvent::Error {
                    message: format!("the model was not saved: {e}"),
                },
            };
            let _ = tx.send(event);
        });
        self.train = TrainView {
            running: true,
            events: Some(rx),
            cancel: Some(cancel),
            ..TrainView::default()
        };
        self.status = format!("training with {}…", self.active_plugin);
    }

    pub fn stop_training(&mut self) {
        if let Some(cancel) = &self.train.cancel {
            cancel.store(true, Ordering::Relaxed);
            self.status = "stopping training…".into();
        }
    }

    pub(super) fn tick_training(&mut self) {
        let Some(rx) = &self.train.events else { return };
        let mut events = Vec::new();
        let finished = loop {
            match rx.try_recv() {
                Ok(event) => events.push(event),
                Err(TryRecvError::Empty) => break false,
                Err(TryRecvError::Disconnected) => break true,
            }
        };
        for event in events {
            self.apply_train_event(event);
        }
        if finished {
            self.train.running = false;
            self.train.events = None;
            self.train.cancel = None;
            let result = self
                .train
                .result
                .get_or_insert_with(|| "training stopped unexpectedly (see the log)".into());
            self.status = match &self.train.saved {
                Some(dir) => format!("{result} · model saved to {}", dir.display()),
                None => result.clone(),
            };
        }
    }

    fn apply_train_event(&mut self, event: TrainEvent) {
        let view = &mut self.train;
        match event {
            TrainEvent::Preparing { done, total } => {
                view.fold = format!("extracting features {done}/{total}")
            }
            TrainEvent::FoldStarted { name, .. } => {
                view.fold = name;
                view.history.clear();
                view.markers.clear();
            }
            TrainEvent::Batch {
                epoch,
                batch,
                batches,
                ..
            } => {
                if view.progress.is_none_or(|(e, _, _)| e != epoch) || batch <= 1 {
                    view.epoch_started = Some(std::time::Instant::now());
                }
                view.progress = Some((epoch, batch, batches));
            }
            TrainEvent::Epoch(report) => {
                view.confusion = Some(report.validation.clone());
                view.history.push(report);
            }
            TrainEvent::LrReduced { epoch, .. } => view.markers.push((epoch, "lr")),
            TrainEvent::EarlyStopped { epoch, .. } => view.markers.push((epoch, "stop")),
            TrainEvent::FoldFinished { test, .. } => {
                self.status = format!("fold test UA {:.3}", test.unweighted_accuracy);
                view.test = Some(test);
            }
            TrainEvent::Finished { message } => {
                view.result = Some(message.clone());
                self.status = message;
            }
            TrainEvent::Saved { dir } => view.saved = Some(dir),
            TrainEvent::Error { message } => {
                view.result = Some(format!("stopped: {message}"));
                self.status = message;
            }
        }
    }
}
