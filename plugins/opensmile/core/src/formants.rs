//! Formants F1-F3 (frequency and bandwidth) from the roots of an order-11 LPC polynomial, fitted
//! to the 20 ms Hamming frame band-limited and resampled to 11 kHz.

pub const LPC_ORDER: usize = 11;
const TARGET_RATE: f64 = 11_000.0;
const MIN_HZ: f64 = 50.0;
const MAX_HZ: f64 = 5450.0;
pub const N_FORMANTS: usize = 3;

#[derive(Debug, Clone, Copy, Default)]
pub struct Formants {
    /// Hz; 0 where fewer formants were found.
    pub frequency: [f64; N_FORMANTS],
    pub bandwidth: [f64; N_FORMANTS],
}

pub struct FormantTracker {
    /// `cos(2 pi k m / n_resampled)` for each kept bin k and lag m.
    cosines: Vec<[f64; LPC_ORDER + 1]>,
    /// 1 for DC and the new Nyquist bin, 2 for the bins that stand for a conjugate pair.
    bin_weight: Vec<f64>,
    /// The previous frame's roots: formants move slowly, so they start the next root search
    /// close to its answer (a few iterations instead of dozens).
    previous_roots: Option<[(f64, f64); LPC_ORDER]>,
}

impl FormantTracker {
    pub fn new(sample_rate: u32, n_fft: usize) -> Self {
        // Resampling in the spectral domain keeps the bins below the new Nyquist frequency; the
        // autocorrelation of the resampled frame is the inverse DFT of their power, so it is
        // computed from the power spectrum directly (lags 0..=11 only).
        let n_resampled =
            ((n_fft as f64 * TARGET_RATE / f64::from(sample_rate)).round() as usize).max(2);
        let kept = (n_resampled / 2 + 1).min(n_fft / 2 + 1);
        let cosines = (0..kept)
            .map(|k| {
                let mut row = [0.0; LPC_ORDER + 1];
                for (m, c) in row.iter_mut().enumerate() {
                    *c = (2.0 * std::f64::consts::PI * (k * m) as f64 / n_resampled as f64).cos();
                }
                row
            })
            .collect();
        let bin_weight = (0..kept)
            .map(|k| {
                if k == 0 || 2 * k == n_resampled {
                    1.0
                } else {
                    2.0
                }
            })
            .collect();
        Self {
            cosines,
            bin_weight,
            previous_roots: None,
        }
    }

    pub fn analyse(&mut self, magnitude: &[f64]) -> Formants {
        let mut acf = [0.0; LPC_ORDER + 1];
        for ((row, w), m) in self.cosines.iter().zip(&self.bin_weight).zip(magnitude) {
            let p = w * m * m;
            for (a, c) in acf.iter_mut().zip(row) {
                *a += p * c;
            }
        }
        let Some(lpc) = levinson(&acf) else {
            self.previous_roots = None;
            return Formants::default();
        };
        let roots = polynomial_roots(&lpc, self.previous_roots.as_ref());
        self.previous_roots = roots
            .iter()
            .all(|z| z.0.is_finite() && z.1.is_finite())
            .then_some(roots);
        formants_from_roots(&roots, TARGET_RATE)
    }
}

/// Levinson-Durbin: predictor polynomial `1 + a1 z^-1 + ... + ap z^-p` from the autocorrelation.
pub fn levinson(r: &[f64; LPC_ORDER + 1]) -> Option<[f64; LPC_ORDER + 1]> {
    if r[0] <= 0.0 {
        return None;
    }
    let mut a = [0.0; LPC_ORDER + 1];
    a[0] = 1.0;
    let mut err = r[0];
    for i in 1..=LPC_ORDER {
        let mut acc = r[i];
        for j in 1..i {
            acc += a[j] * r[i - j];
        }
        let k = -acc / err;
        let prev = a;
        for j in 1..i {
            a[j] = prev[j] + k * prev[i - j];
        }
        a[i] = k;
        err *= 1.0 - k * k;
        if err <= 0.0 {
            break;
        }
    }
    Some(a)
}

fn formants_from_roots(roots: &[(f64, f64); LPC_ORDER], rate: f64) -> Formants {
    let mut found: Vec<(f64, f64)> = roots
        .iter()
        .filter(|z| z.1 > 0.0)
        .map(|&(re, im)| {
            let freq = im.atan2(re) * rate / (2.0 * std::f64::consts::PI);
            let radius = (re * re + im * im).sqrt();
            let bandwidth = -radius.ln() * rate / std::f64::consts::PI;
            (freq, bandwidth)
        })
        .filter(|(f, _)| *f > MIN_HZ && *f < MAX_HZ)
        .collect();
    found.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut out = Formants::default();
    for (i, (f, b)) in found.into_iter().take(N_FORMANTS).enumerate() {
        out.frequency[i] = f;
        out.bandwidth[i] = b;
    }
    out
}

/// Roots of `a[0] z^p + a[1] z^(p-1) + ... + a[p]` by the Aberth-Ehrlich iteration, started from
/// `start` when given (and usable) or from a circle.
fn polynomial_roots(
    a: &[f64; LPC_ORDER + 1],
    start: Option<&[(f64, f64); LPC_ORDER]>,
) -> [(f64, f64); LPC_ORDER] {
    type C = (f64, f64);
    let mul = |x: C, y: C| (x.0 * y.0 - x.1 * y.1, x.0 * y.1 + x.1 * y.0);
    // One real division per complex division (this loop is a fifth of the extractor's time).
    let recip = |y: C| {
        let r = 1.0 / (y.0 * y.0 + y.1 * y.1);
        (y.0 * r, -y.1 * r)
    };
    let div = |x: C, y: C| mul(x, recip(y));
    let eval = |z: C| -> (C, C) {
        let mut p = (a[0], 0.0);
        let mut dp = (0.0, 0.0);
        for &c in &a[1..] {
            dp = mul(dp, z);
            dp.0 += p.0;
            dp.1 += p.1;
            p = mul(p, z);
            p.0 += c;
        }
        (p, dp)
    };
    // The iteration needs distinct starting points: a previous answer with (near) repeated
    // roots is not used.
    let distinct = |z: &[(f64, f64); LPC_ORDER]| {
        (0..LPC_ORDER).all(|i| {
            (i + 1..LPC_ORDER).all(|j| (z[i].0 - z[j].0).abs() + (z[i].1 - z[j].1).abs() > 1e-6)
        })
    };
    let mut z = match start {
        Some(previous) if distinct(previous) => *previous,
        _ => {
            // Points on a circle inside the unit circle, rotated off the real axis.
            let mut z = [(0.0, 0.0); LPC_ORDER];
            for (k, zk) in z.iter_mut().enumerate() {
                let angle = 2.0 * std::f64::consts::PI * (k as f64 + 0.25) / LPC_ORDER as f64;
                *zk = (0.9 * angle.cos(), 0.9 * angle.sin());
            }
            z
        }
    };
    for _ in 0..100 {
        let mut moved = 0.0f64;
        for k in 0..LPC_ORDER {
            let (p, dp) = eval(z[k]);
            if p.0 == 0.0 && p.1 == 0.0 {
                continue;
            }
            let ratio = div(p, dp);
            let mut sum = (0.0, 0.0);
            for (j, zj) in z.iter().enumerate() {
                if j != k {
                    let inv = recip((z[k].0 - zj.0, z[k].1 - zj.1));
                    sum.0 += inv.0;
                    sum.1 += inv.1;
                }
            }
            let correction = mul(ratio, sum);
            let denom = (1.0 - correction.0, -correction.1);
            let step = div(ratio, denom);
            if step.0.is_finite() && step.1.is_finite() {
                z[k].0 -= step.0;
                z[k].1 -= step.1;
                moved = moved.max(step.0.abs() + step.1.abs());
            }
        }
        if moved < 1e-12 {
            break;
        }
    }
    z
}
