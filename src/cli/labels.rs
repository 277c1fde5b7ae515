//! `serlab labels`: list, export, set and audit relabels.

use super::{csv_field, LabelsAction};
use crate::config::DatasetsConfig;
use crate::corpus::open_catalog;
use crate::relabel::{ClipKey, Relabel, RelabelStore};
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
