//! The Train view's run: a training job (`train::job`, as the CLI's) with the active plugin and
//! the current augmentation, which saves the model directory and reports through its channel.
//! The run is over when the job hangs up (after saving, an error, a stop, or a crash).

use super::App;
use crate::train::events::{EpochReport, TrainEvent};
use crate::train::job::{JobOutput, TrainJob};
use crate::train::metrics::Scores;
use crate::train::run::TrainConfig;
use std::path::PathBuf;
use std::sync::mpsc::TryRecvError;

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
    /// The settings of the run shown (the TUI's own choices, see `tui_config`).
    pub settings: Option<String>,
    job: Option<TrainJob>,
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

/// The TUI's training settings: the one training config's defaults, with two choices of its
/// own for a run in minutes rather than the CLI's longer one: fewer epochs and a single network
/// instead of an ensemble. The Train view shows them.
pub fn tui_config() -> TrainConfig {
    let mut config = TrainConfig {
        ensemble: 1,
        ..TrainConfig::default()
    };
    config.settings.epochs = 20;
    config
}

/// The settings a run uses, in a line.
pub fn settings_text(config: &TrainConfig) -> String {
    format!(
        "{} · {} epochs at most · {} network{} · augmentation {}",
        config.split.as_str(),
        config.settings.epochs,
        config.ensemble,
        if config.ensemble == 1 { "" } else { "s" },
        if config.augment.is_off() || config.augment_copies == 0 {
            "off".to_string()
        } else {
            format!("on, {} copies per clip", config.augment_copies)
        }
    )
}

/// The settings the next run from the Train view will use (before one starts).
pub fn training_settings_text() -> String {
    settings_text(&tui_config())
}

impl App {
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
        let plugin = match self.plugins.registry.get(&self.plugins.active) {
            Ok(p) => p,
            Err(e) => {
                self.status = e.to_string();
                return;
            }
        };
        let chosen = &self.train_settings;
        let config = TrainConfig {
            augment: if chosen.augment {
                self.augment.policy.clone()
            } else {
                crate::augment::AugmentPolicy::off()
            },
            on_plugin_error: self.on_plugin_error,
            ..chosen.config.clone()
        };
        if let Err(e) = crate::train::run::check_folds(&self.catalog, &config) {
            self.status = e.to_string();
            return;
        }
        let out = self
            .paths
            .models
            .as_deref()
            .map(|models| crate::train::persist::default_model_dir(models, &plugin.name));
        let settings = settings_text(&config);
        let params = plugin.default_params();
        let output = JobOutput {
            model_dir: out,
            runs: self.paths.runs.clone(),
            source: "tui",
        };
        let job = TrainJob::start(self.catalog.clone(), plugin, params, config, output);
        self.train = TrainView {
            running: true,
            settings: Some(settings),
            job: Some(job),
            ..TrainView::default()
        };
        self.status = format!("training with {}…", self.plugins.active);
    }

    pub fn stop_training(&mut self) {
        if let Some(job) = &self.train.job {
            job.cancel();
            self.status = "stopping training…".into();
        }
    }

    pub(super) fn tick_training(&mut self) {
        let Some(rx) = self.train.job.as_ref().map(|job| &job.events) else {
            return;
        };
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
            // The channel closed: the worker is done, so this returns at once.
            let finished = self.train.job.take().and_then(|job| job.wait().ok());
            let result = self
                .train
                .result
                .get_or_insert_with(|| "training stopped unexpectedly (see the log)".into());
            let status = match &self.train.saved {
                Some(dir) => format!("{result} · model saved to {}", dir.display()),
                None => result.clone(),
            };
            // The run's own predictions go beside the clips: its errors are one Enter away.
            let run = finished
                .and_then(|f| f.run_id)
                .and_then(|id| self.paths.runs.as_ref()?.get(&id).ok());
            if let Some(run) = run {
                self.use_run_predictions(run);
            }
            self.status = status;
        }
    }

    fn apply_train_event(&mut self, event: TrainEvent) {
        let view = &mut self.train;
        match event {
            TrainEvent::Preparing { done, total, .. } => {
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
