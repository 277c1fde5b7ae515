//! A whole training job, as `serlab train` and the TUI's Train view run it: extract features
//! (through the cache), split honestly, augment training clips only, normalise with training
//! statistics only, train and test each fold, pool the results, and train the model to keep.

use super::data::{augmented_copies, extract_clips, InputShape, VectorLayout};
use super::engine::{
    argmax, predict, train_fold, Checkpoint, LoopSettings, Part, Reporter, TrainError,
};
use super::events::TrainEvent;
use super::metrics::Scores;
use super::normalize::{speaker_references, NormKind, SpeakerReference, Stats};
use super::split::{make_folds, Fold, SplitItem, SplitKind};
use crate::augment::AugmentPolicy;
use crate::corpus::{Catalog, Clip};
use crate::features::batch::{Extraction, OnPluginError, Progress};
use crate::features::cache::FeatureCache;
use crate::features::{FeatureKind, Features, Plugin};
use crate::model::{Backend, Cnn, CnnConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub split: SplitKind,
    /// Cross-validate over this many folds (then train the kept model on everything); `None`
    /// holds out one fifth of the speakers once.
    pub folds: Option<usize>,
    pub norm: NormKind,
    pub augment: AugmentPolicy,
    /// Augmented copies of each training clip (the notebooks use 2).
    pub augment_copies: usize,
    /// Frames per input for sequence plugins.
    pub seq_len: usize,
    pub validation_share: f64,
    /// Convolution filters per block (the seed's 256-256-128-64 when `None`).
    pub filters: Option<Vec<usize>>,
    /// How vector features meet the network (sequences always convolve over time).
    #[serde(default)]
    pub vector_layout: VectorLayout,
    /// Networks trained per fold (and for the kept model) with different seeds, their class
    /// probabilities averaged.
    pub ensemble: usize,
    pub settings: LoopSettings,
    pub use_cache: bool,
    /// Save the state after every epoch here, and resume from it if it holds this job's state.
    #[serde(skip)]
    pub checkpoint_dir: Option<std::path::PathBuf>,
    /// Stop at a clip the plugin breaks on, or leave such clips out (not part of the job's
    /// identity: it changes which clips are kept, and those are fingerprinted).
    #[serde(skip)]
    pub on_plugin_error: OnPluginError,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            split: SplitKind::Speaker,
            folds: None,
            norm: NormKind::PerSpeakerRank,
            augment: AugmentPolicy::default(),
            augment_copies: 2,
            seq_len: 300,
            validation_share: 0.15,
            filters: None,
            vector_layout: VectorLayout::default(),
            // Five networks averaged: what it gains over one and three is in docs/RESULTS.md.
            ensemble: 5,
            settings: LoopSettings::default(),
            use_cache: true,
            checkpoint_dir: None,
            on_plugin_error: OnPluginError::default(),
        }
    }
}

/// Everything needed to use a trained model: written as `model.json` beside `model.mpk`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelInfo {
    pub format: u32,
    pub plugin: String,
    pub plugin_version: String,
    pub plugin_params: BTreeMap<String, f64>,
    pub sample_rate: u32,
    pub classes: Vec<String>,
    pub norm: NormKind,
    /// Training statistics applied after the optional per-speaker standardisation.
    pub stats: Stats,
    pub shape: InputShape,
    pub architecture: CnnConfig,
    /// Networks in the saved model (their probabilities are averaged); 1 in model directories
    /// written before ensembles.
    #[serde(default = "one")]
    pub members: usize,
    pub protocol: String,
    pub trained_on_synthetic_demo: bool,
}

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
        }
    }
}

fn one() -> usize {
    1
}

/// The networks of one fold (one, or an ensemble's members), and the first one's early-stopping
/// figures for the fold summary.
struct Trained {
    models: Vec<Cnn<Backend>>,
    best_epoch: usize,
    epochs_run: usize,
}

pub struct TrainOutcome {
    pub metrics: MetricsReport,
    /// The kept model: one network, or the members of an ensemble.
    pub models: Vec<Cnn<Backend>>,
    pub info: ModelInfo,
    /// Clips whose features could not be extracted.
    pub skipped: Vec<String>,
    /// Per-epoch reports of every fold and of the final model.
    pub history: Vec<super::events::EpochReport>,
}

/// Rows of the given clips after per-speaker normalisation (the global `stats` come after).
pub fn normalise_rows(
    rows: &mut [Vec<f32>],
    speakers: &[String],
    norm: NormKind,
    dims: usize,
    references: Option<&BTreeMap<String, SpeakerReference>>,
) {
    if !norm.is_per_speaker() {
        return;
    }
    match references {
        Some(references) => {
            for (row, speaker) in rows.iter_mut().zip(speakers) {
                if let Some(r) = references.get(speaker) {
                    r.apply(row);
                }
            }
        }
        None => super::normalize::per_speaker(rows, speakers, dims, norm),
    }
}

struct Prepared<'a> {
    clips: Vec<&'a Clip>,
    /// Input rows (un-normalised) of each clip.
    rows: Vec<Vec<f32>>,
    copies: Vec<Vec<Vec<f32>>>,
    labels: Vec<usize>,
    speakers: Vec<String>,
    corpora: Vec<String>,
    /// Features per position (1 for vectors; frame features for sequences).
    dims: usize,
}

fn prepare<'a>(
    catalog: &'a Catalog,
    extraction: &Extraction,
    config: &TrainConfig,
    shape_of: &dyn Fn(&Features) -> Vec<f32>,
    events: &Sender<TrainEvent>,
) -> Result<(Prepared<'a>, Vec<String>), TrainError> {
    let labelled: Vec<&Clip> = catalog.labelled().collect();
    if labelled.is_empty() {
        return Err(TrainError::Data(
            "no labelled clips: check the datasets and the [labels] mapping".into(),
        ));
    }
    let progress = Arc::new(Progress::default());
    let _ = events.send(TrainEvent::Preparing {
        done: 0,
        total: labelled.len(),
    });
    let (features, mut skipped) =
        extract_clips(&labelled, extraction, &progress).map_err(TrainError::PluginFault)?;
    let copies = augmented_copies(
        &labelled,
        extraction,
        &config.augment,
        config.augment_copies,
        config.settings.seed,
        &progress,
    )
    .map_err(TrainError::PluginFault)?;
    let _ = events.send(TrainEvent::Preparing {
        done: labelled.len(),
        total: labelled.len(),
    });
    let mut prepared = Prepared {
        clips: Vec::new(),
        rows: Vec::new(),
        copies: Vec::new(),
        labels: Vec::new(),
        speakers: Vec::new(),
        corpora: Vec::new(),
        dims: 0,
    };
    for ((clip, features), copies) in labelled.into_iter().zip(features).zip(copies) {
        let Some(features) = features else { continue };
        prepared.dims = features.dims();
        prepared.rows.push(shape_of(&features));
        prepared.copies.push(copies.iter().map(shape_of).collect());
        prepared.labels.push(clip.target.unwrap_or(0));
        prepared.speakers.push(clip.speaker_key());
        prepared.corpora.push(clip.corpus.to_string());
        prepared.clips.push(clip);
    }
    if prepared.rows.is_empty() {
        skipped.push("no clip could be extracted".into());
        return Err(TrainError::Data(skipped.join("; ")));
    }
    Ok((prepared, skipped))
}

/// Builds normalised train / validation / test parts of a fold. Only training clips get their
/// augmented copies.
fn parts(p: &Prepared, fold: &Fold, norm: NormKind, row_dims: usize) -> (Part, Part, Part, Stats) {
    let speaker_stats = norm
        .is_per_speaker()
        .then(|| speaker_references(&p.rows, &p.speakers, row_dims, norm));
    let normalised_speaker = |rows: Vec<Vec<f32>>, speakers: Vec<String>| {
        let mut rows = rows;
        normalise_rows(&mut rows, &speakers, norm, row_dims, speaker_stats.as_ref());
        rows
    };
    let collect = |idx: &[usize], with_copies: bool| {
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        let mut speakers = Vec::new();
        for &i in idx {
            rows.push(p.rows[i].clone());
            labels.push(p.labels[i]);
            speakers.push(p.speakers[i].clone());
            if with_copies {
                for copy in &p.copies[i] {
                    rows.push(copy.clone());
                    labels.push(p.labels[i]);
                    speakers.push(p.speakers[i].clone());
                }
            }
        }
        (normalised_speaker(rows, speakers), labels)
    };
    let (mut train_rows, train_labels) = collect(&fold.train, true);
    let (mut val_rows, val_labels) = collect(&fold.validation, false);
    let (mut test_rows, test_labels) = collect(&fold.test, false);
    let stats = Stats::of(train_rows.iter().map(|r| r.as_slice()), row_dims);
    for row in train_rows
        .iter_mut()
        .chain(val_rows.iter_mut())
        .chain(test_rows.iter_mut())
    {
        stats.apply(row);
    }
    (
        Part {
            rows: train_rows,
            labels: train_labels,
        },
        Part {
            rows: val_rows,
            labels: val_labels,
        },
        Part {
            rows: test_rows,
            labels: test_labels,
        },
        stats,
    )
}

/// Refuses a fold count the split cannot make, before any work: at least 2, at most the groups
/// the split sees (speakers, or clips for `random`); `corpus` makes one fold per corpus.
pub fn check_folds(catalog: &Catalog, config: &TrainConfig) -> Result<(), TrainError> {
    let Some(folds) = config.folds else {
        return Ok(());
    };
    let labelled: Vec<&Clip> = catalog.labelled().collect();
    let count = |key: &dyn Fn(&Clip) -> String| {
        labelled
            .iter()
            .map(|c| key(c))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let refuse = |message: String| Err(TrainError::Settings(message));
    match config.split {
        SplitKind::Speaker => {
            let speakers = count(&|c| c.speaker_key());
            if !(2..=speakers).contains(&folds) {
                return refuse(format!(
                    "--folds {folds}: the speaker split sees {speakers} speakers with labelled clips, so give 2 to {speakers} folds"
                ));
            }
        }
        SplitKind::Corpus => {
            let corpora = count(&|c| c.corpus.to_string());
            if folds != corpora {
                return refuse(format!(
                    "--folds {folds}: the corpus split makes one fold per corpus, and there are {corpora} with labelled clips; give --folds {corpora} or leave it out"
                ));
            }
        }
        SplitKind::Random => {
            if !(2..=labelled.len()).contains(&folds) {
                return refuse(format!(
                    "--folds {folds}: the random split sees {} labelled clips, so give 2 to {} folds",
                    labelled.len(),
                    labelled.len()
                ));
            }
        }
    }
    Ok(())
}

pub fn run(
    catalog: &Catalog,
    plugin: Arc<Plugin>,
    plugin_params: Vec<f64>,
    config: &TrainConfig,
    events: &Sender<TrainEvent>,
    cancel: &AtomicBool,
) -> Result<TrainOutcome, TrainError> {
    let reporter = Reporter { events, cancel };
    let extraction = Extraction {
        plugin: plugin.clone(),
        params: plugin_params.clone(),
        sample_rate: catalog.sample_rate,
        cache: config.use_cache.then(FeatureCache::default_location),
        on_plugin_error: config.on_plugin_error,
    };
    let names = plugin
        .layout(
            &plugin_params,
            catalog.sample_rate,
            catalog.sample_rate as usize,
        )
        .map_err(|e| TrainError::Data(e.to_string()))?
        .0;
    let shape = InputShape::for_plugin(
        plugin.kind,
        names.len(),
        config.seq_len,
        config.vector_layout,
    );
    let row_dims = shape.row_dims();
    let shape_of = |f: &Features| shape.row(f);
    check_folds(catalog, config)?;
    let (prepared, skipped) = prepare(catalog, &extraction, config, &shape_of, events)?;
    let classes = catalog.classes().to_vec();
    let mut architecture = CnnConfig::new(shape.len, shape.channels, classes.len())
        .with_global_pool(matches!(plugin.kind, FeatureKind::Sequence { .. }));
    if let Some(filters) = &config.filters {
        architecture = architecture.with_filters(filters.clone());
    }
    if shape.len == 1 {
        // One position: the kernel's other taps would only ever see the zero padding.
        architecture = architecture.with_kernel(1);
    }

    // The job's identity: settings, plugin, and the exact clips; a checkpoint of anything else is
    // refused rather than silently mixed in.
    let fingerprint = {
        let mut text = serde_json::to_string(config).unwrap_or_default();
        text.push_str(&format!(
            "|{}|{}|{:?}",
            plugin.name, plugin.version, plugin_params
        ));
        for clip in &prepared.clips {
            text.push_str(&format!(
                "|{}:{}:{:?}",
                clip.corpus, clip.relative, clip.target
            ));
        }
        format!("{:016x}", crate::util::rng::fnv1a(text.as_bytes()))
    };
    let checkpoint = config
        .checkpoint_dir
        .clone()
        .map(|dir| Checkpoint { dir, fingerprint });
    let items: Vec<SplitItem> = (0..prepared.rows.len())
        .map(|i| SplitItem {
            speaker: prepared.speakers[i].clone(),
            corpus: prepared.corpora[i].clone(),
            class: prepared.labels[i],
        })
        .collect();
    let requested = config.folds.unwrap_or(5);
    let mut folds = make_folds(
        &items,
        config.split,
        requested,
        config.validation_share,
        config.settings.seed,
    )
    .map_err(TrainError::Data)?;
    let cross_validate = config.folds.is_some();
    if !cross_validate {
        folds.truncate(1);
    }

    let (mut truth, mut predicted, mut corpora) = (Vec::new(), Vec::new(), Vec::new());
    let mut summaries = Vec::new();
    let mut history = Vec::new();
    let members = config.ensemble.max(1);
    // Each member of each fold trains in its own slot: its seed, its checkpoint, its curves.
    let slots = (folds.len() + usize::from(cross_validate)) * members;
    let train_members = |fold_index: usize,
                         name: &str,
                         train: &Part,
                         validation: &Part,
                         test_len: usize,
                         history: &mut Vec<super::events::EpochReport>|
     -> Result<Trained, TrainError> {
        let mut trained = Trained {
            models: Vec::with_capacity(members),
            best_epoch: 0,
            epochs_run: 0,
        };
        for m in 0..members {
            let slot = fold_index * members + m;
            let _ = events.send(TrainEvent::FoldStarted {
                fold: slot,
                folds: slots,
                name: if members > 1 {
                    format!("{name}, network {}/{members}", m + 1)
                } else {
                    name.to_string()
                },
                train: train.rows.len(),
                validation: validation.rows.len(),
                test: test_len,
            });
            let result = train_fold(
                &architecture,
                shape,
                (train, validation),
                &config.settings,
                slot,
                reporter,
                checkpoint.as_ref(),
            )?;
            if m == 0 {
                trained.best_epoch = result.best_epoch;
                trained.epochs_run = result.history.len();
            }
            history.extend(result.history);
            trained.models.push(result.model);
        }
        Ok(trained)
    };
    let mut kept: Option<(Vec<Cnn<Backend>>, Stats)> = None;
    for (f, fold) in folds.iter().enumerate() {
        let (train, validation, test, stats) = parts(&prepared, fold, config.norm, row_dims);
        let trained = train_members(
            f,
            &fold.name,
            &train,
            &validation,
            test.rows.len(),
            &mut history,
        )?;
        let models = trained.models;
        let probs = predict(&models, &test.rows, shape, 256);
        let fold_pred: Vec<usize> = probs.iter().map(|p| argmax(p)).collect();
        let scores = Scores::compute(&test.labels, &fold_pred, classes.len());
        let _ = events.send(TrainEvent::FoldFinished {
            fold: f,
            test: scores.clone(),
        });
        summaries.push(FoldSummary {
            name: fold.name.clone(),
            accuracy: scores.accuracy,
            unweighted_accuracy: scores.unweighted_accuracy,
            n: scores.n,
            best_epoch: trained.best_epoch,
            epochs_run: trained.epochs_run,
        });
        truth.extend(test.labels.iter().copied());
        predicted.extend(fold_pred);
        corpora.extend(fold.test.iter().map(|&i| prepared.corpora[i].clone()));
        if !cross_validate {
            kept = Some((models, stats));
        }
    }

    if kept.is_none() {
        // Cross-validation measured the method; the model to keep learns from every speaker
        // (a validation share of them still drives early stopping).
        let all: Vec<usize> = (0..prepared.rows.len()).collect();
        let mut carve = make_folds(
            &items,
            SplitKind::Speaker,
            2,
            config.validation_share,
            config.settings.seed ^ 0xF1A1,
        )
        .unwrap_or_else(|_| {
            vec![Fold {
                name: "all".into(),
                train: all.clone(),
                validation: all.clone(),
                test: vec![],
            }]
        });
        let mut fold = carve.swap_remove(0);
        fold.train.append(&mut fold.test);
        fold.name = "final model (all speakers)".into();
        let (train, validation, _, stats) = parts(&prepared, &fold, config.norm, row_dims);
        let trained = train_members(
            folds.len(),
            &fold.name,
            &train,
            &validation,
            0,
            &mut history,
        )?;
        kept = Some((trained.models, stats));
    }
    let (models, stats) = kept.expect("a model was trained");

    let protocol = format!(
        "{}{}",
        config.split.protocol(),
        if cross_validate {
            format!(", {} folds pooled", folds.len())
        } else {
            ", one held-out fold".into()
        }
    );
    let mut metrics = MetricsReport::new(
        protocol.clone(),
        config.split.is_leaky(),
        &classes,
        &truth,
        &predicted,
        &corpora,
        catalog.synthetic,
    );
    metrics.folds = summaries;
    let info = ModelInfo {
        format: 1,
        plugin: plugin.name.clone(),
        plugin_version: plugin.version.clone(),
        plugin_params: plugin
            .params
            .iter()
            .map(|p| p.name.clone())
            .zip(plugin_params.iter().copied())
            .collect(),
        sample_rate: catalog.sample_rate,
        classes,
        norm: config.norm,
        stats,
        shape,
        architecture,
        members: models.len(),
        protocol,
        trained_on_synthetic_demo: catalog.synthetic,
    };
    let _ = events.send(TrainEvent::Finished {
        message: format!(
            "test UA {:.3}, accuracy {:.3} over {} clips",
            metrics.unweighted_accuracy, metrics.accuracy, metrics.n
        ),
    });
    Ok(TrainOutcome {
        metrics,
        models,
        info,
        skipped,
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared<'a>() -> Prepared<'a> {
        // 6 speakers x 4 clips; each clip's row holds its index, augmented copies hold -1.
        let n = 24;
        Prepared {
            clips: Vec::new(),
            rows: (0..n).map(|i| vec![i as f32, 1.0]).collect(),
            copies: (0..n)
                .map(|_| vec![vec![-1.0, 1.0], vec![-1.0, 1.0]])
                .collect(),
            labels: (0..n).map(|i| i % 4).collect(),
            speakers: (0..n).map(|i| format!("s{}", i / 4)).collect(),
            corpora: vec!["ravdess".into(); n],
            dims: 2,
        }
    }

    #[test]
    fn augmented_copies_go_to_training_only_and_statistics_come_from_training() {
        let p = prepared();
        let fold = Fold {
            name: "t".into(),
            train: (0..16).collect(),
            validation: (16..20).collect(),
            test: (20..24).collect(),
        };
        let (train, validation, test, stats) = parts(&p, &fold, NormKind::Global, 2);
        assert_eq!(
            train.rows.len(),
            16 * 3,
            "each training clip plus its two copies"
        );
        assert_eq!(
            (validation.rows.len(), test.rows.len()),
            (4, 4),
            "no copies outside training"
        );
        // Copies (value -1) pull the training mean down: the statistics saw them, and only them
        // besides the training clips (mean of 0..16 and sixteen... -1s).
        let expected_mean = ((0..16).sum::<i32>() as f32 - 32.0) / 48.0;
        assert!(
            (stats.mean[0] - expected_mean).abs() < 1e-5,
            "{}",
            stats.mean[0]
        );
        // Test rows are the test clips, normalised with the training statistics.
        let raw: Vec<f32> = test
            .rows
            .iter()
            .map(|r| r[0] * stats.std[0] + stats.mean[0])
            .collect();
        for (value, clip) in raw.iter().zip(20..24) {
            assert!((value - clip as f32).abs() < 1e-3);
        }
    }
}
