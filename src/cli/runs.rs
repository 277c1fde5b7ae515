//! `serlab runs`: every training run recorded, and one in full.

use crate::train::runs::{RunRecord, RunStore};

pub fn run(json: bool, show: Option<&str>) -> anyhow::Result<()> {
    let store = RunStore::default_location();
    if let Some(id) = show {
        let run = store.get(id)?;
        if json {
            println!("{}", serde_json::to_string_pretty(&run)?);
        } else {
            print!("{}", describe(&run));
        }
        return Ok(());
    }
    let (runs, broken) = store.list();
    for (path, error) in &broken {
        eprintln!("serlab: skipped {}: {error}", path.display());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(());
    }
    if runs.is_empty() {
        println!("no runs recorded yet (in {})", store.dir().display());
        return Ok(());
    }
    println!(
        "{:<24} {:<20} {:<12} {:<10} {:>6} {:>8} {:>6} {:>6} {:>6}  split",
        "id", "started", "plugin", "status", "UA", "alone UA", "acc", "F1", "n"
    );
    let score = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into());
    for run in &runs {
        println!(
            "{:<24} {:<20} {:<12} {:<10} {:>6} {:>8} {:>6} {:>6} {:>6}  {}{}",
            run.id,
            run.started,
            run.plugin,
            run.status,
            score(run.unweighted_accuracy),
            score(run.single_clip_unweighted_accuracy),
            score(run.accuracy),
            score(run.macro_f1),
            run.n.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
            run.split,
            if run.synthetic {
                " (SYNTHETIC demo)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

fn describe(run: &RunRecord) -> String {
    let mut text = String::new();
    let mut line = |key: &str, value: String| text.push_str(&format!("{key:<20} {value}\n"));
    line("id", run.id.clone());
    line("status", run.status.clone());
    if let Some(error) = &run.error {
        line("error", error.clone());
    }
    line("started", run.started.clone());
    line("finished", run.finished.clone());
    line("from", run.source.clone());
    line(
        "plugin",
        format!(
            "{} {} {:?}",
            run.plugin, run.plugin_version, run.plugin_params
        ),
    );
    line("split", run.split.clone());
    line(
        "folds",
        run.folds
            .map(|k| format!("{k}, pooled"))
            .unwrap_or_else(|| "one held-out fold".into()),
    );
    line("ensemble", run.ensemble.to_string());
    line("epochs (at most)", run.epochs.to_string());
    line("normalisation", run.norm.clone());
    line("augmentation", run.augmentation.clone());
    line("seed", run.seed.to_string());
    line("clips and labels", run.fingerprint.clone());
    line("synthetic demo", run.synthetic.to_string());
    for (key, value) in [
        ("unweighted accuracy", run.unweighted_accuracy),
        ("UA, each clip alone", run.single_clip_unweighted_accuracy),
        ("accuracy", run.accuracy),
        ("macro F1", run.macro_f1),
    ] {
        if let Some(v) = value {
            line(key, format!("{v:.4}"));
        }
    }
    if let Some(n) = run.n {
        line("test clips", n.to_string());
    }
    if let Some(model) = &run.model {
        line("model", model.display().to_string());
    }
    text
}
