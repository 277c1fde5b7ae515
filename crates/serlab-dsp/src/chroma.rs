//! Chroma from a spectrogram (librosa's `chroma_stft`; the SER notebooks pass magnitudes): the tuning is estimated per clip
//! from parabolic-interpolated spectral peaks (`piptrack` + `pitch_tuning`), then a Gaussian
//! chroma filter bank (`filters.chroma`) folds the bins into 12 pitch classes, and each frame is
//! scaled so its largest class is 1.

/// Deviation from A440 tuning in fractions of a bin (semitone), in [-0.5, 0.5), at 0.01 resolution.
pub fn estimate_tuning(frames: &[&[f64]], sample_rate: u32, n_fft: usize) -> f64 {
    let (fmin, fmax) = (150.0f64, 4000.0f64.min(f64::from(sample_rate) / 2.0));
    let bin_hz = f64::from(sample_rate) / n_fft as f64;
    let mut pitches = Vec::new();
    let mut mags = Vec::new();
    for &power in frames {
        let n = power.len();
        if n < 3 {
            continue;
        }
        // piptrack works on |S|; for a power spectrogram that is the power itself.
        let max = power.iter().fold(0.0f64, |m, &x| m.max(x));
        let reference = 0.1 * max;
        let gated = |i: usize| if power[i] > reference { power[i] } else { 0.0 };
        for i in 1..n - 1 {
            let freq = i as f64 * bin_hz;
            if !(fmin <= freq && freq < fmax) {
                continue;
            }
            let (prev, cur) = (gated(i - 1), gated(i));
            let next = gated(i + 1);
            if !(cur > prev && cur >= next) {
                continue;
            }
            let avg = 0.5 * (power[i + 1] - power[i - 1]);
            let mut shift = 2.0 * power[i] - power[i + 1] - power[i - 1];
            shift = avg
                / (shift
                    + if shift.abs() < f64::MIN_POSITIVE {
                        1.0
                    } else {
                        0.0
                    });
            pitches.push((i as f64 + shift) * bin_hz);
            mags.push(power[i] + 0.5 * avg * shift);
        }
    }
    let candidates: Vec<(f64, f64)> = pitches
        .into_iter()
        .zip(mags)
        .filter(|(p, _)| *p > 0.0)
        .collect();
    if candidates.is_empty() {
        return 0.0;
    }
    let mut sorted: Vec<f64> = candidates.iter().map(|(_, m)| *m).collect();
    sorted.sort_by(f64::total_cmp);
    let median = if sorted.len() % 2 == 1 {
        sorted[sorted.len() / 2]
    } else {
        0.5 * (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2])
    };
    let selected: Vec<f64> = candidates
        .iter()
        .filter(|(_, m)| *m >= median)
        .map(|(p, _)| *p)
        .collect();
    pitch_tuning(&selected)
}

/// The most common deviation (histogram peak, 0.01 bins over [-0.5, 0.5]) of the given
/// frequencies from the equal-tempered grid.
pub fn pitch_tuning(frequencies: &[f64]) -> f64 {
    let mut counts = [0usize; 100];
    let mut any = false;
    for &f in frequencies.iter().filter(|&&f| f > 0.0) {
        let octs = (f / (440.0 / 16.0)).log2();
        let mut residual = (12.0 * octs).rem_euclid(1.0);
        if residual >= 0.5 {
            residual -= 1.0;
        }
        // np.histogram over 101 edges linspace(-0.5, 0.5): the last bin includes its right edge.
        let idx = (((residual + 0.5) * 100.0).floor() as isize).clamp(0, 99) as usize;
        counts[idx] += 1;
        any = true;
    }
    if !any {
        return 0.0;
    }
    let best = counts
        .iter()
        .enumerate()
        .fold(
            (0, 0),
            |best, (i, &c)| if c > best.1 { (i, c) } else { best },
        )
        .0;
    -0.5 + best as f64 * 0.01
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
        let sharp = 440.0 * 2f64.powf(0.2 / 12.0);
        assert!((pitch_tuning(&[sharp, sharp * 2.0]) - 0.2).abs() < 0.011);
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
