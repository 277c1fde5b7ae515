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
    pairwise_total(acc) + tail
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

/// `sum (x[i] * w[i])^2` (`w` = 1 when `None`). On x86-64 the AVX build is used where the
/// processor has it (the same results).
pub fn sum_of_squares(x: &[f32], window: Option<&[f64]>) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the processor has AVX (just checked).
        return unsafe { sum_of_squares_avx(x, window) };
    }
    sum_of_squares_portable(x, window)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn sum_of_squares_avx(x: &[f32], window: Option<&[f64]>) -> f64 {
    sum_of_squares_portable(x, window)
}

/// Sixteen running sums (four AVX registers, eight without), so that additions need not wait
/// on each other; a single running sum cannot be reordered by the compiler.
#[inline(always)]
fn sum_of_squares_portable(x: &[f32], window: Option<&[f64]>) -> f64 {
    const LANES: usize = 16;
    let mut acc = [0.0f64; LANES];
    match window {
        None => {
            let chunks = x.chunks_exact(LANES);
            let rest = chunks.remainder();
            for c in chunks {
                for (a, &v) in acc.iter_mut().zip(c) {
                    *a += f64::from(v) * f64::from(v);
                }
            }
            for (a, &v) in acc.iter_mut().zip(rest) {
                *a += f64::from(v) * f64::from(v);
            }
        }
        Some(w) => {
            let n = x.len().min(w.len());
            let (x, w) = (&x[..n], &w[..n]);
            let (cx, cw) = (x.chunks_exact(LANES), w.chunks_exact(LANES));
            let (rx, rw) = (cx.remainder(), cw.remainder());
            for (cx, cw) in cx.zip(cw) {
                for ((a, &v), &g) in acc.iter_mut().zip(cx).zip(cw) {
                    let y = f64::from(v) * g;
                    *a += y * y;
                }
            }
            for ((a, &v), &g) in acc.iter_mut().zip(rx).zip(rw) {
                let y = f64::from(v) * g;
                *a += y * y;
            }
        }
    }
    pairwise_total(acc)
}

/// The sum of the lanes, pairwise (the result does not depend on how lanes map to registers).
#[inline(always)]
fn pairwise_total<const LANES: usize>(mut acc: [f64; LANES]) -> f64 {
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] += acc[k + width];
        }
    }
    acc[0]
}

/// Whether every sample already lies on the 16-bit PCM grid (k / 32768 for k in
/// -32768..=32767), as the samples of any 16-bit WAV do.
pub fn on_16_bit_grid(x: &[f32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the processor has AVX (just checked).
        return unsafe { on_16_bit_grid_avx(x) };
    }
    on_16_bit_grid_portable(x)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn on_16_bit_grid_avx(x: &[f32]) -> bool {
    on_16_bit_grid_portable(x)
}

/// Checks a block at a time without stopping early inside it, so the check vectorises (a
/// per-sample early exit would not); a whole 16-bit file passes through in one sweep.
#[inline(always)]
fn on_16_bit_grid_portable(x: &[f32]) -> bool {
    x.chunks(256).all(|block| {
        block.iter().fold(true, |ok, &v| {
            let scaled = v * 32768.0;
            ok & ((scaled as i32) as f32 == scaled) & (-32768.0..=32767.0).contains(&scaled)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_16_bit_grid_holds_whole_steps_in_range_only() {
        let on: Vec<f32> = (-32768..32768)
            .step_by(7)
            .map(|k| k as f32 / 32768.0)
            .collect();
        assert!(on_16_bit_grid(&on));
        assert!(!on_16_bit_grid(&[0.0, 1.0 / 65536.0]));
        assert!(!on_16_bit_grid(&[1.0]));
        assert!(!on_16_bit_grid(&[0.5, f32::NAN]));
    }

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
