//! Audio in and out: probe WAV headers without reading samples, decode any PCM WAV to mono f32,
//! resample with a band-limited resampler, write WAVs, and play through rodio.

pub mod capture;
mod decode;
pub mod display;
mod error;
pub mod f0;
pub mod play;
pub mod player;
mod probe;
mod resample;
mod write;

pub use decode::{decode_mono, decode_mono_from, load_mono, Audio, MAX_DECODE_SECONDS};
pub use error::AudioError;
pub use probe::{probe, SampleFormat, WavInfo};
pub use resample::{resample, resample_by_ratio};
pub use write::{write_wav_f32, write_wav_i16};
