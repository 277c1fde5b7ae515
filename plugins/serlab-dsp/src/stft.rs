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

pub struct PowerStft {
    n_fft: usize,
    hop: usize,
    window: Vec<f64>,
    fft: Arc<dyn RealToComplex<f64>>,
    frame: Vec<f64>,
    spectrum: Vec<realfft::num_complex::Complex<f64>>,
    scratch: Vec<realfft::num_complex::Complex<f64>>,
}

impl PowerStft {
    /// `window_len <= n_fft`; a shorter window is centred in the FFT frame, as librosa pads it.
    pub fn new(n_fft: usize, hop: usize, window_len: usize) -> Self {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n_fft);
        let mut window = vec![0.0; n_fft];
        let offset = (n_fft - window_len) / 2;
        window[offset..offset + window_len].copy_from_slice(&hann_periodic(window_len));
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
            for (i, slot) in self.frame.iter_mut().enumerate() {
                let idx = start + i as isize;
                *slot = if idx >= 0 && (idx as usize) < samples.len() {
                    f64::from(samples[idx as usize]) * self.window[i]
                } else {
                    0.0
                };
            }
            // The planned length always matches our buffers, so this cannot fail.
            let _ = self.fft.process_with_scratch(
                &mut self.frame,
                &mut self.spectrum,
                &mut self.scratch,
            );
            for (p, c) in power.iter_mut().zip(&self.spectrum) {
                *p = c.norm_sqr();
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
                assert!((power[32] / expected - 1.0).abs() < 1e-6);
            }
        });
        assert_eq!(peaks, vec![32]);
        assert_eq!(centered_frame_count(4000, 128), 32);
    }
}
