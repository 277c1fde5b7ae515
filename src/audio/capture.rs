//! Capture from an input device through cpal (rodio's own backend; ALSA on Linux): mono `f32`
//! chunks at the device's rate through a bounded channel. The channel gives back-pressure rather
//! than growing: a source faster than real time (ALSA's `file` plugin feeding a file) waits for the
//! listener, and nothing buffers an unbounded stream. The stream is tied to the thread that opened
//! it (cpal streams are not `Send`), so whoever listens opens it where it reads.

use rodio::cpal;
use rodio::cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::time::Duration;

/// Chunks in flight between the device's callback and the listener.
const CHANNEL_CHUNKS: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("no audio input device{}", if .0.is_empty() { String::new() } else { format!(" ({})", .0) })]
    NoDevice(String),
    #[error("no input device named `{name}` (input devices: {available})")]
    UnknownDevice { name: String, available: String },
    #[error("the input device cannot be opened: {0}")]
    Open(String),
    #[error("the input device went away: {0}")]
    Lost(String),
}

/// The names of the input devices the host offers.
pub fn input_devices() -> Result<Vec<String>, CaptureError> {
    let host = cpal::default_host();
    let devices = host
        .input_devices()
        .map_err(|e| CaptureError::NoDevice(e.to_string()))?;
    Ok(devices.filter_map(|d| d.name().ok()).collect())
}

enum Message {
    Samples(Vec<f32>),
    Failed(String),
}

/// An open input stream.
pub struct Capture {
    // Dropped first (fields drop in order): a callback blocked on the full channel then returns,
    // and the stream's thread can be joined when `_stream` drops.
    messages: Receiver<Message>,
    _stream: cpal::Stream,
    pub sample_rate: u32,
    pub device: String,
}

impl Capture {
    /// Opens the named device (or the default one) and starts it. Prefers 16-bit mono at
    /// `preferred_rate` (what the listener wants, so nothing is converted twice), then float mono
    /// at that rate, then the device's default.
    pub fn start(device: Option<&str>, preferred_rate: u32) -> Result<Self, CaptureError> {
        let host = cpal::default_host();
        let chosen = device;
        let device = match device {
            None => host
                .default_input_device()
                .ok_or_else(|| CaptureError::NoDevice(String::new()))?,
            Some(name) => {
                let devices: Vec<cpal::Device> = host
                    .input_devices()
                    .map_err(|e| CaptureError::NoDevice(e.to_string()))?
                    .collect();
                let names: Vec<String> = devices.iter().filter_map(|d| d.name().ok()).collect();
                devices
                    .into_iter()
                    .find(|d| d.name().is_ok_and(|n| n == name))
                    .ok_or_else(|| CaptureError::UnknownDevice {
                        name: name.to_string(),
                        available: if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        },
                    })?
            }
        };
        let device_name = device.name().unwrap_or_else(|_| "input".into());
        let open = || -> Result<_, CaptureError> {
            let config = choose_config(&device, preferred_rate)?;
            let channels = usize::from(config.channels().max(1));
            let (tx, messages) = sync_channel(CHANNEL_CHUNKS);
            let stream = build(&device, &config, channels, tx)?;
            stream
                .play()
                .map_err(|e| CaptureError::Open(e.to_string()))?;
            Ok((config.sample_rate().0, messages, stream))
        };
        let (sample_rate, messages, stream) = match (open(), &chosen) {
            // A default that cannot be opened is no device at all (an ALSA `default` that names
            // nothing behaves so); a device asked for by name is reported as it failed.
            (Err(CaptureError::Open(why)), None) => {
                return Err(CaptureError::NoDevice(format!(
                    "the default input cannot be opened: {why}"
                )))
            }
            (result, _) => result?,
        };
        Ok(Self {
            messages,
            _stream: stream,
            sample_rate,
            device: device_name,
        })
    }

    /// The next chunk of mono samples; `Ok(None)` when nothing came within `wait` (the device
    /// is quiet or slow); an error when the device went away.
    pub fn next(&self, wait: Duration) -> Result<Option<Vec<f32>>, CaptureError> {
        match self.messages.recv_timeout(wait) {
            Ok(Message::Samples(chunk)) => Ok(Some(chunk)),
            Ok(Message::Failed(e)) => Err(CaptureError::Lost(e)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                Err(CaptureError::Lost("the stream stopped".into()))
            }
        }
    }
}

fn choose_config(
    device: &cpal::Device,
    rate: u32,
) -> Result<cpal::SupportedStreamConfig, CaptureError> {
    let wanted = cpal::SampleRate(rate);
    if let Ok(configs) = device.supported_input_configs() {
        let configs: Vec<_> = configs.collect();
        for format in [cpal::SampleFormat::I16, cpal::SampleFormat::F32] {
            if let Some(range) = configs.iter().find(|c| {
                c.channels() == 1
                    && c.sample_format() == format
                    && c.min_sample_rate() <= wanted
                    && wanted <= c.max_sample_rate()
            }) {
                return Ok(range.with_sample_rate(wanted));
            }
        }
    }
    device
        .default_input_config()
        .map_err(|e| CaptureError::Open(e.to_string()))
}

fn build(
    device: &cpal::Device,
    config: &cpal::SupportedStreamConfig,
    channels: usize,
    tx: SyncSender<Message>,
) -> Result<cpal::Stream, CaptureError> {
    let stream_config: cpal::StreamConfig = config.clone().into();
    let errors = tx.clone();
    let on_error = move |e: cpal::StreamError| {
        let _ = errors.try_send(Message::Failed(e.to_string()));
    };
    // Mixed to mono; `send` blocks when the listener is behind (back-pressure, see above).
    fn mono<T: Copy>(data: &[T], channels: usize, to_f32: impl Fn(T) -> f32) -> Vec<f32> {
        data.chunks(channels)
            .map(|frame| frame.iter().map(|&s| to_f32(s)).sum::<f32>() / frame.len() as f32)
            .collect()
    }
    let stream = match config.sample_format() {
        cpal::SampleFormat::I16 => device.build_input_stream(
            &stream_config,
            move |data: &[i16], _: &_| {
                let _ = tx.send(Message::Samples(mono(data, channels, |s| {
                    f32::from(s) / 32_768.0
                })));
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::F32 => device.build_input_stream(
            &stream_config,
            move |data: &[f32], _: &_| {
                let _ = tx.send(Message::Samples(mono(data, channels, |s| s)));
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::I32 => device.build_input_stream(
            &stream_config,
            move |data: &[i32], _: &_| {
                let _ = tx.send(Message::Samples(mono(data, channels, |s| {
                    s as f32 / 2_147_483_648.0
                })));
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::U16 => device.build_input_stream(
            &stream_config,
            move |data: &[u16], _: &_| {
                let _ = tx.send(Message::Samples(mono(data, channels, |s| {
                    (f32::from(s) - 32_768.0) / 32_768.0
                })));
            },
            on_error,
            None,
        ),
        other => {
            return Err(CaptureError::Open(format!(
                "sample format {other:?} is not supported"
            )))
        }
    };
    stream.map_err(|e| CaptureError::Open(e.to_string()))
}
