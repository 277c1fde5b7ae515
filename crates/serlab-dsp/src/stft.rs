//! Short-time power spectra with a planned real FFT and reused buffers.

use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// Periodic Hann window (as `scipy.signal.get_window('hann', n)`).
pub fn hann_periodic(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
        .collect()
}

/// Frames of a centred STFT (`center=True`): one every `hop` samples, the first centred on
/// sample 0.
pub fn centered_frame_count(samples: usize, hop: usize) -> usize {
    1 + samples / hop
}

/// The FFT runs in f32 (as librosa's, whose STFT is complex64), about twice as fast as f64 with
/// SIMD; power values are handed out as f64 for the accumulations that follow.
pub struct PowerStft {
    n_fft: usize,
    hop: usize,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
    frame: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
}

impl PowerStft {
    /// `window_len <= n_fft`; a shorter window is centred in the FFT frame, as librosa pads it.
    pub fn new(n_fft: usize, hop: usize, window_len: usize) -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        let mut window = vec![0.0f32; n_fft];
        let offset = (n_fft - window_len) / 2;
        for (w, h) in window[offset..offset + window_len]
            .iter_mut()
            .zip(hann_periodic(window_len))
        {
            *w = h as f32;
        }
        Self {
            n_fft,
            hop,
            window,
            frame: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
        }
    }

    pub fn bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Calls `visit(frame_index, power_spectrum)` for each centred frame (zero padding outside
    /// the signal).
    pub fn for_each_frame(&mut self, samples: &[f32], mut visit: impl FnMut(usize, &[f64])) {
        let frames = centered_frame_count(samples.len(), self.hop);
        let half = (self.n_fft / 2) as isize;
        let mut power = vec![0.0; self.bins()];
        for t in 0..frames {
            let start = (t * self.hop) as isize - half;
            // The part of the frame inside the signal; the rest is zero padding.
            let lo = (-start).clamp(0, self.n_fft as isize) as usize;
            let hi = (samples.len() as isize - start).clamp(0, self.n_fft as isize) as usize;
            self.frame.fill(0.0);
            if lo < hi {
                let src = &samples[(start + lo as isize) as usize..(start + hi as isize) as usize];
                for ((slot, &x), &w) in self.frame[lo..hi]
                    .iter_mut()
                    .zip(src)
                    .zip(&self.window[lo..hi])
                {
                    *slot = x * w;
                }
            }
            // The planned length always matches our buffers, so this cannot fail.
            let _ = self.fft.process_with_scratch(
                &mut self.frame,
                &mut self.spectrum,
                &mut self.scratch,
            );
            for (p, c) in power.iter_mut().zip(&self.spectrum) {
                *p = f64::from(c.norm_sqr());
            }
            visit(t, &power);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_peaks_in_its_bin_with_parseval_energy() {
        let n_fft = 512;
        let rate = 16_000.0;
        let freq = 1000.0; // bin 32 exactly
        let samples: Vec<f32> = (0..4000)
            .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / rate).sin() as f32)
            .collect();
        let mut stft = PowerStft::new(n_fft, 128, n_fft);
        let mut peaks = Vec::new();
        stft.for_each_frame(&samples, |t, power| {
            if t == 10 {
                let (bin, _) =
                    power.iter().enumerate().fold(
                        (0, 0.0),
                        |best, (i, &p)| if p > best.1 { (i, p) } else { best },
                    );
                peaks.push(bin);
                // Windowed sine of amplitude 1: |X|^2 at the peak = (n_fft * 0.5 / 2)^2.
                let expected = (n_fft as f64 * 0.25).powi(2);
                assert!((power[32] / expected - 1.0).abs() < 1e-4);
            }
        });
        assert_eq!(peaks, vec![32]);
        assert_eq!(centered_frame_count(4000, 128), 32);
    }
}
