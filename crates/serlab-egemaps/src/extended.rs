//! `egemaps_ext`: many more statistics over the same 25 eGeMAPSv02 low-level descriptors, in the
//! spirit of the ComParE sets (a larger bank of functionals over contours and their deltas).
//!
//! eGeMAPS keeps 88 values on purpose (a minimal set for comparable studies); a classifier that is
//! trained per task can use more. The descriptors that are only defined while voiced (F0, jitter,
//! shimmer, HNR, harmonic differences, formants) are summarised over voiced frames only, where a
//! mean over all frames would mostly measure how much of the clip is silent; the spectral ones are
//! summarised over all frames, over voiced frames and (the first six) over unvoiced frames.
//! MFCC 1-12 of a 40-band mel spectrum (25 ms Hann frames, as the `logmel` plugin computes them)
//! join the spectral descriptors: measured on the RAVDESS development actors, they add several
//! points of accuracy, where the same coefficients from eGeMAPS' own 26-band bank did not.
//! The formants are the vocal tract's (a textbook LPC, `FormantMethod::VocalTract`), not
//! openSMILE's: with openSMILE's the default training run generalised worse (docs/RESULTS.md).

use crate::names::LLD_NAMES;
use crate::pipeline::{Contours, LLD_COUNT};

/// MFCCs appended to the eGeMAPS descriptors (coefficients 1..=12).
pub const MFCC_COUNT: usize = 12;
/// Per-frame columns: the 25 eGeMAPS LLDs (0..10 smoothed over every frame, `_sma3`; 10..25
/// voiced-only, `_sma3nz`, F0 first), then the 12 MFCCs.
pub const COLUMNS: usize = LLD_COUNT + MFCC_COUNT;
pub type Row = [f64; COLUMNS];
const MFCC: std::ops::Range<usize> = LLD_COUNT..COLUMNS;
const SPECTRAL: [std::ops::Range<usize>; 2] = [0..10, MFCC];
// Groups are lists of column ranges (SPECTRAL joins two); these hold one.
#[allow(clippy::single_range_in_vec_init)]
const VOICED_ONLY: [std::ops::Range<usize>; 1] = [10..LLD_COUNT];
const F0_COLUMN: usize = 10;
/// Loudness, alpha ratio, Hammarberg index, the two slopes and flux: the descriptors that mean
/// something in unvoiced stretches too (as eGeMAPS' own `UV` set).
#[allow(clippy::single_range_in_vec_init)]
const UNVOICED: [std::ops::Range<usize>; 1] = [0..6];
const FRAMES_PER_SECOND: f64 = 100.0;

fn column_name(column: usize) -> String {
    match column {
        c if c < LLD_COUNT => LLD_NAMES[c].to_string(),
        c => format!("mfcc{}_40mel", c - LLD_COUNT + 1),
    }
}

/// The per-frame table of a clip: its contours' `frames` rows, each with the MFCC frame centred
/// where the 20 ms LLD frame is centred. `mfcc` holds centred frames at the same 10 ms hop (frame
/// `t` centred on sample `t * hop`), so LLD frame `t` (centre `t * hop + hop`) pairs with MFCC
/// frame `t + 1`; a short `mfcc` repeats its last frame.
pub fn table(contours: &Contours, mfcc: &[[f64; MFCC_COUNT]]) -> Vec<Row> {
    (0..contours.frames)
        .map(|t| {
            let mut row = [0.0; COLUMNS];
            for (value, column) in row.iter_mut().zip(&contours.lld) {
                *value = column[t];
            }
            if let Some(last) = mfcc.len().checked_sub(1) {
                row[MFCC].copy_from_slice(&mfcc[(t + 1).min(last)]);
            }
            row
        })
        .collect()
}

/// The statistics taken of every contour, in output order.
pub const STATISTICS: [&str; 8] = [
    "mean",
    "stddev",
    "percentile10",
    "percentile50",
    "percentile90",
    "skewness",
    "kurtosis",
    "slope",
];

/// One group of contours: which columns, over which frames, with or without their deltas.
struct Group {
    columns: &'static [std::ops::Range<usize>],
    frames: Frames,
    with_deltas: bool,
    /// Leave out zero values: a voiced-only descriptor is 0 where it could not be measured
    /// (no harmonic near a formant, no period pair for jitter), as openSMILE's functionals
    /// leave out zeros.
    skip_zeros: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Frames {
    All,
    Voiced,
    Unvoiced,
}

const GROUPS: [Group; 4] = [
    Group {
        columns: &SPECTRAL,
        frames: Frames::All,
        with_deltas: true,
        skip_zeros: false,
    },
    Group {
        columns: &VOICED_ONLY,
        frames: Frames::Voiced,
        with_deltas: true,
        skip_zeros: true,
    },
    Group {
        columns: &SPECTRAL,
        frames: Frames::Voiced,
        with_deltas: false,
        skip_zeros: false,
    },
    Group {
        columns: &UNVOICED,
        frames: Frames::Unvoiced,
        with_deltas: false,
        skip_zeros: false,
    },
];

/// The feature names, in output order: `<lld>[_V|_UV][_de]_<statistic>`, then the voiced share
/// of the frames and the clip's length in seconds.
pub fn names() -> Vec<String> {
    let mut names = Vec::new();
    for group in &GROUPS {
        // Voiced-only descriptors are voiced by definition: no `_V` tag for them.
        let tag = match group.frames {
            Frames::Voiced if group.columns == SPECTRAL.as_slice() => "_V",
            Frames::Unvoiced => "_UV",
            _ => "",
        };
        let variants: &[&str] = if group.with_deltas {
            &["", "_de"]
        } else {
            &[""]
        };
        for delta in variants {
            for column in group.columns.iter().cloned().flatten() {
                let lld = column_name(column);
                for statistic in STATISTICS {
                    names.push(format!("{lld}{tag}{delta}_{statistic}"));
                }
            }
        }
    }
    names.push("voicedFrameShare".into());
    names.push("durationSec".into());
    names
}

/// The extended functionals of a `table` (one row per 10 ms frame), `names().len()` values.
pub fn extended_functionals(table: &[Row]) -> Vec<f64> {
    // (Not sized by `names()`: that would format 818 names for every clip.)
    let mut out = Vec::new();
    let mut contour = Vec::with_capacity(table.len());
    let mut delta = Vec::with_capacity(table.len());
    for group in &GROUPS {
        let rows: Vec<&Row> = table
            .iter()
            .filter(|row| match group.frames {
                Frames::All => true,
                Frames::Voiced => row[F0_COLUMN] > 0.0,
                Frames::Unvoiced => row[F0_COLUMN] <= 0.0,
            })
            .collect();
        let mut column_stats = |deltas: bool, out: &mut Vec<f64>| {
            for column in group.columns.iter().cloned().flatten() {
                contour.clear();
                contour.extend(
                    rows.iter()
                        .map(|row| row[column])
                        .filter(|&v| !group.skip_zeros || v != 0.0),
                );
                let values = if deltas {
                    central_differences(&contour, &mut delta);
                    &delta
                } else {
                    &contour
                };
                out.extend_from_slice(&statistics(values));
            }
        };
        column_stats(false, &mut out);
        if group.with_deltas {
            column_stats(true, &mut out);
        }
    }
    let voiced = table.iter().filter(|row| row[F0_COLUMN] > 0.0).count();
    out.push(voiced as f64 / table.len().max(1) as f64);
    out.push(table.len() as f64 / FRAMES_PER_SECOND);
    out
}

/// Frame-to-frame change: `(x[t+1] - x[t-1]) / 2`, one-sided at the ends.
fn central_differences(x: &[f64], out: &mut Vec<f64>) {
    out.clear();
    let n = x.len();
    if n < 2 {
        out.resize(n, 0.0);
        return;
    }
    out.extend((0..n).map(|t| match t {
        0 => x[1] - x[0],
        _ if t == n - 1 => x[n - 1] - x[n - 2],
        _ => (x[t + 1] - x[t - 1]) / 2.0,
    }));
}

/// The `STATISTICS` of one contour. Fewer than two values carry no spread, shape or trend: all
/// zeros then (a clip with no voiced frame has no voiced statistics).
pub fn statistics(x: &[f64]) -> [f64; STATISTICS.len()] {
    let n = x.len();
    if n < 2 {
        return [0.0; STATISTICS.len()];
    }
    let count = n as f64;
    let mean = x.iter().sum::<f64>() / count;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &v in x {
        let d = v - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let (m2, m3, m4) = (m2 / count, m3 / count, m4 / count);
    let stddev = m2.sqrt();
    // A constant contour has no shape: skewness and excess kurtosis 0, not 0/0.
    let flat = stddev <= 1e-12 * mean.abs().max(f64::MIN_POSITIVE);
    let (skewness, kurtosis) = if flat {
        (0.0, 0.0)
    } else {
        (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
    };
    // Least-squares slope against the frame index, per frame.
    let centre = (count - 1.0) / 2.0;
    let (mut num, mut den) = (0.0, 0.0);
    for (t, &v) in x.iter().enumerate() {
        let dt = t as f64 - centre;
        num += dt * (v - mean);
        den += dt * dt;
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    [
        mean,
        stddev,
        percentile(&sorted, 0.10),
        percentile(&sorted, 0.50),
        percentile(&sorted, 0.90),
        skewness,
        kurtosis,
        num / den,
    ]
}

/// The `q` quantile of sorted values, interpolating linearly between the two nearest ranks.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let share = position - below as f64;
    sorted[below] * (1.0 - share) + sorted[above] * share
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn statistics_of_a_known_contour() {
        // 1, 2, 3, 4, 10: mean 4, population variance 10.
        let s = statistics(&[1.0, 2.0, 3.0, 4.0, 10.0]);
        assert!(close(s[0], 4.0), "{s:?}");
        assert!(close(s[1], 10f64.sqrt()), "{s:?}");
        // Ranks 0..4: the 10th percentile is 0.4 of the way from 1 to 2, the 90th 0.6 from 4 to 10.
        assert!(
            close(s[2], 1.4) && close(s[3], 3.0) && close(s[4], 7.6),
            "{s:?}"
        );
        // Third and fourth central moments: (-27-8-1+0+216)/5 = 36, (81+16+1+0+1296)/5 = 278.8.
        assert!(close(s[5], 36.0 / 10f64.powf(1.5)), "{s:?}");
        assert!(close(s[6], 278.8 / 100.0 - 3.0), "{s:?}");
        // Slope: sum((t-2)(x-4)) / sum((t-2)^2) = (6+2+0+0+12)/10.
        assert!(close(s[7], 2.0), "{s:?}");
    }

    #[test]
    fn constant_and_tiny_contours_give_zeros_not_nan() {
        let flat = statistics(&[3.0; 7]);
        assert_eq!(flat, [3.0, 0.0, 3.0, 3.0, 3.0, 0.0, 0.0, 0.0]);
        assert_eq!(statistics(&[5.0]), [0.0; 8]);
        assert_eq!(statistics(&[]), [0.0; 8]);
    }

    #[test]
    fn deltas_are_central_differences() {
        let mut d = Vec::new();
        central_differences(&[0.0, 1.0, 4.0, 9.0], &mut d);
        assert_eq!(d, vec![1.0, 2.0, 4.0, 5.0]);
    }

    /// Frames 0..n: F0 (column 10) voiced on even frames, loudness (column 0) = frame index.
    fn table(n: usize) -> Vec<Row> {
        (0..n)
            .map(|t| {
                let mut row = [0.0; COLUMNS];
                row[0] = t as f64;
                if t % 2 == 0 {
                    row[F0_COLUMN] = 20.0 + t as f64;
                }
                row
            })
            .collect()
    }

    #[test]
    fn names_and_values_line_up() {
        let names = names();
        let values = extended_functionals(&table(50));
        assert_eq!(names.len(), values.len());
        assert_eq!(names.len(), 818);
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "duplicate names");
        assert!(values.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn voiced_only_descriptors_leave_out_frames_where_they_are_zero() {
        // F1 amplitude (column 18) measured as 5 on voiced frames 0, 4, 8, .. and not measured
        // (0) on voiced frames 2, 6, ..: its mean is 5, not 2.5. Loudness over voiced frames
        // still counts every voiced frame.
        let mut rows = table(40);
        for (t, row) in rows.iter_mut().enumerate() {
            if t % 4 == 0 {
                row[18] = 5.0;
            }
        }
        let names = names();
        let values = extended_functionals(&rows);
        let value = |name: &str| values[names.iter().position(|n| n == name).unwrap()];
        assert_eq!(LLD_NAMES[18], "F1amplitudeLogRelF0_sma3nz");
        assert!(close(value("F1amplitudeLogRelF0_sma3nz_mean"), 5.0));
        assert!(close(value("F1amplitudeLogRelF0_sma3nz_stddev"), 0.0));
        assert!(close(value("Loudness_sma3_V_mean"), 19.0));
    }

    #[test]
    fn voiced_and_unvoiced_groups_see_only_their_frames() {
        let names = names();
        let values = extended_functionals(&table(50));
        let value = |name: &str| values[names.iter().position(|n| n == name).unwrap()];
        // Loudness over all frames: 0..49; over voiced (even) frames: 0, 2, .., 48; unvoiced: odd.
        assert!(close(value("Loudness_sma3_mean"), 24.5));
        assert!(close(value("Loudness_sma3_V_mean"), 24.0));
        assert!(close(value("Loudness_sma3_UV_mean"), 25.0));
        assert!(close(value("Loudness_sma3_de_mean"), 1.0));
        // F0 is summarised over voiced frames only: 20, 22, .., 68, rising 2 per voiced frame.
        assert!(close(value("F0semitoneFrom27.5Hz_sma3nz_mean"), 44.0));
        assert!(close(value("F0semitoneFrom27.5Hz_sma3nz_slope"), 2.0));
        assert!(close(value("F0semitoneFrom27.5Hz_sma3nz_de_mean"), 2.0));
        assert!(close(value("voicedFrameShare"), 0.5));
        assert!(close(value("durationSec"), 0.5));
    }

    #[test]
    fn a_clip_without_voice_has_zero_voiced_statistics() {
        let silent: Vec<Row> = table(30)
            .into_iter()
            .map(|mut row| {
                row[F0_COLUMN] = 0.0;
                row
            })
            .collect();
        let names = names();
        let values = extended_functionals(&silent);
        for (name, value) in names.iter().zip(&values) {
            if name.contains("_V_") || name.contains("sma3nz") {
                assert_eq!(*value, 0.0, "{name}");
            }
        }
        assert!(values.iter().all(|v| v.is_finite()));
    }
}
