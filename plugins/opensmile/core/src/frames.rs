//! Framing and windows. Frame k covers samples `[k*hop, k*hop + len)` (openSMILE's "left"
//! framing); incomplete frames at the end are dropped.

/// 10 ms hop for both analysis streams.
pub fn hop(sample_rate: u32) -> usize {
    (f64::from(sample_rate) * 0.010).round() as usize
}

pub fn frame_len(sample_rate: u32, seconds: f64) -> usize {
    (f64::from(sample_rate) * seconds).round() as usize
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
