//! Headless subcommands over the library. `serlab` alone starts the TUI.

mod augment;
mod datasets;
mod demo;
mod extract;
mod labels;
mod listen;
mod play;
mod plugins;
mod runs;
mod smile_formats;
mod train;
mod train_args;

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

    /// The feature cache folder, e.g. one on a file system a cluster shares (also `[cache] dir`
    /// in datasets.toml; default: `features/` in the user cache dir, which SERLAB_CACHE_DIR moves).
    #[arg(long = "cache-dir", global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

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
    /// The clips whose label a model's out-of-fold predictions doubt most, most suspect first.
    /// Confident learning: each class's threshold is the mean probability the model gives it on
    /// the clips labelled with it; a clip is suspect when another class reaches its threshold on
    /// it; suspects are ranked by self-confidence, the probability of their own label, lowest
    /// first (score = 1 - p(label)). Labels in force now count (relabels included).
    Suspects {
        /// A model folder written by `serlab train` (it holds predictions.csv).
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        /// How many to list (1-100000).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        top: u32,
        /// Print JSON: [{corpus, path, speaker, label, predicted, p_label, p_predicted, score}].
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// One run in full: every setting, the fingerprint of its clips and labels, its metrics.
    Show {
        /// The run's id, as `serlab runs` lists it.
        id: String,
    },
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
        #[arg(long, conflicts_with = "cache_only")]
        no_cache: bool,
        /// Only this part of the datasets' clips: shard I of N (1-based), by a hash of each
        /// clip's corpus and path, the same on every machine: N processes cover every clip once.
        #[arg(long, value_name = "I/N")]
        shard: Option<crate::corpus::shard::Shard>,
        /// Fill the feature cache and print a summary instead of the features (what a shard of a
        /// cluster job does; `--cache-dir` points every shard at one cache).
        #[arg(long)]
        cache_only: bool,
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
    Train(train_args::TrainArgs),
    /// Evaluate a trained model on every labelled clip of the configured datasets.
    Eval {
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        #[arg(long)]
        json: bool,
        /// Also write each clip's prediction here, as `predictions.csv` of a training run
        /// (`corpus,path,speaker,label,predicted,fold,p_<class>...`, the fold left empty).
        #[arg(long, value_name = "FILE")]
        predictions: Option<PathBuf>,
        /// Predict every clip alone, with nothing from its speaker's other clips (the model's
        /// clip-alone head); by default a speaker with enough clips is normalised by them.
        #[arg(long)]
        single_clip: bool,
    },
    /// Predict the class (and the class probabilities) of WAV files with a trained model. A
    /// speaker with at least 8 of the files is normalised by their own clips; other files are
    /// predicted each alone. The path taken is shown per file.
    Predict {
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        #[arg(long)]
        json: bool,
        /// All the files are this one speaker's (default: the speaker a corpus-style file name
        /// gives, else one speaker per folder).
        #[arg(long, value_name = "NAME")]
        speaker: Option<String>,
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
    /// Emotion from the microphone: utterances found by a voice activity detector, each
    /// classified by a trained model, one line per utterance.
    Listen {
        /// A model folder written by `serlab train`.
        #[arg(long, value_name = "DIR", required_unless_present = "list_devices")]
        model: Option<PathBuf>,
        /// An input device by name (see --list-devices); default: the default input.
        #[arg(long, value_name = "NAME")]
        device: Option<String>,
        /// Stop after this much captured audio (counted in samples, not wall time).
        #[arg(long, value_name = "N", value_parser = seconds)]
        seconds: Option<f64>,
        /// One JSON object per utterance: {"start_s", "end_s", "class", "probabilities", "latency_ms"}.
        #[arg(long)]
        json: bool,
        /// Name the input devices and exit.
        #[arg(long)]
        list_devices: bool,
    },
    /// Every training run recorded (from the CLI and the TUI): settings, metrics, model folder.
    Runs {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<RunsAction>,
    },
    /// Print a completion script for a shell, e.g. `serlab completions bash > ~/.local/share/bash-completion/completions/serlab`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print serlab's man page (roff), e.g. `serlab man > ~/.local/share/man/man1/serlab.1`.
    Man,
    /// Play a WAV file through the default audio output.
    Play {
        /// The WAV file.
        file: PathBuf,
    },
}

impl Cli {
    /// What the global options say about plugins (the CLI's and the TUI's registry).
    pub fn plugin_options(&self) -> crate::features::PluginOptions {
        crate::features::PluginOptions {
            extra_paths: self.plugin_paths.clone(),
            reprobe: matches!(self.command, Some(Command::Plugins { reprobe: true, .. })),
            cache_dir: self.cache_dir.clone(),
        }
    }
}

/// Runs a subcommand (`main` starts the TUI when there is none).
pub fn run(cli: Cli) -> ExitCode {
    let datasets = cli.datasets.as_deref();
    let plugin_options = cli.plugin_options();
    let Some(command) = cli.command else {
        eprintln!("serlab: no subcommand (see `serlab --help`)");
        return ExitCode::from(USAGE_EXIT);
    };
    let result = match command {
        Command::Datasets { json } => datasets::run(datasets, json),
        Command::Demo { out } => demo::run(&out),
        Command::Play { file } => return play::run(&file),
        Command::Augment {
            input,
            output,
            noise_snr,
            stretch,
            shift,
            zero_fill,
            pitch,
            seed,
        } => {
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
        Command::Train(args) => (|| {
            let request = args.into_request()?;
            train::train(datasets, &plugin_options, cli.on_plugin_error, request)
        })(),
        Command::Eval {
            model,
            json,
            predictions,
            single_clip,
        } => train::eval(
            datasets,
            &plugin_options,
            cli.on_plugin_error,
            train::EvalRequest {
                model_dir: &model,
                json,
                predictions_file: predictions.as_deref(),
                single_clip,
            },
        ),
        Command::Predict {
            model,
            json,
            speaker,
            files,
        } => {
            let on_error = cli.on_plugin_error;
            let request = train::PredictRequest {
                model_dir: &model,
                files: &files,
                json,
                speaker: speaker.as_deref(),
            };
            return match train::predict_files(datasets, &plugin_options, on_error, request) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(err) => {
                    eprintln!("serlab: error: {err:#}");
                    exit_code_of(&err)
                }
            };
        }
        Command::Labels { json, action } => labels::run(datasets, json, action),
        Command::Listen {
            model,
            device,
            seconds,
            json,
            list_devices,
        } => {
            let request = listen::ListenRequest {
                model,
                device,
                seconds,
                json,
                list_devices,
            };
            return listen::run(datasets, &plugin_options, request);
        }
        Command::Runs { json, action } => runs::run(
            json,
            match &action {
                Some(RunsAction::Show { id }) => Some(id.as_str()),
                None => None,
            },
        ),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "serlab", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            use clap::CommandFactory;
            match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                // `serlab man | head` closes the pipe early: not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
        Command::Plugins { json, .. } => plugins::run(datasets, &plugin_options, json),
        Command::Extract {
            plugin,
            params,
            format,
            out,
            no_cache,
            shard,
            cache_only,
            files,
        } => {
            let request = extract::Request {
                plugin,
                params,
                format,
                out,
                no_cache,
                shard,
                cache_only,
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

/// A positive, finite number of seconds.
fn seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{text}` is not a number of seconds above 0")),
    }
}
