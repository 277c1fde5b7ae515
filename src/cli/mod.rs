//! Headless subcommands over the library. `serlab` alone starts the TUI.

mod augment;
mod datasets;
mod demo;
mod extract;
mod play;
mod plugins;

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
        configured, a small synthetic demo corpus is generated and used (it is labelled synthetic)."
)]
pub struct Cli {
    /// The datasets file to use instead of ./datasets.toml or the user config dir.
    #[arg(long, global = true, value_name = "PATH")]
    pub datasets: Option<PathBuf>,

    /// An extra plugin file or folder to search (repeatable; also SERLAB_PLUGIN_PATH).
    #[arg(long = "plugin-path", global = true, value_name = "PATH")]
    pub plugin_paths: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Output formats of `serlab extract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExtractFormat {
    Csv,
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
    /// Every feature plugin found, loaded or refused (with the reason).
    Plugins {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
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
    /// Play a WAV file through the default audio output.
    Play {
        /// The WAV file.
        file: PathBuf,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let datasets = cli.datasets.as_deref();
    let result = match cli.command {
        None => return crate::tui::run_app(datasets),
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
        Some(Command::Plugins { json }) => plugins::run(datasets, &cli.plugin_paths, json),
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
            };
            return extract::run(datasets, &cli.plugin_paths, request);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("serlab: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
