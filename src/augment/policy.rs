//! The augmentation policy: which augmentations run on training clips, how often, and over which
//! parameter ranges. Stored as TOML (`augment.toml` in the config dir), edited by the TUI, used by
//! training.

use super::{ShiftMode, Steps};
use crate::util::rng::SplitMix64;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoiseKind {
    /// Gaussian noise at an SNR drawn from `snr_db`.
    Snr,
    /// The notebooks' `0.035 * U(0,1) * max|x|` amplitude noise.
    Amplitude,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoiseSettings {
    pub enabled: bool,
    pub probability: f64,
    pub kind: NoiseKind,
    pub snr_db: [f64; 2],
    pub amplitude_factor: f64,
}

impl Default for NoiseSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            probability: 0.5,
            kind: NoiseKind::Snr,
            snr_db: [10.0, 40.0],
            amplitude_factor: 0.035,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StretchSettings {
    pub enabled: bool,
    pub probability: f64,
    pub rate: [f64; 2],
}

impl Default for StretchSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            probability: 0.5,
            rate: [0.8, 1.25],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShiftSettings {
    pub enabled: bool,
    pub probability: f64,
    /// Largest shift as a fraction of the clip length (both directions).
    pub max_fraction: f64,
    pub mode: ShiftMode,
}

impl Default for ShiftSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            probability: 0.5,
            max_fraction: 0.5,
            mode: ShiftMode::Roll,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PitchSettings {
    pub enabled: bool,
    pub probability: f64,
    pub semitones: [f64; 2],
}

impl Default for PitchSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            probability: 0.5,
            semitones: [-4.0, 4.0],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AugmentPolicy {
    pub noise: NoiseSettings,
    pub stretch: StretchSettings,
    pub shift: ShiftSettings,
    pub pitch: PitchSettings,
}

fn draw_range(rng: &mut SplitMix64, [lo, hi]: [f64; 2]) -> f64 {
    if hi > lo {
        rng.range(lo, hi)
    } else {
        lo
    }
}

impl AugmentPolicy {
    /// No augmentation at all.
    pub fn off() -> Self {
        let mut policy = Self::default();
        policy.noise.enabled = false;
        policy.stretch.enabled = false;
        policy.shift.enabled = false;
        policy.pitch.enabled = false;
        policy
    }

    pub fn is_off(&self) -> bool {
        !(self.noise.enabled || self.stretch.enabled || self.shift.enabled || self.pitch.enabled)
    }

    /// Checks ranges and probabilities; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        let prob = |name: &str, p: f64| {
            if (0.0..=1.0).contains(&p) {
                Ok(())
            } else {
                Err(format!("{name}.probability {p} is outside 0..1"))
            }
        };
        let range = |name: &str, [lo, hi]: [f64; 2], min: f64, max: f64| {
            if lo.is_finite() && hi.is_finite() && lo <= hi && lo >= min && hi <= max {
                Ok(())
            } else {
                Err(format!(
                    "{name} [{lo}, {hi}] must be an increasing range within {min}..{max}"
                ))
            }
        };
        prob("noise", self.noise.probability)?;
        prob("stretch", self.stretch.probability)?;
        prob("shift", self.shift.probability)?;
        prob("pitch", self.pitch.probability)?;
        range("noise.snr_db", self.noise.snr_db, -20.0, 120.0)?;
        range("stretch.rate", self.stretch.rate, 0.25, 4.0)?;
        range("pitch.semitones", self.pitch.semitones, -24.0, 24.0)?;
        if !(0.0..=1.0).contains(&self.shift.max_fraction) {
            return Err(format!(
                "shift.max_fraction {} is outside 0..1",
                self.shift.max_fraction
            ));
        }
        if !(0.0..=1.0).contains(&self.noise.amplitude_factor) {
            return Err(format!(
                "noise.amplitude_factor {} is outside 0..1",
                self.noise.amplitude_factor
            ));
        }
        Ok(())
    }

    /// Draws this clip's augmentation steps.
    pub(crate) fn draw(&self, rng: &mut SplitMix64, len: usize, sample_rate: u32) -> Steps {
        let mut steps = Steps {
            seed: rng.next_u64(),
            ..Steps::default()
        };
        let mut amplitude_noise = None;
        if self.noise.enabled && rng.uniform() < self.noise.probability {
            match self.noise.kind {
                NoiseKind::Snr => steps.noise_snr_db = Some(draw_range(rng, self.noise.snr_db)),
                NoiseKind::Amplitude => amplitude_noise = Some(self.noise.amplitude_factor),
            }
        }
        if self.stretch.enabled && rng.uniform() < self.stretch.probability {
            // Uniform in log-rate, so slowing down and speeding up are equally likely.
            let [lo, hi] = self.stretch.rate;
            steps.stretch_rate = Some(draw_range(rng, [lo.ln(), hi.ln()]).exp());
        }
        if self.shift.enabled && rng.uniform() < self.shift.probability {
            let fraction = draw_range(rng, [-self.shift.max_fraction, self.shift.max_fraction]);
            steps.shift_seconds = Some(fraction * len as f64 / f64::from(sample_rate));
            steps.shift_mode = Some(self.shift.mode);
        }
        if self.pitch.enabled && rng.uniform() < self.pitch.probability {
            steps.pitch_semitones = Some(draw_range(rng, self.pitch.semitones));
        }
        steps.amplitude_noise = amplitude_noise;
        steps
    }

    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let policy: Self = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        policy
            .validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(policy)
    }

    /// The policy in `path`, or the default when there is no such file (a broken one is an
    /// error naming it).
    pub fn load_or_default(path: &std::path::Path) -> Result<Self, String> {
        if path.exists() {
            Self::load(path)
        } else {
            Ok(Self::default())
        }
    }

    pub fn save(&self, path: &std::path::Path) -> Result<(), String> {
        let text = toml::to_string_pretty(self).map_err(|e| e.to_string())?;
        crate::util::atomic::write_atomically(path, text.as_bytes())
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))
    }

    /// The policy the TUI edits (config dir), or the default.
    pub fn user_default_path() -> std::path::PathBuf {
        crate::config::dirs::config_dir().join("augment.toml")
    }
}
