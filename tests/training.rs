//! Training end to end on the synthetic demo corpus: better than chance on held-out speakers,
//! the saved model reloads and predicts identically, `eval` and `predict` work with it.

mod common;

use common::*;
use serlab::config::DatasetsConfig;
use serlab::corpus::open_catalog;
use serlab::features::Plugin;
use serlab::train::engine::predict;
use serlab::train::run::{run, TrainConfig};
use serlab::train::{persist, split::SplitKind};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn classic() -> Arc<Plugin> {
    let path = Path::new(env!("CARGO_BIN_EXE_serlab"))
        .parent()
        .unwrap()
        .join("libserlab_plugin_classic.so");
    Arc::new(
        Plugin::load(&path)
            .unwrap_or_else(|e| panic!("{e} (build with `cargo build --workspace`)")),
    )
}

#[test]
fn train_eval_predict_on_the_demo_corpus() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("model");
    let result = serlab(home.path())
        .args([
            "train",
            "--epochs",
            "8",
            "--augment-copies",
            "1",
            "--json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", stderr_of(&result));
    let metrics: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    for key in [
        "protocol",
        "accuracy",
        "unweighted_accuracy",
        "macro_f1",
        "classes",
        "confusion",
        "per_corpus",
        "n",
    ] {
        assert!(
            metrics.get(key).is_some(),
            "metrics lack `{key}`: {metrics}"
        );
    }
    let ua = metrics["unweighted_accuracy"].as_f64().unwrap();
    assert!(ua > 0.5, "held-out demo speakers: UA {ua} (chance is 0.25)");
    assert_eq!(metrics["leaky"], false);
    assert_eq!(metrics["synthetic"], true);
    for file in [
        "model.mpk",
        "model.json",
        "metrics.json",
        "confusion.png",
        "curves.png",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let png = std::fs::read(out.join("confusion.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");

    let eval = serlab(home.path())
        .args(["eval", "--json", "--model"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(eval.status.success(), "{}", stderr_of(&eval));
    let eval: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert!(
        eval["n"].as_u64().unwrap() > 200,
        "every labelled demo clip is evaluated"
    );
    assert!(eval["unweighted_accuracy"].as_f64().unwrap() > 0.5);

    let demo = home.path().join(".cache/serlab/demo-v1");
    let files = [
        "RAVDESS/Actor_01/03-01-05-01-01-01-01.wav",
        "SAVEE/DC/sa01.wav",
        "TESS/OAF_happy/OAF_back_happy.wav",
    ];
    let predict = serlab(home.path())
        .args(["predict", "--json", "--model"])
        .arg(&out)
        .args(files.iter().map(|f| demo.join(f)))
        .output()
        .unwrap();
    assert!(predict.status.success(), "{}", stderr_of(&predict));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&predict.stdout).unwrap();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let probs = row["probabilities"].as_object().unwrap();
        assert_eq!(probs.len(), 4);
        let sum: f64 = probs.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-4, "{row}");
    }
}

#[test]
fn a_saved_model_reloads_and_predicts_identically() {
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("SERLAB_CACHE_DIR", home.path().join("cache"));
    let catalog = open_catalog(&DatasetsConfig::default()).unwrap();
    let mut config = TrainConfig {
        split: SplitKind::Speaker,
        augment_copies: 0,
        use_cache: false,
        ..Default::default()
    };
    config.settings.epochs = 2;
    let (tx, _rx) = std::sync::mpsc::channel();
    let outcome = run(
        &catalog,
        classic(),
        Vec::new(),
        &config,
        &tx,
        &AtomicBool::new(false),
    )
    .unwrap();
    let dir = home.path().join("model");
    persist::save(
        &dir,
        &outcome.model,
        &outcome.info,
        &outcome.metrics,
        &|_| Ok(()),
    )
    .unwrap();
    let (reloaded, info) = persist::load(&dir).unwrap();
    assert_eq!(info.classes, outcome.info.classes);
    let rows: Vec<Vec<f32>> = (0..10)
        .map(|i| {
            (0..162)
                .map(|j| ((i * 31 + j * 7) % 13) as f32 / 6.0 - 1.0)
                .collect()
        })
        .collect();
    let before = predict(&outcome.model, &rows, outcome.info.shape, 4);
    let after = predict(&reloaded, &rows, info.shape, 4);
    assert_eq!(before, after);
    // A directory that is not a model is refused with the reason.
    let err = persist::load(home.path()).err().unwrap().to_string();
    assert!(err.contains("model.json"), "{err}");
}
