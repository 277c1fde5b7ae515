//! Jitter (local) and shimmer (local, dB) as openSMILE's `cPitchJitter` measures them, guided
//! by the smoothed F0 (spec §4). Every rule here was measured by probing the component through
//! its C API (`scripts/egemaps-probes`, docs/EGEMAPS.md "cPitchJitter, probed"):
//!
//! * A track walks the waveform with an integer position `p`. At `p` it tries every lag `L`
//!   from ⌊0.9·T0⌋ to ⌊1.1·T0⌋ (T0 from the current frame's F0) and correlates (Pearson) the
//!   `L` samples at `p` with the `L` samples after them. The best local maximum strictly inside
//!   that range, refined by a parabola, is the period; its refined height must reach 0.5. Either
//!   way `p` moves on by the rounded lag; with no local maximum inside the range it moves on by
//!   the rounded T0.
//! * A voiced stretch starts its walk at its first frame's start. Frame `m` (hop `h`) measures the
//!   period its walk left pending if it starts at or before `h·m − 2`, then more while the
//!   samples the longest lag needs fit before the end of its hop (`p + 2·(⌊1.1·T0⌋ + 1) ≤
//!   h·(m+1) − 2`).
//! * Jitter = Σ|L_i − L_{i−1}| / Σ L_i over the frame's new periods, each paired with the last
//!   period measured before it in the stretch (failed tries in between do not break the pair).
//!   Shimmer compares the peak-to-peak amplitude inside each period (its first and last sample
//!   left out) with that inside the next L samples: shimmerLocal = min(1, Σ|A₂ − A₁| /
//!   Σ (A₁ + A₂)/2) and shimmerLocalDB = 20·log10(1 + shimmerLocal).
//! * A voiced frame that measures nothing repeats the previous frame's values, except that one
//!   which tries nothing at all reports no jitter; unvoiced frames are 0.

/// The search range around T0 (spec: searchRangeRel).
const SEARCH_RANGE: f64 = 0.1;
/// A period whose refined correlation peak is lower than this is not kept (spec: minCC).
const MIN_CORRELATION: f64 = 0.5;
/// Samples of slack in both scheduling rules (measured on pulse trains of every period from 60
/// to 320 samples and every phase against the frames).
const SCHEDULE_SLACK: i64 = 2;

use crate::frames::dot;
use crate::vertex::parabola_vertex;

pub struct VoiceQuality {
    sample_rate: u32,
}

/// What one try at a track position gives.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Try {
    /// Too close to the end of the signal to correlate two periods.
    End,
    /// No correlation peak strictly inside the search range: move on by T0.
    NoPeak,
    /// A peak too weak to keep: move on by its lag.
    Weak {
        length: f64,
    },
    Period(Period),
}

/// One measured period: its refined length and the peak-to-peak amplitudes of itself and of the
/// stretch after it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Period {
    length: f64,
    amplitude: f64,
    next_amplitude: f64,
}

/// A period as a frame reports it: with the length of the period measured before it, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Measured {
    previous_length: Option<f64>,
    period: Period,
}

impl VoiceQuality {
    pub fn new(sample_rate: u32) -> Self {
        Self { sample_rate }
    }

    /// Per-frame jitter and shimmer (dB); 0 in unvoiced frames. `f0` has one value per output
    /// frame (Hz, 0 = unvoiced); frame `m` starts at sample `m · hop`.
    pub fn analyse(&self, samples: &[f32], f0: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let x: Vec<f64> = samples.iter().map(|&v| f64::from(v)).collect();
        let rate = f64::from(self.sample_rate);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the processor has AVX (just checked).
            return unsafe { walk_avx(&x, f0, rate) };
        }
        walk(&x, f0, rate)
    }
}

/// [`walk`] compiled for AVX: the correlations' dot products run twice as wide, with identical
/// results (the compiler never fuses a multiply and an add).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn walk_avx(x: &[f64], f0: &[f64], rate: f64) -> (Vec<f64>, Vec<f64>) {
    walk(x, f0, rate)
}

/// The per-frame jitter and shimmer of [`VoiceQuality::analyse`].
#[inline(always)]
fn walk(x: &[f64], f0: &[f64], rate: f64) -> (Vec<f64>, Vec<f64>) {
    let hop = (rate * 0.01).round() as i64;
    let mut jitter = vec![0.0; f0.len()];
    let mut shimmer = vec![0.0; f0.len()];
    let mut position: Option<i64> = None;
    let mut previous_length = None;
    let mut last = (0.0, 0.0);
    let mut new = Vec::new();
    for (m, &f) in f0.iter().enumerate() {
        if f <= 0.0 {
            position = None;
            previous_length = None;
            last = (0.0, 0.0);
            continue;
        }
        let t0 = rate / f;
        let frame_start = m as i64 * hop;
        let fresh = position.is_none();
        let mut p = position.unwrap_or(frame_start);
        if fresh {
            previous_length = None;
        }
        new.clear();
        let mut tries = 0;
        loop {
            if !due(tries, fresh, p, (frame_start, hop), t0) {
                break;
            }
            tries += 1;
            match try_period(x, p, t0) {
                Try::End => break,
                Try::NoPeak => p += t0.round() as i64,
                Try::Weak { length } => p += length.round() as i64,
                Try::Period(period) => {
                    new.push(Measured {
                        previous_length,
                        period,
                    });
                    previous_length = Some(period.length);
                    p += period.length.round() as i64;
                }
            }
        }
        position = Some(p);
        if !new.is_empty() {
            last = frame_values(&new);
        }
        (jitter[m], shimmer[m]) = last;
        if tries == 0 {
            // A frame that tries nothing reports no jitter but the last shimmer (measured).
            jitter[m] = 0.0;
        }
    }
    (jitter, shimmer)
}

/// Whether a frame (starting at `frame_start`, `hop` long) tries the position `p` after
/// `tries` tries: the first when the walk just started or left `p` pending before the frame,
/// more while the samples the longest lag needs end before the frame's hop does.
fn due(tries: usize, fresh: bool, p: i64, (frame_start, hop): (i64, i64), t0: f64) -> bool {
    if tries == 0 {
        fresh || p - frame_start <= -SCHEDULE_SLACK
    } else {
        p + 2 * (longest_lag(t0) + 1) <= frame_start + hop - SCHEDULE_SLACK
    }
}

/// Jitter and shimmer (dB) of one frame's new periods.
fn frame_values(new: &[Measured]) -> (f64, f64) {
    let (mut change, mut total) = (0.0, 0.0);
    for m in new {
        if let Some(previous) = m.previous_length {
            change += (m.period.length - previous).abs();
            total += m.period.length;
        }
    }
    let jitter = if total > 0.0 { change / total } else { 0.0 };
    let (mut difference, mut level) = (0.0, 0.0);
    for m in new {
        let (a, b) = (m.period.amplitude, m.period.next_amplitude);
        difference += (b - a).abs();
        level += (a + b) / 2.0;
    }
    // openSMILE caps the relative change at 1 (6.02 dB), measured on onsets where the
    // amplitude more than doubles.
    let shimmer = if level > 0.0 {
        20.0 * (1.0 + (difference / level).min(1.0)).log10()
    } else {
        0.0
    };
    (jitter, shimmer)
}

/// Pearson correlation from the sums of two equally long stretches of `n` samples (0 when
/// either is constant). The sums of 16-bit samples and of their products are exact in f64, so
/// this agrees with the two-pass formula to rounding in the last line.
fn pearson(n: f64, ab: f64, (sa, saa): (f64, f64), (sb, sbb): (f64, f64)) -> f64 {
    let spread = (saa - sa * sa / n) * (sbb - sb * sb / n);
    if spread > 0.0 {
        (ab - sa * sb / n) / spread.sqrt()
    } else {
        0.0
    }
}

/// Sum and sum of squares.
fn moments(x: &[f64]) -> (f64, f64) {
    x.iter().fold((0.0, 0.0), |(s, q), &v| (s + v, q + v * v))
}

fn peak_to_peak(x: &[f64]) -> f64 {
    let max = x.iter().copied().fold(f64::MIN, f64::max);
    let min = x.iter().copied().fold(f64::MAX, f64::min);
    if x.is_empty() {
        0.0
    } else {
        max - min
    }
}

/// The longest lag searched around `t0`.
fn longest_lag(t0: f64) -> i64 {
    (t0 * (1.0 + SEARCH_RANGE)).floor() as i64
}

/// The period starting at `p`, searched around `t0`.
#[inline(always)]
fn try_period(x: &[f64], p: i64, t0: f64) -> Try {
    let lo = (t0 * (1.0 - SEARCH_RANGE)).floor() as i64;
    let hi = longest_lag(t0);
    if p < 0 || lo < 2 || p + 2 * (hi + 1) + 2 >= x.len() as i64 {
        return Try::End;
    }
    let p = p as usize;
    // cc[i] is the correlation of the `lag` samples at p with the `lag` after them, lag =
    // lo - 1 + i, for lags lo - 1 ..= hi + 1. The sums of both stretches slide from lag to lag,
    // so each lag costs one dot product.
    let first = (lo - 1) as usize;
    let mut a = moments(&x[p..p + first]);
    let mut b = moments(&x[p + first..p + 2 * first]);
    let mut cc = Vec::with_capacity((hi - lo + 3) as usize);
    for lag in first..=(hi + 1) as usize {
        if lag > first {
            // a gains x[p + lag - 1]; b loses it and gains the two samples at its end.
            let (moved, end) = (x[p + lag - 1], &x[p + 2 * lag - 2..p + 2 * lag]);
            a = (a.0 + moved, a.1 + moved * moved);
            b = (
                b.0 - moved + end[0] + end[1],
                b.1 - moved * moved + end[0] * end[0] + end[1] * end[1],
            );
        }
        let ab = dot(&x[p..p + lag], &x[p + lag..p + 2 * lag]);
        cc.push(pearson(lag as f64, ab, a, b));
    }
    // Local maxima strictly inside lo..=hi; the strongest (the first of equals) wins.
    let mut best: Option<usize> = None;
    for i in 2..cc.len() - 2 {
        if cc[i] >= cc[i - 1] && cc[i] >= cc[i + 1] && best.is_none_or(|b| cc[i] > cc[b]) {
            best = Some(i);
        }
    }
    let Some(i) = best else {
        return Try::NoPeak;
    };
    // A local maximum's vertex lies within half a lag of it.
    let (offset, height) = parabola_vertex(cc[i - 1], cc[i], cc[i + 1]);
    let length = (lo - 1 + i as i64) as f64 + offset;
    if height < MIN_CORRELATION {
        return Try::Weak { length };
    }
    // Each amplitude leaves out the first and last sample of its period (measured: 355 of 357
    // single-period frames agree to 3e-5 this way, no other window did).
    let whole = length.round() as usize;
    Try::Period(Period {
        length,
        amplitude: peak_to_peak(&x[p + 1..p + whole - 1]),
        next_amplitude: peak_to_peak(&x[p + whole + 1..p + 2 * whole - 1]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulse_train(periods: &[f64], amplitudes: &[f64], rate: f64) -> Vec<f32> {
        // Each period: a smooth glottal-like pulse peaking 30 samples in, then decaying.
        let mut x = Vec::new();
        for (&t, &a) in periods.iter().zip(amplitudes) {
            for i in 0..t.round() as usize {
                let i = i as f64;
                let envelope = if i < 30.0 {
                    (std::f64::consts::PI * i / 60.0).sin().powi(2)
                } else {
                    (-(i - 30.0) / 12.0).exp()
                };
                let ring = 0.8 + 0.2 * (2.0 * std::f64::consts::PI * 700.0 * i / rate).cos();
                x.push((a * envelope * ring) as f32);
            }
        }
        x
    }

    #[test]
    fn a_perfectly_regular_voice_has_no_jitter_or_shimmer() {
        let rate = 16_000.0;
        let x = pulse_train(&[100.0; 60], &[0.5; 60], rate);
        let f0 = vec![160.0; x.len() / 160];
        let (j, s) = VoiceQuality::new(16_000).analyse(&x, &f0);
        let middle = f0.len() / 2;
        assert!(j[middle] < 1e-3, "jitter {}", j[middle]);
        assert!(s[middle] < 0.05, "shimmer {}", s[middle]);
        assert!(s[middle] >= 0.0 && j[middle] >= 0.0);
    }

    /// Mean jitter over the middle of a train whose periods alternate 100 ± `dev` samples.
    fn alternating(dev: f64) -> f64 {
        let periods: Vec<f64> = (0..80)
            .map(|i| if i % 2 == 0 { 100.0 - dev } else { 100.0 + dev })
            .collect();
        let x = pulse_train(&periods, &[0.5; 80], 16_000.0);
        let f0 = vec![160.0; x.len() / 160];
        let (j, _) = VoiceQuality::new(16_000).analyse(&x, &f0);
        let middle = &j[10..f0.len() - 10];
        middle.iter().sum::<f64>() / middle.len() as f64
    }

    #[test]
    fn jitter_follows_the_period_changes_and_shimmer_the_amplitude_ratio() {
        // Alternating 100 ± d periods: every pair differs by 2d, so jitter is about 2d/100.
        let (j0, j2, j4) = (alternating(0.0), alternating(2.0), alternating(4.0));
        assert!(j0 < 1e-3, "{j0}");
        assert!((j2 - 0.04).abs() < 0.01, "{j2}");
        assert!((j4 - 0.08).abs() < 0.015, "{j4}");
        // A tone whose amplitude shrinks by 3 % a period: each period's peak-to-peak amplitude
        // is 0.97 of the one before, so shimmerLocal = 0.03 / 0.985 and the dB value is
        // 20·log10(1 + 0.03 / 0.985) = 0.261 dB.
        let x: Vec<f32> = (0..8000)
            .map(|i| {
                let cycles = i as f64 / 100.0;
                (0.8 * 0.97f64.powf(cycles) * (2.0 * std::f64::consts::PI * cycles).sin()) as f32
            })
            .collect();
        let f0 = vec![160.0; x.len() / 160];
        let (j, s) = VoiceQuality::new(16_000).analyse(&x, &f0);
        let middle = f0.len() / 2;
        assert!((s[middle] - 0.261).abs() < 0.01, "shimmer {}", s[middle]);
        assert!(j[middle] < 1e-3, "jitter {}", j[middle]);
    }

    #[test]
    fn frame_values_divide_by_the_new_periods_and_pair_amplitudes_within_each() {
        let period = |previous_length: Option<f64>, length: f64, a: f64, b: f64| Measured {
            previous_length,
            period: Period {
                length,
                amplitude: a,
                next_amplitude: b,
            },
        };
        // 90 after 100: exactly 10/90 (as openSMILE gives for a 90-sample period after
        // 100-sample ones); 0.5 then 0.4: shimmerLocal 0.1/0.45, 1.743 dB.
        let (j, s) = frame_values(&[period(Some(100.0), 90.0, 0.5, 0.4)]);
        assert!((j - 10.0 / 90.0).abs() < 1e-12, "{j}");
        assert!(
            (s - 20.0 * (1.0 + 0.1 / 0.45f64).log10()).abs() < 1e-12,
            "{s}"
        );
        assert!((s - 1.743).abs() < 1e-3, "{s}");
        // A track's first period has no jitter pair but its shimmer counts.
        let (j, s) = frame_values(&[
            period(None, 100.0, 0.5, 0.5),
            period(Some(100.0), 104.0, 0.5, 0.4),
        ]);
        assert!((j - 4.0 / 104.0).abs() < 1e-12, "{j}");
        assert!(
            (s - 20.0 * (1.0 + 0.1 / 0.95f64).log10()).abs() < 1e-12,
            "{s}"
        );
    }

    #[test]
    fn frames_follow_the_measured_schedule() {
        // On a train of 100-sample periods openSMILE's frames hold 1, 1, 1, 2, 1, 2, 1, 2, 2, ...
        // new periods; a frame that measures none repeats the values before it.
        let x = pulse_train(&[100.0; 120], &[0.5; 120], 16_000.0);
        let xs: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let mut p = 0i64;
        let mut counts = Vec::new();
        for m in 0..12i64 {
            let mut n = 0;
            while due(n, m == 0, p, (160 * m, 160), 100.0) {
                let Try::Period(period) = try_period(&xs, p, 100.0) else {
                    panic!("the train is periodic at {p}")
                };
                p += period.length.round() as i64;
                n += 1;
            }
            counts.push(n);
        }
        assert_eq!(counts[..9], [1, 1, 1, 2, 1, 2, 1, 2, 2]);
    }

    #[test]
    fn unvoiced_frames_and_noise_give_zero() {
        let x: Vec<f32> = (0..16_000)
            .map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.3)
            .collect();
        let f0 = vec![0.0; 100];
        let (j, s) = VoiceQuality::new(16_000).analyse(&x, &f0);
        assert!(j.iter().chain(&s).all(|&v| v == 0.0));
    }
}
