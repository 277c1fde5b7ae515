//! `serlab train`'s options. Their defaults are read from `TrainConfig::default()`, the one
//! place that holds them, and every value is checked where it is parsed, with the accepted range
//! in the message.

use super::train::TrainRequest;
use crate::train::data::VectorLayout;
use crate::train::engine::Monitor;
use crate::train::normalize::NormKind;
use crate::train::run::TrainConfig;
use crate::train::split::SplitKind;
use std::path::PathBuf;

fn defaults() -> TrainConfig {
    TrainConfig::default()
}

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Feature plugin (a vector plugin trains the feature-axis CNN, a sequence plugin the
    /// time-axis one); the default generalised best to unseen speakers (docs/RESULTS.md).
    #[arg(long, default_value = crate::train::DEFAULT_PLUGIN)]
    plugin: String,
    /// A plugin parameter, `name=value` (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// How to split: speakers never shared, leave one corpus out, or random (LEAKY).
    #[arg(long, value_enum, default_value_t = defaults().split)]
    split: SplitKind,
    /// Cross-validate over K folds, report each and the pooled result, then train the kept
    /// model on all data. Without it, one fifth of the speakers is held out once.
    /// At least 2, at most the number of groups the split sees (speakers for `speaker`, clips
    /// for `random`); `corpus` makes one fold per corpus.
    #[arg(long, value_name = "K", value_parser = fold_count)]
    folds: Option<usize>,
    /// Epochs at most (1-100000); early stopping may end sooner.
    #[arg(long, default_value_t = defaults().settings.epochs, value_parser = epoch_count)]
    epochs: usize,
    /// Clips per batch (1-65536).
    #[arg(long, default_value_t = defaults().settings.batch_size, value_parser = batch_size)]
    batch: usize,
    /// Learning rate (greater than 0, at most 10).
    #[arg(long, default_value_t = defaults().settings.learning_rate, value_parser = learning_rate, allow_negative_numbers = true)]
    lr: f64,
    /// Early-stopping patience: epochs without improvement before stopping (1-100000; a
    /// patience as large as --epochs trains every epoch).
    #[arg(long, default_value_t = defaults().settings.early_stopping_patience, value_parser = patience)]
    patience: usize,
    /// Metric that drives early stopping and LR reduction.
    #[arg(long, value_enum, default_value_t = defaults().settings.monitor)]
    monitor: Monitor,
    /// Feature normalisation: training statistics only, or each speaker by its own clips first
    /// (mean and spread, or each value's rank among them).
    #[arg(long, value_enum, default_value_t = defaults().norm)]
    norm: NormKind,
    /// Augmentation policy: a TOML file, `default`, or `off` (default: the user's
    /// augment.toml if present, else `default`). Training clips only.
    #[arg(long, value_name = "POLICY")]
    augment: Option<String>,
    /// Augmented copies per training clip (0-16).
    #[arg(long, default_value_t = defaults().augment_copies, value_parser = augment_copies)]
    augment_copies: usize,
    /// Share of the training speakers held out as the validation set that drives early
    /// stopping and LR reduction (at least one speaker).
    #[arg(long, default_value_t = defaults().validation_share, value_parser = validation_share)]
    validation_share: f64,
    /// Convolution filters per block, e.g. `256,256,128,64` for the seed recipe's (default: 128,64).
    #[arg(long, value_delimiter = ',', value_name = "N,N,...", value_parser = filter_count)]
    filters: Option<Vec<usize>>,
    /// How a feature vector meets the network: all values as the channels of one position
    /// (kernel 1: every block mixes all features), or one value per position, convolved
    /// along the feature axis as the seed notebooks do.
    #[arg(long, value_enum, default_value_t = defaults().vector_layout)]
    layout: VectorLayout,
    /// Networks trained with different seeds whose class probabilities are averaged (per fold
    /// and in the saved model), 1-16; what each size scored is in docs/RESULTS.md.
    #[arg(long, default_value_t = defaults().ensemble as u16, value_parser = clap::value_parser!(u16).range(1..=16))]
    ensemble: u16,
    /// Do not weight the loss by inverse class frequency.
    #[arg(long)]
    no_class_weights: bool,
    /// Do not train the clip-alone head (with a per-speaker --norm, the networks on global
    /// statistics that predict a clip whose speaker has fewer than 8 clips): about half the
    /// training time, but such clips are then predicted from rough speaker statistics.
    #[arg(long)]
    no_clip_alone_head: bool,
    /// Convolution filters per block of the clip-alone head (default: 128,64).
    #[arg(long, value_delimiter = ',', value_name = "N,N,...", value_parser = filter_count)]
    clip_alone_filters: Option<Vec<usize>>,
    #[arg(long, default_value_t = defaults().settings.seed)]
    seed: u64,
    /// Where to write the model (default: a new folder in the user data dir).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the metrics as JSON.
    #[arg(long)]
    json: bool,
    /// Continue an interrupted run with the same settings and --out from its last epoch.
    #[arg(long)]
    resume: bool,
}

impl TrainArgs {
    /// The training config these options ask for, on top of the defaults.
    pub fn into_request(self) -> anyhow::Result<TrainRequest> {
        let mut config = TrainConfig {
            split: self.split,
            folds: self.folds,
            norm: self.norm,
            augment_copies: self.augment_copies,
            validation_share: self.validation_share,
            filters: self.filters.or(defaults().filters),
            vector_layout: self.layout,
            ensemble: usize::from(self.ensemble),
            clip_alone_head: !self.no_clip_alone_head,
            clip_alone_filters: self.clip_alone_filters.or(defaults().clip_alone_filters),
            ..defaults()
        };
        let settings = &mut config.settings;
        settings.epochs = self.epochs;
        settings.batch_size = self.batch;
        settings.learning_rate = self.lr;
        settings.early_stopping_patience = self.patience;
        settings.monitor = self.monitor;
        settings.class_weights = !self.no_class_weights;
        settings.seed = self.seed;
        Ok(TrainRequest {
            plugin: self.plugin,
            params: super::extract::parse_params(&self.params)?,
            config,
            augment: self.augment,
            out: self.out,
            json: self.json,
            resume: self.resume,
        })
    }
}

/// One block's filter count: what a saved model may hold (1-4096).
fn filter_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n @ 1..=4096) => Ok(n),
        Ok(n) => Err(format!(
            "{n} filters: give counts from 1 to 4096, e.g. 64,64,32,16"
        )),
        Err(_) => Err(format!("`{text}` is not a filter count, e.g. 64,64,32,16")),
    }
}

/// A whole number in `lo..=hi`, or a message that names the accepted range.
fn whole_in(text: &str, lo: usize, hi: usize, what: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{n} {what}: give {lo} to {hi}")),
        Err(_) => Err(format!(
            "`{text}` is not a whole number of {what} ({lo} to {hi})"
        )),
    }
}

fn fold_count(text: &str) -> Result<usize, String> {
    whole_in(text, 2, 100_000, "folds")
}

fn epoch_count(text: &str) -> Result<usize, String> {
    whole_in(text, 1, 100_000, "epochs")
}

fn batch_size(text: &str) -> Result<usize, String> {
    whole_in(text, 1, 65_536, "clips per batch")
}

fn patience(text: &str) -> Result<usize, String> {
    whole_in(text, 1, 100_000, "epochs of patience")
}

fn augment_copies(text: &str) -> Result<usize, String> {
    whole_in(text, 0, 16, "copies")
}

fn learning_rate(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number (a learning rate above 0, at most 10)"))?;
    if value.is_finite() && value > 0.0 && value <= 10.0 {
        Ok(value)
    } else {
        Err(format!(
            "{value} is not a learning rate: give a number above 0, at most 10 (e.g. 0.001)"
        ))
    }
}

fn validation_share(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number (a share between 0 and 1, exclusive)"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 1 (exclusive)"))
    }
}
