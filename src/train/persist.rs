//! Saving and loading a trained model directory: `model.mpk` (full-precision weights),
//! `model.json` (plugin, classes, normalisation, architecture), `metrics.json`. The directory is
//! written beside its destination and swapped into place in one step, so it is never half-written
//! and a crash leaves the previous model whole.

use super::run::{MetricsReport, ModelInfo, TrainOutcome};
use crate::model::{device, Backend, Cnn, Ensemble};
use burn::module::{Module, ModuleVisitor, Param};
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder};
use burn::tensor::Tensor;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ModelDirError {
    #[error("{}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
    #[error("{}: not a serlab model directory ({reason})", path.display())]
    Invalid { path: PathBuf, reason: String },
}

fn recorder() -> NamedMpkFileRecorder<FullPrecisionSettings> {
    NamedMpkFileRecorder::<FullPrecisionSettings>::new()
}

/// Writes the model directory atomically; `extra` files (plots) are written into it too.
pub fn save(
    dir: &Path,
    models: &[Cnn<Backend>],
    info: &ModelInfo,
    metrics: &MetricsReport,
    extra: &dyn Fn(&Path) -> Result<(), String>,
) -> Result<(), ModelDirError> {
    let io = |path: &Path, e: String| ModelDirError::Io {
        path: path.to_path_buf(),
        reason: e,
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e.to_string()))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    crate::util::atomic::remove_stale_temps(parent, &name);
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| io(&tmp, e.to_string()))?;
    // One network is saved as itself (the layout of model directories before ensembles);
    // several as one ensemble record.
    let saved = match models {
        [one] => one.clone().save_file(tmp.join("model"), &recorder()),
        _ => Ensemble {
            members: models.to_vec(),
        }
        .save_file(tmp.join("model"), &recorder()),
    };
    saved.map_err(|e| io(&tmp.join("model.mpk"), e.to_string()))?;
    let json = |value: &dyn erased::Json, file: &str| -> Result<(), ModelDirError> {
        let text = value.to_json().map_err(|e| io(&tmp.join(file), e))?;
        std::fs::write(tmp.join(file), text).map_err(|e| io(&tmp.join(file), e.to_string()))
    };
    json(info, "model.json")?;
    json(metrics, "metrics.json")?;
    extra(&tmp).map_err(|e| io(&tmp, e))?;
    crate::util::atomic::replace_dir(&tmp, dir).map_err(|e| io(dir, e.to_string()))?;
    Ok(())
}

/// `<models>/<plugin>-<unix seconds>`: where a run goes when no `--out` is given.
pub fn default_model_dir(models: &Path, plugin: &str) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    models.join(format!("{plugin}-{stamp}"))
}

/// The clip-alone head's folder inside a model folder: a model folder of its own.
pub const CLIP_ALONE_DIR: &str = "clip-alone";

/// Writes a finished run: the model directory with `confusion.png`, `curves.png` and
/// `history.json` (every epoch's report) and `predictions.csv` (each test clip's out-of-fold
/// prediction) in it, and the clip-alone head in `clip-alone/`.
pub fn save_outcome(dir: &Path, outcome: &TrainOutcome) -> Result<(), ModelDirError> {
    save(
        dir,
        &outcome.models,
        &outcome.info,
        &outcome.metrics,
        &|tmp| {
            if let Some((models, info)) = &outcome.clip_alone {
                let metrics = outcome
                    .metrics
                    .single_clip
                    .as_deref()
                    .unwrap_or(&outcome.metrics);
                save(
                    &tmp.join(CLIP_ALONE_DIR),
                    models,
                    info,
                    metrics,
                    &|_| Ok(()),
                )
                .map_err(|e| e.to_string())?;
            }
            super::plots::confusion_png(&tmp.join("confusion.png"), &outcome.metrics)?;
            super::plots::curves_png(&tmp.join("curves.png"), &outcome.history)?;
            // The curves as numbers: what a later comparison of runs reads.
            let history = serde_json::to_vec_pretty(&outcome.history).map_err(|e| e.to_string())?;
            std::fs::write(tmp.join("history.json"), history).map_err(|e| e.to_string())?;
            // Each test clip's out-of-fold probabilities: errors to open, suspect labels to find.
            let predictions =
                super::predictions::to_csv(&outcome.info.classes, &outcome.predictions);
            std::fs::write(tmp.join("predictions.csv"), predictions).map_err(|e| e.to_string())
        },
    )
}

/// The model's networks (one, or an ensemble's members) and its description.
pub fn load(dir: &Path) -> Result<(Vec<Cnn<Backend>>, ModelInfo), ModelDirError> {
    let invalid = |reason: String| ModelDirError::Invalid {
        path: dir.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(dir.join("model.json"))
        .map_err(|e| invalid(format!("model.json: {e}")))?;
    let info: ModelInfo =
        serde_json::from_str(&text).map_err(|e| invalid(format!("model.json: {e}")))?;
    check_info(&info).map_err(|e| invalid(format!("model.json: {e}")))?;
    let bad_weights = |e: burn::record::RecorderError| invalid(format!("model.mpk: {e}"));
    let models = if info.members <= 1 {
        let model: Cnn<Backend> = info.architecture.init(&device());
        vec![model
            .load_file(dir.join("model"), &recorder(), &device())
            .map_err(bad_weights)?]
    } else {
        Ensemble::<Backend>::init(&info.architecture, info.members, &device())
            .load_file(dir.join("model"), &recorder(), &device())
            .map_err(bad_weights)?
            .members
    };
    // burn loads tensors by name without checking their shapes against the architecture; a
    // model.mpk of another model would only fail (by panicking) at the first prediction.
    let expected = shapes(&info.architecture.init::<Backend>(&device()));
    if models.iter().any(|m| shapes(m) != expected) {
        return Err(invalid(
            "model.mpk does not fit the architecture in model.json".into(),
        ));
    }
    Ok((models, info))
}

/// The shape of every weight tensor, in module order.
fn shapes(model: &Cnn<Backend>) -> Vec<Vec<usize>> {
    struct Shapes(Vec<Vec<usize>>);
    impl ModuleVisitor<Backend> for Shapes {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<Backend, D>>) {
            self.0.push(param.val().dims().to_vec());
        }
    }
    let mut collected = Shapes(Vec::new());
    model.visit(&mut collected);
    collected.0
}

/// Limits far above any model serlab trains, so a hand-edited or corrupted model.json is refused
/// before it makes serlab allocate absurd networks.
const MAX_PARAMETERS: usize = 200_000_000;

/// Checks a model description read from disk before anything is built from it.
fn check_info(info: &ModelInfo) -> Result<(), String> {
    let arch = &info.architecture;
    let shape = info.shape;
    if info.classes.len() < 2 || info.classes.len() != arch.classes {
        return Err(format!(
            "{} class names for an architecture with {} classes",
            info.classes.len(),
            arch.classes
        ));
    }
    if !(1..=64).contains(&info.members) {
        return Err(format!("{} ensemble members (1-64)", info.members));
    }
    if arch.kernel == 0 || arch.kernel > 63 || arch.dense == 0 || arch.filters.is_empty() {
        return Err("kernel, dense size and filters must be positive".into());
    }
    if arch.filters.len() > 16 || arch.filters.iter().any(|&f| f == 0 || f > 4096) {
        return Err(format!(
            "filters {:?} (1-16 layers of 1-4096)",
            arch.filters
        ));
    }
    if shape.len != arch.input_len || shape.channels != arch.input_channels || shape.len == 0 {
        return Err(format!(
            "input shape {}x{} does not match the architecture's {}x{}",
            shape.len, shape.channels, arch.input_len, arch.input_channels
        ));
    }
    let dims = shape.row_dims();
    if info.stats.mean.len() != info.stats.std.len()
        || (info.stats.mean.len() != dims && info.stats.mean.len() != shape.channels)
    {
        return Err(format!(
            "normalisation statistics for {} values, the input has {dims}",
            info.stats.mean.len()
        ));
    }
    // Parameters: every conv layer, then the dense head.
    let mut channels = arch.input_channels;
    let mut parameters = 0usize;
    for &filters in &arch.filters {
        parameters = parameters.saturating_add(channels.saturating_mul(filters * arch.kernel));
        channels = filters;
    }
    let flat = if arch.global_pool {
        channels
    } else {
        channels.saturating_mul(arch.pooled_len())
    };
    parameters = parameters.saturating_add(flat.saturating_mul(arch.dense));
    if parameters.saturating_mul(info.members) > MAX_PARAMETERS {
        return Err(format!(
            "an architecture of about {parameters} parameters x {} members is beyond any serlab model",
            info.members
        ));
    }
    Ok(())
}

mod erased {
    pub trait Json {
        fn to_json(&self) -> Result<String, String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Result<String, String> {
            serde_json::to_string_pretty(self)
                .map(|s| s + "\n")
                .map_err(|e| e.to_string())
        }
    }
}
