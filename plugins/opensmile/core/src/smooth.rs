//! openSMILE-style contour smoothing: `sma3` (centred 3-frame moving average) and `sma3nz`
//! (the same over non-zero values only; zero frames stay zero).

/// Centred 3-frame moving average; beyond the ends the edge frame is repeated.
pub fn sma3(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|t| {
            let prev = x[t.saturating_sub(1)];
            let next = x[(t + 1).min(n - 1)];
            (prev + x[t] + next) / 3.0
        })
        .collect()
}

/// Like [`sma3`], but only non-zero values count, and a zero frame stays zero.
pub fn sma3nz(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|t| {
            if x[t] == 0.0 {
                return 0.0;
            }
            let lo = t.saturating_sub(1);
            let hi = (t + 2).min(n);
            let (sum, count) = x[lo..hi]
                .iter()
                .filter(|v| **v != 0.0)
                .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
            sum / count as f64
        })
        .collect()
}
