//! `serlab extract`: features of WAV files (or of every clip of the datasets) as CSV or JSON.

use super::{smile_formats, ExtractFormat};
use crate::config::DatasetsConfig;
use crate::corpus::open_catalog_for_work;
use crate::corpus::shard::Shard;
use crate::features::batch::{first_fault, Extraction, OnPluginError, Progress};
use crate::features::{open_registry, FeatureKind, Features, Plugin, PluginOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;

pub struct Request {
    pub plugin: String,
    pub params: Vec<String>,
    pub format: ExtractFormat,
    pub out: Option<PathBuf>,
    pub no_cache: bool,
    pub shard: Option<Shard>,
    pub cache_only: bool,
    pub files: Vec<PathBuf>,
    pub on_plugin_error: OnPluginError,
}

pub fn parse_params(pairs: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| anyhow::anyhow!("--param `{p}` is not NAME=VALUE"))
        })
        .collect()
}

pub fn run(datasets: Option<&Path>, plugins: &PluginOptions, request: Request) -> ExitCode {
    match run_inner(datasets, plugins, request) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("serlab: error: {err:#}");
            super::exit_code_of(&err)
        }
    }
}

fn run_inner(
    datasets: Option<&Path>,
    plugins: &PluginOptions,
    request: Request,
) -> anyhow::Result<ExitCode> {
    let config = DatasetsConfig::load(datasets)?;
    let registry = open_registry(&config, plugins);
    let plugin = registry.get(&request.plugin)?;
    let params = plugin.resolve_params(&parse_params(&request.params)?)?;
    let explicit_files = !request.files.is_empty();
    if explicit_files && request.shard.is_some() {
        return Err(super::UsageError(
            "--shard splits the clips of the datasets; give no files with it".into(),
        )
        .into());
    }
    let (files, class_of, classes): (Vec<PathBuf>, Vec<Option<String>>, Vec<String>) =
        if explicit_files {
            let n = request.files.len();
            (request.files.clone(), vec![None; n], Vec::new())
        } else {
            let catalog = open_catalog_for_work(&config)?;
            super::train::report_problems(&catalog);
            if catalog.synthetic {
                eprintln!(
                    "serlab: {}: extracting the SYNTHETIC demo corpus",
                    config.why_no_corpus()
                );
            }
            let classes = catalog.classes().to_vec();
            let clips: Vec<&crate::corpus::Clip> = catalog
                .clips
                .iter()
                .filter(|c| request.shard.is_none_or(|s| s.contains(c)))
                .collect();
            let class_of = clips
                .iter()
                .map(|c| c.target.map(|t| classes[t].clone()))
                .collect();
            let files = clips.iter().map(|c| c.path.clone()).collect();
            (files, class_of, classes)
        };
    let extraction = Extraction {
        plugin: plugin.clone(),
        params: params.clone(),
        sample_rate: config.sample_rate,
        cache: (!request.no_cache).then(|| plugins.feature_cache(&config)),
        on_plugin_error: request.on_plugin_error,
    };
    let progress = Arc::new(Progress::default());
    let bar = show_progress(&progress, files.len());
    let results = extraction.many(&files, &progress);
    if let Some((bar, handle)) = bar {
        progress.cancel(); // stops the bar's refresh loop; extraction is already done
        let _ = handle.join();
        bar.finish_and_clear();
    }

    if request.on_plugin_error == OnPluginError::Stop {
        if let Some(fault) = first_fault(&results) {
            return Err(anyhow::Error::new(fault.clone()).context(format!(
                "stopped after {} of {} clips, nothing written (with --on-plugin-error skip, such clips are left out and reported)",
                progress.done.load(Ordering::Relaxed),
                files.len()
            )));
        }
    }
    let mut failures = 0;
    let mut faults = Vec::new();
    let mut rows: Vec<(&Path, Features)> = Vec::new();
    let mut row_classes: Vec<Option<&str>> = Vec::new();
    for ((path, result), class) in files.iter().zip(results).zip(&class_of) {
        match result {
            Some(Ok(features)) => {
                rows.push((path, features));
                row_classes.push(class.as_deref());
            }
            Some(Err(err)) if err.is_plugin_fault() => {
                failures += 1;
                faults.push(err);
            }
            Some(Err(err)) => {
                failures += 1;
                eprintln!("serlab: skipped {err}");
            }
            None => {}
        }
    }
    if !faults.is_empty() {
        eprintln!(
            "serlab: {} of {} clips skipped because plugin `{}` broke on them:",
            faults.len(),
            files.len(),
            plugin.name
        );
        for fault in &faults {
            eprintln!("  {fault}");
        }
    }
    if request.cache_only {
        let shard = request
            .shard
            .map_or_else(|| "all clips".to_string(), |s| format!("shard {s}"));
        let from_cache = progress.from_cache.load(Ordering::Relaxed);
        eprintln!(
            "serlab: {shard}: {} clips, {} extracted, {from_cache} from the cache, {failures} skipped",
            files.len(),
            rows.len().saturating_sub(from_cache),
        );
        return Ok(ExitCode::SUCCESS);
    }
    let names = match rows.first() {
        Some((_, f)) => f.names.clone(),
        None => Arc::new(plugin.layout(&params, config.sample_rate, 0)?.0),
    };
    let smile_rows: Vec<smile_formats::Row> = rows
        .iter()
        .zip(&row_classes)
        .map(|((path, features), class)| smile_formats::Row {
            path,
            features,
            class: *class,
        })
        .collect();
    let text = match request.format {
        ExtractFormat::Csv => smile_formats::csv(plugin.kind, &names, &smile_rows),
        ExtractFormat::Arff => smile_formats::arff(
            &format!("serlab_{}", plugin.name),
            plugin.kind,
            &names,
            &classes,
            &smile_rows,
        ),
        ExtractFormat::Json => to_json(&plugin, &params, &names, &rows)?,
    };
    match &request.out {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(if explicit_files && failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A progress bar on stderr when it is a terminal, refreshed from the shared counters.
fn show_progress(
    progress: &Arc<Progress>,
    total: usize,
) -> Option<(indicatif::ProgressBar, std::thread::JoinHandle<()>)> {
    if !std::io::stderr().is_terminal() || total < 2 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} clips {per_sec} eta {eta}")
            .ok()?,
    );
    let watched = progress.clone();
    let shown = bar.clone();
    let handle = std::thread::spawn(move || {
        while !watched.is_cancelled() {
            shown.set_position(watched.done.load(Ordering::Relaxed) as u64);
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    Some((bar, handle))
}

fn to_json(
    plugin: &Plugin,
    params: &[f64],
    names: &[String],
    rows: &[(&Path, Features)],
) -> anyhow::Result<String> {
    let clips: Vec<serde_json::Value> = rows
        .iter()
        .map(|(path, f)| {
            let frames: Vec<&[f32]> = (0..f.frames).map(|i| f.frame(i)).collect();
            serde_json::json!({ "file": path.display().to_string(), "frames": frames })
        })
        .collect();
    let params: serde_json::Map<String, serde_json::Value> = plugin
        .params
        .iter()
        .zip(params)
        .map(|(p, v)| (p.name.clone(), serde_json::json!(v)))
        .collect();
    let value = serde_json::json!({
        "plugin": plugin.name,
        "version": plugin.version,
        "kind": plugin.kind.as_str(),
        "frame_rate": match plugin.kind { FeatureKind::Sequence { frame_rate } => Some(frame_rate), FeatureKind::Vector => None },
        "params": params,
        "feature_names": names,
        "clips": clips,
    });
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}
