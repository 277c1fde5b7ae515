//! Harmonic amplitudes (H1-H2, H1-A3, formant amplitudes relative to F0) and the
//! autocorrelation harmonics-to-noise ratio, from the Gaussian 60 ms spectrum of voiced frames.
//!
//! openSMILE numbers harmonics from zero: "H0" is the fundamental, so eGeMAPS's "H1-H2" is the
//! level of the harmonic at 2 F0 over the one at 3 F0, and "A3" is a formant amplitude. What
//! follows was measured through openSMILE's cHarmonics with spectra of known harmonics and
//! F0/formant values fed in directly:
//! - harmonic k is the local spectral peak closest to bin k·F0 within half an F0 either side,
//!   the window's ends rounded to the nearest bin (measured on the reference LLDs: rounding
//!   halves H1-H2's mean error against taking only whole bins inside, as a creaky RAVDESS
//!   frame whose third harmonic peaks 0.53 F0 off shows); with no peak there its magnitude
//!   is 0;
//! - its frequency and its level are refined by a parabola through the peak bin and its
//!   neighbours (the vertex), but the fundamental that levels are relative to is read
//!   unrefined. (Synthetic spectra with harmonics on bins could not tell these apart. Real
//!   speech fed through openSMILE's cHarmonics with our F0 and formants tells them apart: with
//!   these rules H1-H2 is exact on 253 of 255 and 194 of 194 voiced frames of two clips, H1-A3
//!   on 235 and 192; with every level unrefined H1-H2 was exact on 8 of the 255. Its linear
//!   magnitude output is unrefined; its levels are not);
//! - a formant's amplitude is the level of the harmonic above the fundamental with the largest
//!   unrefined magnitude whose refined frequency lies within 20 % of the formant frequency (the
//!   LPC bandwidth plays no part); none there gives 0, which the functionals then leave out as
//!   they leave out every zero;
//! - a harmonic with no peak is at -200 dB, and a difference of two harmonics is kept within
//!   ±201 dB (so H1-H2 with H2 missing is usually exactly 201, as openSMILE gives on low,
//!   creaky voices); a difference whose formant has no harmonic is the harmonic's level minus
//!   201 dB.

use crate::formants::{Formants, N_FORMANTS};
use crate::vertex::parabola_vertex;

/// openSMILE's value for the formant amplitudes of unvoiced frames, and its log floor.
pub const UNVOICED_AMPLITUDE: f64 = -201.0;
/// The level openSMILE gives a harmonic it found no peak for (its log floor, 1e-10).
const MISSING_HARMONIC_DB: f64 = -200.0;
const HNR_MIN: f64 = 1e-9;
const HNR_MAX: f64 = 1e11;
/// Harmonics searched, counting F0 itself (openSMILE's nHarmonics).
const MAX_HARMONICS: usize = 100;
/// A formant's harmonics lie within this fraction of its frequency.
const FORMANT_REACH: f64 = 0.2;

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

#[derive(Debug, Clone, Copy, Default)]
struct HarmonicPeak {
    /// The peak bin's magnitude (0 when there is no peak).
    magnitude: f64,
    /// The parabola's vertex height through the peak bin and its neighbours (0 when there is
    /// no peak).
    height: f64,
    hz: f64,
}

/// A strict local maximum (of a spectrum or an autocorrelation) with both neighbours inside.
fn is_peak(values: &[f64], i: usize) -> bool {
    i > 0 && i + 1 < values.len() && values[i] > values[i - 1] && values[i] > values[i + 1]
}

/// The local peak closest to where harmonic `number` (1 = F0) of `f0` should be.
fn harmonic_peak(magnitude: &[f64], bin_hz: f64, f0: f64, number: usize) -> HarmonicPeak {
    let expected = number as f64 * f0 / bin_hz;
    let reach = 0.5 * f0 / bin_hz;
    let lo = (expected - reach).round().max(1.0) as usize;
    let hi = ((expected + reach).round() as usize).min(magnitude.len().saturating_sub(2));
    let Some(i) = closest_peak(magnitude, expected, lo, hi) else {
        return HarmonicPeak::default();
    };
    let (offset, height) = parabola_vertex(magnitude[i - 1], magnitude[i], magnitude[i + 1]);
    HarmonicPeak {
        magnitude: magnitude[i],
        height,
        hz: (i as f64 + offset) * bin_hz,
    }
}

/// The peak bin in `lo..=hi` closest to `expected` (the lower one at equal distance). Bins are
/// visited in order of distance, outwards from `expected`, so the search usually ends after a
/// bin or two instead of testing the whole range.
fn closest_peak(magnitude: &[f64], expected: f64, lo: usize, hi: usize) -> Option<usize> {
    if lo > hi {
        return None;
    }
    // Bins under `split` are visited downwards, the others upwards, each time the nearer of
    // the next two (the lower at equal distance).
    let split = ((expected.floor() + 1.0).max(0.0) as usize).clamp(lo, hi + 1);
    let (mut down, mut up) = (split, split);
    loop {
        let left = (down > lo).then(|| down - 1);
        let right = (up <= hi).then_some(up);
        let i = match (left, right) {
            (None, None) => return None,
            (Some(l), Some(r)) if (l as f64 - expected).abs() > (r as f64 - expected).abs() => {
                up += 1;
                r
            }
            (Some(l), _) => {
                down -= 1;
                l
            }
            (None, Some(r)) => {
                up += 1;
                r
            }
        };
        if is_peak(magnitude, i) {
            return Some(i);
        }
    }
}

/// Level of `magnitude` in dB relative to the fundamental's. With no fundamental every level is
/// the floor; a harmonic that was not found is at the log floor of 1e-10.
fn level_db(magnitude: f64, fundamental: f64) -> f64 {
    if fundamental <= 0.0 {
        UNVOICED_AMPLITUDE
    } else if magnitude <= 0.0 {
        MISSING_HARMONIC_DB
    } else {
        20.0 * (magnitude / fundamental).log10()
    }
}

/// Harmonic `a` over harmonic `b` in dB, kept within the floor either way (a missing `b` under a
/// harmonic at least 1 dB above the fundamental gives exactly 201).
fn harmonic_difference_db(a: f64, b: f64, fundamental: f64) -> f64 {
    let limit = -UNVOICED_AMPLITUDE;
    (level_db(a, fundamental) - level_db(b, fundamental)).clamp(-limit, limit)
}

/// Harmonic `a` over formant amplitude `b` in dB; a formant with no harmonic near it counts as
/// +201 dB.
fn formant_difference_db(a: f64, b: f64, fundamental: f64) -> f64 {
    if b > 0.0 {
        level_db(a, fundamental) - level_db(b, fundamental)
    } else {
        level_db(a, fundamental) + UNVOICED_AMPLITUDE
    }
}

pub fn harmonics(magnitude: &[f64], bin_hz: f64, f0: f64, formants: &Formants) -> Harmonics {
    if f0 <= 0.0 {
        return Harmonics::unvoiced();
    }
    let highest_formant = formants.frequency.iter().copied().fold(0.0, f64::max);
    let last_bin_hz = (magnitude.len() - 1) as f64 * bin_hz;
    let wanted_hz = ((1.0 + FORMANT_REACH) * highest_formant)
        .max(3.0 * f0)
        .min(last_bin_hz);
    let count = ((wanted_hz / f0).floor() as usize + 1).clamp(3, MAX_HARMONICS);
    let mut peaks = [HarmonicPeak::default(); MAX_HARMONICS];
    for (number, peak) in peaks[..count].iter_mut().enumerate() {
        *peak = harmonic_peak(magnitude, bin_hz, f0, number + 1);
    }
    let peaks = &peaks[..count];
    let fundamental = peaks[0].magnitude;
    // The refined level of the (unrefined) largest harmonic near each formant; 0 where there is
    // none (or no formant).
    let formant_peak = |hz: f64| -> f64 {
        if hz <= 0.0 {
            return 0.0;
        }
        let (lo, hi) = ((1.0 - FORMANT_REACH) * hz, (1.0 + FORMANT_REACH) * hz);
        // The fundamental itself is no candidate (measured: a formant near F0 with no other
        // harmonic within reach gets 0).
        peaks[1..]
            .iter()
            .filter(|p| p.magnitude > 0.0 && p.hz > lo && p.hz < hi)
            .fold(None, |best: Option<&HarmonicPeak>, p| match best {
                Some(b) if b.magnitude >= p.magnitude => Some(b),
                _ => Some(p),
            })
            .map_or(0.0, |p| p.height)
    };
    let near_formant = formants.frequency.map(formant_peak);
    Harmonics {
        h1_h2: harmonic_difference_db(peaks[1].height, peaks[2].height, fundamental),
        h1_a3: formant_difference_db(peaks[1].height, near_formant[2], fundamental),
        formant_amplitude: near_formant.map(|peak| {
            if peak > 0.0 {
                level_db(peak, fundamental)
            } else {
                0.0
            }
        }),
    }
}

/// HNR in dB from the autocorrelation at the pitch period, moved to the closest ACF peak.
///
/// Measured through openSMILE's harmonics component, fed its own spectra with known F0: the
/// search starts at the period rounded down and takes the nearest strict local maximum, the
/// lower lag first at equal distance (this reproduces its HNR to 0.01 dB on 99 % of the voiced
/// frames of two reference clips; climbing uphill from the rounded period did on 97 %).
///
/// The autocorrelation's `lags` values are read through `acf`, each when needed: the search
/// touches a few lags around the period.
pub fn hnr_db(mut acf: impl FnMut(usize) -> f64, lags: usize, sample_rate: u32, f0: f64) -> f64 {
    if f0 <= 0.0 || lags < 3 {
        return 0.0;
    }
    let r0 = acf(0);
    if r0 <= 0.0 {
        return 0.0;
    }
    let last = lags - 2;
    let start = ((f64::from(sample_rate) / f0).floor() as usize).clamp(1, last);
    let mut is_peak = |i: usize| {
        i > 0 && i + 1 < lags && {
            let v = acf(i);
            v > acf(i - 1) && v > acf(i + 1)
        }
    };
    let lag = (0..=last)
        .find_map(|d| {
            [start.checked_sub(d), Some(start + d)]
                .into_iter()
                .flatten()
                .find(|&i| is_peak(i))
        })
        .unwrap_or(start);
    let rt = acf(lag);
    let ratio = (rt / (r0 - rt)).clamp(HNR_MIN, HNR_MAX);
    10.0 * ratio.log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outward_search_finds_what_a_scan_of_the_whole_range_finds() {
        // Every peak in range, the closest to `expected`, the lower one at equal distance.
        let scan = |m: &[f64], expected: f64, lo: usize, hi: usize| {
            (lo..=hi).filter(|&i| is_peak(m, i)).min_by(|&a, &b| {
                (a as f64 - expected)
                    .abs()
                    .total_cmp(&(b as f64 - expected).abs())
            })
        };
        let mut random = crate::testing::Uniform::new(12345);
        let mut next = || random.next();
        for _ in 0..20_000 {
            let len = 3 + (next() * 40.0) as usize;
            // Coarse values, so equal neighbours (no peak) and plateaus occur.
            let m: Vec<f64> = (0..len).map(|_| (next() * 4.0).floor()).collect();
            let expected = next() * (len as f64 + 4.0) - 2.0;
            let lo = 1 + (next() * len as f64) as usize;
            let hi = (next() * len as f64) as usize;
            let hi = hi.min(len - 2);
            // Half-bin expectations make ties between two bins.
            let expected = if next() < 0.2 {
                expected.floor() + 0.5
            } else {
                expected
            };
            assert_eq!(
                closest_peak(&m, expected, lo, hi),
                scan(&m, expected, lo, hi),
                "{m:?} expected {expected} in {lo}..={hi}"
            );
        }
    }

    const BIN_HZ: f64 = 15.625;

    /// A magnitude spectrum with a Gaussian lobe (the 60 ms window's width) at each
    /// `(hz, amplitude)`.
    fn spectrum(lobes: &[(f64, f64)]) -> Vec<f64> {
        (0..513)
            .map(|i| {
                let hz = i as f64 * BIN_HZ;
                lobes
                    .iter()
                    .map(|&(at, a)| a * (-0.5 * ((hz - at) / 13.3).powi(2)).exp())
                    .sum::<f64>()
                    + 1e-6
            })
            .collect()
    }

    /// The spectrum's largest bin within a quarter of 150 Hz of `hz` (inner bins only).
    fn loudest_bin_near(magnitude: &[f64], hz: f64) -> usize {
        (1..magnitude.len() - 1)
            .filter(|&i| (i as f64 * BIN_HZ - hz).abs() < 37.5)
            .max_by(|&a, &b| magnitude[a].total_cmp(&magnitude[b]))
            .expect("a bin near hz")
    }

    /// The spectrum's largest value within a quarter of 150 Hz of `hz`.
    fn peak_near(magnitude: &[f64], hz: f64) -> f64 {
        magnitude[loudest_bin_near(magnitude, hz)]
    }

    /// The refined level of the peak `peak_near` finds: the parabola's vertex through its bin and
    /// the two neighbours.
    fn height_near(magnitude: &[f64], hz: f64) -> f64 {
        let i = loudest_bin_near(magnitude, hz);
        parabola_vertex(magnitude[i - 1], magnitude[i], magnitude[i + 1]).1
    }

    fn formants(frequency: [f64; 3]) -> Formants {
        Formants {
            frequency,
            bandwidth: [100.0; 3],
        }
    }

    #[test]
    fn harmonic_differences_start_from_the_harmonic_above_f0() {
        let f0 = 130.0;
        let lobes: Vec<(f64, f64)> = (1..=25).map(|k| (k as f64 * f0, 1.0 / k as f64)).collect();
        let m = spectrum(&lobes);
        let h = harmonics(&m, BIN_HZ, f0, &formants([520.0, 1500.0, 2500.0]));
        let db = |a: f64, b: f64| 20.0 * (a / b).log10();
        let expected = db(height_near(&m, 260.0), height_near(&m, 390.0));
        // The refinement matters here: the lobes sit between bins (16.6 and 25.0).
        assert!((expected - db(peak_near(&m, 260.0), peak_near(&m, 390.0))).abs() > 1e-3);
        assert!(
            (h.h1_h2 - expected).abs() < 1e-9,
            "{} vs {expected}",
            h.h1_h2
        );
    }

    #[test]
    fn a_formant_takes_its_largest_harmonic_within_a_fifth_of_its_frequency() {
        let f0 = 150.0;
        // Harmonic 5 (750 Hz) is the loudest overall but lies outside F1's reach (416-624 Hz);
        // of 450 and 600 Hz, 600 is the louder.
        let amplitude = |k: usize| match k {
            4 => 0.8,
            5 => 2.0,
            _ => 0.3,
        };
        let lobes: Vec<(f64, f64)> = (1..=25).map(|k| (k as f64 * f0, amplitude(k))).collect();
        let m = spectrum(&lobes);
        let h = harmonics(&m, BIN_HZ, f0, &formants([520.0, 1500.0, 2500.0]));
        let fundamental = peak_near(&m, 150.0);
        let expected = 20.0 * (height_near(&m, 600.0) / fundamental).log10();
        assert!((h.formant_amplitude[0] - expected).abs() < 1e-9);
        let h3 = 20.0 * (height_near(&m, 300.0) / fundamental).log10();
        let loudest_near_f3 = (14..=19)
            .map(|k| k as f64 * f0)
            .max_by(|&a, &b| peak_near(&m, a).total_cmp(&peak_near(&m, b)))
            .map(|hz| height_near(&m, hz))
            .unwrap();
        let a3 = 20.0 * (loudest_near_f3 / fundamental).log10();
        assert!(
            (h.h1_a3 - (h3 - a3)).abs() < 1e-9,
            "{} vs {}",
            h.h1_a3,
            h3 - a3
        );
    }

    #[test]
    fn a_formant_with_no_harmonic_in_reach_has_no_amplitude() {
        let f0 = 300.0;
        let lobes: Vec<(f64, f64)> = (1..=12).map(|k| (k as f64 * f0, 1.0)).collect();
        let m = spectrum(&lobes);
        // 420 Hz reaches 336-504 Hz: no multiple of 300 Hz. F3 is missing altogether.
        let h = harmonics(&m, BIN_HZ, f0, &formants([420.0, 1500.0, 0.0]));
        assert_eq!(h.formant_amplitude[0], 0.0);
        assert_eq!(h.formant_amplitude[2], 0.0);
        assert!(h.formant_amplitude[1].abs() < 0.5);
        let h1 = 20.0 * (height_near(&m, 600.0) / peak_near(&m, 300.0)).log10();
        assert!((h.h1_a3 - (h1 + UNVOICED_AMPLITUDE)).abs() < 1e-9);
    }

    #[test]
    fn the_fundamental_is_no_formant_harmonic() {
        // F1 at 320 Hz reaches 256-384 Hz, where only the fundamental (300 Hz) lies.
        let f0 = 300.0;
        let lobes: Vec<(f64, f64)> = (1..=12).map(|k| (k as f64 * f0, 1.0)).collect();
        let m = spectrum(&lobes);
        let h = harmonics(&m, BIN_HZ, f0, &formants([320.0, 1500.0, 2500.0]));
        assert_eq!(h.formant_amplitude[0], 0.0);
        assert!(h.formant_amplitude[1] != 0.0);
    }

    #[test]
    fn hnr_reads_the_acf_peak_nearest_the_period() {
        // Peaks at lags 95 (0.5) and 108 (0.8); the period is 100.4 samples. Starting from 100,
        // 95 is closer than 108, so HNR = 0.5 / (1 - 0.5) = 0 dB (hill-climbing would have
        // found either, depending on the slope at 100).
        let mut acf = vec![0.0; 300];
        acf[0] = 1.0;
        for (i, v) in acf.iter_mut().enumerate().skip(1) {
            let bump = |at: f64, h: f64| h * (-0.5 * ((i as f64 - at) / 2.0).powi(2)).exp();
            *v = bump(95.0, 0.5) + bump(108.0, 0.8);
        }
        let hnr = hnr_db(|lag| acf[lag], acf.len(), 16_000, 16_000.0 / 100.4);
        assert!(hnr.abs() < 1e-3, "{hnr}");
        // From 104 (F0 = 16000/104.9), 108 is nearer: 10 log10(0.8 / 0.2) = 6.02 dB.
        let hnr = hnr_db(|lag| acf[lag], acf.len(), 16_000, 16_000.0 / 104.9);
        assert!((hnr - 10.0 * 4f64.log10()).abs() < 1e-3, "{hnr}");
    }

    #[test]
    fn a_harmonic_is_the_peak_closest_to_where_it_should_be() {
        let f0 = 150.0;
        // Around 600 Hz: a small peak 30 Hz below and a large one 55 Hz above; the small,
        // closer one is the harmonic.
        let mut lobes: Vec<(f64, f64)> = (1..=25)
            .filter(|&k| k != 4)
            .map(|k| (k as f64 * f0, 1.0))
            .collect();
        lobes.push((570.0, 0.5));
        lobes.push((655.0, 3.0));
        let m = spectrum(&lobes);
        let h = harmonics(&m, BIN_HZ, f0, &formants([600.0, 1500.0, 2500.0]));
        // F1 (480-720 Hz) sees harmonics 4 (the small peak) only: 450 and 750 Hz are outside.
        let expected = 20.0 * (height_near(&m, 570.0) / peak_near(&m, 150.0)).log10();
        assert!((h.formant_amplitude[0] - expected).abs() < 1e-9);
    }
}
