//! Pitch shift that keeps duration: stretch by 2^(n/12) with WSOLA (same pitch, longer), then
//! resample by 2^(-n/12) (back to the original length, pitch moved by n semitones). The resampling
//! ratio is approximated by a fraction p/q with q <= 1000 (relative error < 2e-5 over +-24
//! semitones, i.e. a pitch error under 0.0004 semitones) so rubato's FFT resampler, exact and fast for rational ratios,
//! can do it.

use super::stretch::time_stretch;
use crate::audio::resample;

/// The fraction p/q with the smallest q <= `max_denominator` within 1e-5 (relative) of `ratio`
/// (small denominators mean small FFT blocks), or else the closest one.
fn rational_approximation(ratio: f64, max_denominator: u32) -> (u32, u32) {
    let mut best = (1u32, 1u32, f64::MAX);
    for q in 1..=max_denominator {
        let p = (ratio * f64::from(q)).round().max(1.0) as u32;
        let error = (f64::from(p) / f64::from(q) / ratio - 1.0).abs();
        if error < 1e-5 {
            return (p, q);
        }
        if error < best.2 {
            best = (p, q, error);
        }
    }
    (best.0, best.1)
}

pub fn pitch_shift(samples: &[f32], semitones: f64, sample_rate: u32) -> Vec<f32> {
    if samples.is_empty() || semitones.abs() < 1e-9 || !semitones.is_finite() {
        return samples.to_vec();
    }
    let factor = 2f64.powf(semitones / 12.0);
    let stretched = time_stretch(samples, 1.0 / factor, sample_rate);
    // Output length = input length x p/q, with p/q ~ 1/factor.
    let (p, q) = rational_approximation(1.0 / factor, 1000);
    let mut out = resample(&stretched, q, p).unwrap_or_else(|_| samples.to_vec());
    out.resize(samples.len(), 0.0);
    out
}

#[cfg(test)]
mod tests {
    use super::rational_approximation;

    #[test]
    fn semitone_ratios_have_close_small_fractions() {
        for n in -24..=24 {
            let ratio = 2f64.powf(-f64::from(n) / 12.0);
            let (p, q) = rational_approximation(ratio, 1000);
            assert!(
                (f64::from(p) / f64::from(q) / ratio - 1.0).abs() < 2e-5,
                "{n}: {p}/{q}"
            );
        }
    }
}
