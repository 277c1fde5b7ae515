//! Pitch shift that keeps duration: stretch by 2^(n/12) with WSOLA (same pitch, longer), then
//! resample by 2^(-n/12) with a band-limited sinc resampler (back to the original length, pitch
//! moved by n semitones).

use super::stretch::time_stretch;
use crate::audio::resample_by_ratio;

pub fn pitch_shift(samples: &[f32], semitones: f64, sample_rate: u32) -> Vec<f32> {
    if samples.is_empty() || semitones.abs() < 1e-9 || !semitones.is_finite() {
        return samples.to_vec();
    }
    let factor = 2f64.powf(semitones / 12.0);
    let stretched = time_stretch(samples, 1.0 / factor, sample_rate);
    let mut out = resample_by_ratio(&stretched, samples.len() as f64 / stretched.len() as f64)
        .unwrap_or_else(|_| samples.to_vec());
    out.resize(samples.len(), 0.0);
    out
}
