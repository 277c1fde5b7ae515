//! `serlab train`, `serlab eval`, `serlab predict`: the training engine from the command line.

use crate::augment::AugmentPolicy;
use crate::config::{dirs, DatasetsConfig};
use crate::corpus::open_catalog_for_work;
use crate::features::batch::{Extraction, OnPluginError};
use crate::features::{open_registry, Features, PluginOptions};
use crate::train::data::extract_clips;
use crate::train::engine::argmax;
use crate::train::events::TrainEvent;
use crate::train::inference::{PathChoice, PredictionPath, SavedModel, SPEAKER_MIN_CLIPS};
use crate::train::job::{JobOutput, TrainJob};
use crate::train::persist;
use crate::train::predictions::ClipPrediction;
use crate::train::run::{MetricsReport, TrainConfig};
use crate::train::runs::RunStore;
use anyhow::{anyhow, bail};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub struct TrainRequest {
    pub plugin: String,
    pub params: Vec<(String, String)>,
    pub config: TrainConfig,
    pub augment: Option<String>,
    pub out: Option<PathBuf>,
    pub json: bool,
    pub resume: bool,
}

fn policy_from(arg: Option<&str>) -> anyhow::Result<AugmentPolicy> {
    match arg {
        Some("off") | Some("none") => Ok(AugmentPolicy::off()),
        Some("default") => Ok(AugmentPolicy::default()),
        Some(path) => AugmentPolicy::load(Path::new(path)).map_err(|e| anyhow!(e)),
        None => AugmentPolicy::load_or_default(&AugmentPolicy::user_default_path())
            .map_err(|e| anyhow!(e)),
    }
}

fn print_table(metrics: &MetricsReport) {
    if metrics.leaky {
        eprintln!("WARNING: LEAKY protocol: the same speakers are in training and test; these numbers overstate real performance");
    }
    if metrics.synthetic {
        eprintln!("note: trained and tested on the SYNTHETIC demo corpus");
    }
    println!("protocol: {}", metrics.protocol);
    for fold in &metrics.folds {
        println!(
            "  {:<36} UA {:.3}  acc {:.3}  n {:>5}  best epoch {:>3} of {}",
            fold.name,
            fold.unweighted_accuracy,
            fold.accuracy,
            fold.n,
            fold.best_epoch + 1,
            fold.epochs_run
        );
    }
    println!(
        "accuracy {:.3}   unweighted accuracy {:.3}   macro F1 {:.3}   n {}",
        metrics.accuracy, metrics.unweighted_accuracy, metrics.macro_f1, metrics.n
    );
    print!("{:>10}", "true\\pred");
    for c in &metrics.classes {
        print!(" {:>8}", c);
    }
    println!();
    for (c, row) in metrics.classes.iter().zip(&metrics.confusion) {
        print!("{c:>10}");
        for v in row {
            print!(" {v:>8}");
        }
        println!();
    }
    for (corpus, s) in &metrics.per_corpus {
        println!(
            "  {corpus:<8} UA {:.3}  acc {:.3}  n {}",
            s.unweighted_accuracy, s.accuracy, s.n
        );
    }
    if let Some(single) = &metrics.single_clip {
        // The second regime: the same test clips, each with nothing from its speaker's others.
        println!();
        print_table(single);
    }
}

pub fn train(
    datasets: Option<&Path>,
    plugins: &PluginOptions,
    on_plugin_error: OnPluginError,
    mut request: TrainRequest,
) -> anyhow::Result<()> {
    request.config.on_plugin_error = on_plugin_error;
    let config = DatasetsConfig::load(datasets)?;
    let registry = open_registry(&config, plugins);
    let plugin = registry.get(&request.plugin)?;
    let params = plugin.resolve_params(&request.params)?;
    request.config.augment = policy_from(request.augment.as_deref())?;
    let catalog = open_catalog_for_work(&config)?;
    crate::train::run::check_folds(&catalog, &request.config)?;
    report_problems(&catalog);
    if catalog.synthetic {
        eprintln!(
            "serlab: {}: training on the SYNTHETIC demo corpus",
            config.why_no_corpus()
        );
    }
    let out = request.out.clone().unwrap_or_else(|| {
        persist::default_model_dir(&dirs::data_dir().join("models"), &plugin.name)
    });
    // Every epoch is checkpointed beside the output folder; `--resume` continues from it.
    let checkpoint = out.with_file_name(format!(
        ".{}.checkpoint",
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into())
    ));
    if checkpoint.exists() && !request.resume {
        eprintln!("serlab: note: discarding the checkpoint of an earlier interrupted run ({}); use --resume to continue it instead", checkpoint.display());
        let _ = std::fs::remove_dir_all(&checkpoint);
    } else if request.resume && !checkpoint.exists() {
        eprintln!(
            "serlab: note: no checkpoint at {}: starting from the beginning",
            checkpoint.display()
        );
    }
    request.config.checkpoint_dir = Some(checkpoint.clone());
    request.config.cache_dir = Some(plugins.feature_cache(&config).root().to_path_buf());
    let output = JobOutput {
        model_dir: Some(out.clone()),
        runs: Some(RunStore::default_location()),
        source: "cli",
    };
    let job = TrainJob::start(catalog, plugin, params, request.config, output);
    let show = std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    for event in &job.events {
        match event {
            TrainEvent::Preparing {
                done,
                total,
                from_cache,
            } if done == total => {
                eprintln!("features: {done}/{total} clips ({from_cache} from the cache)")
            }
            TrainEvent::Preparing { done, total, .. } => {
                eprintln!("features: {done}/{total} clips")
            }
            TrainEvent::FoldStarted {
                name,
                train,
                validation,
                test,
                ..
            } => {
                eprintln!("{name}: {train} training rows (with augmented copies), {validation} validation, {test} test clips")
            }
            TrainEvent::Batch {
                epoch,
                batch,
                batches,
                loss,
                ..
            } if show => {
                let b = bar.get_or_insert_with(|| {
                    let b = indicatif::ProgressBar::new(batches as u64);
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "epoch {prefix:>3} {bar:30} {pos}/{len} batches  loss {msg}  eta {eta}",
                    ) {
                        b.set_style(style);
                    }
                    b
                });
                b.set_prefix(format!("{}", epoch + 1));
                b.set_position(batch as u64);
                b.set_message(format!("{loss:.3}"));
            }
            TrainEvent::Epoch(r) => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
                eprintln!(
                    "epoch {:>3}  loss {:.3}  acc {:.3}  | val loss {:.3}  acc {:.3}  UA {:.3}  | lr {:.1e}  {:.1}s",
                    r.epoch + 1, r.train_loss, r.train_accuracy, r.validation_loss, r.validation.accuracy, r.validation.unweighted_accuracy, r.lr, r.seconds
                );
            }
            TrainEvent::LrReduced { lr, .. } => eprintln!("  learning rate reduced to {lr:.1e}"),
            TrainEvent::EarlyStopped { best_epoch, .. } => {
                eprintln!("  early stop; best epoch {}", best_epoch + 1)
            }
            TrainEvent::FoldFinished { test, .. } => eprintln!(
                "  test: UA {:.3}, accuracy {:.3} ({} clips)",
                test.unweighted_accuracy, test.accuracy, test.n
            ),
            TrainEvent::Finished { message } => eprintln!("{message}"),
            // The job's error is returned below and said once, by the caller.
            TrainEvent::Error { .. } | TrainEvent::Batch { .. } | TrainEvent::Saved { .. } => {}
        }
    }
    if let Some(b) = bar.take() {
        b.finish_and_clear();
    }
    let finished = job.wait()?;
    for skipped in &finished.skipped {
        eprintln!("serlab: skipped {skipped}");
    }
    let _ = std::fs::remove_dir_all(&checkpoint);
    if request.json {
        println!("{}", serde_json::to_string_pretty(&finished.metrics)?);
    } else {
        print_table(&finished.metrics);
    }
    eprintln!("model written to {}", out.display());
    if let Some(id) = &finished.run_id {
        eprintln!("run {id} recorded (`serlab runs show {id}`)");
    }
    Ok(())
}

/// Files of the corpora that could not be read (each is left out): said once, before the work.
pub(super) fn report_problems(catalog: &crate::corpus::Catalog) {
    for problem in &catalog.problems {
        eprintln!(
            "serlab: skipped {}: {}",
            problem.path.display(),
            problem.error
        );
    }
}

/// The extraction a saved model needs, from the registry the options open; a plugin of another
/// version is said once.
fn model_extraction(
    model: &SavedModel,
    datasets: &DatasetsConfig,
    plugins: &PluginOptions,
    on_plugin_error: OnPluginError,
) -> anyhow::Result<Extraction> {
    let found = model.extraction(
        &open_registry(datasets, plugins),
        Some(plugins.feature_cache(datasets)),
        on_plugin_error,
    )?;
    if let Some(note) = found.version_note {
        eprintln!("serlab: warning: {note}");
    }
    Ok(found.extraction)
}

/// What `serlab eval` is asked.
pub struct EvalRequest<'a> {
    pub model_dir: &'a Path,
    pub json: bool,
    pub predictions_file: Option<&'a Path>,
    /// Every clip alone, with nothing from its speaker's other clips.
    pub single_clip: bool,
}

pub fn eval(
    datasets: Option<&Path>,
    plugins: &PluginOptions,
    on_plugin_error: OnPluginError,
    request: EvalRequest,
) -> anyhow::Result<()> {
    let EvalRequest {
        model_dir,
        json,
        predictions_file,
        single_clip,
    } = request;
    // The datasets first: a missing corpus is the user's first problem, whatever the model.
    let config = DatasetsConfig::load(datasets)?;
    let catalog = open_catalog_for_work(&config)?;
    report_problems(&catalog);
    let model = SavedModel::load(model_dir)?;
    let info = &model.info;
    if single_clip && !model.predicts_clips_alone() {
        bail!(
            "{}: this model normalises each speaker by their own clips and has no clip-alone head (it was trained before heads): train it again to evaluate clips alone",
            model_dir.display()
        );
    }
    if catalog.classes() != info.classes.as_slice() {
        bail!(
            "the model's classes ({}) differ from the datasets' ({})",
            info.classes.join(", "),
            catalog.classes().join(", ")
        );
    }
    let extraction = model_extraction(&model, &config, plugins, on_plugin_error)?;
    let clips: Vec<_> = catalog.labelled().collect();
    let (features, failures) =
        extract_clips(&clips, &extraction, &Default::default()).map_err(|fault| {
            anyhow::Error::new(fault).context(
                "stopped (with --on-plugin-error skip, such clips are left out and reported)",
            )
        })?;
    for f in &failures {
        eprintln!("serlab: skipped {f}");
    }
    let kept: Vec<(usize, Features)> = features
        .into_iter()
        .enumerate()
        .filter_map(|(i, f)| f.map(|f| (i, f)))
        .collect();
    let speakers: Vec<String> = kept.iter().map(|(i, _)| clips[*i].speaker_key()).collect();
    let feats: Vec<Features> = kept.iter().map(|(_, f)| f.clone()).collect();
    let choice = if single_clip {
        PathChoice::ClipAlone
    } else {
        PathChoice::Auto
    };
    let predictions = model.predict(&feats, &speakers, choice);
    let alone = predictions
        .iter()
        .filter(|p| p.path == PredictionPath::ClipAlone)
        .count();
    let probs: Vec<Vec<f32>> = predictions.into_iter().map(|p| p.probabilities).collect();
    if let Some(file) = predictions_file {
        let rows: Vec<ClipPrediction> = kept
            .iter()
            .zip(&probs)
            .map(|((i, _), p)| ClipPrediction::of(clips[*i], None, p.clone()))
            .collect();
        let text = crate::train::predictions::to_csv(&info.classes, &rows);
        crate::util::atomic::write_atomically(file, text.as_bytes())
            .map_err(|e| anyhow!("{}: cannot write: {e}", file.display()))?;
    }
    let truth: Vec<usize> = kept
        .iter()
        .map(|(i, _)| clips[*i].target.unwrap_or(0))
        .collect();
    let predicted: Vec<usize> = probs.iter().map(|p| argmax(p)).collect();
    let corpora: Vec<String> = kept
        .iter()
        .map(|(i, _)| clips[*i].corpus.to_string())
        .collect();
    let how = match (alone, probs.len() - alone) {
        (0, _) => format!("each speaker by their own clips (at least {SPEAKER_MIN_CLIPS})"),
        (_, 0) => "each clip alone".to_string(),
        (a, s) => format!("{s} clips by their speaker's clips, {a} alone (speakers with fewer than {SPEAKER_MIN_CLIPS} clips)"),
    };
    let protocol = format!(
        "evaluation of {} on every labelled clip of the configured datasets, {how}",
        model_dir.display()
    );
    let metrics = MetricsReport::new(
        protocol,
        false,
        &info.classes,
        &truth,
        &predicted,
        &corpora,
        catalog.synthetic,
    );
    if json {
        println!("{}", serde_json::to_string_pretty(&metrics)?);
    } else {
        print_table(&metrics);
    }
    Ok(())
}

/// What `serlab predict` is asked.
pub struct PredictRequest<'a> {
    pub model_dir: &'a Path,
    pub files: &'a [PathBuf],
    pub json: bool,
    /// Every file is this speaker's (`--speaker`); otherwise each file's speaker comes from its
    /// corpus-style name or its folder.
    pub speaker: Option<&'a str>,
}

pub fn predict_files(
    datasets: Option<&Path>,
    plugins: &PluginOptions,
    on_plugin_error: OnPluginError,
    request: PredictRequest,
) -> anyhow::Result<bool> {
    let model = SavedModel::load(request.model_dir)?;
    let info = &model.info;
    let config = DatasetsConfig::load(datasets)?;
    let extraction = model_extraction(&model, &config, plugins, on_plugin_error)?;
    let mut ok = Vec::new();
    let mut all_ok = true;
    for file in request.files {
        let result = extraction.one(file, None, None);
        if extraction.halts_on(&result) {
            if let Err(fault) = result {
                return Err(anyhow::Error::new(fault).context(
                    "stopped (with --on-plugin-error skip, such files are left out and reported)",
                ));
            }
        }
        match result {
            Ok(f) => ok.push((file, f)),
            Err(e) => {
                all_ok = false;
                eprintln!("serlab: skipped {e}");
            }
        }
    }
    let feats: Vec<Features> = ok.iter().map(|(_, f)| f.clone()).collect();
    let speakers: Vec<String> = ok
        .iter()
        .map(|(file, _)| match request.speaker {
            Some(name) => format!("given:{name}"),
            None => crate::corpus::speaker_of_file(file),
        })
        .collect();
    let predictions = model.predict(&feats, &speakers, PathChoice::Auto);
    if !model.predicts_clips_alone()
        && predictions.iter().any(
            |p| matches!(p.path, PredictionPath::Speaker { clips } if clips < SPEAKER_MIN_CLIPS),
        )
    {
        eprintln!(
            "serlab: note: this model was trained before clip-alone heads: it normalises each speaker by their own clips, and some speakers here have fewer than {SPEAKER_MIN_CLIPS} (rough statistics; over one clip, the same answer for every clip). Train it again for single-clip predictions."
        );
    }
    if request.json {
        let items: Vec<serde_json::Value> = ok
            .iter()
            .zip(&predictions)
            .zip(&speakers)
            .map(|(((file, _), p), speaker)| {
                let probs = &p.probabilities;
                let map: serde_json::Map<String, serde_json::Value> = info.classes.iter().zip(probs).map(|(c, v)| (c.clone(), serde_json::json!(v))).collect();
                let clips = match p.path {
                    PredictionPath::Speaker { clips } => serde_json::json!(clips),
                    PredictionPath::ClipAlone => serde_json::Value::Null,
                };
                serde_json::json!({"file": file.display().to_string(), "class": info.classes[argmax(probs)], "probabilities": map, "path": p.path.name(), "speaker": speaker, "speaker_clips": clips})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
    } else {
        for ((file, _), p) in ok.iter().zip(&predictions) {
            let parts: Vec<String> = info
                .classes
                .iter()
                .zip(&p.probabilities)
                .map(|(c, v)| format!("{c} {v:.3}"))
                .collect();
            println!(
                "{}: {}  ({})  [{}]",
                file.display(),
                info.classes[argmax(&p.probabilities)],
                parts.join(", "),
                p.path.describe()
            );
        }
    }
    Ok(all_ok)
}
