//! Peaks of a contour and the rising and falling slopes between them (the peak functionals of
//! eGeMAPS: `loudnessPeaksPerSec` and the mean / stddev rising and falling slopes).
//!
//! Built from the specification's outline (strict local extremes, pruned with a threshold of a
//! tenth of the contour's range, slopes per second) and pinned down by measurement: openSMILE's
//! peak functional was fed contours through its public C API (random walks, random walks with
//! plateaus, and 600 excerpts of the reference LLD contours) and this selection reproduces its
//! peak counts and slopes on all but 1 of 400, 10 of 400 and 12 of 600 of them (the old
//! three-pass pruning: 88, 100 and 249). The measured rules are noted where they are applied.

/// Frame period of the contours, in seconds.
const FRAME_S: f64 = 0.010;

/// Slopes of one direction. The slope from the last extreme to the end of the contour counts
/// in the mean and in the count, but not in the squared deviations (measured: with it, the
/// reference stddev equals the deviations of the other slopes divided by the full count).
#[derive(Debug, Default, Clone)]
pub struct Slopes {
    pub regular: Vec<f64>,
    pub end: Option<f64>,
}

impl Slopes {
    fn count(&self) -> usize {
        self.regular.len() + usize::from(self.end.is_some())
    }

    pub fn mean(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        (self.regular.iter().sum::<f64>() + self.end.unwrap_or(0.0)) / n as f64
    }

    pub fn stddev(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        let m = self.mean();
        (self.regular.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64).sqrt()
    }
}

#[derive(Debug, Default, Clone)]
pub struct PeakStats {
    pub peaks: usize,
    pub rising: Slopes,
    pub falling: Slopes,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Extreme {
    at: usize,
    is_max: bool,
}

/// The extremes the slopes run between, as (frame, is a maximum), for inspection.
pub fn selected_extremes(x: &[f64]) -> Vec<(usize, bool)> {
    extremes(x).into_iter().map(|e| (e.at, e.is_max)).collect()
}

/// The extremes that count, with the threshold a tenth of the contour's range (none for
/// fewer than three frames).
fn extremes(x: &[f64]) -> Vec<Extreme> {
    if x.len() < 3 {
        return Vec::new();
    }
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    select_extremes(x, 0.1 * (hi - lo))
}

pub fn peaks(x: &[f64]) -> PeakStats {
    let n = x.len();
    let mut stats = PeakStats::default();
    if n < 3 {
        return stats;
    }
    let extremes = extremes(x);
    stats.peaks = extremes.iter().filter(|e| e.is_max).count();

    let slope = |a: usize, b: usize| (x[b] - x[a]) / ((b - a) as f64 * FRAME_S);
    let (Some(first), Some(last)) = (extremes.first(), extremes.last()) else {
        // No extreme at all (a monotonic contour): one slope from end to end, the change
        // divided by the number of frames, not per second (measured through openSMILE's
        // functional on ramps of 5, 11, 21 and 41 frames).
        let total = (x[n - 1] - x[0]) / n as f64;
        if total >= 0.0 {
            stats.rising.end = Some(total);
        } else {
            stats.falling.end = Some(total);
        }
        return stats;
    };
    // The start of the contour acts as an extreme of the other kind.
    if first.at > 0 {
        let s = slope(0, first.at);
        if first.is_max {
            stats.rising.regular.push(s);
        } else {
            stats.falling.regular.push(-s);
        }
    }
    for pair in extremes.windows(2) {
        let s = slope(pair[0].at, pair[1].at);
        if pair[1].is_max {
            stats.rising.regular.push(s);
        } else {
            stats.falling.regular.push(-s);
        }
    }
    // The end adds the slope from the last extreme, signed as the contour goes (a fall after
    // the last peak is negative).
    if last.at < n - 1 {
        let s = slope(last.at, n - 1);
        if last.is_max {
            stats.falling.end = Some(s);
        } else {
            stats.rising.end = Some(s);
        }
    }
    stats
}

/// Strict local maxima and minima, skipping two frames at either end.
fn local_extremes(x: &[f64]) -> Vec<Extreme> {
    let n = x.len();
    (2..n.saturating_sub(2))
        .filter_map(|i| {
            if x[i] > x[i - 1] && x[i] > x[i + 1] {
                Some(Extreme {
                    at: i,
                    is_max: true,
                })
            } else if x[i] < x[i - 1] && x[i] < x[i + 1] {
                Some(Extreme {
                    at: i,
                    is_max: false,
                })
            } else {
                None
            }
        })
        .collect()
}

/// Of consecutive extremes of one kind, keeps the most extreme (the first on a tie).
fn merge_repeats(x: &[f64], extremes: &mut Vec<Extreme>) {
    let mut merged: Vec<Extreme> = Vec::with_capacity(extremes.len());
    for &e in extremes.iter() {
        match merged.last_mut() {
            Some(last) if last.is_max == e.is_max => {
                let better = if e.is_max {
                    x[e.at] > x[last.at]
                } else {
                    x[e.at] < x[last.at]
                };
                if better {
                    *last = e;
                }
            }
            _ => merged.push(e),
        }
    }
    *extremes = merged;
}

/// What the left-to-right pass decided about a candidate extreme.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Kept,
    Dropped,
    /// Dropped before anything of the other kind was kept, for lying within the threshold of
    /// the contour's start.
    DroppedAtStart,
}

/// An extreme replaces the kept one of its kind just before it by this factor (measured: the
/// boundary does not move with relThresh and scales with the value, so on negative contours a
/// slightly lower maximum wins). A maximum replaces the kept maximum when it exceeds it by the
/// factor; before any maximum is kept, a minimum replaces the kept minimum when it stays below
/// it times the factor.
const REPLACE_FACTOR: f64 = 1.05;

/// The extremes that count, in order: one pass over the strict local extremes that keeps those
/// that move at least `threshold` away from their reference, then drops a leading minimum that
/// lies less than `threshold` below the start, then merges neighbours of one kind.
fn select_extremes(x: &[f64], threshold: f64) -> Vec<Extreme> {
    let candidates = local_extremes(x);
    let mut fate = vec![Fate::Dropped; candidates.len()];
    let mut kept: Vec<usize> = Vec::with_capacity(candidates.len());
    // The value of the last kept maximum (what a minimum falls from), and whether a minimum has
    // been kept.
    let mut last_max: Option<f64> = None;
    let mut min_kept = false;
    // What a maximum rises from when its own minimum was kept or dropped at the start: the
    // start, lowered by minima dropped next to it, then the kept minima (see below).
    let mut low = x[0];
    // What a minimum falls from while no maximum is kept: the start, raised by maxima dropped
    // next to it.
    let mut start_high = x[0];
    // Whether the last kept maximum was kept for lying far enough below the start: such a
    // maximum is not replaced by a slightly higher one after it (measured).
    let mut last_max_below_start = false;
    for (k, &e) in candidates.iter().enumerate() {
        let value = x[e.at];
        let reference = if e.is_max {
            rise_reference(x, &candidates, &fate, k, low)
        } else {
            last_max
        };
        let below_start = e.is_max && reference.is_none() && value < low;
        let change = match reference {
            Some(r) if e.is_max => value - r,
            Some(r) => r - value,
            None => {
                // Against the start the distance counts either way: a first maximum below the
                // start is kept when it is far enough from it (measured on both sides).
                let start = if e.is_max { low } else { start_high };
                let distance = (value - start).abs();
                let other_kind_kept = if e.is_max {
                    min_kept
                } else {
                    last_max.is_some()
                };
                if distance < threshold && !other_kind_kept {
                    fate[k] = Fate::DroppedAtStart;
                    if e.is_max {
                        start_high = start_high.max(value);
                    } else {
                        low = low.min(value);
                    }
                }
                distance
            }
        };
        if change >= threshold {
            if e.is_max {
                last_max = Some(value);
                last_max_below_start = below_start;
            } else {
                let after_min = kept.last().is_some_and(|&j| !candidates[j].is_max);
                low = match (after_min, last_max.is_some()) {
                    // Minima kept in a row after a peak: the lowest counts.
                    (true, true) => low.min(value),
                    // Before any peak: a later minimum takes over unless it is well above.
                    (true, false) if value < REPLACE_FACTOR * low => value,
                    (true, false) => low,
                    (false, _) => value,
                };
                min_kept = true;
            }
            kept.push(k);
            fate[k] = Fate::Kept;
            continue;
        }
        if let Some(last) = kept.last_mut() {
            let previous = candidates[*last];
            if e.is_max
                && previous.is_max
                && !last_max_below_start
                && value > REPLACE_FACTOR * x[previous.at]
            {
                fate[*last] = Fate::Dropped;
                *last = k;
                fate[k] = Fate::Kept;
                last_max = Some(value);
            }
        }
    }
    without_leading_minima_above_start(x, &candidates, &kept, threshold)
}

/// The kept extremes in order, less any minimum before the first maximum that lies less than
/// `threshold` below the start (kept for its distance from the start, but above it), with
/// neighbours of one kind merged.
fn without_leading_minima_above_start(
    x: &[f64],
    candidates: &[Extreme],
    kept: &[usize],
    threshold: f64,
) -> Vec<Extreme> {
    let mut selected = Vec::with_capacity(kept.len());
    let mut seen_max = false;
    for &j in kept {
        let e = candidates[j];
        seen_max |= e.is_max;
        if !e.is_max && !seen_max && x[0] - x[e.at] < threshold {
            continue;
        }
        selected.push(e);
    }
    merge_repeats(x, &mut selected);
    selected
}

/// What a maximum's rise is measured from (measured rules):
/// - after a dropped minimum: that minimum (a small dip then a small rise is not a peak);
/// - after a minimum that was kept or dropped at the start: `low`;
/// - right after a kept maximum (a plateau between them): that maximum, so the second survives
///   only by [`REPLACE_FACTOR`] (a kept candidate just before `k` is always the last kept);
/// - otherwise (first extreme, after a dropped maximum): none, and `low` stands in for the
///   start.
fn rise_reference(
    x: &[f64],
    candidates: &[Extreme],
    fate: &[Fate],
    k: usize,
    low: f64,
) -> Option<f64> {
    let before = k.checked_sub(1)?;
    let previous = candidates[before];
    match (previous.is_max, fate[before]) {
        (false, Fate::Dropped) => Some(x[previous.at]),
        (false, _) => Some(low),
        (true, Fate::Kept) => Some(x[previous.at]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A triangle: up from 0 to 1 over 10 frames, down to 0 over 10, flat to the end.
    fn bump() -> Vec<f64> {
        let mut x: Vec<f64> = (0..=10).map(|i| i as f64 / 10.0).collect();
        x.extend((1..=10).map(|i| 1.0 - i as f64 / 10.0));
        x.extend(std::iter::repeat_n(0.0, 10));
        x
    }

    #[test]
    fn one_bump_rises_from_the_start_and_falls_to_the_end() {
        let p = peaks(&bump());
        assert_eq!(p.peaks, 1);
        // 1.0 over 10 frames = 10 per second, from the first frame.
        assert!((p.rising.mean() - 10.0).abs() < 1e-9, "{:?}", p.rising);
        // The plateau holds no strict minimum, so the fall runs to the last frame (20 frames),
        // with the contour's sign.
        assert!((p.falling.mean() + 5.0).abs() < 1e-9, "{:?}", p.falling);
        assert_eq!(p.falling.stddev(), 0.0);
    }

    #[test]
    fn shallow_dips_do_not_split_a_peak() {
        let mut x = bump();
        // A 2 % notch at the top: below a tenth of the range, so still one peak.
        x[10] = 0.98;
        x[9] = 0.99;
        x[11] = 0.99;
        x[8] = 0.9;
        x[12] = 0.9;
        assert_eq!(peaks(&x).peaks, 1);
    }

    #[test]
    fn end_slope_counts_in_the_mean_but_not_the_deviations() {
        let s = Slopes {
            regular: vec![4.0],
            end: Some(-2.0),
        };
        assert!((s.mean() - 1.0).abs() < 1e-12);
        assert!((s.stddev() - (9.0f64 / 2.0).sqrt()).abs() < 1e-12);
    }

    // The expectations below were measured by feeding the same contours to openSMILE's peak
    // functional (relThresh 0.1, norm seconds) through its C API.

    #[test]
    fn a_plateau_between_two_peaks_keeps_the_first_even_if_lower() {
        let x = [
            0.0, 0.0, 0.0, 0.5, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.5, 1.01, 0.5, 0.0, 0.0, 0.0,
        ];
        let p = peaks(&x);
        assert_eq!(p.peaks, 1);
        assert!((p.rising.mean() - 25.0).abs() < 1e-9, "{:?}", p.rising);
        assert!(
            (p.falling.mean() + 1.0 / 0.11).abs() < 1e-9,
            "{:?}",
            p.falling
        );
    }

    #[test]
    fn a_small_dip_then_a_small_rise_keeps_the_first_peak() {
        let x = [0.0, 0.0, 0.0, 0.5, 1.0, 0.95, 1.01, 0.5, 0.0, 0.0, 0.0];
        let p = peaks(&x);
        assert_eq!(p.peaks, 1);
        assert!((p.rising.mean() - 25.0).abs() < 1e-9, "{:?}", p.rising);
        assert!(
            (p.falling.mean() + 1.0 / 0.06).abs() < 1e-9,
            "{:?}",
            p.falling
        );
    }

    /// Two peaks 0.02 apart by a dip, then a second bump; the second peak takes over only when
    /// it is more than 5 % higher than the first.
    fn two_close_peaks(second: f64) -> PeakStats {
        peaks(&[
            0.0, 0.0, 0.0, 0.5, 1.0, 0.98, second, 0.5, 0.9, 0.5, 0.0, 0.0, 0.0,
        ])
    }

    #[test]
    fn a_peak_more_than_five_percent_higher_takes_over() {
        let first = two_close_peaks(1.0475);
        assert!(first
            .rising
            .regular
            .iter()
            .any(|&s| (s - 25.0).abs() < 1e-9));
        let second = two_close_peaks(1.0525);
        let from_start = 1.0525 / 0.06;
        assert!(
            second
                .rising
                .regular
                .iter()
                .any(|&s| (s - from_start).abs() < 1e-9),
            "{:?}",
            second.rising
        );
        assert_eq!(second.peaks, 2);
    }

    #[test]
    fn on_a_negative_contour_a_slightly_lower_peak_takes_over() {
        let x = [
            -3.0, -3.0, -3.0, -2.5, -2.0, -2.08, -2.0775, -2.5, -2.1, -2.5, -3.0, -3.0, -3.0,
        ];
        let p = peaks(&x);
        assert_eq!(p.peaks, 2);
        let mut rising = p.rising.regular.clone();
        rising.sort_by(f64::total_cmp);
        assert!((rising[0] - 15.375).abs() < 1e-6 && (rising[1] - 40.0).abs() < 1e-6);
    }

    #[test]
    fn a_first_peak_counts_when_far_enough_from_the_start_on_either_side() {
        let contour = |start: f64| {
            peaks(&[
                start, -0.8, -0.656, -0.847, 0.005, 0.039, 0.053, -0.662, -0.192, -1.226,
            ])
        };
        // The threshold is 0.128; the first peak is at -0.656.
        assert_eq!(contour(-0.9).peaks, 2);
        assert_eq!(contour(-0.6).peaks, 1);
        assert_eq!(contour(-0.111).peaks, 2);
    }

    #[test]
    fn a_ramp_has_one_slope_of_its_change_over_its_frame_count() {
        let x: Vec<f64> = (0..11).map(|i| i as f64).collect();
        let p = peaks(&x);
        assert_eq!(p.peaks, 0);
        assert!((p.rising.mean() - 10.0 / 11.0).abs() < 1e-12);
        assert_eq!(p.falling.mean(), 0.0);
    }

    #[test]
    fn a_first_maximum_below_the_start_is_not_replaced_by_a_slightly_higher_one() {
        // Starts at 9.5, first maximum 7.0 (kept: 2.5 below the start), a dip to 6.9 and 7.4
        // (5.7 % higher, but only 0.5 above the dip), then down to 0 and a peak of 10.
        // openSMILE 3.0.1's Peaks2 on this contour (through its C API): two peaks, 7.0 and 10,
        // rising slopes 104.17 on average, falling -6.67.
        let third = |a: f64, b: f64| [a + (b - a) / 3.0, a + 2.0 * (b - a) / 3.0, b];
        let mut x = vec![9.5, 5.0, 7.0, 6.9];
        for (a, b) in [
            (6.9, 7.4),
            (7.4, 3.0),
            (3.0, 0.0),
            (0.0, 10.0),
            (10.0, 5.0),
            (5.0, 5.0),
        ] {
            x.extend(third(a, b));
        }
        let p = peaks(&x);
        assert_eq!(p.peaks, 2);
        assert_eq!(selected_extremes(&x).first(), Some(&(2, true)));
        assert!((p.rising.mean() - 104.1667).abs() < 1e-3, "{:?}", p.rising);
        assert!((p.falling.mean() + 6.6667).abs() < 1e-3, "{:?}", p.falling);
    }
}
