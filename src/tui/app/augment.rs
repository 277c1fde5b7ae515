//! The Augment view's editor: every setting of the augmentation policy as a row that the arrow
//! keys change one step at a time. Each accepted change is saved at once (the same file
//! `serlab train` reads), and a change that would make the policy invalid is refused.

use super::App;
use crate::augment::{AugmentPolicy, NoiseKind, ShiftMode};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AugmentField {
    NoiseOn,
    NoiseProbability,
    NoiseKind,
    SnrLow,
    SnrHigh,
    AmplitudeFactor,
    StretchOn,
    StretchProbability,
    RateLow,
    RateHigh,
    ShiftOn,
    ShiftProbability,
    ShiftMax,
    ShiftMode,
    PitchOn,
    PitchProbability,
    SemitonesLow,
    SemitonesHigh,
}

use AugmentField as F;

impl AugmentField {
    pub const ALL: [AugmentField; 18] = [
        F::NoiseOn,
        F::NoiseProbability,
        F::NoiseKind,
        F::SnrLow,
        F::SnrHigh,
        F::AmplitudeFactor,
        F::StretchOn,
        F::StretchProbability,
        F::RateLow,
        F::RateHigh,
        F::ShiftOn,
        F::ShiftProbability,
        F::ShiftMax,
        F::ShiftMode,
        F::PitchOn,
        F::PitchProbability,
        F::SemitonesLow,
        F::SemitonesHigh,
    ];

    pub fn group(self) -> &'static str {
        match self {
            F::NoiseOn | F::NoiseProbability | F::NoiseKind | F::SnrLow | F::SnrHigh => "noise",
            F::AmplitudeFactor => "noise",
            F::StretchOn | F::StretchProbability | F::RateLow | F::RateHigh => "stretch",
            F::ShiftOn | F::ShiftProbability | F::ShiftMax | F::ShiftMode => "shift",
            F::PitchOn | F::PitchProbability | F::SemitonesLow | F::SemitonesHigh => "pitch",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            F::NoiseOn | F::StretchOn | F::ShiftOn | F::PitchOn => "enabled",
            F::NoiseProbability | F::StretchProbability | F::ShiftProbability => "probability",
            F::PitchProbability => "probability",
            F::NoiseKind => "kind (snr / amplitude)",
            F::SnrLow => "SNR from (dB)",
            F::SnrHigh => "SNR to (dB)",
            F::AmplitudeFactor => "amplitude factor",
            F::RateLow => "rate from",
            F::RateHigh => "rate to",
            F::ShiftMax => "max shift (share of clip)",
            F::ShiftMode => "mode (roll / zero)",
            F::SemitonesLow => "semitones from",
            F::SemitonesHigh => "semitones to",
        }
    }

    /// How much one key press changes a number.
    fn step(self) -> f64 {
        match self {
            F::SnrLow | F::SnrHigh => 1.0,
            F::AmplitudeFactor => 0.005,
            F::RateLow | F::RateHigh => 0.05,
            F::SemitonesLow | F::SemitonesHigh => 0.5,
            _ => 0.05,
        }
    }

    /// The first row of each augmentation (its on/off switch) starts a group on screen.
    pub fn starts_group(self) -> bool {
        matches!(self, F::NoiseOn | F::StretchOn | F::ShiftOn | F::PitchOn)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AugmentEditor {
    pub policy: AugmentPolicy,
    /// Index into `AugmentField::ALL`.
    pub field: usize,
}

fn number(policy: &mut AugmentPolicy, field: AugmentField) -> Option<&mut f64> {
    let p = policy;
    Some(match field {
        F::NoiseProbability => &mut p.noise.probability,
        F::SnrLow => &mut p.noise.snr_db[0],
        F::SnrHigh => &mut p.noise.snr_db[1],
        F::AmplitudeFactor => &mut p.noise.amplitude_factor,
        F::StretchProbability => &mut p.stretch.probability,
        F::RateLow => &mut p.stretch.rate[0],
        F::RateHigh => &mut p.stretch.rate[1],
        F::ShiftProbability => &mut p.shift.probability,
        F::ShiftMax => &mut p.shift.max_fraction,
        F::PitchProbability => &mut p.pitch.probability,
        F::SemitonesLow => &mut p.pitch.semitones[0],
        F::SemitonesHigh => &mut p.pitch.semitones[1],
        _ => return None,
    })
}

impl AugmentEditor {
    /// The policy in `path`, or the default when there is no file yet.
    pub fn load(path: &Path) -> Result<Self, String> {
        let policy = AugmentPolicy::load_or_default(path)?;
        Ok(Self { policy, field: 0 })
    }

    pub fn selected(&self) -> AugmentField {
        AugmentField::ALL[self.field.min(AugmentField::ALL.len() - 1)]
    }

    pub fn value_text(&self, field: AugmentField) -> String {
        let p = &self.policy;
        let on = |b: bool| if b { "on" } else { "off" }.to_string();
        match field {
            F::NoiseOn => on(p.noise.enabled),
            F::StretchOn => on(p.stretch.enabled),
            F::ShiftOn => on(p.shift.enabled),
            F::PitchOn => on(p.pitch.enabled),
            F::NoiseKind => match p.noise.kind {
                NoiseKind::Snr => "snr".into(),
                NoiseKind::Amplitude => "amplitude".into(),
            },
            F::ShiftMode => match p.shift.mode {
                ShiftMode::Roll => "roll".into(),
                ShiftMode::Zero => "zero".into(),
            },
            other => {
                let mut copy = p.clone();
                let v = number(&mut copy, other).map_or(0.0, |v| *v);
                match other {
                    F::SnrLow | F::SnrHigh => format!("{v:.0}"),
                    F::AmplitudeFactor => format!("{v:.3}"),
                    F::SemitonesLow | F::SemitonesHigh => format!("{v:+.1}"),
                    _ => format!("{v:.2}"),
                }
            }
        }
    }

    /// One step up (`up`) or down for numbers; switches flip either way. A change that makes
    /// the policy invalid is refused with the reason, and the policy stays as it was.
    pub fn adjust(&mut self, field: AugmentField, up: bool) -> Result<(), String> {
        let mut next = self.policy.clone();
        match field {
            F::NoiseOn => next.noise.enabled = !next.noise.enabled,
            F::StretchOn => next.stretch.enabled = !next.stretch.enabled,
            F::ShiftOn => next.shift.enabled = !next.shift.enabled,
            F::PitchOn => next.pitch.enabled = !next.pitch.enabled,
            F::NoiseKind => {
                next.noise.kind = match next.noise.kind {
                    NoiseKind::Snr => NoiseKind::Amplitude,
                    NoiseKind::Amplitude => NoiseKind::Snr,
                }
            }
            F::ShiftMode => {
                next.shift.mode = match next.shift.mode {
                    ShiftMode::Roll => ShiftMode::Zero,
                    ShiftMode::Zero => ShiftMode::Roll,
                }
            }
            other => {
                let step = other.step();
                if let Some(v) = number(&mut next, other) {
                    let moved = *v + if up { step } else { -step };
                    // Whole steps, so 0.1 + 0.05 shows and saves as 0.15.
                    *v = (moved / step).round() * step;
                    *v = (*v * 1e6).round() / 1e6;
                }
            }
        }
        next.validate()?;
        self.policy = next;
        Ok(())
    }
}

impl AugmentEditor {
    /// Selects the next (or previous) setting.
    pub fn step_field(&mut self, down: bool) {
        let last = AugmentField::ALL.len() - 1;
        self.field = if down {
            (self.field + 1).min(last)
        } else {
            self.field.saturating_sub(1)
        };
    }
}

impl App {
    /// Changes the selected setting one step up or down (`None`: back to the default policy),
    /// and saves the policy at once where training reads it.
    pub(super) fn change_setting(&mut self, up: Option<bool>) {
        let field = self.augment.selected();
        let change = match up {
            Some(up) => self.augment.adjust(field, up),
            None => {
                self.augment.policy = AugmentPolicy::default();
                Ok(())
            }
        };
        if let Err(e) = change {
            self.status = format!("not changed: {e}");
            return;
        }
        let shown = format!(
            "{} {} = {}",
            field.group(),
            field.label(),
            self.augment.value_text(field)
        );
        self.status = match &self.paths.augment {
            Some(path) => match self.augment.policy.save(path) {
                Ok(()) => format!("{shown} (saved; training uses it)"),
                Err(e) => format!("{shown} (not saved: {e})"),
            },
            None => format!("{shown} (this session only)"),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_toggles_and_refusals() {
        let mut e = AugmentEditor::default();
        e.adjust(F::NoiseOn, true).unwrap();
        assert!(!e.policy.noise.enabled);
        e.adjust(F::StretchProbability, true).unwrap();
        assert_eq!(e.policy.stretch.probability, 0.55);
        e.adjust(F::SnrLow, false).unwrap();
        assert_eq!(e.policy.noise.snr_db[0], 9.0);
        e.adjust(F::ShiftMode, true).unwrap();
        assert_eq!(e.policy.shift.mode, ShiftMode::Zero);
        assert_eq!(e.value_text(F::ShiftMode), "zero");
        // Probability 1.0 is the top; another step up is refused and changes nothing.
        for _ in 0..9 {
            e.adjust(F::PitchProbability, true).unwrap();
        }
        assert_eq!(e.policy.pitch.probability, 0.95);
        e.adjust(F::PitchProbability, true).unwrap();
        let before = e.policy.clone();
        let err = e.adjust(F::PitchProbability, true).unwrap_err();
        assert!(err.contains("pitch.probability"), "{err}");
        assert_eq!(e.policy, before);
        // A low end above the high end is refused too.
        e.policy.stretch.rate = [1.0, 1.0];
        assert!(e.adjust(F::RateLow, true).is_err());
        assert_eq!(e.value_text(F::SemitonesLow), "-4.0");
    }

    #[test]
    fn load_reads_the_file_or_gives_defaults_and_names_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("augment.toml");
        assert_eq!(
            AugmentEditor::load(&path).unwrap(),
            AugmentEditor::default()
        );
        let mut policy = AugmentPolicy::default();
        policy.pitch.enabled = false;
        policy.save(&path).unwrap();
        assert!(!AugmentEditor::load(&path).unwrap().policy.pitch.enabled);
        std::fs::write(&path, "[pitch]\nprobability = 7\n").unwrap();
        let err = AugmentEditor::load(&path).unwrap_err();
        assert!(err.contains("augment.toml"), "{err}");
    }
}
