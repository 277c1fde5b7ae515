//! Framing and windows. Frame k covers samples `[k*hop, k*hop + len)` (openSMILE's "left"
//! framing); incomplete frames at the end are dropped.

/// 10 ms hop for both analysis streams.
pub fn hop(sample_rate: u32) -> usize {
    (f64::from(sample_rate) * 0.010).round() as usize
}

pub fn frame_len(sample_rate: u32, seconds: f64) -> usize {
    (f64::from(sample_rate) * seconds).round() as usize
}

/// `sum a[i] b[i]` in sixteen running sums: four vector registers of four (AVX) or eight of
/// two, so the additions of one register need not wait on those of another (one running sum
/// per register would make every addition wait for the last).
#[inline(always)]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 16;
    let mut acc = [0.0f64; LANES];
    let (blocks_a, blocks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = blocks_a
        .remainder()
        .iter()
        .zip(blocks_b.remainder())
        .map(|(u, v)| u * v)
        .sum();
    for (u, v) in blocks_a.zip(blocks_b) {
        for k in 0..LANES {
            acc[k] += u[k] * v[k];
        }
    }
    // Pairwise, so the result does not depend on how the lanes map onto registers.
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] += acc[k + width];
        }
    }
    acc[0] + tail
}

/// Gaussian window with sigma 0.4 (relative to half the window), peak 1.
pub fn gaussian(n: usize) -> Vec<f64> {
    let half = (n as f64 - 1.0) / 2.0;
    (0..n)
        .map(|i| {
            let z = (i as f64 - half) / (0.4 * half);
            (-0.5 * z * z).exp()
        })
        .collect()
}

/// Symmetric Hamming window.
pub fn hamming(n: usize) -> Vec<f64> {
    let denom = (n as f64 - 1.0).max(1.0);
    (0..n)
        .map(|i| 0.54 - 0.46 * (2.0 * std::f64::consts::PI * i as f64 / denom).cos())
        .collect()
}

/// `sum (x[i] * w[i])^2` (`w` = 1 when `None`), in four interleaved partial sums so the loop
/// vectorises (a single running f64 sum cannot be reordered by the compiler).
pub fn sum_of_squares(x: &[f32], window: Option<&[f64]>) -> f64 {
    let mut acc = [0.0f64; 4];
    match window {
        None => {
            let chunks = x.chunks_exact(4);
            let rest = chunks.remainder();
            for c in chunks {
                for (a, &v) in acc.iter_mut().zip(c) {
                    *a += f64::from(v) * f64::from(v);
                }
            }
            acc[0] += rest
                .iter()
                .map(|&v| f64::from(v) * f64::from(v))
                .sum::<f64>();
        }
        Some(w) => {
            let n = x.len().min(w.len());
            let (x, w) = (&x[..n], &w[..n]);
            let chunks = x.chunks_exact(4).zip(w.chunks_exact(4));
            for (cx, cw) in chunks {
                for ((a, &v), &g) in acc.iter_mut().zip(cx).zip(cw) {
                    let y = f64::from(v) * g;
                    *a += y * y;
                }
            }
            let tail = n - n % 4;
            acc[0] += x[tail..]
                .iter()
                .zip(&w[tail..])
                .map(|(&v, &g)| (f64::from(v) * g).powi(2))
                .sum::<f64>();
        }
    }
    acc.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_of_squares_matches_the_plain_sum() {
        let x: Vec<f32> = (0..23).map(|i| (i as f32 * 0.37).sin()).collect();
        let w: Vec<f64> = (0..23).map(|i| 0.5 + i as f64 / 50.0).collect();
        let plain: f64 = x.iter().map(|&v| f64::from(v).powi(2)).sum();
        let weighted: f64 = x
            .iter()
            .zip(&w)
            .map(|(&v, g)| (f64::from(v) * g).powi(2))
            .sum();
        assert!((sum_of_squares(&x, None) - plain).abs() < 1e-12);
        assert!((sum_of_squares(&x, Some(&w)) - weighted).abs() < 1e-12);
    }
}
