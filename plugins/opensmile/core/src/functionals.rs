//! The 88 eGeMAPSv02 functionals over the contours of [`crate::pipeline::Contours`].

use crate::peaks::peaks;
use crate::pipeline::Contours;

/// Frame period of the contours, in seconds (slopes and segment lengths are per second).
const FRAME_S: f64 = 0.010;

pub fn amean(x: &[f64]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

/// Population standard deviation over the signed mean (divided by 1 when the mean is 0).
pub fn stddev_norm(x: &[f64]) -> f64 {
    let sd = population_stddev(x);
    if sd <= 0.0 {
        return 0.0;
    }
    let m = amean(x);
    sd / if m == 0.0 { 1.0 } else { m }
}

pub fn population_stddev(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let m = amean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Linearly interpolated percentile of sorted values (numpy's "linear").
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = p * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

pub fn non_zero(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| *v != 0.0).collect()
}

/// Voiced and unvoiced segments of the F0 contour, as openSMILE's segment functionals measure
/// them (pinned down with tones and silences of known lengths through openSMILE, then checked on
/// the reference clips): the contour stops three frames before the LLD table ends and one
/// unvoiced frame follows it; a run lasts at least 3 frames and a gap of fewer than 2 frames
/// does not end it; each segment counts one frame less than it spans; and the per-second rate
/// divides by the contour's length (one frame more when it ends unvoiced).
pub struct Segments {
    /// Lengths in frames.
    pub voiced: Vec<usize>,
    pub unvoiced: Vec<usize>,
    /// The time the segment rate divides by, in frames.
    pub span: usize,
}

pub fn segments(f0: &[f64]) -> Segments {
    let m = if f0.len() > 3 { f0.len() - 3 } else { f0.len() };
    let mut contour = f0[..m].to_vec();
    contour.push(0.0);
    let ends_unvoiced = m > 0 && f0[m - 1] == 0.0;
    Segments {
        voiced: runs(&contour, |v| v != 0.0),
        unvoiced: runs(&contour, |v| v == 0.0),
        span: m + usize::from(ends_unvoiced),
    }
}

/// Lengths (frames, one less than spanned) of runs where `inside(value)` holds: a gap of fewer
/// than 2 frames does not end a run, and a run must span 3 frames and hold at least 3 inside
/// frames (so `1 0 1` is no segment; checked against openSMILE's segment functional on random
/// patterns).
fn runs(x: &[f64], inside: impl Fn(f64) -> bool) -> Vec<usize> {
    const MIN_SEGMENT: usize = 3;
    const MIN_PAUSE: usize = 2;
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut count = 0;
    let mut gap = 0;
    let close = |s: usize, end: usize, count: usize, out: &mut Vec<usize>| {
        if end - s >= MIN_SEGMENT && count >= MIN_SEGMENT {
            out.push(end - s - 1);
        }
    };
    for (i, &v) in x.iter().enumerate() {
        if inside(v) {
            if start.is_none() {
                start = Some(i);
                count = 0;
            }
            count += 1;
            gap = 0;
        } else if let Some(s) = start {
            gap += 1;
            if gap >= MIN_PAUSE {
                close(s, i + 1 - gap, count, &mut out);
                start = None;
                gap = 0;
            }
        }
    }
    if let Some(s) = start {
        close(s, x.len() - gap, count, &mut out);
    }
    out
}

/// amean, stddevNorm, percentiles 20/50/80, range 20-80, rising and falling slope mean/stddev.
/// Returns the peak count, which the loudness peak rate reuses.
fn ten(x: &[f64], out: &mut Vec<f64>) -> usize {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let p20 = percentile(&sorted, 0.2);
    let p80 = percentile(&sorted, 0.8);
    let p = peaks(x);
    out.extend([
        amean(x),
        stddev_norm(x),
        p20,
        percentile(&sorted, 0.5),
        p80,
        (p80 - p20).abs(),
        p.rising.mean(),
        p.rising.stddev(),
        p.falling.mean(),
        p.falling.stddev(),
    ]);
    p.peaks
}

pub fn functionals(c: &Contours) -> Vec<f64> {
    let mut out = Vec::with_capacity(88);
    ten(&non_zero(&c.lld[10]), &mut out);
    let loudness_peaks = ten(&c.lld[0], &mut out);
    for col in &c.lld[5..10] {
        out.push(amean(col));
        out.push(stddev_norm(col));
    }
    let mut voiced_inputs: Vec<&Vec<f64>> = c.lld[11..16].iter().collect();
    voiced_inputs.extend(c.voiced_formants.iter());
    for col in voiced_inputs {
        let v = non_zero(col);
        out.push(amean(&v));
        out.push(stddev_norm(&v));
    }
    for col in &c.voiced_spectral {
        let v = non_zero(col);
        out.push(amean(&v));
        out.push(stddev_norm(&v));
    }
    for col in &c.unvoiced_spectral {
        out.push(amean(&non_zero(col)));
    }
    // Per second of the 20 ms stream (its frame count times the hop), not of the audio.
    let loudness_seconds = (c.lld[0].len() as f64 * FRAME_S).max(f64::MIN_POSITIVE);
    out.push(loudness_peaks as f64 / loudness_seconds);
    let segments = segments(&c.lld[10]);
    let (voiced, unvoiced) = (&segments.voiced, &segments.unvoiced);
    let secs = |s: &[usize]| s.iter().map(|&l| l as f64 * FRAME_S).collect::<Vec<_>>();
    let span_s = (segments.span as f64 * FRAME_S).max(f64::MIN_POSITIVE);
    out.push(voiced.len() as f64 / span_s);
    out.push(amean(&secs(voiced)));
    out.push(population_stddev(&secs(voiced)));
    out.push(amean(&secs(unvoiced)));
    out.push(population_stddev(&secs(unvoiced)));
    let energy = amean(&c.frame_energy);
    out.push(10.0 * energy.max(1e-12).log10());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contour(runs: &[(bool, usize)]) -> Vec<f64> {
        runs.iter()
            .flat_map(|&(voiced, n)| std::iter::repeat_n(if voiced { 30.0 } else { 0.0 }, n))
            .collect()
    }

    /// Voicing patterns of tones and silences whose segment functionals were measured through
    /// openSMILE 3.0.1 (lengths in frames, rate span in frames).
    #[test]
    fn segments_match_measured_tone_and_silence_patterns() {
        // 1 s tone then 0.5 s silence: 98 voiced, 48 unvoiced LLD frames.
        let s = segments(&contour(&[(true, 98), (false, 48)]));
        assert_eq!((s.voiced, s.unvoiced, s.span), (vec![97], vec![45], 144));
        // 0.3 s silence then 1 s tone.
        let s = segments(&contour(&[(false, 27), (true, 99)]));
        assert_eq!((s.voiced, s.unvoiced, s.span), (vec![95], vec![26], 123));
        // Tone, silence, tone.
        let s = segments(&contour(&[(true, 48), (false, 29), (true, 49)]));
        assert_eq!(
            (s.voiced, s.unvoiced, s.span),
            (vec![47, 45], vec![28], 123)
        );
    }

    #[test]
    fn one_frame_gaps_do_not_split_and_short_runs_do_not_count() {
        let s = segments(&contour(&[
            (false, 10),
            (true, 20),
            (false, 1),
            (true, 20),
            (false, 10),
            (true, 2),
            (false, 10),
        ]));
        assert_eq!(s.voiced, vec![40]);
    }

    /// Patterns measured through openSMILE's segment functional (fed directly as a contour):
    /// `1 0 1` spans three frames but holds two voiced ones, and is no segment.
    #[test]
    fn a_run_needs_three_inside_frames_not_just_a_three_frame_span() {
        let pattern = "0111110000010100000111110000011110110001110110000";
        let x: Vec<f64> = pattern.bytes().map(|b| f64::from(b - b'0')).collect();
        // openSMILE: 4 segments, mean 4.75 frames, stddev 0.829 frames.
        assert_eq!(runs(&x, |v| v != 0.0), vec![4, 4, 6, 5]);
    }
}
