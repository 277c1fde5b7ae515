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
    let m = frames_kept(f0.len(), GATED_FRAMES_LEFT_OUT);
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

/// The last frames of an F0-gated contour that never reach openSMILE's functionals. Measured
/// through openSMILE 3.0.1 on clips cut inside voiced speech (its F0 functionals, the
/// voiced-only spectral ones, HNR and H1-H2 all match ours over exactly the frames before
/// these), and the segment functionals stop at the same frame.
const GATED_FRAMES_LEFT_OUT: usize = 3;
/// The same for the unvoiced-only contours, cut after smoothing (measured the same way, on
/// voiced clips ending in noise whose spectral tilt changes frame by frame, so each frame's
/// share shows).
const UNVOICED_FRAMES_LEFT_OUT: usize = 2;

/// How many of `frames` reach the functionals when the last `left_out` do not (all of them in
/// a contour too short to lose any).
fn frames_kept(frames: usize, left_out: usize) -> usize {
    if frames > left_out {
        frames - left_out
    } else {
        frames
    }
}

pub fn functionals(c: &Contours) -> Vec<f64> {
    let mut out = Vec::with_capacity(88);
    let voiced_end = frames_kept(c.frames, GATED_FRAMES_LEFT_OUT);
    let head = |col: &[f64], end: usize| -> Vec<f64> { non_zero(&col[..end.min(col.len())]) };
    ten(&head(&c.lld[10], voiced_end), &mut out);
    let loudness_peaks = ten(&c.lld[0], &mut out);
    for col in &c.lld[5..10] {
        out.push(amean(col));
        out.push(stddev_norm(col));
    }
    let mut voiced_inputs: Vec<&Vec<f64>> = c.lld[11..16].iter().collect();
    voiced_inputs.extend(c.voiced_formants.iter());
    for col in voiced_inputs.into_iter().chain(&c.voiced_spectral) {
        let v = head(col, voiced_end);
        out.push(amean(&v));
        out.push(stddev_norm(&v));
    }
    for col in &c.unvoiced_spectral {
        out.push(amean(&head(
            col,
            frames_kept(c.frames, UNVOICED_FRAMES_LEFT_OUT),
        )));
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

    /// Contours of `n` frames, voiced throughout with F0 `f0` (semitones), every other
    /// descriptor 1 and the unvoiced-only ones `unvoiced`.
    fn flat_contours(n: usize, f0: Vec<f64>, unvoiced: Vec<f64>) -> Contours {
        let ones = vec![1.0; n];
        let mut lld = vec![ones.clone(); crate::pipeline::LLD_COUNT];
        lld[10] = f0.clone();
        Contours {
            frames: n,
            f0_raw: f0,
            lld,
            voiced_spectral: vec![ones.clone(); 9],
            unvoiced_spectral: vec![unvoiced; 5],
            voiced_formants: vec![ones.clone(); 9],
            frame_energy: ones,
        }
    }

    #[test]
    fn gated_contours_leave_out_their_last_frames_as_opensmile_does() {
        // Voiced to the very end: the last three F0 frames never reach openSMILE's functionals,
        // nor do the last two unvoiced-only frames.
        let mut f0 = vec![30.0; 40];
        f0[37..].fill(60.0);
        let mut unvoiced = vec![2.0; 40];
        unvoiced[38..].fill(50.0);
        let out = functionals(&flat_contours(40, f0, unvoiced));
        assert_eq!(out[0], 30.0, "F0 mean");
        assert_eq!(out[1], 0.0, "F0 spread");
        assert_eq!(out[76], 2.0, "alpha ratio (unvoiced) mean");
        // One frame earlier and both reach them.
        let mut f0 = vec![30.0; 40];
        f0[36..].fill(60.0);
        let mut unvoiced = vec![2.0; 40];
        unvoiced[37..].fill(50.0);
        let out = functionals(&flat_contours(40, f0, unvoiced));
        assert!(out[0] > 30.0 && out[76] > 2.0, "{} {}", out[0], out[76]);
    }

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
