//! Chroma from a spectrogram (librosa's `chroma_stft`; the SER notebooks pass magnitudes): the tuning is estimated per clip
//! from parabolic-interpolated spectral peaks (`piptrack` + `pitch_tuning`), then a Gaussian
//! chroma filter bank (`filters.chroma`) folds the bins into 12 pitch classes, and each frame is
//! scaled so its largest class is 1.

/// Deviation from A440 tuning in fractions of a bin (semitone), in [-0.5, 0.5), at 0.01 resolution.
pub fn estimate_tuning(frames: &[&[f64]], sample_rate: u32, n_fft: usize) -> f64 {
    // librosa runs piptrack on the float32 magnitudes its float32 STFT gives, and every step
    // after (the gate, the parabola, the median, the octave residuals) in float32 too; near a
    // tie in the tuning histogram that precision decides the bin (measured: on 40 RAVDESS clips
    // at 16 kHz the same steps in float64 picked another tuning on one clip, 1.7 % of chroma
    // values off by up to 6 %; in float32 none). So the magnitudes are rounded to f32 and the
    // steps follow librosa's float32 order of operations.
    let (fmin, fmax) = (150.0f64, 4000.0f64.min(f64::from(sample_rate) / 2.0));
    let rate = f64::from(sample_rate);
    let mut pitches: Vec<f32> = Vec::new();
    let mut mags: Vec<f32> = Vec::new();
    let mut column: Vec<f32> = Vec::new();
    for &frame in frames {
        let n = frame.len();
        if n < 3 {
            continue;
        }
        column.clear();
        column.extend(frame.iter().map(|&v| v as f32));
        let s = &column;
        let max = s.iter().fold(0.0f32, |m, &x| m.max(x));
        let reference = 0.1f32 * max;
        let gated = |i: usize| if s[i] > reference { s[i] } else { 0.0 };
        for i in 1..n - 1 {
            let freq = i as f64 * rate / n_fft as f64;
            if !(fmin <= freq && freq < fmax) {
                continue;
            }
            let (prev, cur, next) = (gated(i - 1), gated(i), gated(i + 1));
            if !(cur > prev && cur >= next) {
                continue;
            }
            // The slope in f32; the parabola's vertex from f32 sums carried on in f64, and none
            // when it lies a bin or more away.
            let avg = (s[i + 1] - s[i - 1]) / 2.0;
            let a = f64::from(s[i + 1] + s[i - 1]) - 2.0 * f64::from(s[i]);
            let b = f64::from(s[i + 1] - s[i - 1]) / 2.0;
            let shift = if b.abs() >= a.abs() {
                0.0
            } else {
                (-b / a) as f32
            };
            let skew = 0.5 * avg * shift;
            pitches.push(((i as f64 + f64::from(shift)) * rate / n_fft as f64) as f32);
            mags.push(s[i] + skew);
        }
    }
    let candidates: Vec<(f32, f32)> = pitches
        .into_iter()
        .zip(mags)
        .filter(|(p, _)| *p > 0.0)
        .collect();
    if candidates.is_empty() {
        return 0.0;
    }
    let mut sorted: Vec<f32> = candidates.iter().map(|(_, m)| *m).collect();
    sorted.sort_by(f32::total_cmp);
    let half = sorted.len() / 2;
    let median = if sorted.len() % 2 == 1 {
        sorted[half]
    } else {
        (sorted[half - 1] + sorted[half]) / 2.0
    };
    let selected: Vec<f32> = candidates
        .iter()
        .filter(|(_, m)| *m >= median)
        .map(|(p, _)| *p)
        .collect();
    pitch_tuning(&selected)
}

/// The most common deviation of the given frequencies from the equal-tempered grid, as
/// librosa's `pitch_tuning` finds it for float32 input: octave residuals in f32, a histogram of
/// 100 bins over [-0.5, 0.5] (each bin holds its left edge, the last also its right), the left
/// edge of the first fullest bin.
pub fn pitch_tuning(frequencies: &[f32]) -> f64 {
    const BINS: usize = 100;
    let edge = |i: usize| {
        if i == BINS {
            0.5
        } else {
            i as f64 * 0.01 - 0.5
        }
    };
    let mut counts = [0usize; BINS];
    let mut any = false;
    for &f in frequencies.iter().filter(|&&f| f > 0.0) {
        let octaves = (f / 27.5f32).log2();
        let mut residual = (12.0f32 * octaves) % 1.0;
        if residual < 0.0 {
            residual += 1.0;
        }
        if residual >= 0.5 {
            residual -= 1.0;
        }
        let r = f64::from(residual);
        if !(-0.5..=0.5).contains(&r) {
            continue;
        }
        let mut i = ((r + 0.5) * BINS as f64) as usize;
        if i == BINS {
            i -= 1;
        }
        if r < edge(i) {
            i -= 1;
        } else if i != BINS - 1 && r >= edge(i + 1) {
            i += 1;
        }
        counts[i] += 1;
        any = true;
    }
    if !any {
        return 0.0;
    }
    let best = (0..BINS).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    edge(best)
}

/// The 12 x bins chroma filter bank (librosa `filters.chroma` defaults: ctroct 5, octwidth 2,
/// L2-normalised columns, starting at C).
pub fn chroma_bank(sample_rate: u32, n_fft: usize, tuning: f64) -> Vec<Vec<f64>> {
    let n_chroma = 12usize;
    let nc = n_chroma as f64;
    let a440 = 440.0 * 2f64.powf(tuning / nc);
    let hz_to_octs = |f: f64| (f / (a440 / 16.0)).log2();
    let mut frqbins: Vec<f64> = (1..n_fft)
        .map(|i| nc * hz_to_octs(i as f64 * f64::from(sample_rate) / n_fft as f64))
        .collect();
    frqbins.insert(0, frqbins[0] - 1.5 * nc);
    let mut widths: Vec<f64> = frqbins.windows(2).map(|w| (w[1] - w[0]).max(1.0)).collect();
    widths.push(1.0);
    let n2 = (nc / 2.0).round();
    let mut wts = vec![vec![0.0; n_fft]; n_chroma];
    for (c, row) in wts.iter_mut().enumerate() {
        for (j, w) in row.iter_mut().enumerate() {
            let d = (frqbins[j] - c as f64 + n2 + 10.0 * nc).rem_euclid(nc) - n2;
            *w = (-0.5 * (2.0 * d / widths[j]).powi(2)).exp();
        }
    }
    for j in 0..n_fft {
        let norm = wts.iter().map(|row| row[j] * row[j]).sum::<f64>().sqrt();
        let octave_weight = (-0.5 * ((frqbins[j] / nc - 5.0) / 2.0).powi(2)).exp();
        for row in wts.iter_mut() {
            if norm > f64::MIN_POSITIVE {
                row[j] /= norm;
            }
            row[j] *= octave_weight;
        }
    }
    // Start at C rather than A.
    wts.rotate_left(3);
    let bins = n_fft / 2 + 1;
    wts.into_iter()
        .map(|mut row| {
            row.truncate(bins);
            row
        })
        .collect()
}

/// A chroma filter bank keeping, per class, only the bins whose weight is not negligible
/// (below 1e-12 of the class's largest weight: far under f32 precision).
pub struct SparseChroma {
    rows: Vec<Vec<(usize, f64)>>,
}

impl SparseChroma {
    pub fn new(bank: &[Vec<f64>]) -> Self {
        let rows = bank
            .iter()
            .map(|row| {
                let max = row.iter().fold(0.0f64, |m, &w| m.max(w));
                row.iter()
                    .enumerate()
                    .filter(|(_, &w)| w > 1e-12 * max)
                    .map(|(i, &w)| (i, w))
                    .collect()
            })
            .collect();
        Self { rows }
    }

    /// One frame of chroma, scaled so the largest class is 1.
    pub fn frame(&self, spectrum: &[f64], out: &mut [f64]) {
        for (o, row) in out.iter_mut().zip(&self.rows) {
            *o = row.iter().map(|&(i, w)| w * spectrum[i]).sum();
        }
        normalize_max(out);
    }
}

fn normalize_max(out: &mut [f64]) {
    let max = out.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if max >= f64::from(f32::MIN_POSITIVE) {
        for o in out.iter_mut() {
            *o /= max;
        }
    }
}

/// One frame of chroma from a spectrum, scaled so the largest class is 1.
pub fn chroma_frame(bank: &[Vec<f64>], power: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(bank) {
        *o = row.iter().zip(power).map(|(w, p)| w * p).sum();
    }
    normalize_max(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuning_of_in_tune_and_detuned_notes() {
        assert!((pitch_tuning(&[440.0, 220.0, 880.0]) - 0.0).abs() < 1e-9);
        let sharp = 440.0 * 2f32.powf(0.2 / 12.0);
        assert!((pitch_tuning(&[sharp, sharp * 2.0]) - 0.2).abs() < 0.011);
        // Residuals on a bin edge land in the bin to its right, as np.histogram puts them.
        let on_edge = 440.0 * 2f32.powf(0.25 / 12.0);
        let t = pitch_tuning(&[on_edge]);
        assert!((0.24..0.26).contains(&t), "{t}");
    }

    #[test]
    fn an_a_lands_in_chroma_class_a() {
        let rate = 16_000;
        let n_fft = 2048;
        let bank = chroma_bank(rate, n_fft, 0.0);
        let mut power = vec![0.0; n_fft / 2 + 1];
        let bin = (440.0 * n_fft as f64 / f64::from(rate)).round() as usize;
        power[bin] = 1.0;
        let mut out = [0.0; 12];
        chroma_frame(&bank, &power, &mut out);
        let argmax = out
            .iter()
            .enumerate()
            .fold((0, 0.0), |b, (i, &v)| if v > b.1 { (i, v) } else { b })
            .0;
        assert_eq!(argmax, 9, "{out:?}"); // C C# D D# E F F# G G# A
    }
}
