//! The autocorrelation of one windowed frame, lag by lag, straight from its samples.
//!
//! HNR reads the autocorrelation at lag 0 and at the few lags around the pitch period where it
//! looks for a peak. The inverse FFT of `|X|^2` gives every lag at once, but it cost as much as
//! the forward transform of the frame; summing the products for the handful of lags read is a
//! fraction of that. The values are those of the transform: the circular autocorrelation of the
//! frame zero-padded to `n_fft` (`r[lag] = lin[lag] + lin[n_fft - lag]`), except that the
//! unnormalised inverse transform also multiplies them by `n_fft` (only ratios are read).

/// One frame's autocorrelation; each lag is computed when first read.
pub struct FrameAutocorrelation {
    n_fft: usize,
    frame: Vec<f64>,
    values: Vec<f64>,
    /// `values[lag]` holds this frame's value when `stamps[lag] == generation`.
    stamps: Vec<u32>,
    generation: u32,
}

impl FrameAutocorrelation {
    /// For frames zero-padded to `n_fft` samples: lags `0..=n_fft / 2`.
    pub fn new(n_fft: usize) -> Self {
        Self {
            n_fft,
            frame: Vec::new(),
            values: vec![0.0; n_fft / 2 + 1],
            stamps: vec![0; n_fft / 2 + 1],
            generation: 0,
        }
    }

    /// Takes the next frame: `samples` times `window` (at most `n_fft` of them).
    pub fn load(&mut self, samples: &[f32], window: &[f64]) {
        debug_assert!(samples.len() <= self.n_fft);
        self.frame.clear();
        self.frame
            .extend(samples.iter().zip(window).map(|(&x, &w)| f64::from(x) * w));
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // After 2^32 frames the stamps could be mistaken for current ones.
            self.stamps.fill(0);
            self.generation = 1;
        }
    }

    /// How many lags there are (`n_fft / 2 + 1`).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The autocorrelation at `lag` (`lag < self.len()`).
    pub fn at(&mut self, lag: usize) -> f64 {
        if self.stamps[lag] != self.generation {
            let wrapped = if lag == 0 {
                0.0
            } else {
                self.linear(self.n_fft - lag)
            };
            self.values[lag] = self.linear(lag) + wrapped;
            self.stamps[lag] = self.generation;
        }
        self.values[lag]
    }

    /// `sum_n x[n] x[n + lag]` over the frame.
    fn linear(&self, lag: usize) -> f64 {
        let x = &self.frame;
        if lag >= x.len() {
            return 0.0;
        }
        let (a, b) = (&x[..x.len() - lag], &x[lag..]);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the processor has AVX (just checked).
            return unsafe { dot_avx(a, b) };
        }
        crate::frames::dot(a, b)
    }
}

/// [`crate::frames::dot`] compiled for AVX: four sums per register instead of two, with the
/// same results (the compiler never fuses a multiply and an add).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn dot_avx(a: &[f64], b: &[f64]) -> f64 {
    crate::frames::dot(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fft::WindowedFft;

    #[test]
    fn every_lag_equals_the_inverse_transform_of_the_power_spectrum() {
        let mut noise = crate::testing::Uniform::new(7);
        let len = 960;
        let samples: Vec<f32> = (0..len)
            .map(|i| {
                let t = i as f64 / 16_000.0;
                (0.4 * (2.0 * std::f64::consts::PI * 180.0 * t).sin() + 0.1 * noise.next()) as f32
            })
            .collect();
        let window: Vec<f64> = (0..len)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / len as f64).cos())
            .collect();
        let mut fft = WindowedFft::new(window.clone());
        let mut magnitude = vec![0.0; fft.bins()];
        fft.magnitudes(&samples, &mut magnitude);
        // The inverse transform of |X|^2 (every lag at once).
        let inverse = crate::fft::with_planner(|p| p.plan_fft_inverse(fft.n_fft()));
        let mut power: Vec<_> = magnitude
            .iter()
            .map(|m| realfft::num_complex::Complex::new(m * m, 0.0))
            .collect();
        let mut output = inverse.make_output_vec();
        inverse.process(&mut power, &mut output).unwrap();
        let expected = &output[..fft.bins()];

        let mut acf = FrameAutocorrelation::new(fft.n_fft());
        acf.load(&samples, &window);
        assert_eq!(acf.len(), expected.len());
        let scale = expected[0].abs();
        let n_fft = fft.n_fft() as f64;
        for (lag, &e) in expected.iter().enumerate() {
            let ours = acf.at(lag) * n_fft;
            assert!(
                (ours - e).abs() <= 1e-12 * scale,
                "lag {lag}: {ours} against {e}"
            );
        }
        // A second frame replaces the first (cached lags are not reused).
        let quiet: Vec<f32> = samples.iter().map(|x| x * 0.5).collect();
        acf.load(&quiet, &window);
        assert!((acf.at(0) * n_fft - 0.25 * expected[0]).abs() <= 1e-12 * scale);
    }
}
