//! `serlab labels`: list, export, set and audit relabels.

use super::LabelsAction;
use crate::config::DatasetsConfig;
use crate::corpus::open_catalog;
use crate::relabel::{ClipKey, Relabel, RelabelStore};
use crate::util::text::csv_field;
use anyhow::bail;
use std::collections::HashSet;
use std::path::Path;

pub fn run(
    datasets: Option<&Path>,
    json: bool,
    action: Option<LabelsAction>,
) -> anyhow::Result<()> {
    let path = RelabelStore::default_path();
    let mut store = RelabelStore::open(&path)?;
    match action {
        None => {
            // A relabel whose clip is no longer found (a moved corpus, a renamed file) is listed
            // as such, so none is lost silently.
            let config = DatasetsConfig::load(datasets)?;
            let catalog = open_catalog(&config)?;
            let present: HashSet<ClipKey> = catalog.clips.iter().map(ClipKey::of).collect();
            let rows: Vec<(&Relabel, bool)> = store
                .relabels()
                .map(|r| {
                    let key = ClipKey {
                        corpus: r.corpus,
                        path: r.path.clone(),
                    };
                    (r, present.contains(&key))
                })
                .collect();
            if json {
                let values: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(r, found)| {
                        let mut value = serde_json::to_value(r).unwrap_or_default();
                        value["found"] = serde_json::json!(found);
                        value
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&values)?);
            } else if rows.is_empty() {
                println!("no relabels (file: {})", path.display());
            } else {
                println!("{:<8} {:<44} {:<10} changed", "corpus", "path", "label");
                for (r, found) in &rows {
                    println!(
                        "{:<8} {:<44} {:<10} {}{}",
                        r.corpus.as_str(),
                        r.path,
                        r.label,
                        r.changed_at,
                        if *found {
                            ""
                        } else {
                            "  NOT FOUND in the configured corpora"
                        }
                    );
                }
                let lost = rows.iter().filter(|(_, found)| !found).count();
                if lost > 0 {
                    eprintln!("serlab: {lost} relabel(s) name clips the configured corpora do not hold (kept in {}; they apply again when the clip is back)", path.display());
                }
            }
        }
        Some(LabelsAction::Export { csv }) => {
            let mut text = String::from("corpus,path,label,changed_at\n");
            for r in store.relabels() {
                text.push_str(&format!(
                    "{},{},{},{}\n",
                    r.corpus.as_str(),
                    csv_field(&r.path),
                    csv_field(&r.label),
                    r.changed_at
                ));
            }
            std::fs::write(&csv, text)
                .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", csv.display()))?;
            println!(
                "wrote {} relabels to {}",
                store.relabels().count(),
                csv.display()
            );
        }
        Some(LabelsAction::Set {
            corpus,
            path: clip,
            label,
        }) => {
            let config = DatasetsConfig::load(datasets)?;
            let label = if label == "corpus" { None } else { Some(label) };
            if let Some(l) = &label {
                if config.labels.class_index(l).is_none() {
                    bail!(
                        "`{l}` is not a class (classes: {}, or `corpus`)",
                        config.labels.classes().join(", ")
                    );
                }
            }
            let key = ClipKey {
                corpus,
                path: clip.replace('\\', "/"),
            };
            check_clip_exists(&config, &key)?;
            store.set(key, label)?;
            println!("saved to {}", store.path().display());
        }
        Some(LabelsAction::Suspects {
            model,
            top,
            json: as_json,
        }) => suspects(datasets, &model, top as usize, json || as_json)?,
        Some(LabelsAction::History) => {
            if json {
                println!("{}", serde_json::to_string_pretty(store.audit())?);
            } else {
                for a in store.audit() {
                    println!(
                        "{}  {:<5} {}:{}  {} -> {}",
                        a.time,
                        a.action,
                        a.corpus.as_str(),
                        a.path,
                        a.old,
                        a.new
                    );
                }
            }
        }
    }
    Ok(())
}

/// `labels set` names a clip of the configured corpora, or nothing is stored: a typo would keep a
/// relabel that never applies.
fn check_clip_exists(config: &DatasetsConfig, key: &ClipKey) -> anyhow::Result<()> {
    let catalog = open_catalog(config)?;
    let of_corpus: Vec<&str> = catalog
        .clips
        .iter()
        .filter(|c| c.corpus == key.corpus)
        .map(|c| c.relative.as_str())
        .collect();
    if of_corpus.iter().any(|p| p.replace('\\', "/") == key.path) {
        return Ok(());
    }
    let message = if of_corpus.is_empty() {
        let missing = catalog.missing.iter().find(|m| m.kind == key.corpus);
        match missing {
            Some(missing) => format!("no clip `{}` in {}: {missing}", key.path, key.corpus),
            None => format!(
                "no clip `{}`: no {} corpus is configured{}",
                key.path,
                key.corpus,
                if catalog.synthetic {
                    " (the SYNTHETIC demo corpus is in use)"
                } else {
                    ""
                }
            ),
        }
    } else {
        let near = crate::util::text::closest(&key.path, of_corpus.iter().copied(), 3);
        format!(
            "no clip `{}` in the {} corpus; the closest that exist: {}",
            key.path,
            key.corpus,
            near.join(", ")
        )
    };
    Err(super::UsageError(message).into())
}

/// `labels suspects`: the model's out-of-fold predictions against the labels in force now.
fn suspects(datasets: Option<&Path>, model: &Path, top: usize, json: bool) -> anyhow::Result<()> {
    let file = model.join("predictions.csv");
    if !file.is_file() {
        return Err(super::UsageError(format!(
            "{}: no predictions.csv; models trained by this serlab have one (`serlab train`), or write one with `serlab eval --model DIR --predictions FILE`",
            model.display()
        ))
        .into());
    }
    let (classes, mut predictions) =
        crate::train::predictions::read(&file).map_err(anyhow::Error::msg)?;
    let config = DatasetsConfig::load(datasets)?;
    let catalog = crate::corpus::open_catalog_for_work(&config)?;
    if catalog.classes() != classes.as_slice() {
        bail!(
            "{}: classes {} differ from the datasets' ({})",
            file.display(),
            classes.join(", "),
            catalog.classes().join(", ")
        );
    }
    // The label in force now: a relabel since the run counts; a clip gone is left out.
    let labels: std::collections::HashMap<ClipKey, Option<usize>> = catalog
        .clips
        .iter()
        .map(|c| (ClipKey::of(c), c.target))
        .collect();
    let before = predictions.len();
    predictions.retain_mut(|p| {
        let key = ClipKey {
            corpus: p.corpus,
            path: p.path.clone(),
        };
        match labels.get(&key) {
            Some(Some(label)) => {
                p.label = *label;
                true
            }
            _ => false,
        }
    });
    if predictions.len() < before {
        eprintln!(
            "serlab: {} of {before} predicted clips are no longer labelled clips of the configured corpora; left out",
            before - predictions.len()
        );
    }
    let suspects = crate::train::suspects::find(&predictions, classes.len());
    let shown = &suspects[..suspects.len().min(top)];
    if json {
        let rows: Vec<serde_json::Value> = shown
            .iter()
            .map(|s| {
                let p = &s.prediction;
                serde_json::json!({
                    "corpus": p.corpus.as_str(),
                    "path": p.path,
                    "speaker": p.speaker,
                    "label": classes[p.label],
                    "predicted": classes[s.suspected],
                    "p_label": p.p_label(),
                    "p_predicted": p.probabilities[s.suspected],
                    "score": s.score,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{} suspect labels among {} clips (showing {}), most suspect first:",
        suspects.len(),
        predictions.len(),
        shown.len()
    );
    println!(
        "{:<8} {:<44} {:<8} {:<9} {:<9} {:>7} {:>7}",
        "corpus", "path", "speaker", "label", "model", "p(lab)", "p(mod)"
    );
    for s in shown {
        let p = &s.prediction;
        println!(
            "{:<8} {:<44} {:<8} {:<9} {:<9} {:>7.3} {:>7.3}",
            p.corpus.as_str(),
            p.path,
            p.speaker,
            classes[p.label],
            classes[s.suspected],
            p.p_label(),
            p.probabilities[s.suspected]
        );
    }
    Ok(())
}
