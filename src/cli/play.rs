//! `serlab play FILE`: decode and play one WAV. Without an audio device it exits 1 with one line;
//! what ALSA prints while trying goes to the log file, not the terminal.

use crate::audio::{decode_mono, play::play_blocking};
use crate::config::dirs;
use crate::util::stderr_redirect::StderrRedirect;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(file: &Path) -> ExitCode {
    let audio = match decode_mono(file) {
        Ok(audio) => audio,
        Err(err) => {
            eprintln!("serlab: error: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "playing {} ({:.2} s, {} Hz)",
        file.display(),
        audio.duration_s(),
        audio.sample_rate
    );
    let outcome = {
        let _quiet = StderrRedirect::to_file(&dirs::log_file()).ok();
        play_blocking(&audio)
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // stderr is ours again; a single line says what happened.
            let mut stderr = std::io::stderr();
            let _ = writeln!(stderr, "serlab: {err}");
            ExitCode::FAILURE
        }
    }
}
