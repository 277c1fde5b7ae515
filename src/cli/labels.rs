//! `serlab labels`: list, export, set and audit relabels.

use super::{csv_field, LabelsAction};
use crate::config::DatasetsConfig;
use crate::relabel::{ClipKey, RelabelStore};
use anyhow::bail;
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
            let rows: Vec<_> = store.relabels().collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if rows.is_empty() {
                println!("no relabels (file: {})", path.display());
            } else {
                println!("{:<8} {:<44} {:<10} changed", "corpus", "path", "label");
                for r in rows {
                    println!(
                        "{:<8} {:<44} {:<10} {}",
                        r.corpus.as_str(),
                        r.path,
                        r.label,
                        r.changed_at
                    );
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
            store.set(
                ClipKey {
                    corpus,
                    path: clip.replace('\\', "/"),
                },
                label,
            )?;
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
