//! `serlab plugins`: every plugin found, loaded or refused.

use crate::config::DatasetsConfig;
use crate::features::{open_registry, FeatureKind, PluginOptions, PluginRegistry, RegistryEntry};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Serialize)]
struct PluginRow {
    name: String,
    version: Option<String>,
    kind: Option<&'static str>,
    frame_rate: Option<f64>,
    dims: Option<usize>,
    path: String,
    status: &'static str,
    error: Option<String>,
    description: Option<String>,
    params: Vec<serde_json::Value>,
}

fn rows(registry: &PluginRegistry) -> Vec<PluginRow> {
    registry
        .entries
        .iter()
        .map(|entry| match entry {
            RegistryEntry::Loaded(p) => PluginRow {
                name: p.name.clone(),
                version: Some(p.version.clone()),
                kind: Some(p.kind.as_str()),
                frame_rate: match p.kind {
                    FeatureKind::Sequence { frame_rate } => Some(frame_rate),
                    FeatureKind::Vector => None,
                },
                dims: Some(p.dims()),
                path: p.path.display().to_string(),
                status: "loaded",
                error: None,
                description: Some(p.description.clone()),
                params: p
                    .params
                    .iter()
                    .map(|q| {
                        serde_json::json!({
                            "name": q.name, "type": format!("{:?}", q.kind).to_lowercase(),
                            "default": q.default, "min": q.min, "max": q.max, "description": q.description
                        })
                    })
                    .collect(),
            },
            RegistryEntry::Refused { path, error } => PluginRow {
                name: entry.name(),
                version: entry.version().map(str::to_string),
                kind: None,
                frame_rate: None,
                dims: None,
                path: path.display().to_string(),
                status: entry.status(),
                error: Some(error.to_string()),
                description: None,
                params: Vec::new(),
            },
        })
        .collect()
}

pub fn run(datasets: Option<&Path>, options: &PluginOptions, json: bool) -> anyhow::Result<()> {
    let config = DatasetsConfig::load(datasets)?;
    let registry = open_registry(&config, options);
    let rows = rows(&registry);
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no plugins found (build them with `cargo build --workspace --release`)");
        return Ok(());
    }
    println!(
        "{:<12} {:<8} {:<9} {:>6}  {:<11} path",
        "name", "version", "kind", "dims", "status"
    );
    for row in &rows {
        println!(
            "{:<12} {:<8} {:<9} {:>6}  {:<11} {}",
            row.name,
            row.version.as_deref().unwrap_or("-"),
            row.kind.unwrap_or("-"),
            row.dims
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            row.status,
            row.path
        );
        if let Some(error) = &row.error {
            println!("             {}: {error}", row.status);
        }
    }
    Ok(())
}
