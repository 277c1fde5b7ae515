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

/// Like [`sma3`], but only non-zero values count, and a zero frame stays zero. Beyond the ends
/// the edge frame is repeated here too (measured: openSMILE's first voiced frame of a clip
/// averages frame 0 twice with frame 1).
pub fn sma3nz(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|t| {
            if x[t] == 0.0 {
                return 0.0;
            }
            let window = [x[t.saturating_sub(1)], x[t], x[(t + 1).min(n - 1)]];
            let (sum, count) = window
                .iter()
                .filter(|v| **v != 0.0)
                .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
            sum / count as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sma3nz_repeats_the_edge_frames_and_skips_zeros() {
        // Measured on the reference clips: a clip voiced from frame 0 gives (2·x0 + x1)/3.
        let x = [3.0, 6.0, 0.0, 9.0, 12.0];
        assert_eq!(sma3nz(&x), vec![4.0, 4.5, 0.0, 10.5, 11.0]);
        assert_eq!(sma3(&[3.0, 6.0, 9.0]), vec![4.0, 6.0, 8.0]);
    }
}
