//! What the development examples (and the reference test) share: reading a clip.

use std::path::Path;

/// A 16-bit WAV's samples scaled to [-1, 1) and its sample rate. Panics naming the file when it
/// cannot be read: these are development tools over known clips.
pub fn read_clip(path: impl AsRef<Path>) -> (Vec<f32>, u32) {
    let path = path.as_ref();
    let fail = |e: hound::Error| -> ! { panic!("{}: {e}", path.display()) };
    let mut reader = hound::WavReader::open(path).unwrap_or_else(|e| fail(e));
    let rate = reader.spec().sample_rate;
    let samples = reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap_or_else(|e| fail(e))) / 32768.0)
        .collect();
    (samples, rate)
}
