//! Headless subcommands over the library. `serlab` alone starts the TUI.

mod augment;
mod datasets;
mod demo;
mod extract;
mod labels;
mod play;
mod plugins;
mod smile_formats;
mod train;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "serlab",
    version,
    about = "A terminal lab for speech emotion recognition (RAVDESS, CREMA-D, TESS, SAVEE)",
    long_about = "A terminal lab for speech emotion recognition.\n\n\
        Without a subcommand, serlab starts the terminal UI. Corpora are configured in datasets.toml,\n\
        looked up as: --datasets PATH, then ./datasets.toml, then the user config dir. With no corpus\n\
        configured, a small synthetic demo corpus is generated and used (it is labelled synthetic).\n\n\
        Exit status: 0 success; 1 an error (the message says which file and why); 2 a refused\n\
        option, argument or configured corpus (nothing was done); 3 a plugin broke on a clip and the\n\
        run stopped there (--on-plugin-error)."
)]
pub struct Cli {
    /// The datasets file to use instead of ./datasets.toml or the user config dir.
    #[arg(long, global = true, value_name = "PATH")]
    pub datasets: Option<PathBuf>,

    /// An extra plugin file or folder to search (repeatable; also SERLAB_PLUGIN_PATH).
    #[arg(long = "plugin-path", global = true, value_name = "PATH")]
    pub plugin_paths: Vec<PathBuf>,

    /// When a plugin breaks on a clip (crashes, hangs, panics, runs out of its memory limit):
    /// stop there with exit status 3, naming the plugin and the clip, or skip such clips and
    /// report them at the end. A WAV that does not decode is always reported and skipped.
    #[arg(long, global = true, value_enum, default_value = "stop")]
    pub on_plugin_error: crate::features::batch::OnPluginError,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum LabelsAction {
    /// Write the relabels to a CSV file (corpus, path, label, changed_at).
    Export {
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
    },
    /// Relabel one clip (as the TUI's digit keys do).
    Set {
        /// ravdess, crema-d, tess or savee
        corpus: crate::corpus::CorpusKind,
        /// The clip's path relative to the corpus root, as `serlab labels` prints it.
        path: String,
        /// A class name, or `corpus` to go back to the corpus's own label.
        label: String,
    },
    /// The audit trail: every change with its old and new label and time.
    History,
}

/// Output formats of `serlab extract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExtractFormat {
    /// openSMILE's CSV: `;`-separated, `name;frameTime;features...`, one table for all files.
    Csv,
    /// openSMILE's ARFF (Weka): `@attribute` lines, then one row per file (or frame).
    Arff,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per corpus: clips, speakers, duration, counts per class and emotion, unreadable files.
    Datasets {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write the synthetic demo corpus (all four naming layouts) into a folder.
    Demo {
        /// The folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Every feature plugin found, loaded or refused (with the reason). Each file is probed in a
    /// process of its own (a broken library costs that process, not serlab), and the answer is
    /// remembered until the file changes.
    Plugins {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Probe every file again instead of using remembered answers.
        #[arg(long)]
        reprobe: bool,
    },
    /// Extract features with a plugin, from the given WAV files or every clip of the datasets.
    Extract {
        /// The plugin to use (see `serlab plugins`).
        #[arg(long)]
        plugin: String,
        /// A plugin parameter, `name=value` (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "csv")]
        format: ExtractFormat,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Do not read or write the feature cache.
        #[arg(long)]
        no_cache: bool,
        /// WAV files; without any, every clip of the configured datasets.
        files: Vec<PathBuf>,
    },
    /// Apply augmentations to a WAV, in this order: noise, stretch, shift, pitch.
    Augment {
        /// The input WAV.
        input: PathBuf,
        /// Where to write the result (WAV at the input's sample rate).
        output: PathBuf,
        /// Add Gaussian noise at this signal-to-noise ratio (dB).
        #[arg(long, value_name = "DB", allow_negative_numbers = true)]
        noise_snr: Option<f64>,
        /// Time-stretch by this rate, keeping pitch (>1 faster, <1 slower).
        #[arg(long, value_name = "RATE")]
        stretch: Option<f64>,
        /// Shift in time by this many seconds (negative: earlier), rolling around.
        #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
        shift: Option<f64>,
        /// With --shift: fill with silence instead of rolling around.
        #[arg(long)]
        zero_fill: bool,
        /// Shift pitch by this many semitones, keeping duration.
        #[arg(long, value_name = "SEMITONES", allow_negative_numbers = true)]
        pitch: Option<f64>,
        /// Seed for the noise.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Train the 1D CNN (speaker-independent splits, early stopping, LR reduction) and save it.
    Train {
        /// Feature plugin (a vector plugin trains the feature-axis CNN, a sequence plugin the
        /// time-axis one). eGeMAPS is the default: on unseen RAVDESS speakers it beat `classic`
        /// by 12 points of unweighted accuracy (see the README).
        #[arg(long, default_value = crate::train::DEFAULT_PLUGIN)]
        plugin: String,
        /// A plugin parameter, `name=value` (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// How to split: speakers never shared (default), leave one corpus out, or random (LEAKY).
        #[arg(long, value_enum, default_value = "speaker")]
        split: crate::train::split::SplitKind,
        /// Cross-validate over K folds, report each and the pooled result, then train the kept
        /// model on all data. Without it, one fifth of the speakers is held out once.
        /// At least 2, at most the number of groups the split sees (speakers for `speaker`, clips
        /// for `random`); `corpus` makes one fold per corpus.
        #[arg(long, value_name = "K", value_parser = fold_count)]
        folds: Option<usize>,
        /// Epochs at most (1-100000); early stopping may end sooner.
        #[arg(long, default_value_t = 50, value_parser = epoch_count)]
        epochs: usize,
        /// Clips per batch (1-65536).
        #[arg(long, default_value_t = 64, value_parser = batch_size)]
        batch: usize,
        /// Learning rate (greater than 0, at most 10).
        #[arg(long, default_value_t = 1e-3, value_parser = learning_rate, allow_negative_numbers = true)]
        lr: f64,
        /// Early-stopping patience: epochs without improvement before stopping (1-100000; a
        /// patience as large as --epochs trains every epoch).
        #[arg(long, default_value_t = 8, value_parser = patience)]
        patience: usize,
        /// Metric that drives early stopping and LR reduction.
        #[arg(long, value_enum, default_value = "unweighted-accuracy")]
        monitor: crate::train::engine::Monitor,
        /// Feature normalisation: training statistics only, or each speaker by its own clips first
        /// (mean and spread, or each value's rank among them).
        #[arg(long, value_enum, default_value = "per-speaker-rank")]
        norm: crate::train::normalize::NormKind,
        /// Augmentation policy: a TOML file, `default`, or `off` (default: the user's
        /// augment.toml if present, else `default`). Training clips only.
        #[arg(long, value_name = "POLICY")]
        augment: Option<String>,
        /// Augmented copies per training clip (0-16).
        #[arg(long, default_value_t = 2, value_parser = augment_copies)]
        augment_copies: usize,
        /// Share of the training speakers held out as the validation set that drives early
        /// stopping and LR reduction (at least one speaker).
        #[arg(long, default_value_t = 0.15, value_parser = validation_share)]
        validation_share: f64,
        /// Convolution filters per block, e.g. `64,64,32,16` (default: the seed's 256,256,128,64).
        #[arg(long, value_delimiter = ',', value_name = "N,N,...", value_parser = filter_count)]
        filters: Option<Vec<usize>>,
        /// How a feature vector meets the network: all values as the channels of one position
        /// (kernel 1: every block mixes all features), or one value per position, convolved
        /// along the feature axis as the seed notebooks do.
        #[arg(long, value_enum, default_value = "channels")]
        layout: crate::train::data::VectorLayout,
        /// Networks trained with different seeds whose class probabilities are averaged (per
        /// fold and in the saved model). Five: on unseen RAVDESS actors this averaged 0.764
        /// unweighted accuracy over five seeds, against 0.735 for three and 0.773 for ten.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=16))]
        ensemble: u16,
        /// Do not weight the loss by inverse class frequency.
        #[arg(long)]
        no_class_weights: bool,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write the model (default: a new folder in the user data dir).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the metrics as JSON.
        #[arg(long)]
        json: bool,
        /// Continue an interrupted run with the same settings and --out from its last epoch.
        #[arg(long)]
        resume: bool,
    },
    /// Evaluate a trained model on every labelled clip of the configured datasets.
    Eval {
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Predict the class (and the class probabilities) of WAV files with a trained model.
    Predict {
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// The relabels in force (your corrections of corpus labels), or export or change them.
    Labels {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<LabelsAction>,
    },
    /// Play a WAV file through the default audio output.
    Play {
        /// The WAV file.
        file: PathBuf,
    },
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let datasets = cli.datasets.as_deref();
    let plugin_options = crate::features::PluginOptions {
        extra_paths: cli.plugin_paths.clone(),
        reprobe: matches!(cli.command, Some(Command::Plugins { reprobe: true, .. })),
    };
    let result = match cli.command {
        None => return crate::tui::run_app(datasets, &plugin_options, cli.on_plugin_error),
        Some(Command::Datasets { json }) => datasets::run(datasets, json),
        Some(Command::Demo { out }) => demo::run(&out),
        Some(Command::Play { file }) => return play::run(&file),
        Some(Command::Augment {
            input,
            output,
            noise_snr,
            stretch,
            shift,
            zero_fill,
            pitch,
            seed,
        }) => {
            let steps = crate::augment::Steps {
                noise_snr_db: noise_snr,
                stretch_rate: stretch,
                shift_seconds: shift,
                pitch_semitones: pitch,
                shift_mode: Some(if zero_fill {
                    crate::augment::ShiftMode::Zero
                } else {
                    crate::augment::ShiftMode::Roll
                }),
                amplitude_noise: None,
                seed,
            };
            augment::run(&input, &output, &steps)
        }
        Some(Command::Train {
            plugin,
            params,
            split,
            folds,
            epochs,
            batch,
            lr,
            patience,
            monitor,
            norm,
            augment,
            augment_copies,
            validation_share,
            filters,
            layout,
            ensemble,
            no_class_weights,
            seed,
            out,
            json,
            resume,
        }) => (|| {
            let params = extract::parse_params(&params)?;
            let mut config = crate::train::run::TrainConfig {
                split,
                folds,
                norm,
                augment_copies,
                validation_share,
                filters,
                vector_layout: layout,
                ensemble: usize::from(ensemble),
                ..Default::default()
            };
            config.settings.epochs = epochs;
            config.settings.batch_size = batch;
            config.settings.learning_rate = lr;
            config.settings.early_stopping_patience = patience;
            config.settings.monitor = monitor;
            config.settings.class_weights = !no_class_weights;
            config.settings.seed = seed;
            let request = train::TrainRequest {
                plugin,
                params,
                config,
                augment,
                out,
                json,
                resume,
            };
            train::train(datasets, &plugin_options, cli.on_plugin_error, request)
        })(),
        Some(Command::Eval { model, json }) => {
            train::eval(datasets, &plugin_options, cli.on_plugin_error, &model, json)
        }
        Some(Command::Predict { model, json, files }) => {
            let on_error = cli.on_plugin_error;
            return match train::predict_files(
                datasets,
                &plugin_options,
                on_error,
                &model,
                &files,
                json,
            ) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(err) => {
                    eprintln!("serlab: error: {err:#}");
                    exit_code_of(&err)
                }
            };
        }
        Some(Command::Labels { json, action }) => labels::run(datasets, json, action),
        Some(Command::Plugins { json, .. }) => plugins::run(datasets, &plugin_options, json),
        Some(Command::Extract {
            plugin,
            params,
            format,
            out,
            no_cache,
            files,
        }) => {
            let request = extract::Request {
                plugin,
                params,
                format,
                out,
                no_cache,
                files,
                on_plugin_error: cli.on_plugin_error,
            };
            return extract::run(datasets, &plugin_options, request);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("serlab: error: {err:#}");
            exit_code_of(&err)
        }
    }
}

/// Exit status 3 when a plugin broke on a clip and the run stopped there (`--on-plugin-error
/// stop`), 1 for every other error.
fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    let plugin_fault = err.chain().any(|cause| {
        cause
            .downcast_ref::<crate::features::batch::ClipError>()
            .is_some_and(|e| e.is_plugin_fault())
            || matches!(
                cause.downcast_ref::<crate::train::engine::TrainError>(),
                Some(crate::train::engine::TrainError::PluginFault(_))
            )
    });
    let refused_input = err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<crate::corpus::CatalogError>(),
            Some(crate::corpus::CatalogError::MissingCorpora(_))
        ) || cause.downcast_ref::<UsageError>().is_some()
            || matches!(
                cause.downcast_ref::<crate::train::engine::TrainError>(),
                Some(crate::train::engine::TrainError::Settings(_))
            )
    });
    if plugin_fault {
        ExitCode::from(PLUGIN_FAULT_EXIT)
    } else if refused_input {
        ExitCode::from(USAGE_EXIT)
    } else {
        ExitCode::FAILURE
    }
}

/// The exit status of a refused command line or configuration (as clap's own).
pub const USAGE_EXIT: u8 = 2;

/// An option or argument that cannot be used as given: exit status 2, nothing done.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit status of a run stopped by a plugin fault.
pub const PLUGIN_FAULT_EXIT: u8 = 3;

/// One block's filter count: what a saved model may hold (1-4096).
fn filter_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n @ 1..=4096) => Ok(n),
        Ok(n) => Err(format!(
            "{n} filters: give counts from 1 to 4096, e.g. 64,64,32,16"
        )),
        Err(_) => Err(format!("`{text}` is not a filter count, e.g. 64,64,32,16")),
    }
}

/// A whole number in `lo..=hi`, or a message that names the accepted range.
fn whole_in(text: &str, lo: usize, hi: usize, what: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{n} {what}: give {lo} to {hi}")),
        Err(_) => Err(format!(
            "`{text}` is not a whole number of {what} ({lo} to {hi})"
        )),
    }
}

fn fold_count(text: &str) -> Result<usize, String> {
    whole_in(text, 2, 100_000, "folds")
}

fn epoch_count(text: &str) -> Result<usize, String> {
    whole_in(text, 1, 100_000, "epochs")
}

fn batch_size(text: &str) -> Result<usize, String> {
    whole_in(text, 1, 65_536, "clips per batch")
}

fn patience(text: &str) -> Result<usize, String> {
    whole_in(text, 1, 100_000, "epochs of patience")
}

fn augment_copies(text: &str) -> Result<usize, String> {
    whole_in(text, 0, 16, "copies")
}

fn learning_rate(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number (a learning rate above 0, at most 10)"))?;
    if value.is_finite() && value > 0.0 && value <= 10.0 {
        Ok(value)
    } else {
        Err(format!(
            "{value} is not a learning rate: give a number above 0, at most 10 (e.g. 0.001)"
        ))
    }
}

fn validation_share(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number (a share between 0 and 1, exclusive)"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 1 (exclusive)"))
    }
}
