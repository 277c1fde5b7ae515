//! The Live view: listening on the input device in a worker thread (`listen::Listener`), which
//! reports the input level, the detector's state and each utterance heard through a channel;
//! the utterances can be saved as WAV files named as CREMA-D clips, so a folder of them is a
//! corpus `datasets.toml` can point at.

use super::{App, Overlay};
use crate::audio::capture::Capture;
use crate::listen::{Heard, Listener, VadConfig, VadState};
use crate::train::inference::SavedModel;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

/// Utterances kept for the strip and for saving.
const KEEP: usize = 200;

pub enum LiveEvent {
    Started {
        device: String,
        rate: u32,
    },
    Level {
        db: f64,
        threshold_db: f64,
        state: VadState,
    },
    Heard(Box<Heard>),
    Failed(String),
}

#[derive(Default)]
pub struct LiveState {
    pub listening: bool,
    pub device: Option<String>,
    pub level_db: f64,
    pub threshold_db: f64,
    pub state: Option<VadState>,
    /// Newest last.
    pub heard: Vec<Heard>,
    /// The model the next start uses (and the one in use while listening).
    pub model: Option<PathBuf>,
    events: Option<Receiver<LiveEvent>>,
    stop: Option<Arc<AtomicBool>>,
}

impl App {
    /// The model for live listening: the run whose predictions show (the latest by default).
    fn live_model(&self) -> Option<PathBuf> {
        self.model
            .as_ref()
            .and_then(|m| m.run.as_ref())
            .and_then(|r| r.model.clone())
            .or_else(|| self.paths.runs.as_ref()?.latest_model()?.model)
    }

    pub(super) fn toggle_listening(&mut self) {
        if let Some(stop) = &self.live.stop {
            stop.store(true, Ordering::Relaxed);
            self.status = "stopping after the utterance in progress…".into();
            return;
        }
        let Some(model_dir) = self.live_model() else {
            self.status =
                "no model to listen with: train one (Train view or `serlab train`)".into();
            return;
        };
        let model = match SavedModel::load(&model_dir) {
            Ok(model) => model,
            Err(e) => {
                self.status = format!("cannot listen: {e}");
                return;
            }
        };
        let extraction = match model.extraction(&self.plugins.registry, None, Default::default()) {
            Ok(found) => found.extraction,
            Err(e) => {
                self.status = format!("cannot listen: {e}");
                return;
            }
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || listen(model, extraction, &flag, &tx));
        self.live.model = Some(model_dir);
        self.live.events = Some(rx);
        self.live.stop = Some(stop);
        self.live.listening = true;
        self.status = "opening the input device…".into();
    }

    pub(super) fn tick_live(&mut self) {
        let Some(rx) = &self.live.events else {
            return;
        };
        let mut ended = false;
        let mut events = Vec::new();
        loop {
            match rx.try_recv() {
                Ok(event) => events.push(event),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    ended = true;
                    break;
                }
            }
        }
        for event in events {
            match event {
                LiveEvent::Started { device, rate } => {
                    self.status = format!("listening on {device} ({rate} Hz)");
                    self.live.device = Some(device);
                }
                LiveEvent::Level {
                    db,
                    threshold_db,
                    state,
                } => {
                    self.live.level_db = db;
                    self.live.threshold_db = threshold_db;
                    self.live.state = Some(state);
                }
                LiveEvent::Heard(heard) => {
                    self.status = format!(
                        "heard {:.1}-{:.1} s: {}",
                        heard.start_s, heard.end_s, heard.class
                    );
                    self.live.heard.push(*heard);
                    let excess = self.live.heard.len().saturating_sub(KEEP);
                    self.live.heard.drain(..excess);
                }
                LiveEvent::Failed(e) => self.status = e,
            }
        }
        if ended {
            self.live.listening = false;
            self.live.events = None;
            self.live.stop = None;
            self.live.state = None;
        }
    }

    /// `w`: asks for the folder to save the utterances in.
    pub(super) fn ask_save_folder(&mut self) {
        if self.live.heard.is_empty() {
            self.status = "nothing heard yet to save".into();
            return;
        }
        self.overlay = Overlay::SavePrompt("~/serlab-voice".into());
        self.status = "folder to save the utterances in; Enter saves, Esc cancels".into();
    }

    pub(super) fn save_prompt_key(&mut self, key: ratatui::crossterm::event::KeyEvent) {
        use ratatui::crossterm::event::KeyCode;
        let Overlay::SavePrompt(typed) = &mut self.overlay else {
            return;
        };
        match key.code {
            KeyCode::Esc => {
                self.overlay = Overlay::None;
                self.status = "nothing saved".into();
            }
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) => typed.push(c),
            KeyCode::Enter => {
                let folder = crate::config::dirs::expand_home(typed.trim());
                self.overlay = Overlay::None;
                self.status = match save_utterances(&self.live.heard, &folder) {
                    Ok(n) => format!(
                        "{n} utterances saved in {} (CREMA-D names: point a `crema-d` corpus at it)",
                        folder.display()
                    ),
                    Err(e) => format!("not saved: {e}"),
                };
            }
            _ => {}
        }
    }
}

/// The worker: opens the device on its own thread (cpal streams stay where they were opened),
/// then listens until told to stop (finishing the utterance in progress) or the device goes.
fn listen(
    model: SavedModel,
    extraction: crate::features::batch::Extraction,
    stop: &AtomicBool,
    tx: &Sender<LiveEvent>,
) {
    let capture = match Capture::start(None, model.info.sample_rate) {
        Ok(capture) => capture,
        Err(e) => {
            // The whole story goes to the log (the TUI's stderr); the status bar gets a line.
            eprintln!("serlab: live listening: {e}");
            let short = match e {
                crate::audio::capture::CaptureError::NoDevice(_) => {
                    "no audio input device".to_string()
                }
                other => other.to_string(),
            };
            let _ = tx.send(LiveEvent::Failed(format!(
                "{short}; the rest of the lab works"
            )));
            return;
        }
    };
    let _ = tx.send(LiveEvent::Started {
        device: capture.device.clone(),
        rate: capture.sample_rate,
    });
    let mut listener = Listener::new(model, extraction, capture.sample_rate, VadConfig::default());
    let heard = |result: Result<Heard, String>| match result {
        Ok(heard) => LiveEvent::Heard(Box::new(heard)),
        Err(e) => LiveEvent::Failed(format!("an utterance could not be classified: {e}")),
    };
    while !stop.load(Ordering::Relaxed) {
        match capture.next(Duration::from_millis(100)) {
            Ok(Some(chunk)) => {
                for result in listener.push(&chunk) {
                    let _ = tx.send(heard(result));
                }
                let _ = tx.send(LiveEvent::Level {
                    db: listener.level_db(),
                    threshold_db: listener.threshold_db(),
                    state: listener.state(),
                });
            }
            Ok(None) => {}
            Err(e) => {
                let _ = tx.send(LiveEvent::Failed(e.to_string()));
                break;
            }
        }
    }
    drop(capture);
    if let Some(result) = listener.finish() {
        let _ = tx.send(heard(result));
    }
}

/// The CREMA-D emotion code of a class, if it is one of the four it has.
fn crema_code(class: &str) -> Option<&'static str> {
    match class {
        "neutral" => Some("NEU"),
        "happy" => Some("HAP"),
        "sad" => Some("SAD"),
        "angry" => Some("ANG"),
        _ => None,
    }
}

/// Saves each utterance as `AudioWAV/9001_<SEN>_<EMO>_XX.wav` (CREMA-D's naming: speaker 9001,
/// a three-letter take code counting up, the predicted class as the label to start from; a
/// relabel corrects it). Takes already in the folder are kept and counted on from.
pub fn save_utterances(heard: &[Heard], folder: &Path) -> Result<usize, String> {
    let dir = folder.join("AudioWAV");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let taken = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).count())
        .unwrap_or(0);
    let mut saved = 0;
    for (n, utterance) in heard.iter().enumerate() {
        let Some(code) = crema_code(&utterance.class) else {
            continue;
        };
        let take = take_code(taken + n);
        let path = dir.join(format!("9001_{take}_{code}_XX.wav"));
        crate::audio::write_wav_i16(&path, &utterance.samples, utterance.sample_rate)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        saved += 1;
    }
    Ok(saved)
}

/// 0 -> `AAA`, 1 -> `AAB`, ...: CREMA-D's sentence field is three capital letters.
fn take_code(n: usize) -> String {
    let letters: Vec<char> = ('A'..='Z').collect();
    let n = n % (26 * 26 * 26);
    [n / 676, (n / 26) % 26, n % 26]
        .iter()
        .map(|&i| letters[i])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_utterances_are_a_crema_d_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let heard = |class: &str| Heard {
            start_s: 1.0,
            end_s: 2.0,
            cut: false,
            class: class.into(),
            probabilities: vec![],
            path: crate::train::inference::PredictionPath::ClipAlone,
            latency_ms: 1.0,
            samples: vec![0.1; 16_000],
            sample_rate: 16_000,
        };
        let n =
            save_utterances(&[heard("angry"), heard("sad"), heard("calm")], dir.path()).unwrap();
        assert_eq!(n, 2, "a class CREMA-D has no code for is not saved");
        // The names parse as CREMA-D clips of their class; a second save counts on.
        save_utterances(&[heard("happy")], dir.path()).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("AudioWAV"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "9001_AAA_ANG_XX.wav",
                "9001_AAB_SAD_XX.wav",
                "9001_AAC_HAP_XX.wav"
            ]
        );
        for name in &names {
            let parsed = crate::corpus::naming::parse(
                crate::corpus::CorpusKind::CremaD,
                Path::new(&format!("AudioWAV/{name}")),
            )
            .unwrap();
            assert_eq!(parsed.speaker, "9001");
        }
        assert_eq!(take_code(27), "ABB");
    }
}
