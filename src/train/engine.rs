//! The training loop for one split: Adam, cross-entropy with optional class weights,
//! mini-batches, early stopping on the validation metric with the best weights kept,
//! reduce-LR-on-plateau, NaN detection, cancellation, and events for every batch and epoch.

use super::data::InputShape;
use super::events::{EpochReport, TrainEvent};
use super::metrics::Scores;
use super::schedule::{EarlyStopping, Plateau};
use super::split::shuffle;
use crate::model::{device, Backend, Cnn, CnnConfig, TrainBackend};
use crate::util::rng::SplitMix64;
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::backend::Backend as BackendTrait;
use burn::tensor::{Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Monitor {
    /// Validation unweighted accuracy (higher is better).
    UnweightedAccuracy,
    /// Validation loss (lower is better).
    Loss,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopSettings {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub early_stopping_patience: usize,
    pub plateau_factor: f64,
    pub plateau_patience: usize,
    pub min_learning_rate: f64,
    pub monitor: Monitor,
    pub class_weights: bool,
    pub seed: u64,
}

impl Default for LoopSettings {
    /// The seed recipe: Adam 1e-3, batch 64, up to 50 epochs, plateau x0.4 after 2, stop after 8.
    fn default() -> Self {
        Self {
            epochs: 50,
            batch_size: 64,
            learning_rate: 1e-3,
            early_stopping_patience: 8,
            plateau_factor: 0.4,
            plateau_patience: 2,
            min_learning_rate: 1e-7,
            monitor: Monitor::UnweightedAccuracy,
            class_weights: true,
            seed: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("training loss became {value} at epoch {epoch}, batch {batch} (learning rate {lr}); try a lower --lr or check the features for extreme values")]
    NonFiniteLoss {
        epoch: usize,
        batch: usize,
        lr: f64,
        value: f32,
    },
    #[error("training was cancelled")]
    Cancelled,
    #[error("{0}")]
    Data(String),
    /// A setting that cannot work with this data (more folds than speakers): nothing was run.
    #[error("{0}")]
    Settings(String),
    /// The model trained but its folder could not be written.
    #[error("the model was not saved: {0}")]
    NotSaved(String),
    #[error("the training thread panicked (see the log)")]
    Panicked,
    /// The plugin broke on a clip and the run was asked to stop at such a fault.
    #[error("stopped: {0} (with --on-plugin-error skip, such clips are left out and reported)")]
    PluginFault(crate::features::batch::ClipError),
}

/// Normalised rows and labels of one split part.
#[derive(Debug, Clone, Default)]
pub struct Part {
    pub rows: Vec<Vec<f32>>,
    pub labels: Vec<usize>,
}

/// Where a fold's training state is saved after every epoch, so an interrupted run resumes
/// from its last finished epoch. `fingerprint` identifies the job (configuration and data); a
/// checkpoint of another job is refused.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub dir: std::path::PathBuf,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LoopState {
    fingerprint: String,
    /// Epochs completed.
    epochs_done: usize,
    lr: f64,
    plateau: Plateau,
    stopping: EarlyStopping,
    history: Vec<EpochReport>,
    finished: bool,
}

fn recorder() -> burn::record::NamedMpkFileRecorder<burn::record::FullPrecisionSettings> {
    burn::record::NamedMpkFileRecorder::new()
}

impl Checkpoint {
    fn fold_dir(&self, fold: usize) -> std::path::PathBuf {
        self.dir.join(format!("fold-{fold}"))
    }

    /// Writes the state into a fresh folder and swaps it in, so a crash leaves the previous
    /// complete state.
    fn save<O: Optimizer<Cnn<TrainBackend>, TrainBackend>>(
        &self,
        fold: usize,
        state: &LoopState,
        model: &Cnn<TrainBackend>,
        optimizer: &O,
        best: Option<&Cnn<Backend>>,
    ) -> Result<(), String> {
        use burn::module::Module;
        use burn::record::Recorder;
        let dir = self.fold_dir(fold);
        let tmp = self.dir.join(format!("fold-{fold}.tmp"));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        model
            .clone()
            .save_file(tmp.join("model"), &recorder())
            .map_err(|e| e.to_string())?;
        Recorder::<TrainBackend>::record(&recorder(), optimizer.to_record(), tmp.join("optimizer"))
            .map_err(|e| e.to_string())?;
        if let Some(best) = best {
            best.clone()
                .save_file(tmp.join("best"), &recorder())
                .map_err(|e| e.to_string())?;
        }
        let json = serde_json::to_string(state).map_err(|e| e.to_string())?;
        std::fs::write(tmp.join("state.json"), json)
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        crate::util::atomic::replace_dir(&tmp, &dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(())
    }
}

pub struct FoldResult {
    /// The best model (by the validation metric), for inference.
    pub model: Cnn<Backend>,
    pub history: Vec<EpochReport>,
    pub best_epoch: usize,
}

fn batch_tensor<B: BackendTrait>(
    rows: &[&Vec<f32>],
    shape: InputShape,
    device: &B::Device,
) -> Tensor<B, 3> {
    let mut flat = Vec::with_capacity(rows.len() * shape.len * shape.channels);
    for row in rows {
        flat.extend_from_slice(row);
    }
    Tensor::from_data(
        TensorData::new(flat, [rows.len(), shape.len, shape.channels]),
        device,
    )
}

/// Weighted mean cross-entropy of logits against class indices.
fn cross_entropy<B: BackendTrait>(
    logits: Tensor<B, 2>,
    targets: &[usize],
    weights: &[f32],
) -> Tensor<B, 1> {
    let [n, _] = logits.dims();
    let device = logits.device();
    let log_p = log_softmax(logits, 1);
    let index = Tensor::<B, 2, Int>::from_data(
        TensorData::new(
            targets.iter().map(|&t| t as i64).collect::<Vec<_>>(),
            [n, 1],
        ),
        &device,
    );
    let picked = log_p.gather(1, index).reshape([n]);
    let w: Vec<f32> = targets.iter().map(|&t| weights[t]).collect();
    let total: f32 = w.iter().sum();
    let w = Tensor::<B, 1>::from_data(TensorData::new(w, [n]), &device);
    (picked * w).sum().neg().div_scalar(total.max(1e-12))
}

/// Inverse-frequency class weights, normalised to mean 1 (1 everywhere when disabled).
pub fn class_weights(labels: &[usize], classes: usize, enabled: bool) -> Vec<f32> {
    if !enabled {
        return vec![1.0; classes];
    }
    let mut counts = vec![0usize; classes];
    for &l in labels {
        counts[l] += 1;
    }
    let present = counts.iter().filter(|&&c| c > 0).count().max(1) as f32;
    let total = labels.len().max(1) as f32;
    counts
        .iter()
        .map(|&c| {
            if c > 0 {
                total / (present * c as f32)
            } else {
                0.0
            }
        })
        .collect()
}

/// Class probabilities for each row, in batches.
/// Class probabilities of each row: the mean of the models' softmax outputs (one model, or the
/// members of an ensemble).
pub fn predict(
    models: &[Cnn<Backend>],
    rows: &[Vec<f32>],
    shape: InputShape,
    batch_size: usize,
) -> Vec<Vec<f32>> {
    let dev = device();
    let mut out = Vec::with_capacity(rows.len());
    let share = 1.0 / models.len().max(1) as f32;
    for chunk in rows.chunks(batch_size.max(1)) {
        let refs: Vec<&Vec<f32>> = chunk.iter().collect();
        let input = batch_tensor::<Backend>(&refs, shape, &dev);
        let mut mean: Option<Vec<f32>> = None;
        let mut classes = 1;
        for model in models {
            let probs = softmax(model.forward(input.clone()), 1);
            let [n, c] = probs.dims();
            classes = c;
            let flat: Vec<f32> = probs
                .into_data()
                .to_vec()
                .unwrap_or_else(|_| vec![0.0; n * c]);
            match &mut mean {
                Some(acc) => acc.iter_mut().zip(&flat).for_each(|(a, v)| *a += v * share),
                None => mean = Some(flat.iter().map(|v| v * share).collect()),
            }
        }
        if let Some(mean) = mean {
            out.extend(mean.chunks(classes).map(|p| p.to_vec()));
        }
    }
    out
}

pub fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .fold(
            (0, f32::MIN),
            |best, (i, &v)| if v > best.1 { (i, v) } else { best },
        )
        .0
}

/// Mean cross-entropy and scores of a model on a part.
pub fn evaluate(
    model: &Cnn<Backend>,
    part: &Part,
    shape: InputShape,
    classes: usize,
    batch_size: usize,
) -> (f64, Scores) {
    let probs = predict(std::slice::from_ref(model), &part.rows, shape, batch_size);
    let loss = probs
        .iter()
        .zip(&part.labels)
        .map(|(p, &l)| -f64::from(p[l].max(1e-12)).ln())
        .sum::<f64>()
        / part.labels.len().max(1) as f64;
    let predicted: Vec<usize> = probs.iter().map(|p| argmax(p)).collect();
    (loss, Scores::compute(&part.labels, &predicted, classes))
}

type Resumed<O> = (LoopState, Cnn<TrainBackend>, O, Option<Cnn<Backend>>);

/// The saved state of `fold`, if a checkpoint of this job holds one.
fn resume<O: Optimizer<Cnn<TrainBackend>, TrainBackend>>(
    cp: &Checkpoint,
    fold: usize,
    config: &CnnConfig,
    optimizer: O,
) -> Result<Option<Resumed<O>>, TrainError> {
    use burn::module::Module;
    use burn::record::Recorder;
    let dir = cp.fold_dir(fold);
    let Ok(text) = std::fs::read_to_string(dir.join("state.json")) else {
        return Ok(None);
    };
    let bad = |what: &str, e: String| {
        TrainError::Data(format!("checkpoint {}: {what}: {e}", dir.display()))
    };
    let state: LoopState =
        serde_json::from_str(&text).map_err(|e| bad("state.json", e.to_string()))?;
    if state.fingerprint != cp.fingerprint {
        return Err(TrainError::Data(format!(
            "checkpoint {} belongs to another training job (different settings or data); remove it or train without --resume",
            cp.dir.display()
        )));
    }
    let dev = device();
    let model = config
        .init::<TrainBackend>(&dev)
        .load_file(dir.join("model"), &recorder(), &dev)
        .map_err(|e| bad("model", e.to_string()))?;
    let record = Recorder::<TrainBackend>::load(&recorder(), dir.join("optimizer"), &dev)
        .map_err(|e| bad("optimizer", e.to_string()))?;
    let optimizer = optimizer.load_record(record);
    let best = if dir.join("best.mpk").is_file() {
        Some(
            config
                .init::<Backend>(&dev)
                .load_file(dir.join("best"), &recorder(), &dev)
                .map_err(|e| bad("best model", e.to_string()))?,
        )
    } else {
        None
    };
    Ok(Some((state, model, optimizer, best)))
}

/// Where a running job reports to, and the flag that asks it to stop.
#[derive(Clone, Copy)]
pub struct Reporter<'a> {
    pub events: &'a Sender<TrainEvent>,
    pub cancel: &'a AtomicBool,
}

/// Trains one model on `train`, choosing the epoch by `validation`.
pub fn train_fold(
    config: &CnnConfig,
    shape: InputShape,
    (train, validation): (&Part, &Part),
    settings: &LoopSettings,
    fold: usize,
    reporter: Reporter,
    checkpoint: Option<&Checkpoint>,
) -> Result<FoldResult, TrainError> {
    let Reporter { events, cancel } = reporter;
    if train.rows.is_empty() || validation.rows.is_empty() {
        return Err(TrainError::Data("empty training or validation set".into()));
    }
    crate::util::memory::keep_freed_memory();
    let dev = device();
    TrainBackend::seed(&dev, settings.seed ^ fold as u64);
    let classes = config.classes;
    let mut model: Cnn<TrainBackend> = config.init(&dev);
    let mut optimizer = AdamConfig::new().init::<TrainBackend, Cnn<TrainBackend>>();
    let weights = class_weights(&train.labels, classes, settings.class_weights);
    let mut state = LoopState {
        fingerprint: checkpoint
            .map(|c| c.fingerprint.clone())
            .unwrap_or_default(),
        epochs_done: 0,
        lr: settings.learning_rate,
        plateau: Plateau::new(
            settings.plateau_factor,
            settings.plateau_patience,
            settings.min_learning_rate,
        ),
        stopping: EarlyStopping::new(settings.early_stopping_patience),
        history: Vec::new(),
        finished: false,
    };
    let mut best: Option<Cnn<Backend>> = None;
    if let Some(cp) = checkpoint {
        if let Some((saved, saved_model, saved_optimizer, saved_best)) =
            resume(cp, fold, config, optimizer)?
        {
            for report in &saved.history {
                let _ = events.send(TrainEvent::Epoch(report.clone()));
            }
            state = saved;
            model = saved_model;
            optimizer = saved_optimizer;
            best = saved_best;
            if state.finished {
                let model = best.unwrap_or_else(|| model.valid());
                return Ok(FoldResult {
                    model,
                    history: state.history,
                    best_epoch: state.stopping.best_epoch,
                });
            }
        } else {
            optimizer = AdamConfig::new().init::<TrainBackend, Cnn<TrainBackend>>();
        }
    }
    let batches = train.rows.len().div_ceil(settings.batch_size);

    for epoch in state.epochs_done..settings.epochs {
        let started = Instant::now();
        let lr = state.lr;
        // Derived from (seed, fold, epoch) so a resumed run shuffles as the original would have.
        let mut rng = SplitMix64::new(
            settings
                .seed
                .wrapping_add(fold as u64 * 7919)
                .wrapping_add(epoch as u64 * 104_729),
        );
        let mut order: Vec<usize> = (0..train.rows.len()).collect();
        shuffle(&mut order, &mut rng);
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        for (b, chunk) in order.chunks(settings.batch_size).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(TrainError::Cancelled);
            }
            let rows: Vec<&Vec<f32>> = chunk.iter().map(|&i| &train.rows[i]).collect();
            let targets: Vec<usize> = chunk.iter().map(|&i| train.labels[i]).collect();
            model.set_norm_momentum(norm_momentum(epoch * batches + b, batches));
            let logits = model.forward(batch_tensor::<TrainBackend>(&rows, shape, &dev));
            let predicted: Vec<i64> = logits
                .clone()
                .argmax(1)
                .into_data()
                .to_vec()
                .unwrap_or_default();
            correct += predicted
                .iter()
                .zip(&targets)
                .filter(|(p, t)| **p as usize == **t)
                .count();
            let loss = cross_entropy(logits, &targets, &weights);
            let value: f32 = loss.clone().into_scalar();
            if !value.is_finite() {
                return Err(TrainError::NonFiniteLoss {
                    epoch,
                    batch: b,
                    lr,
                    value,
                });
            }
            loss_sum += f64::from(value) * chunk.len() as f64;
            seen += chunk.len();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(lr, model, grads);
            let _ = events.send(TrainEvent::Batch {
                fold,
                epoch,
                batch: b + 1,
                batches,
                loss: f64::from(value),
            });
        }
        let inference = model.valid();
        let (validation_loss, scores) = evaluate(&inference, validation, shape, classes, 256);
        let metric = match settings.monitor {
            Monitor::UnweightedAccuracy => scores.unweighted_accuracy,
            Monitor::Loss => -validation_loss,
        };
        let report = EpochReport {
            fold,
            epoch,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            validation_loss,
            validation: scores,
            lr,
            seconds: started.elapsed().as_secs_f64(),
        };
        let _ = events.send(TrainEvent::Epoch(report.clone()));
        state.history.push(report);
        state.epochs_done = epoch + 1;
        let (improved, stop) = state.stopping.observe(epoch, metric);
        if improved {
            best = Some(inference);
        }
        if stop {
            let _ = events.send(TrainEvent::EarlyStopped {
                fold,
                epoch,
                best_epoch: state.stopping.best_epoch,
            });
            state.finished = true;
        } else if let Some(new_lr) = state.plateau.observe(metric, lr) {
            state.lr = new_lr;
            let _ = events.send(TrainEvent::LrReduced {
                fold,
                epoch,
                lr: new_lr,
            });
        }
        if state.epochs_done == settings.epochs {
            state.finished = true;
        }
        if let Some(cp) = checkpoint {
            cp.save(fold, &state, &model, &optimizer, best.as_ref())
                .map_err(|e| TrainError::Data(format!("cannot write the checkpoint: {e}")))?;
        }
        if state.finished {
            break;
        }
    }
    let model = best.unwrap_or_else(|| model.valid());
    Ok(FoldResult {
        model,
        history: state.history,
        best_epoch: state.stopping.best_epoch,
    })
}

/// Batch norm's running statistics start as the exact average of the first batches' statistics
/// (momentum 1/(t+1)), then follow an exponential average over about one epoch (never slower than
/// the usual 0.1). With few batches per epoch the fixed 0.1 lags the weights by epochs: validation
/// then sees stale statistics and calls every clip one class, and early stopping keeps that model.
fn norm_momentum(step: usize, batches_per_epoch: usize) -> f64 {
    let ema = (1.0 / batches_per_epoch.max(1) as f64).max(0.1);
    (1.0 / (step + 1) as f64).max(ema)
}

#[cfg(test)]
mod norm_momentum_tests {
    #[test]
    fn averages_exactly_at_first_then_follows_about_an_epoch() {
        use super::norm_momentum;
        assert_eq!(norm_momentum(0, 4), 1.0);
        assert_eq!(norm_momentum(1, 4), 0.5);
        assert_eq!(norm_momentum(9, 4), 0.25, "4 batches an epoch: 1/4");
        assert_eq!(norm_momentum(100, 30), 0.1, "never slower than 0.1");
    }
}
