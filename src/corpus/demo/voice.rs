//! A small source-filter speech synthesizer for the demo corpus. A glottal pulse train (Rosenberg
//! shape, with jitter and shimmer) plus aspiration noise excites four formant resonators; vowels
//! change per syllable, and an F0 contour carries accents and declination. Emotions differ in the
//! ways acted speech does: pitch level and range, tempo, loudness, spectral tilt, voice quality.

use crate::util::rng::SplitMix64;
use std::f64::consts::PI;

/// How one utterance is spoken.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceParams {
    /// Mean fundamental frequency.
    pub f0_hz: f64,
    /// Accent excursion in semitones.
    pub f0_range_st: f64,
    pub syllables_per_s: f64,
    /// Peak level in dBFS.
    pub level_db: f64,
    /// -1 (dark, soft closure) .. +1 (bright, pressed).
    pub tilt: f64,
    /// Share of aspiration noise, 0..1.
    pub breathiness: f64,
    /// Relative period-to-period F0 perturbation.
    pub jitter: f64,
    /// Relative period-to-period amplitude perturbation.
    pub shimmer: f64,
    /// Vocal tract length factor (1.0 male, ~1.15 female).
    pub formant_scale: f64,
    /// F0 movement over the final syllables in semitones (positive: question-like rise).
    pub final_glide_st: f64,
}

/// Formant frequencies (F1..F4) of five vowels for an adult male voice.
const VOWELS: [[f64; 4]; 5] = [
    [730.0, 1090.0, 2440.0, 3400.0],
    [530.0, 1840.0, 2480.0, 3500.0],
    [270.0, 2290.0, 3010.0, 3700.0],
    [570.0, 840.0, 2410.0, 3300.0],
    [300.0, 870.0, 2240.0, 3300.0],
];
const BANDWIDTHS: [f64; 4] = [70.0, 100.0, 140.0, 220.0];

/// A two-pole resonator with unit gain at its centre frequency.
#[derive(Default, Clone, Copy)]
struct Resonator {
    a0: f64,
    b1: f64,
    b2: f64,
    y1: f64,
    y2: f64,
}

impl Resonator {
    fn tune(&mut self, freq: f64, bandwidth: f64, rate: f64) {
        let r = (-PI * bandwidth / rate).exp();
        let theta = 2.0 * PI * freq / rate;
        self.b1 = 2.0 * r * theta.cos();
        self.b2 = -r * r;
        // Normalise the peak gain so formants do not change the overall level much.
        self.a0 = (1.0 - r) * (1.0 - 2.0 * r * (2.0 * theta).cos() + r * r).sqrt();
    }

    fn process(&mut self, x: f64) -> f64 {
        let y = self.a0 * x + self.b1 * self.y1 + self.b2 * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Glottal flow of the Rosenberg model at phase `phi` in [0, 1): rise over `tp`, fall over `tn`.
fn glottal_flow(phi: f64, tp: f64, tn: f64) -> f64 {
    if phi < tp {
        0.5 * (1.0 - (PI * phi / tp).cos())
    } else if phi < tp + tn {
        (0.5 * PI * (phi - tp) / tn).cos()
    } else {
        0.0
    }
}

/// Synthesizes an utterance of `vowels.len()` syllables (each a vowel index 0..5, the consonant
/// flag saying whether a noise onset precedes it).
pub fn synthesize(
    params: &VoiceParams,
    syllables: &[(usize, bool)],
    sample_rate: u32,
    rng: &mut SplitMix64,
) -> Vec<f32> {
    let rate = f64::from(sample_rate);
    let lead = (0.18 * rate) as usize;
    let syllable_len: Vec<usize> = syllables
        .iter()
        .map(|_| ((rate / params.syllables_per_s) * rng.range(0.8, 1.2)) as usize)
        .collect();
    let speech_len: usize = syllable_len.iter().sum();
    let total = lead + speech_len + lead;
    let mut out = vec![0.0f64; total];

    // Closing phase: pressed voices close abruptly (bright), breathy ones slowly (dark).
    let tn = (0.16 - 0.07 * params.tilt).clamp(0.05, 0.3);
    let tp = (0.42 + 0.08 * params.breathiness).clamp(0.3, 0.55);
    let mut resonators = [Resonator::default(); 4];
    let mut formants = VOWELS[syllables.first().map(|s| s.0).unwrap_or(0)];
    let mut phase = 0.0f64;
    let mut period_f0 = params.f0_hz;
    let mut period_amp = 1.0f64;
    let mut prev_flow = 0.0f64;
    let accents: Vec<f64> = syllables
        .iter()
        .enumerate()
        .map(|(i, _)| {
            if i % 2 == 0 {
                rng.range(0.5, 1.0)
            } else {
                rng.range(-0.3, 0.3)
            }
        })
        .collect();

    let mut start = lead;
    for (index, (&(vowel, consonant), &len)) in syllables.iter().zip(&syllable_len).enumerate() {
        let target = VOWELS[vowel % VOWELS.len()];
        let onset = if consonant { len / 4 } else { 0 };
        let syllable_gain = rng.range(0.75, 1.0);
        for n in 0..len {
            let t_utt = (start + n - lead) as f64 / speech_len as f64;
            let t_syl = n as f64 / len as f64;
            // F0: declination, an accent bump per syllable, and a glide over the last syllables.
            let bump = (PI * t_syl).sin();
            let glide = if t_utt > 0.75 {
                (t_utt - 0.75) / 0.25
            } else {
                0.0
            };
            let semitones = params.f0_range_st * accents[index] * bump - 1.5 * t_utt
                + params.final_glide_st * glide;
            let f0 = params.f0_hz * 2f64.powf(semitones / 12.0);

            if n % 32 == 0 {
                // Glide formants towards this syllable's vowel.
                for (k, res) in resonators.iter_mut().enumerate() {
                    formants[k] += 0.25 * (target[k] - formants[k]);
                    let f = (formants[k] * params.formant_scale).min(0.45 * rate);
                    res.tune(f, BANDWIDTHS[k] * (1.0 + params.breathiness), rate);
                }
            }

            phase += period_f0 / rate;
            if phase >= 1.0 {
                phase -= 1.0;
                period_f0 = f0 * (1.0 + params.jitter * rng.gaussian());
                period_amp = 1.0 + params.shimmer * rng.gaussian();
            }
            let flow = glottal_flow(phase, tp, tn);
            let voiced = (flow - prev_flow) * rate / params.f0_hz * 0.1 * period_amp;
            prev_flow = flow;
            let aspiration = params.breathiness * rng.gaussian() * (0.3 + flow);

            let envelope = syllable_envelope(n, len, onset, rate);
            let mut excitation = if n < onset {
                // A fricative-like consonant: noise only.
                0.35 * rng.gaussian()
            } else {
                voiced * (1.0 - 0.5 * params.breathiness) + 0.4 * aspiration
            };
            excitation *= envelope * syllable_gain;
            let mut y = 0.0;
            for res in &mut resonators {
                y += res.process(excitation);
            }
            out[start + n] = y;
        }
        start += len;
    }

    apply_tilt(&mut out, params.tilt);
    // A quiet noise floor, as in real recordings, then scale to the requested peak level.
    let peak = out.iter().fold(0.0f64, |m, &x| m.max(x.abs())).max(1e-9);
    let gain = 10f64.powf(params.level_db / 20.0) / peak;
    let floor = 10f64.powf(-62.0 / 20.0);
    out.iter()
        .map(|&x| (x * gain + floor * rng.gaussian()).clamp(-1.0, 1.0) as f32)
        .collect()
}

/// Raised-cosine attack and release so syllables start and end without clicks.
fn syllable_envelope(n: usize, len: usize, onset: usize, rate: f64) -> f64 {
    let ramp = (0.02 * rate) as usize;
    let rise = if n < onset {
        0.6
    } else {
        let k = n - onset;
        if k < ramp {
            0.5 * (1.0 - (PI * k as f64 / ramp as f64).cos())
        } else {
            1.0
        }
    };
    let left = len - n;
    let fall = if left < ramp {
        0.5 * (1.0 - (PI * left as f64 / ramp as f64).cos())
    } else {
        1.0
    };
    rise * fall
}

/// Positive tilt emphasises highs (first difference), negative tilt damps them (one-pole low-pass).
fn apply_tilt(samples: &mut [f64], tilt: f64) {
    if tilt > 0.0 {
        let a = 0.6 * tilt.min(1.0);
        let mut prev = 0.0;
        for x in samples.iter_mut() {
            let cur = *x;
            *x = cur - a * prev;
            prev = cur;
        }
    } else if tilt < 0.0 {
        let b = 0.7 * (-tilt).min(1.0);
        let mut y = 0.0;
        for x in samples.iter_mut() {
            y = (1.0 - b) * *x + b * y;
            *x = y;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(f0: f64) -> VoiceParams {
        VoiceParams {
            f0_hz: f0,
            f0_range_st: 0.0,
            syllables_per_s: 4.0,
            level_db: -12.0,
            tilt: 0.0,
            breathiness: 0.0,
            jitter: 0.0,
            shimmer: 0.0,
            formant_scale: 1.0,
            final_glide_st: 0.0,
        }
    }

    /// Autocorrelation pitch of the middle of a buffer.
    fn pitch(samples: &[f32], rate: f64) -> f64 {
        let mid = &samples[samples.len() / 3..samples.len() / 3 + 2048];
        let (mut best, mut best_lag) = (f64::MIN, 0);
        for lag in (rate / 400.0) as usize..(rate / 60.0) as usize {
            let r: f64 = mid[..2048 - lag]
                .iter()
                .zip(&mid[lag..])
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            if r > best {
                best = r;
                best_lag = lag;
            }
        }
        rate / best_lag as f64
    }

    #[test]
    fn pitch_and_level_follow_the_parameters() {
        let syllables = [(0, false), (1, false), (2, false), (0, false)];
        for f0 in [110.0, 220.0] {
            let audio = synthesize(&params(f0), &syllables, 16_000, &mut SplitMix64::new(1));
            let measured = pitch(&audio, 16_000.0);
            // The declination moves F0 down a little over the utterance.
            assert!(
                (measured / f0 - 1.0).abs() < 0.12,
                "asked {f0} Hz, got {measured} Hz"
            );
            let peak = audio.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(
                (20.0 * f64::from(peak).log10() + 12.0).abs() < 0.5,
                "peak {peak}"
            );
        }
    }

    #[test]
    fn deterministic_for_a_seed() {
        let syllables = [(0, true), (3, false)];
        let a = synthesize(&params(150.0), &syllables, 16_000, &mut SplitMix64::new(9));
        let b = synthesize(&params(150.0), &syllables, 16_000, &mut SplitMix64::new(9));
        assert_eq!(a, b);
    }
}
