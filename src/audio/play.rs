//! Playback through rodio (cpal, ALSA on Linux). The output stream is opened per playback request
//! so that a machine without a sound card only loses playback, with a clear message.

use super::Audio;
use rodio::buffer::SamplesBuffer;
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
}

impl Output {
    pub fn open_default() -> Result<Self, PlayError> {
        let (stream, handle) =
            OutputStream::try_default().map_err(|e| PlayError::NoDevice(e.to_string()))?;
        Ok(Self {
            _stream: stream,
            handle,
        })
    }

    /// Starts playing and returns the sink; dropping the sink stops playback.
    pub fn start(&self, audio: &Audio) -> Result<Sink, PlayError> {
        let sink = Sink::try_new(&self.handle).map_err(|e| PlayError::Output(e.to_string()))?;
        sink.append(SamplesBuffer::new(
            1,
            audio.sample_rate,
            audio.samples.clone(),
        ));
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
