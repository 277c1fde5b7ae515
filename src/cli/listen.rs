//! `serlab listen`: emotion from the microphone (or any input device), one line per utterance.
//! It stops after `--seconds` of captured audio, on Ctrl-c (finishing the utterance in progress),
//! or when the device goes away (exit status 1).

use crate::audio::capture::{input_devices, Capture};
use crate::config::{dirs, DatasetsConfig};
use crate::features::{open_registry, PluginOptions};
use crate::listen::{Heard, Listener, VadConfig};
use crate::train::inference::SavedModel;
use crate::util::stderr_redirect::StderrRedirect;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct ListenRequest {
    pub model: Option<PathBuf>,
    pub device: Option<String>,
    pub seconds: Option<f64>,
    pub json: bool,
    pub list_devices: bool,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

pub fn run(datasets: Option<&Path>, plugins: &PluginOptions, request: ListenRequest) -> ExitCode {
    match listen(datasets, plugins, request) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("serlab: error: {err:#}");
            super::exit_code_of(&err)
        }
    }
}

fn listen(
    datasets: Option<&Path>,
    plugins: &PluginOptions,
    request: ListenRequest,
) -> anyhow::Result<ExitCode> {
    if request.list_devices {
        let devices = {
            let _quiet = StderrRedirect::to_file(&dirs::log_file()).ok();
            input_devices()
        }?;
        if devices.is_empty() {
            eprintln!("serlab: no audio input device");
            return Ok(ExitCode::FAILURE);
        }
        for name in devices {
            println!("{name}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(model_dir) = request.model else {
        return Err(super::UsageError("--model DIR is needed (or --list-devices)".into()).into());
    };
    let model = SavedModel::load(&model_dir)?;
    let config = DatasetsConfig::load(datasets)?;
    // Live utterances are never seen twice: no cache.
    let found = model.extraction(&open_registry(&config, plugins), None, Default::default())?;
    if let Some(note) = found.version_note {
        eprintln!("serlab: warning: {note}");
    }
    if model.info.norm.is_per_speaker() {
        eprintln!(
            "serlab: note: this model normalises each speaker by their own clips; the session is taken as one speaker, so its first predictions are rough (a model trained with --norm global judges each utterance alone)"
        );
    }
    let capture = {
        // ALSA says what it tried on stderr: to the log, and one line of ours instead.
        let _quiet = StderrRedirect::to_file(&dirs::log_file()).ok();
        Capture::start(request.device.as_deref(), model.info.sample_rate)
    };
    let capture = match capture {
        Ok(capture) => capture,
        Err(e) => {
            eprintln!("serlab: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    eprintln!(
        "listening on {} ({} Hz); Ctrl-c stops after the utterance in progress",
        capture.device, capture.sample_rate
    );
    // SAFETY: installs a handler that only stores to an atomic.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as *const () as libc::sighandler_t,
        );
    }
    let limit = request
        .seconds
        .map(|s| (s * f64::from(capture.sample_rate)).round() as u64);
    let mut listener = Listener::new(
        model,
        found.extraction,
        capture.sample_rate,
        VadConfig::default(),
    );
    let mut captured = 0u64;
    let mut lost = None;
    let mut out = std::io::stdout();
    let say = |result: Result<Heard, String>, out: &mut std::io::Stdout| match result {
        Ok(heard) => {
            let line = if request.json {
                heard.to_json().to_string()
            } else {
                heard.to_line()
            };
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
        Err(e) => eprintln!("serlab: an utterance could not be classified: {e}"),
    };
    while !INTERRUPTED.load(Ordering::SeqCst) {
        let mut chunk = match capture.next(Duration::from_millis(200)) {
            Ok(Some(chunk)) => chunk,
            Ok(None) => continue,
            Err(e) => {
                lost = Some(e);
                break;
            }
        };
        if let Some(limit) = limit {
            chunk.truncate((limit - captured.min(limit)) as usize);
        }
        captured += chunk.len() as u64;
        for result in listener.push(&chunk) {
            say(result, &mut out);
        }
        if limit.is_some_and(|l| captured >= l) {
            break;
        }
    }
    drop(capture);
    if let Some(result) = listener.finish() {
        say(result, &mut out);
    }
    match lost {
        Some(e) => {
            eprintln!("serlab: {e}");
            Ok(ExitCode::FAILURE)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}
