//! Augmentations: pure, deterministic functions of (samples, parameters, seed), and the policy
//! that decides, per training clip and epoch, which of them to apply. Only training clips are ever
//! augmented; the training loop calls [`augment_for_training`] for those and nothing else.

mod noise;
mod pitch;
mod policy;
mod shift;
mod stretch;

pub use noise::{add_noise_amplitude, add_noise_snr, measured_snr_db};
pub use pitch::pitch_shift;
pub use policy::{
    AugmentPolicy, NoiseKind, NoiseSettings, PitchSettings, ShiftSettings, StretchSettings,
};
pub use shift::{time_shift, ShiftMode};
pub use stretch::time_stretch;

use crate::util::rng::{fnv1a, SplitMix64};

/// The applied augmentations, described precisely enough to key a feature cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub samples: Vec<f32>,
    /// e.g. `noise:snr=23.4100,seed=77;pitch:-1.2500`; `none` when nothing was applied.
    pub key: String,
    /// Set when the result peaked above 1.0 and was scaled down (see [`guard_peak`]).
    pub warning: Option<String>,
}

/// Keeps a clip within [-1, 1]: if it peaks above 1.0 it is scaled down (never hard-clipped),
/// and the returned warning says by how much.
pub fn guard_peak(mut samples: Vec<f32>) -> (Vec<f32>, Option<String>) {
    let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if peak <= 1.0 || !peak.is_finite() {
        return (samples, None);
    }
    let gain = 0.999 / peak;
    for s in samples.iter_mut() {
        *s *= gain;
    }
    let db = 20.0 * f64::from(gain).log10();
    (
        samples,
        Some(format!(
            "augmented audio peaked at {peak:.3}; scaled by {db:.2} dB to avoid clipping"
        )),
    )
}

/// The explicit augmentations of `serlab augment`, in its fixed order: noise, stretch, shift,
/// pitch. `None` leaves a step out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Steps {
    pub noise_snr_db: Option<f64>,
    pub stretch_rate: Option<f64>,
    pub shift_seconds: Option<f64>,
    pub pitch_semitones: Option<f64>,
    pub shift_mode: Option<ShiftMode>,
    /// The notebooks' amplitude noise factor, used instead of `noise_snr_db` when set.
    pub amplitude_noise: Option<f64>,
    pub seed: u64,
}

pub fn apply_steps(samples: &[f32], sample_rate: u32, steps: &Steps) -> Applied {
    let mut out = samples.to_vec();
    let mut key = Vec::new();
    if let Some(snr) = steps.noise_snr_db {
        out = add_noise_snr(&out, snr, steps.seed);
        key.push(format!("noise:snr={snr:.4},seed={}", steps.seed));
    } else if let Some(factor) = steps.amplitude_noise {
        out = add_noise_amplitude(&out, factor, steps.seed);
        key.push(format!("noise:amplitude={factor:.4},seed={}", steps.seed));
    }
    if let Some(rate) = steps.stretch_rate {
        out = time_stretch(&out, rate, sample_rate);
        key.push(format!("stretch:{rate:.4}"));
    }
    if let Some(seconds) = steps.shift_seconds {
        let mode = steps.shift_mode.unwrap_or(ShiftMode::Roll);
        let shift = (seconds * f64::from(sample_rate)).round() as i64;
        out = time_shift(&out, shift, mode, sample_rate);
        key.push(format!("shift:{shift},{mode:?}"));
    }
    if let Some(semitones) = steps.pitch_semitones {
        out = pitch_shift(&out, semitones, sample_rate);
        key.push(format!("pitch:{semitones:.4}"));
    }
    let (samples, warning) = guard_peak(out);
    Applied {
        samples,
        key: if key.is_empty() {
            "none".into()
        } else {
            key.join(";")
        },
        warning,
    }
}

/// The training integration point: the augmented version of one training clip for one epoch.
/// Deterministic in (`clip_id`, `epoch`, `seed`), so a resumed run sees the same data and the
/// feature cache can serve repeated epochs (its key is in [`Applied::key`]).
pub fn augment_for_training(
    samples: &[f32],
    sample_rate: u32,
    policy: &AugmentPolicy,
    clip_id: &str,
    epoch: usize,
    seed: u64,
) -> Applied {
    let mut rng = SplitMix64::new(
        seed ^ fnv1a(clip_id.as_bytes()) ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    let steps = policy.draw(&mut rng, samples.len(), sample_rate);
    apply_steps(samples, sample_rate, &steps)
}

#[cfg(test)]
mod tests;
