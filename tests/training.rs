//! Training end to end on the synthetic demo corpus: better than chance on held-out speakers,
//! the saved model reloads and predicts identically, `eval` and `predict` work with it.

mod common;

use common::*;
use serlab::config::DatasetsConfig;
use serlab::corpus::open_catalog;
use serlab::features::Plugin;
use serlab::model::{Backend, Cnn};
use serlab::train::data::VectorLayout;
use serlab::train::engine::predict;
use serlab::train::run::{run, ModelInfo, TrainConfig, TrainOutcome};
use serlab::train::{persist, split::SplitKind};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// In-process tests share one cache, data and config dir for the whole test binary: the environment is global
/// to the process, and tests run in parallel threads.
fn shared_cache_dir() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The data and config dirs too: relabels (in the data dir) apply to every catalog, and
        // the real user's must not leak into a test.
        for var in ["SERLAB_CACHE_DIR", "SERLAB_DATA_DIR", "SERLAB_CONFIG_DIR"] {
            std::env::set_var(var, tempfile::tempdir().unwrap().keep());
        }
    });
}

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
    // The same held-out clips, each alone, by the clip-alone head.
    let single = &metrics["single_clip"];
    let single_ua = single["unweighted_accuracy"].as_f64().unwrap();
    assert!(single_ua > 0.4, "each clip alone: UA {single_ua}: {single}");
    assert_eq!(single["n"], metrics["n"]);
    assert!(
        out.join("clip-alone/model.mpk").is_file() && out.join("clip-alone/model.json").is_file()
    );
    let head: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("clip-alone/model.json")).unwrap())
            .unwrap();
    assert_eq!(head["norm"], "global", "{head}");
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
    // The default model is an ensemble of five networks; eval and predict below use all five.
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("model.json")).unwrap()).unwrap();
    assert_eq!(info["members"], 5, "{info}");

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

    let demo = home.path().join(".cache/serlab/demo-v2");
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
        // Three speakers with one clip each: every clip alone.
        assert_eq!(row["path"], "clip-alone", "{row}");
    }
    assert_eq!(rows[0]["speaker"], "ravdess:01");
    assert_eq!(rows[1]["speaker"], "savee:DC");
    // Three clips of three emotions by three people: never one constant answer.
    assert!(
        rows[0]["probabilities"] != rows[1]["probabilities"]
            && rows[1]["probabilities"] != rows[2]["probabilities"],
        "{rows:?}"
    );

    // Enough clips of one speaker: their own statistics; --speaker groups any files.
    let actor: Vec<PathBuf> = std::fs::read_dir(demo.join("RAVDESS/Actor_01"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(actor.len() >= 8, "{} demo clips of actor 1", actor.len());
    let lone = home.path().join("lone");
    std::fs::create_dir_all(&lone).unwrap();
    std::fs::copy(demo.join(files[2]), lone.join("take.wav")).unwrap();
    let predict = serlab(home.path())
        .args(["predict", "--json", "--model"])
        .arg(&out)
        .args(&actor)
        .arg(lone.join("take.wav"))
        .output()
        .unwrap();
    assert!(predict.status.success(), "{}", stderr_of(&predict));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&predict.stdout).unwrap();
    for row in &rows[..actor.len()] {
        assert_eq!(row["path"], "speaker", "{row}");
        assert_eq!(row["speaker_clips"], actor.len(), "{row}");
    }
    assert_eq!(rows[actor.len()]["path"], "clip-alone");
    assert!(rows[actor.len()]["speaker"]
        .as_str()
        .unwrap()
        .starts_with("folder:"));
    let predict = serlab(home.path())
        .args(["predict", "--json", "--speaker", "me", "--model"])
        .arg(&out)
        .args(&actor[..3])
        .arg(lone.join("take.wav"))
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&predict.stdout).unwrap();
    assert!(rows
        .iter()
        .all(|r| r["speaker"] == "given:me" && r["path"] == "clip-alone"));

    // eval --single-clip: every clip alone, said in the protocol.
    let eval = serlab(home.path())
        .args(["eval", "--json", "--single-clip", "--model"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(eval.status.success(), "{}", stderr_of(&eval));
    let eval: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert!(
        eval["protocol"]
            .as_str()
            .unwrap()
            .ends_with("each clip alone"),
        "{eval}"
    );
    assert!(
        eval["unweighted_accuracy"].as_f64().unwrap() > 0.4,
        "{eval}"
    );

    // A model folder from before heads: single clips are predicted with a note saying why they
    // are rough, and eval --single-clip is refused, naming the folder.
    let old = home.path().join("old-model");
    copy_dir(&out, &old);
    std::fs::remove_dir_all(old.join("clip-alone")).unwrap();
    let predict = serlab(home.path())
        .args(["predict", "--json", "--model"])
        .arg(&old)
        .arg(demo.join(files[0]))
        .output()
        .unwrap();
    assert!(predict.status.success(), "{}", stderr_of(&predict));
    assert!(stderr_of(&predict).contains("before clip-alone heads"));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&predict.stdout).unwrap();
    assert_eq!(rows[0]["path"], "speaker");
    let eval = serlab(home.path())
        .args(["eval", "--single-clip", "--model"])
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(eval.status.code(), Some(1));
    assert!(stderr_of(&eval).contains(&old.display().to_string()));

    // A broken and a missing file among good ones: each reported once, with its cause; the good
    // one is predicted; the exit status says not all were.
    let broken = home.path().join("broken.wav");
    write(&broken, b"RIFF\x10\x00\x00\x00WAVEfmt ");
    let missing = home.path().join("missing.wav");
    let predict = serlab(home.path())
        .args(["predict", "--json", "--model"])
        .arg(&out)
        .arg(demo.join(files[0]))
        .arg(&broken)
        .arg(&missing)
        .output()
        .unwrap();
    let stderr = stderr_of(&predict);
    assert_eq!(predict.status.code(), Some(1), "{stderr}");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&predict.stdout).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    for (file, cause) in [(&broken, "truncated"), (&missing, "No such file")] {
        let name = file.display().to_string();
        assert_eq!(stderr.matches(&name).count(), 1, "{name}: {stderr}");
        let line = stderr.lines().find(|l| l.contains(&name)).unwrap();
        assert!(line.contains(cause), "{line}");
    }

    // eval over a corpus with a broken clip: reported once, left out, the rest evaluated.
    let copy = home.path().join("ravdess-copy");
    copy_dir(&demo.join("RAVDESS"), &copy);
    let damaged = copy.join("Actor_01/03-01-05-01-01-01-01.wav");
    write(&damaged, b"RIFF\x10\x00\x00\x00WAVEfmt ");
    let datasets = datasets_file(home.path(), &[("ravdess", &copy)]);
    let eval = serlab(home.path())
        .args(["eval", "--json", "--datasets"])
        .arg(&datasets)
        .arg("--model")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = stderr_of(&eval);
    assert!(eval.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches(&damaged.display().to_string()).count(),
        1,
        "{stderr}"
    );
    let metrics: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    let labelled = walk_wavs(&copy) - 1;
    assert!(
        metrics["n"].as_u64().unwrap() as usize <= labelled && metrics["n"].as_u64().unwrap() > 0,
        "{metrics}"
    );
    assert_eq!(
        metrics["synthetic"], false,
        "a copy named in a datasets file is not the demo"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn walk_wavs(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "wav"))
        .count()
}

/// Trains `classic` with `config`, saves the outcome to `dir` and loads it back.
fn train_save_reload(
    catalog: &serlab::corpus::Catalog,
    config: &TrainConfig,
    dir: &Path,
) -> (TrainOutcome, Vec<Cnn<Backend>>, ModelInfo) {
    let (tx, _rx) = std::sync::mpsc::channel();
    let outcome = run(
        catalog,
        classic(),
        Vec::new(),
        config,
        &tx,
        &AtomicBool::new(false),
    )
    .unwrap();
    persist::save(
        dir,
        &outcome.models,
        &outcome.info,
        &outcome.metrics,
        &|_| Ok(()),
    )
    .unwrap();
    let (reloaded, info) = persist::load(dir).unwrap();
    (outcome, reloaded, info)
}

/// An ensemble of two networks: saved, reloaded, and predicting exactly as before, with the
/// mean of its members' probabilities.
#[test]
fn a_saved_model_reloads_and_predicts_identically() {
    let home = tempfile::tempdir().unwrap();
    shared_cache_dir();
    let catalog = open_catalog(&DatasetsConfig::default()).unwrap();
    let mut config = TrainConfig {
        split: SplitKind::Speaker,
        augment_copies: 0,
        use_cache: false,
        ensemble: 2,
        ..Default::default()
    };
    config.settings.epochs = 2;
    let dir = home.path().join("model");
    let (outcome, reloaded, info) = train_save_reload(&catalog, &config, &dir);
    assert_eq!(info.classes, outcome.info.classes);
    assert_eq!((info.members, reloaded.len()), (2, 2));
    let rows: Vec<Vec<f32>> = (0..10)
        .map(|i| {
            (0..162)
                .map(|j| ((i * 31 + j * 7) % 13) as f32 / 6.0 - 1.0)
                .collect()
        })
        .collect();
    let before = predict(&outcome.models, &rows, outcome.info.shape, 4);
    let after = predict(&reloaded, &rows, info.shape, 4);
    assert_eq!(before, after);
    let first = predict(&reloaded[..1], &rows, info.shape, 4);
    let second = predict(&reloaded[1..], &rows, info.shape, 4);
    assert_ne!(first, second, "members trained with different seeds");
    for ((mean, a), b) in after.iter().zip(&first).zip(&second) {
        for ((m, x), y) in mean.iter().zip(a).zip(b) {
            assert!((m - (x + y) / 2.0).abs() < 1e-5, "{m} vs {x} and {y}");
        }
    }
    // The default layout feeds the vector as the channels of one position (kernel 1); the
    // seed's layout convolves along the feature axis. Both save and reload exactly.
    assert_eq!((info.shape.len, info.shape.channels), (1, 162));
    assert_eq!(info.architecture.kernel, 1);
    config.vector_layout = VectorLayout::FeatureAxis;
    config.ensemble = 1;
    let (seed_layout, seed_reloaded, seed_info) =
        train_save_reload(&catalog, &config, &home.path().join("seed-layout"));
    assert_eq!((seed_info.shape.len, seed_info.shape.channels), (162, 1));
    assert_eq!(seed_info.architecture.kernel, 5);
    assert_eq!(
        predict(&seed_layout.models, &rows, seed_layout.info.shape, 4),
        predict(&seed_reloaded, &rows, seed_info.shape, 4)
    );

    // A directory that is not a model is refused with the reason.
    let err = persist::load(home.path()).err().unwrap().to_string();
    assert!(err.contains("model.json"), "{err}");

    // Hand-edited or corrupted descriptions are refused before anything is built from them,
    // and weights that do not fit the description are refused instead of panicking later.
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap()).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let edits: Vec<(&str, Edit, &str)> = vec![
        (
            "kernel 0",
            |v| v["architecture"]["kernel"] = 0.into(),
            "must be positive",
        ),
        (
            "a billion filters",
            |v| v["architecture"]["filters"] = serde_json::json!([1_000_000_000u64]),
            "filters",
        ),
        (
            "1000 members",
            |v| v["members"] = 1000.into(),
            "ensemble members",
        ),
        (
            "a class missing",
            |v| {
                v["classes"].as_array_mut().unwrap().pop();
            },
            "class names",
        ),
        (
            "another input",
            |v| v["shape"]["len"] = 7.into(),
            "input shape",
        ),
        (
            "statistics cut short",
            |v| v["stats"]["mean"] = serde_json::json!([0.0]),
            "normalisation statistics",
        ),
        (
            "weights of another architecture",
            |v| v["architecture"]["dense"] = 16.into(),
            "does not fit",
        ),
        ("not JSON at all", |v| *v = "]]".into(), "model.json"),
    ];
    for (what, edit, expected) in edits {
        let mut value = original.clone();
        edit(&mut value);
        let text = match value.as_str() {
            Some(raw) => raw.to_string(),
            None => value.to_string(),
        };
        std::fs::write(dir.join("model.json"), text).unwrap();
        let err = persist::load(&dir).err().map(|e| e.to_string());
        assert!(
            err.as_ref()
                .is_some_and(|e| e.contains(expected) && e.contains("model")),
            "{what}: {err:?}"
        );
    }
}

#[test]
fn an_interrupted_run_resumes_from_its_checkpoint() {
    use serlab::train::events::TrainEvent;
    let home = tempfile::tempdir().unwrap();
    shared_cache_dir();
    let catalog = open_catalog(&DatasetsConfig::default()).unwrap();
    let mut config = TrainConfig {
        augment_copies: 0,
        ensemble: 1,
        checkpoint_dir: Some(home.path().join("checkpoint")),
        ..Default::default()
    };
    // Far more epochs than either run gets through: a cancel seen a few epochs late (a loaded
    // machine) still interrupts, so nothing here races the run.
    config.settings.epochs = 60;
    config.settings.early_stopping_patience = 1_000;

    // Runs on a thread and is cancelled once an epoch at or after `cancel_at` is reported;
    // returns the result and every reported epoch (index, seconds).
    let run_until = |cancel_at: usize| {
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let worker = {
            let (catalog, config, cancel) = (catalog.clone(), config.clone(), cancel.clone());
            std::thread::spawn(move || run(&catalog, classic(), Vec::new(), &config, &tx, &cancel))
        };
        let mut epochs = Vec::new();
        for event in rx {
            if let TrainEvent::Epoch(r) = event {
                epochs.push((r.epoch, r.seconds));
                if r.epoch >= cancel_at {
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        (worker.join().unwrap(), epochs)
    };
    let state = || -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(home.path().join("checkpoint/fold-0/state.json")).unwrap(),
        )
        .unwrap()
    };

    let (first, _) = run_until(1);
    assert!(
        matches!(first, Err(serlab::train::engine::TrainError::Cancelled)),
        "the first run must stop when cancelled"
    );
    let saved = state();
    let done = saved["epochs_done"].as_u64().unwrap() as usize;
    assert!((2..60).contains(&done), "{done} epochs saved");

    // Second run: replays the saved epochs (their recorded timings, not retrained ones), then
    // trains new ones.
    let (second, epochs) = run_until(done + 1);
    assert!(
        matches!(second, Err(serlab::train::engine::TrainError::Cancelled)),
        "the second run stops when cancelled too"
    );
    assert!(
        epochs.len() > done,
        "no new epoch after the {done} replayed"
    );
    for (i, (epoch, seconds)) in epochs.iter().enumerate() {
        assert_eq!(*epoch, i, "epochs in order from the first");
        if i < done {
            assert_eq!(
                Some(*seconds),
                saved["history"][i]["seconds"].as_f64(),
                "epoch {i} was trained again instead of replayed"
            );
        }
    }
    assert!(state()["epochs_done"].as_u64().unwrap() as usize > done);

    // A checkpoint of another job is refused, not mixed in.
    config.settings.learning_rate = 5e-4;
    let (tx, _rx) = std::sync::mpsc::channel();
    let err = run(
        &catalog,
        classic(),
        Vec::new(),
        &config,
        &tx,
        &AtomicBool::new(false),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("another training job"), "{err}");
}
