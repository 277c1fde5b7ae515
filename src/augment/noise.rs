//! Additive Gaussian noise: at a target SNR (as audiomentations' AddGaussianSNR, but scaled to the
//! exact target power so the SNR is what was asked), or the SER notebooks' amplitude variant.

use crate::util::rng::SplitMix64;

fn rms(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        / samples.len() as f64)
        .sqrt()
}

/// Adds white Gaussian noise whose power is the clip's power minus `snr_db` dB.
pub fn add_noise_snr(samples: &[f32], snr_db: f64, seed: u64) -> Vec<f32> {
    let signal_rms = rms(samples);
    if signal_rms == 0.0 {
        return samples.to_vec();
    }
    let mut rng = SplitMix64::new(seed);
    let noise: Vec<f64> = (0..samples.len()).map(|_| rng.gaussian()).collect();
    let noise_rms = (noise.iter().map(|n| n * n).sum::<f64>() / noise.len() as f64).sqrt();
    let scale = signal_rms / 10f64.powf(snr_db / 20.0) / noise_rms.max(1e-12);
    samples
        .iter()
        .zip(noise)
        .map(|(&x, n)| (f64::from(x) + scale * n) as f32)
        .collect()
}

/// The notebooks' noise: `0.035 * U(0, 1) * max|x|` times Gaussian noise (`factor` = 0.035).
pub fn add_noise_amplitude(samples: &[f32], factor: f64, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let amplitude = factor * rng.uniform() * f64::from(peak);
    samples
        .iter()
        .map(|&x| (f64::from(x) + amplitude * rng.gaussian()) as f32)
        .collect()
}

/// Signal-to-noise ratio in dB of `noisy` against the clean `clean`.
pub fn measured_snr_db(clean: &[f32], noisy: &[f32]) -> f64 {
    let noise: Vec<f32> = noisy.iter().zip(clean).map(|(n, c)| n - c).collect();
    20.0 * (rms(clean) / rms(&noise)).log10()
}
