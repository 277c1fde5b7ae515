//! Playback through rodio (cpal, ALSA on Linux). The output stream is opened per playback request
//! (and closed after it) so that a machine without a sound card only loses playback, with a clear message.

use super::{resample, Audio};
use rodio::buffer::SamplesBuffer;
use rodio::cpal::traits::{DeviceTrait, HostTrait};
use rodio::{OutputStream, OutputStreamHandle, Sink};

#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    #[error("no audio output device available ({0}); playback is disabled")]
    NoDevice(String),
    #[error("audio output failed: {0}")]
    Output(String),
}

/// An open output device. Not `Send` (cpal streams are tied to their thread), so a UI keeps it on
/// a dedicated playback thread.
pub struct Output {
    _stream: OutputStream,
    handle: OutputStreamHandle,
    /// The device's own rate: clips are resampled to it with rubato, because rodio's built-in
    /// converter loses about 2 % of the samples (16 kHz -> 44.1 kHz plays 0.98 s of a 1 s clip).
    device_rate: u32,
}

impl Output {
    pub fn open_default() -> Result<Self, PlayError> {
        let device = rodio::cpal::default_host()
            .default_output_device()
            .ok_or_else(|| PlayError::NoDevice("no default output device".into()))?;
        let config = device
            .default_output_config()
            .map_err(|e| PlayError::NoDevice(e.to_string()))?;
        let device_rate = config.sample_rate().0;
        let (stream, handle) = OutputStream::try_from_device_config(&device, config)
            .map_err(|e| PlayError::NoDevice(e.to_string()))?;
        Ok(Self {
            _stream: stream,
            handle,
            device_rate,
        })
    }

    /// Starts playing and returns the sink; dropping the sink stops playback.
    pub fn start(&self, audio: &Audio) -> Result<Sink, PlayError> {
        let samples = resample(&audio.samples, audio.sample_rate, self.device_rate)
            .map_err(PlayError::Output)?;
        let sink = Sink::try_new(&self.handle).map_err(|e| PlayError::Output(e.to_string()))?;
        sink.append(SamplesBuffer::new(1, self.device_rate, samples));
        Ok(sink)
    }
}

/// Plays the clip to the end on the default device.
pub fn play_blocking(audio: &Audio) -> Result<(), PlayError> {
    let output = Output::open_default()?;
    let sink = output.start(audio)?;
    sink.sleep_until_end();
    Ok(())
}
