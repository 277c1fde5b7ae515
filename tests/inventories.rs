//! Every file name of the four real releases (from `../shared/reference/inventories/`) parses, and
//! the per-corpus emotion counts are exactly the published ones, both through the parsers and
//! through `serlab datasets --json` over a tree of those names holding short audio.

mod common;

use common::*;
use serlab::corpus::{naming, CorpusKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The published per-emotion counts of each release.
fn expected_counts(kind: CorpusKind) -> BTreeMap<&'static str, usize> {
    let pairs: &[(&str, usize)] = match kind {
        CorpusKind::Ravdess => &[
            ("neutral", 96),
            ("calm", 192),
            ("happy", 192),
            ("sad", 192),
            ("angry", 192),
            ("fear", 192),
            ("disgust", 192),
            ("surprise", 192),
        ],
        CorpusKind::CremaD => &[
            ("angry", 1271),
            ("disgust", 1271),
            ("fear", 1271),
            ("happy", 1271),
            ("neutral", 1087),
            ("sad", 1271),
        ],
        CorpusKind::Tess => &[
            ("angry", 400),
            ("disgust", 400),
            ("fear", 400),
            ("happy", 400),
            ("neutral", 400),
            ("surprise", 400),
            ("sad", 400),
        ],
        CorpusKind::Savee => &[
            ("angry", 60),
            ("disgust", 60),
            ("fear", 60),
            ("happy", 60),
            ("neutral", 120),
            ("sad", 60),
            ("surprise", 60),
        ],
    };
    pairs.iter().copied().collect()
}

fn expected_total(kind: CorpusKind) -> usize {
    match kind {
        CorpusKind::Ravdess => 1440,
        CorpusKind::CremaD => 7442,
        CorpusKind::Tess => 2800,
        CorpusKind::Savee => 480,
    }
}

/// The relative paths listed in an inventory file.
fn inventory(shared: &Path, kind: CorpusKind) -> Vec<String> {
    let (file, path_column) = match kind {
        CorpusKind::Ravdess => ("RAVDESS_sha256sums.txt", 1),
        CorpusKind::CremaD => ("CREMA-D_official_lfs_sha256.tsv", 0),
        CorpusKind::Tess => ("TESS_lfs_sha256_from_terranivium.tsv", 0),
        CorpusKind::Savee => ("SAVEE_lfs_sha256_from_terranivium.tsv", 0),
    };
    let text = std::fs::read_to_string(shared.join("reference/inventories").join(file)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            line.split_whitespace()
                .nth(path_column)
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn every_real_name_parses_with_the_published_counts() {
    let Some(shared) = shared_dir("every_real_name_parses_with_the_published_counts") else {
        return;
    };
    for kind in CorpusKind::ALL {
        let names = inventory(&shared, kind);
        assert_eq!(names.len(), expected_total(kind), "{kind}: inventory size");
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut speakers = std::collections::BTreeSet::new();
        for name in &names {
            let clip =
                naming::parse(kind, Path::new(name)).unwrap_or_else(|e| panic!("{kind}: {e}"));
            *counts.entry(clip.emotion.as_str()).or_default() += 1;
            speakers.insert(clip.speaker);
        }
        assert_eq!(counts, expected_counts(kind), "{kind}: per-emotion counts");
        let expected_speakers = match kind {
            CorpusKind::Ravdess => 24,
            CorpusKind::CremaD => 91,
            CorpusKind::Tess => 2,
            CorpusKind::Savee => 4,
        };
        assert_eq!(speakers.len(), expected_speakers, "{kind}: speakers");
    }
}

#[test]
fn the_oddities_parse() {
    for (kind, name, speaker, emotion) in [
        (
            CorpusKind::Tess,
            "OAF_neutral/OA_bite_neutral.wav",
            "OAF",
            "neutral",
        ),
        (
            CorpusKind::Tess,
            "OAF_Pleasant_surprise/OAF_back_ps.wav",
            "OAF",
            "surprise",
        ),
        (
            CorpusKind::Tess,
            "YAF_pleasant_surprised/YAF_back_ps.wav",
            "YAF",
            "surprise",
        ),
        (CorpusKind::Savee, "DC/a01.wav", "DC", "angry"),
        (CorpusKind::Savee, "ALL/DC_a01.wav", "DC", "angry"),
        (CorpusKind::Savee, "ALL/JK_su15.wav", "JK", "surprise"),
        (CorpusKind::CremaD, "1040_ITH_SAD_X.wav", "1040", "sad"),
    ] {
        let clip = naming::parse(kind, Path::new(name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (clip.speaker.as_str(), clip.emotion.as_str()),
            (speaker, emotion),
            "{name}"
        );
    }
}

/// Builds `root/<corpus>/<inventory path>` for every inventory entry, each a 10 ms clip.
fn build_tree(shared: &Path, root: &Path, kind: CorpusKind, savee_all_layout: bool) -> PathBuf {
    let corpus_root = root.join(kind.as_str());
    let clip = short_clip(0.01);
    for name in inventory(shared, kind) {
        let relative = if kind == CorpusKind::Savee && savee_all_layout {
            let (speaker, file) = name.split_once('/').unwrap();
            format!("ALL/{speaker}_{file}")
        } else {
            name
        };
        write(&corpus_root.join(relative), &clip);
    }
    corpus_root
}

#[test]
fn datasets_json_over_inventory_trees_gives_the_inventory_counts() {
    let Some(shared) = shared_dir("datasets_json_over_inventory_trees_gives_the_inventory_counts")
    else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let tree = tempfile::tempdir().unwrap();
    let roots: Vec<(CorpusKind, PathBuf)> = CorpusKind::ALL
        .iter()
        .map(|&k| (k, build_tree(&shared, tree.path(), k, false)))
        .collect();
    let entries: Vec<(&str, &Path)> = roots
        .iter()
        .map(|(k, p)| (k.as_str(), p.as_path()))
        .collect();
    let file = datasets_file(tree.path(), &entries);
    let json = datasets_json(home.path(), &file);

    assert_eq!(json["synthetic"], false);
    assert_eq!(
        json["unreadable"].as_array().unwrap().len(),
        0,
        "{}",
        json["unreadable"]
    );
    assert_eq!(json["total_clips"], 1440 + 7442 + 2800 + 480);
    for (kind, corpus) in CorpusKind::ALL
        .iter()
        .zip(json["corpora"].as_array().unwrap())
    {
        assert_eq!(corpus["kind"], kind.as_str());
        assert_eq!(corpus["clips"], expected_total(*kind));
        let by_emotion: BTreeMap<String, usize> =
            serde_json::from_value(corpus["by_emotion"].clone()).unwrap();
        let expected: BTreeMap<String, usize> = expected_counts(*kind)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(by_emotion, expected, "{kind}");
        // Default labels: the four targets, the rest left out.
        let by_class: BTreeMap<String, usize> =
            serde_json::from_value(corpus["by_class"].clone()).unwrap();
        for class in ["neutral", "happy", "sad", "angry"] {
            assert_eq!(by_class[class], expected[class], "{kind} class {class}");
        }
    }
}

#[test]
fn savee_all_layout_gives_the_same_counts() {
    let Some(shared) = shared_dir("savee_all_layout_gives_the_same_counts") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let tree = tempfile::tempdir().unwrap();
    let root = build_tree(&shared, tree.path(), CorpusKind::Savee, true);
    assert!(root.join("ALL/DC_a01.wav").is_file());
    let file = datasets_file(tree.path(), &[("savee", &root)]);
    let json = datasets_json(home.path(), &file);
    let corpus = &json["corpora"][0];
    assert_eq!(corpus["clips"], 480);
    assert_eq!(corpus["speakers"], 4);
    assert_eq!(corpus["by_emotion"]["neutral"], 120);
}
