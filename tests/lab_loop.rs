//! The lab loop from the command line, on the synthetic demo corpus: train with folds and get
//! every clip's out-of-fold prediction, find the labels the model doubts (flipped on purpose
//! here), see every run recorded, evaluate into the same predictions table.

mod common;

use common::*;
use std::path::Path;

fn train(home: &Path, out: &str, extra: &[&str]) -> serde_json::Value {
    let output = serlab(home)
        .args([
            "train",
            "--folds",
            "4",
            "--ensemble",
            "1",
            "--json",
            "--out",
            out,
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn out_of_fold_predictions_runs_and_eval_predictions() {
    let home = tempfile::tempdir().unwrap();
    let metrics = train(home.path(), "model", &["--epochs", "12"]);
    let ua = metrics["unweighted_accuracy"].as_f64().unwrap();
    // The demo's voices overlap on purpose: errors to open, but far above chance (0.25).
    assert!((0.5..0.97).contains(&ua), "demo UA {ua}");

    let rows = csv_rows(&home.path().join("model/predictions.csv"));
    assert_eq!(
        rows[0],
        [
            "corpus",
            "path",
            "speaker",
            "label",
            "predicted",
            "fold",
            "p_neutral",
            "p_happy",
            "p_sad",
            "p_angry"
        ]
    );
    let n = metrics["n"].as_u64().unwrap() as usize;
    assert_eq!(rows.len() - 1, n, "one row per clip tested in a fold");
    let mut folds = std::collections::BTreeSet::new();
    let mut agree = 0;
    for row in &rows[1..] {
        let p: Vec<f64> = row[6..].iter().map(|v| v.parse().unwrap()).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-3, "{row:?}");
        let best = (0..4).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        assert_eq!(
            row[4],
            rows[0][6 + best].trim_start_matches("p_"),
            "{row:?}"
        );
        folds.insert(row[5].clone());
        agree += usize::from(row[3] == row[4]);
    }
    assert_eq!(folds.len(), 4, "{folds:?}");
    let accuracy = metrics["accuracy"].as_f64().unwrap();
    assert!(
        (agree as f64 / n as f64 - accuracy).abs() < 1e-9,
        "the table's agreement is the reported accuracy"
    );

    // The run is recorded, with what it used and what it scored.
    let output = serlab(home.path())
        .args(["runs", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let runs: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    for key in [
        "id",
        "started",
        "plugin",
        "split",
        "unweighted_accuracy",
        "accuracy",
        "n",
        "model",
    ] {
        assert!(!run[key].is_null(), "runs lack `{key}`: {run}");
    }
    assert_eq!(run["unweighted_accuracy"], metrics["unweighted_accuracy"]);
    assert_eq!(run["folds"], 4);
    assert_eq!(run["status"], "finished");
    assert_eq!(run["synthetic"], true);
    let id = run["id"].as_str().unwrap();
    let output = serlab(home.path())
        .args(["runs", "show", id])
        .output()
        .unwrap();
    assert!(
        stdout_of(&output).contains("egemaps_ext"),
        "{}",
        stdout_of(&output)
    );
    let output = serlab(home.path())
        .args(["runs", "show", "nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("no run `nope`"));

    // eval writes the same table, the fold left empty.
    let file = home.path().join("eval.csv");
    let output = serlab(home.path())
        .args(["eval", "--model", "model", "--predictions"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let rows = csv_rows(&file);
    assert_eq!(
        rows[0][..6],
        ["corpus", "path", "speaker", "label", "predicted", "fold"]
    );
    assert!(rows.len() > n, "every labelled clip");
    assert!(rows[1..].iter().all(|r| r[5].is_empty()));
}

#[test]
fn labels_flipped_on_purpose_rank_near_the_top_of_the_suspects() {
    let home = tempfile::tempdir().unwrap();
    // Twelve clips of the demo's RAVDESS and TESS given a wrong label.
    let flips = [
        ("ravdess", "Actor_01/03-01-05-01-01-01-01.wav", "neutral"),
        ("ravdess", "Actor_02/03-01-03-01-02-01-02.wav", "sad"),
        ("ravdess", "Actor_03/03-01-04-02-01-01-03.wav", "happy"),
        ("ravdess", "Actor_04/03-01-01-01-02-02-04.wav", "angry"),
        ("ravdess", "Actor_01/03-01-04-01-02-01-01.wav", "angry"),
        ("ravdess", "Actor_03/03-01-05-02-02-01-03.wav", "neutral"),
        ("tess", "OAF_angry/OAF_bite_angry.wav", "sad"),
        ("tess", "YAF_neutral/YAF_beg_neutral.wav", "happy"),
        ("tess", "OAF_happy/OAF_base_happy.wav", "neutral"),
        ("tess", "YAF_Sad/YAF_boat_sad.wav", "angry"),
        ("tess", "OAF_Sad/OAF_bar_sad.wav", "happy"),
        ("tess", "YAF_angry/YAF_bath_angry.wav", "neutral"),
    ];
    for (corpus, path, label) in flips {
        let output = serlab(home.path())
            .args(["labels", "set", corpus, path, label])
            .output()
            .unwrap();
        assert!(output.status.success(), "{path}: {}", stderr_of(&output));
    }
    let metrics = train(home.path(), "model", &[]);
    let n = metrics["n"].as_u64().unwrap() as usize;
    let output = serlab(home.path())
        .args([
            "labels", "suspects", "--model", "model", "--json", "--top", "100000",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let suspects: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    for s in &suspects {
        for key in [
            "corpus",
            "path",
            "speaker",
            "label",
            "predicted",
            "p_label",
            "p_predicted",
            "score",
        ] {
            assert!(!s[key].is_null(), "{key}: {s}");
        }
    }
    let scores: Vec<f64> = suspects
        .iter()
        .map(|s| s["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "most suspect first"
    );
    // (flip, rank among the suspects) of each flipped clip found there.
    let found: Vec<(usize, usize)> = flips
        .iter()
        .enumerate()
        .filter_map(|(f, (c, p, _))| {
            suspects
                .iter()
                .position(|s| s["corpus"] == *c && s["path"] == *p)
                .map(|rank| (f, rank))
        })
        .collect();
    let top = n / 10;
    let in_top = found.iter().filter(|(_, rank)| *rank < top).count();
    // By chance a tenth of them (about one) would land in the top tenth.
    assert!(
        in_top >= 4,
        "{in_top} of 12 flipped labels in the top {top} of {n} clips (found at {found:?})"
    );
    // The label in force counts: the most suspect flip, put back, is no longer suspect.
    let (first, _) = *found.iter().min_by_key(|(_, rank)| *rank).unwrap();
    let (corpus, path, _) = flips[first];
    let output = serlab(home.path())
        .args(["labels", "set", corpus, path, "corpus"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let output = serlab(home.path())
        .args([
            "labels", "suspects", "--model", "model", "--json", "--top", "100000",
        ])
        .output()
        .unwrap();
    let after: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        !after.iter().any(|s| s["path"] == path),
        "{path} is still suspect with its own label back"
    );
}

#[test]
fn suspects_refuse_a_missing_corpus_and_a_model_without_predictions() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("old-model")).unwrap();
    let output = serlab(home.path())
        .args(["labels", "suspects", "--model", "old-model"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("no predictions.csv"),
        "{}",
        stderr_of(&output)
    );
    std::fs::write(
        home.path().join("old-model/predictions.csv"),
        "corpus,path,speaker,label,predicted,fold,p_neutral\n",
    )
    .unwrap();
    let file = datasets_file(home.path(), &[("ravdess", &home.path().join("gone"))]);
    let output = serlab(home.path())
        .args(["labels", "suspects", "--model", "old-model", "--datasets"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("gone"),
        "{}",
        stderr_of(&output)
    );
}
