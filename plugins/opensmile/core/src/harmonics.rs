//! Harmonic amplitudes (H1-H2, H1-A3, formant amplitudes relative to H1) and the
//! autocorrelation harmonics-to-noise ratio, from the Gaussian 60 ms spectrum of voiced frames.

use crate::formants::{Formants, N_FORMANTS};

/// openSMILE's value for the formant amplitudes of unvoiced frames.
pub const UNVOICED_AMPLITUDE: f64 = -201.0;
const HNR_MIN: f64 = 1e-9;
const HNR_MAX: f64 = 1e11;

#[derive(Debug, Clone, Copy, Default)]
pub struct Harmonics {
    pub h1_h2: f64,
    pub h1_a3: f64,
    pub formant_amplitude: [f64; N_FORMANTS],
}

impl Harmonics {
    pub fn unvoiced() -> Self {
        Self {
            h1_h2: 0.0,
            h1_a3: 0.0,
            formant_amplitude: [UNVOICED_AMPLITUDE; N_FORMANTS],
        }
    }
}

/// Magnitude of harmonic `h` of `f0`: the largest bin within a third of F0 of where it should be.
fn harmonic_amplitude(magnitude: &[f64], bin_hz: f64, f0: f64, h: usize) -> f64 {
    let centre = h as f64 * f0 / bin_hz;
    let reach = (f0 / bin_hz / 3.0).max(1.0);
    let lo = (centre - reach).round().max(0.0) as usize;
    let hi = ((centre + reach).round() as usize).min(magnitude.len() - 1);
    if lo > hi {
        return 0.0;
    }
    magnitude[lo..=hi].iter().copied().fold(0.0, f64::max)
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.max(1e-10).log10()
}

pub fn harmonics(magnitude: &[f64], bin_hz: f64, f0: f64, formants: &Formants) -> Harmonics {
    let nyquist_harmonic = ((magnitude.len() - 1) as f64 * bin_hz / f0)
        .floor()
        .max(1.0) as usize;
    let amp = |h: usize| harmonic_amplitude(magnitude, bin_hz, f0, h.clamp(1, nyquist_harmonic));
    let h1 = amp(1);
    if h1 <= 0.0 {
        return Harmonics::unvoiced();
    }
    let nearest = |hz: f64| (hz / f0).round().max(1.0) as usize;
    let mut out = Harmonics {
        // openSMILE's harmonic differences start one harmonic up: measured with synthetic
        // harmonic series of known amplitudes, its "H1-H2" is the level of the harmonic at 2 F0
        // over the one at 3 F0 (within 0.2 dB over four F0s and random spectra), and "H1-A3"
        // also starts from the 2 F0 harmonic. The formant amplitudes do use the true H1.
        h1_h2: db(amp(2) / amp(3).max(1e-12)),
        h1_a3: if formants.frequency[2] > 0.0 {
            db(amp(2) / amp(nearest(formants.frequency[2])).max(1e-12))
        } else {
            0.0
        },
        formant_amplitude: [UNVOICED_AMPLITUDE; N_FORMANTS],
    };
    for (a, &f) in out.formant_amplitude.iter_mut().zip(&formants.frequency) {
        if f > 0.0 {
            *a = db(amp(nearest(f)) / h1);
        }
    }
    out
}

/// HNR in dB from the autocorrelation at the pitch period (moved to the nearest ACF peak).
pub fn hnr_db(acf: &[f64], sample_rate: u32, f0: f64) -> f64 {
    let r0 = acf[0];
    if r0 <= 0.0 || f0 <= 0.0 {
        return 0.0;
    }
    let last = acf.len() - 2;
    let mut lag = ((f64::from(sample_rate) / f0).round() as usize).clamp(1, last);
    // Climb to the closest local maximum.
    loop {
        if lag < last && acf[lag + 1] > acf[lag] {
            lag += 1;
        } else if lag > 1 && acf[lag - 1] > acf[lag] {
            lag -= 1;
        } else {
            break;
        }
    }
    let rt = acf[lag];
    let ratio = (rt / (r0 - rt)).clamp(HNR_MIN, HNR_MAX);
    10.0 * ratio.log10()
}
