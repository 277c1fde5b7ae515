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

/// Lengths (frames) of runs where `inside(value)` holds, with openSMILE's hysteresis: a run must
/// last 3 frames, and a gap of fewer than 2 frames does not end it.
pub fn segments(x: &[f64], inside: impl Fn(f64) -> bool) -> Vec<usize> {
    const MIN_SEGMENT: usize = 3;
    const MIN_PAUSE: usize = 2;
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut gap = 0;
    for (i, &v) in x.iter().enumerate() {
        if inside(v) {
            if start.is_none() {
                start = Some(i);
            }
            gap = 0;
        } else if let Some(s) = start {
            gap += 1;
            if gap >= MIN_PAUSE {
                let len = i + 1 - gap - s;
                if len >= MIN_SEGMENT {
                    out.push(len);
                }
                start = None;
                gap = 0;
            }
        }
    }
    if let Some(s) = start {
        let len = x.len() - gap - s;
        if len >= MIN_SEGMENT {
            out.push(len);
        }
    }
    out
}

/// amean, stddevNorm, percentiles 20/50/80, range 20-80, rising and falling slope mean/stddev.
fn ten(x: &[f64], out: &mut Vec<f64>) {
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
}

pub fn functionals(c: &Contours) -> Vec<f64> {
    let mut out = Vec::with_capacity(88);
    let duration = c.duration_s.max(f64::MIN_POSITIVE);
    ten(&non_zero(&c.lld[10]), &mut out);
    ten(&c.lld[0], &mut out);
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
    out.push(peaks(&c.lld[0]).peaks as f64 / loudness_seconds);
    let voiced = segments(&c.lld[10], |v| v != 0.0);
    let unvoiced = segments(&c.lld[10], |v| v == 0.0);
    let secs = |s: &[usize]| s.iter().map(|&l| l as f64 * FRAME_S).collect::<Vec<_>>();
    out.push(voiced.len() as f64 / duration);
    out.push(amean(&secs(&voiced)));
    out.push(population_stddev(&secs(&voiced)));
    out.push(amean(&secs(&unvoiced)));
    out.push(population_stddev(&secs(&unvoiced)));
    let energy = amean(&c.frame_energy);
    out.push(10.0 * energy.max(1e-12).log10());
    out
}
