//! The stages of a training run, in the order `run::run` takes them: `prepare` (features of
//! every labelled clip, augmented copies of each), `plan_folds` (the honest split), one
//! `FoldTrainer` that trains a fold's networks, `test_folds` (each fold trained and tested, the
//! test predictions pooled), and `final_model` (after cross-validation, the model to keep learns
//! from every speaker).

use super::data::InputShape;
use super::data::{augmented_copies, extract_clips};
use super::engine::{
    argmax, predict, train_fold, Checkpoint, LoopSettings, Part, Reporter, TrainError,
};
use super::events::{EpochReport, TrainEvent};
use super::metrics::Scores;
use super::normalize::{speaker_references, NormKind, Stats};
use super::predictions::ClipPrediction;
use super::report::FoldSummary;
use super::run::{normalise_rows, TrainConfig};
use super::split::{make_folds, Fold, SplitItem, SplitKind};
use crate::corpus::{Catalog, Clip};
use crate::features::batch::{Extraction, Progress};
use crate::features::Features;
use crate::model::{Backend, Cnn, CnnConfig};
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// The networks of one fold (one, or an ensemble's members), and the first one's early-stopping
/// figures for the fold summary.
pub(super) struct Trained {
    pub(super) models: Vec<Cnn<Backend>>,
    pub(super) best_epoch: usize,
    pub(super) epochs_run: usize,
}

pub(super) struct Prepared<'a> {
    pub(super) clips: Vec<&'a Clip>,
    /// Input rows (un-normalised) of each clip.
    pub(super) rows: Vec<Vec<f32>>,
    pub(super) copies: Vec<Vec<Vec<f32>>>,
    pub(super) labels: Vec<usize>,
    pub(super) speakers: Vec<String>,
    pub(super) corpora: Vec<String>,
    /// Features per position (1 for vectors; frame features for sequences).
    pub(super) dims: usize,
}

pub(super) fn prepare<'a>(
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
        from_cache: 0,
    });
    let (features, mut skipped) =
        extract_clips(&labelled, extraction, &progress).map_err(TrainError::PluginFault)?;
    let from_cache = progress
        .from_cache
        .load(std::sync::atomic::Ordering::Relaxed);
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
        from_cache,
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
pub(super) fn parts(
    p: &Prepared,
    fold: &Fold,
    norm: NormKind,
    row_dims: usize,
) -> (Part, Part, Part, Stats) {
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

/// The split: the folds to test (one held-out fold unless cross-validating) and the items they
/// index, in `Prepared` order.
pub(super) struct FoldPlan {
    pub(super) items: Vec<SplitItem>,
    pub(super) folds: Vec<Fold>,
    pub(super) cross_validate: bool,
}

pub(super) fn plan_folds(
    prepared: &Prepared,
    config: &TrainConfig,
) -> Result<FoldPlan, TrainError> {
    let items: Vec<SplitItem> = (0..prepared.rows.len())
        .map(|i| SplitItem {
            speaker: prepared.speakers[i].clone(),
            corpus: prepared.corpora[i].clone(),
            class: prepared.labels[i],
        })
        .collect();
    // Without --folds: one fifth of the speakers held out once.
    let mut folds = make_folds(
        &items,
        config.split,
        config.folds.unwrap_or(5),
        config.validation_share,
        config.settings.seed,
    )
    .map_err(TrainError::Data)?;
    let cross_validate = config.folds.is_some();
    if !cross_validate {
        folds.truncate(1);
    }
    Ok(FoldPlan {
        items,
        folds,
        cross_validate,
    })
}

/// Trains the networks of one fold: `members` of them, each in its own slot (its seed, its
/// checkpoint, its curves).
pub(super) struct FoldTrainer<'a> {
    pub(super) architecture: CnnConfig,
    /// The clip-alone head's networks (smaller: they scored higher alone, docs/RESULTS.md).
    pub(super) head_architecture: CnnConfig,
    pub(super) shape: InputShape,
    pub(super) settings: &'a LoopSettings,
    pub(super) members: usize,
    /// Slots in the whole run, for the progress events.
    pub(super) slots: usize,
    /// Slots of the speaker-normalised networks (the clip-alone head's come after).
    pub(super) main_slots: usize,
    pub(super) events: &'a Sender<TrainEvent>,
    pub(super) reporter: Reporter<'a>,
    pub(super) checkpoint: Option<Checkpoint>,
}

impl FoldTrainer<'_> {
    /// The slot of the first network of fold `fold_index`: the speaker-normalised networks of
    /// every fold (and of the kept model) first, then the clip-alone head's, so that the first
    /// keep the seeds they had before there was a head.
    pub(super) fn first_slot(&self, fold_index: usize, head: Head) -> usize {
        match head {
            Head::Main => fold_index * self.members,
            Head::ClipAlone => self.main_slots + fold_index * self.members,
        }
    }

    pub(super) fn train(
        &self,
        (fold_index, head): (usize, Head),
        name: &str,
        (train, validation): (&Part, &Part),
        test_len: usize,
        history: &mut Vec<EpochReport>,
    ) -> Result<Trained, TrainError> {
        let members = self.members;
        let mut trained = Trained {
            models: Vec::with_capacity(members),
            best_epoch: 0,
            epochs_run: 0,
        };
        let first_slot = self.first_slot(fold_index, head);
        let architecture = match head {
            Head::Main => &self.architecture,
            Head::ClipAlone => &self.head_architecture,
        };
        for m in 0..members {
            let slot = first_slot + m;
            let _ = self.events.send(TrainEvent::FoldStarted {
                fold: slot,
                folds: self.slots,
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
                architecture,
                self.shape,
                (train, validation),
                self.settings,
                slot,
                self.reporter,
                self.checkpoint.as_ref(),
            )?;
            if m == 0 {
                trained.best_epoch = result.best_epoch;
                trained.epochs_run = result.history.len();
            }
            history.extend(result.history);
            trained.models.push(result.model);
        }
        Ok(trained)
    }
}

/// Which networks a fold trains: those of the model's own normalisation, or the clip-alone head
/// (global statistics only: what predicts a clip with nothing from its speaker's other clips).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Head {
    Main,
    ClipAlone,
}

impl Head {
    /// The normalisation this head's networks learn on, given the run's own.
    fn norm(self, run: NormKind) -> NormKind {
        match self {
            Head::Main => run,
            Head::ClipAlone => NormKind::Global,
        }
    }
}

/// The clip-alone head's test predictions, pooled over the folds.
#[derive(Default)]
pub(super) struct PooledHead {
    pub(super) truth: Vec<usize>,
    pub(super) predicted: Vec<usize>,
    pub(super) corpora: Vec<String>,
    pub(super) summaries: Vec<FoldSummary>,
}

/// Every fold trained and tested on its held-out speakers, the test predictions pooled.
pub(super) struct Pooled {
    pub(super) truth: Vec<usize>,
    pub(super) predicted: Vec<usize>,
    pub(super) corpora: Vec<String>,
    pub(super) summaries: Vec<FoldSummary>,
    /// Each test clip's probabilities, from the networks of the fold that held it out.
    pub(super) predictions: Vec<ClipPrediction>,
    /// With a clip-alone head: its own pooled test predictions.
    pub(super) head: Option<PooledHead>,
}

/// A fold's networks of one head and their test predictions.
struct Tested {
    trained: Trained,
    labels: Vec<usize>,
    probs: Vec<Vec<f32>>,
}

/// A fold's networks of one head trained and tested.
fn train_and_test(
    trainer: &FoldTrainer,
    prepared: &Prepared,
    (f, fold): (usize, &Fold),
    (run_norm, head): (NormKind, Head),
    history: &mut Vec<EpochReport>,
) -> Result<Tested, TrainError> {
    let norm = head.norm(run_norm);
    let (train, validation, test, _) = parts(prepared, fold, norm, trainer.shape.row_dims());
    let name = match head {
        Head::Main => fold.name.clone(),
        Head::ClipAlone => format!("{}, clip-alone head", fold.name),
    };
    let trained = trainer.train(
        (f, head),
        &name,
        (&train, &validation),
        test.rows.len(),
        history,
    )?;
    let probs = predict(&trained.models, &test.rows, trainer.shape, 256);
    Ok(Tested {
        trained,
        labels: test.labels,
        probs,
    })
}

pub(super) fn test_folds(
    trainer: &FoldTrainer,
    prepared: &Prepared,
    plan: &FoldPlan,
    (norm, with_head): (NormKind, bool),
    classes: usize,
    history: &mut Vec<EpochReport>,
) -> Result<Pooled, TrainError> {
    let mut pooled = Pooled {
        truth: Vec::new(),
        predicted: Vec::new(),
        corpora: Vec::new(),
        summaries: Vec::new(),
        predictions: Vec::new(),
        head: with_head.then(PooledHead::default),
    };
    let summary = |name: &str, scores: &Scores, trained: &Trained| FoldSummary {
        name: name.to_string(),
        accuracy: scores.accuracy,
        unweighted_accuracy: scores.unweighted_accuracy,
        n: scores.n,
        best_epoch: trained.best_epoch,
        epochs_run: trained.epochs_run,
    };
    let test_corpora = |fold: &Fold| {
        fold.test
            .iter()
            .map(|&i| prepared.corpora[i].clone())
            .collect::<Vec<_>>()
    };
    for (f, fold) in plan.folds.iter().enumerate() {
        let Tested {
            trained,
            labels,
            probs,
        } = train_and_test(trainer, prepared, (f, fold), (norm, Head::Main), history)?;
        let fold_pred: Vec<usize> = probs.iter().map(|p| argmax(p)).collect();
        let scores = Scores::compute(&labels, &fold_pred, classes);
        let _ = trainer.events.send(TrainEvent::FoldFinished {
            fold: f,
            test: scores.clone(),
        });
        pooled
            .summaries
            .push(summary(&fold.name, &scores, &trained));
        pooled.predictions.extend(
            fold.test
                .iter()
                .zip(probs)
                .map(|(&i, p)| ClipPrediction::of(prepared.clips[i], Some(f + 1), p)),
        );
        pooled.truth.extend(labels);
        pooled.predicted.extend(fold_pred);
        pooled.corpora.extend(test_corpora(fold));
        if let Some(head) = pooled.head.as_mut() {
            let Tested {
                trained,
                labels,
                probs,
            } = train_and_test(
                trainer,
                prepared,
                (f, fold),
                (norm, Head::ClipAlone),
                history,
            )?;
            let fold_pred: Vec<usize> = probs.iter().map(|p| argmax(p)).collect();
            let scores = Scores::compute(&labels, &fold_pred, classes);
            head.summaries.push(summary(&fold.name, &scores, &trained));
            head.truth.extend(labels);
            head.predicted.extend(fold_pred);
            head.corpora.extend(test_corpora(fold));
        }
    }
    Ok(pooled)
}

/// Once the held-out folds measured the method, the model to keep learns from every speaker (a
/// validation share of them still drives early stopping): with or without cross-validation, no
/// speaker is left out of the model a user keeps.
pub(super) fn final_model(
    trainer: &FoldTrainer,
    prepared: &Prepared,
    plan: &FoldPlan,
    (config, head): (&TrainConfig, Head),
    history: &mut Vec<EpochReport>,
) -> Result<(Vec<Cnn<Backend>>, Stats), TrainError> {
    let all: Vec<usize> = (0..prepared.rows.len()).collect();
    let mut carve = make_folds(
        &plan.items,
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
    let norm = head.norm(config.norm);
    fold.name = match head {
        Head::Main => "final model (all speakers)".into(),
        Head::ClipAlone => "final model (all speakers), clip-alone head".into(),
    };
    let (train, validation, _, stats) = parts(prepared, &fold, norm, trainer.shape.row_dims());
    let trained = trainer.train(
        (plan.folds.len(), head),
        &fold.name,
        (&train, &validation),
        0,
        history,
    )?;
    Ok((trained.models, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::split::Fold;

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
