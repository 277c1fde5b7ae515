//! Honest splits. By default speakers never cross train / validation / test: group k-fold over
//! (corpus, speaker). Leave-one-corpus-out tests on each corpus in turn. `random` reproduces the
//! notebooks' clip-level protocol and is marked leaky wherever it is reported. The validation set
//! that drives early stopping is carved from the training speakers, never from the test fold.

use crate::util::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SplitKind {
    /// Group k-fold over speakers: no speaker in two of train / validation / test.
    Speaker,
    /// Leave one corpus out: train on the others, test on it.
    Corpus,
    /// Clips at random, speakers shared between train and test: LEAKY, the notebooks' protocol.
    Random,
}

impl SplitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SplitKind::Speaker => "speaker-independent split",
            SplitKind::Corpus => "leave-one-corpus-out split",
            SplitKind::Random => "random split (LEAKY)",
        }
    }
}

impl SplitKind {
    pub fn protocol(self) -> &'static str {
        match self {
            Self::Speaker => "speaker-independent (group k-fold over corpus+speaker)",
            Self::Corpus => "leave-one-corpus-out",
            Self::Random => "random clips (LEAKY: the same speakers in train and test)",
        }
    }

    pub fn is_leaky(self) -> bool {
        self == Self::Random
    }
}

/// What the splitter needs to know about a clip.
#[derive(Debug, Clone)]
pub struct SplitItem {
    /// Corpus + speaker, e.g. `ravdess:03`.
    pub speaker: String,
    pub corpus: String,
    pub class: usize,
}

/// Indices into the item list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fold {
    pub name: String,
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

/// Splits into `folds` folds (for `Corpus`, one fold per corpus). `validation_share` of the
/// training groups (speakers, or clips for `Random`) becomes the validation set.
pub fn make_folds(
    items: &[SplitItem],
    kind: SplitKind,
    folds: usize,
    validation_share: f64,
    seed: u64,
) -> Result<Vec<Fold>, String> {
    if items.is_empty() {
        return Err("no labelled clips to split".into());
    }
    let mut rng = SplitMix64::new(seed);
    match kind {
        SplitKind::Speaker => {
            let groups = group_by(items, |i| i.speaker.clone());
            if groups.len() < 3 {
                return Err(format!(
                    "a speaker-independent split needs at least 3 speakers, found {}",
                    groups.len()
                ));
            }
            let folds = folds.clamp(2, groups.len() - 1);
            let assignment = balanced_assignment(&groups, folds, &mut rng);
            Ok((0..folds)
                .map(|f| {
                    let test_groups: Vec<&String> = assignment
                        .iter()
                        .filter(|(_, &a)| a == f)
                        .map(|(g, _)| g)
                        .collect();
                    let train_groups: Vec<&String> = assignment
                        .iter()
                        .filter(|(_, &a)| a != f)
                        .map(|(g, _)| g)
                        .collect();
                    let (train, validation) =
                        carve_validation(&groups, &train_groups, validation_share, &mut rng);
                    Fold {
                        name: format!("fold {} ({} test speakers)", f + 1, test_groups.len()),
                        train,
                        validation,
                        test: test_groups
                            .iter()
                            .flat_map(|g| groups[*g].clone())
                            .collect(),
                    }
                })
                .collect())
        }
        SplitKind::Corpus => {
            let corpora = group_by(items, |i| i.corpus.clone());
            if corpora.len() < 2 {
                return Err("leave-one-corpus-out needs at least two corpora".into());
            }
            let speakers = group_by(items, |i| i.speaker.clone());
            Ok(corpora
                .keys()
                .map(|held_out| {
                    let train_groups: Vec<&String> = speakers
                        .keys()
                        .filter(|s| items[speakers[*s][0]].corpus != *held_out)
                        .collect();
                    let (train, validation) =
                        carve_validation(&speakers, &train_groups, validation_share, &mut rng);
                    Fold {
                        name: format!("test on {held_out}"),
                        train,
                        validation,
                        test: corpora[held_out].clone(),
                    }
                })
                .collect())
        }
        SplitKind::Random => {
            let folds = folds.max(2);
            let mut order: Vec<usize> = (0..items.len()).collect();
            shuffle(&mut order, &mut rng);
            Ok((0..folds)
                .map(|f| {
                    let test: Vec<usize> = order
                        .iter()
                        .copied()
                        .enumerate()
                        .filter(|(i, _)| i % folds == f)
                        .map(|(_, x)| x)
                        .collect();
                    let mut rest: Vec<usize> = order
                        .iter()
                        .copied()
                        .enumerate()
                        .filter(|(i, _)| i % folds != f)
                        .map(|(_, x)| x)
                        .collect();
                    shuffle(&mut rest, &mut rng);
                    let n_val = ((rest.len() as f64 * validation_share).round() as usize).max(1);
                    let validation = rest.split_off(rest.len() - n_val);
                    Fold {
                        name: format!("fold {} (random, LEAKY)", f + 1),
                        train: rest,
                        validation,
                        test,
                    }
                })
                .collect())
        }
    }
}

fn group_by(
    items: &[SplitItem],
    key: impl Fn(&SplitItem) -> String,
) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        groups.entry(key(item)).or_default().push(i);
    }
    groups
}

pub(crate) fn shuffle<T>(v: &mut [T], rng: &mut SplitMix64) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
}

/// Assigns groups to folds, largest first onto the lightest fold (in clips), ties broken at
/// random: folds end up with similar numbers of clips.
fn balanced_assignment(
    groups: &BTreeMap<String, Vec<usize>>,
    folds: usize,
    rng: &mut SplitMix64,
) -> BTreeMap<String, usize> {
    let mut names: Vec<&String> = groups.keys().collect();
    shuffle(&mut names, rng);
    names.sort_by_key(|g| std::cmp::Reverse(groups[*g].len()));
    let mut load = vec![0usize; folds];
    let mut assignment = BTreeMap::new();
    for name in names {
        let lightest = (0..folds).min_by_key(|&f| load[f]).unwrap_or(0);
        load[lightest] += groups[name].len();
        assignment.insert(name.clone(), lightest);
    }
    assignment
}

/// Moves about `share` of the training groups (at least one, never all) to validation.
fn carve_validation(
    groups: &BTreeMap<String, Vec<usize>>,
    train_groups: &[&String],
    share: f64,
    rng: &mut SplitMix64,
) -> (Vec<usize>, Vec<usize>) {
    let mut names: Vec<&String> = train_groups.to_vec();
    shuffle(&mut names, rng);
    let n_val = ((names.len() as f64 * share).round() as usize)
        .clamp(1, names.len().saturating_sub(1).max(1));
    let (val, train) = names.split_at(n_val.min(names.len()));
    (
        train.iter().flat_map(|g| groups[*g].clone()).collect(),
        val.iter().flat_map(|g| groups[*g].clone()).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn items() -> Vec<SplitItem> {
        let mut items = Vec::new();
        for (corpus, speakers, per) in [("ravdess", 12, 20), ("tess", 2, 40), ("savee", 4, 15)] {
            for s in 0..speakers {
                for c in 0..per {
                    items.push(SplitItem {
                        speaker: format!("{corpus}:{s}"),
                        corpus: corpus.into(),
                        class: c % 4,
                    });
                }
            }
        }
        items
    }

    fn speakers(items: &[SplitItem], idx: &[usize]) -> HashSet<String> {
        idx.iter().map(|&i| items[i].speaker.clone()).collect()
    }

    #[test]
    fn speaker_folds_never_share_a_speaker_and_cover_every_clip() {
        let items = items();
        let folds = make_folds(&items, SplitKind::Speaker, 5, 0.15, 7).unwrap();
        assert_eq!(folds.len(), 5);
        let mut tested = Vec::new();
        for fold in &folds {
            let (tr, va, te) = (
                speakers(&items, &fold.train),
                speakers(&items, &fold.validation),
                speakers(&items, &fold.test),
            );
            assert!(
                tr.is_disjoint(&te) && tr.is_disjoint(&va) && va.is_disjoint(&te),
                "{}",
                fold.name
            );
            assert!(!fold.validation.is_empty());
            assert_eq!(
                fold.train.len() + fold.validation.len() + fold.test.len(),
                items.len()
            );
            tested.extend(fold.test.iter().copied());
        }
        tested.sort();
        assert_eq!(
            tested,
            (0..items.len()).collect::<Vec<_>>(),
            "every clip is tested exactly once"
        );
    }

    #[test]
    fn leave_one_corpus_out_tests_each_corpus_on_its_own() {
        let items = items();
        let folds = make_folds(&items, SplitKind::Corpus, 0, 0.15, 1).unwrap();
        assert_eq!(folds.len(), 3);
        for fold in folds {
            let test_corpora: HashSet<&str> = fold
                .test
                .iter()
                .map(|&i| items[i].corpus.as_str())
                .collect();
            let train_corpora: HashSet<&str> = fold
                .train
                .iter()
                .chain(&fold.validation)
                .map(|&i| items[i].corpus.as_str())
                .collect();
            assert_eq!(test_corpora.len(), 1);
            assert!(test_corpora.is_disjoint(&train_corpora));
        }
    }

    #[test]
    fn random_split_shares_speakers_and_says_so() {
        let items = items();
        let folds = make_folds(&items, SplitKind::Random, 5, 0.1, 1).unwrap();
        assert!(!speakers(&items, &folds[0].train).is_disjoint(&speakers(&items, &folds[0].test)));
        assert!(SplitKind::Random.is_leaky() && SplitKind::Random.protocol().contains("LEAKY"));
    }

    #[test]
    fn too_few_speakers_is_an_error() {
        let items: Vec<SplitItem> = (0..10)
            .map(|i| SplitItem {
                speaker: format!("tess:{}", i % 2),
                corpus: "tess".into(),
                class: 0,
            })
            .collect();
        assert!(make_folds(&items, SplitKind::Speaker, 5, 0.1, 1)
            .unwrap_err()
            .contains("at least 3 speakers"));
    }
}
