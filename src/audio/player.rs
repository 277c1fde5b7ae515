//! Background playback for the UI: a thread owns the output device (cpal streams are not
//! `Send`) and takes commands over a channel; decoding and augmenting happen there too, so the
//! UI never waits. The device is opened on first use; without one, an error event says so and
//! nothing else breaks.

use super::decode_mono;
use super::play::Output;
use crate::augment::{augment_for_training, AugmentPolicy};
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

pub enum PlayerCommand {
    Play(PathBuf),
    /// The clip under an augmentation policy (draw `seed`).
    PlayAugmented(PathBuf, Box<AugmentPolicy>, u64),
    Stop,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlayerEvent {
    Started(String),
    Finished,
    Error(String),
}

pub struct Player {
    commands: Sender<PlayerCommand>,
    events: Receiver<PlayerEvent>,
}

impl Player {
    pub fn spawn() -> Self {
        let (commands, inbox) = channel();
        let (outbox, events) = channel();
        std::thread::spawn(move || run(inbox, outbox));
        Self { commands, events }
    }

    pub fn send(&self, command: PlayerCommand) {
        let _ = self.commands.send(command);
    }

    pub fn poll(&self) -> Vec<PlayerEvent> {
        self.events.try_iter().collect()
    }
}

fn run(inbox: Receiver<PlayerCommand>, outbox: Sender<PlayerEvent>) {
    let mut output: Option<Output> = None;
    let mut sink: Option<rodio::Sink> = None;
    loop {
        match inbox.recv_timeout(Duration::from_millis(100)) {
            Ok(PlayerCommand::Stop) => {
                drop(output.take());
                if sink.take().is_some() {
                    let _ = outbox.send(PlayerEvent::Finished);
                }
            }
            Ok(command) => {
                sink = None;
                drop(output.take());
                let (path, audio) = match command {
                    PlayerCommand::Play(path) => {
                        (path.clone(), decode_mono(&path).map(|a| (a, String::new())))
                    }
                    PlayerCommand::PlayAugmented(path, policy, seed) => (
                        path.clone(),
                        decode_mono(&path).map(|mut a| {
                            let applied = augment_for_training(
                                &a.samples,
                                a.sample_rate,
                                &policy,
                                &path.to_string_lossy(),
                                0,
                                seed,
                            );
                            a.samples = applied.samples;
                            (a, format!(" [{}]", applied.key))
                        }),
                    ),
                    PlayerCommand::Stop => unreachable!(),
                };
                let (audio, note) = match audio {
                    Ok(a) => a,
                    Err(e) => {
                        let _ = outbox.send(PlayerEvent::Error(e.to_string()));
                        continue;
                    }
                };
                let opened = match Output::open_default() {
                    Ok(o) => o,
                    Err(e) => {
                        let _ = outbox.send(PlayerEvent::Error(e.to_string()));
                        continue;
                    }
                };
                match opened.start(&audio) {
                    Ok(s) => {
                        sink = Some(s);
                        output = Some(opened);
                        let name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let _ = outbox.send(PlayerEvent::Started(format!("{name}{note}")));
                    }
                    Err(e) => {
                        let _ = outbox.send(PlayerEvent::Error(e.to_string()));
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                if sink.as_ref().is_some_and(|s| s.empty()) {
                    sink = None;
                    // The device is released between clips: other programs can use it, and a
                    // stream left open would go on pulling silence from us.
                    drop(output.take());
                    let _ = outbox.send(PlayerEvent::Finished);
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
