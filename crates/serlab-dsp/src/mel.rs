//! Mel filter banks on the Slaney scale (linear below 1 kHz, logarithmic above) with Slaney area
//! normalisation: librosa's `filters.mel(htk=False, norm='slaney')`.

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

pub fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

pub fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// One triangular filter: weights for FFT bins `start..start + weights.len()`.
#[derive(Debug, Clone)]
pub struct MelFilter {
    pub start: usize,
    pub weights: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct MelBank {
    pub filters: Vec<MelFilter>,
}

impl MelBank {
    pub fn new(sample_rate: u32, n_fft: usize, n_mels: usize, fmin: f64, fmax: f64) -> Self {
        let bins = n_fft / 2 + 1;
        let fft_freqs: Vec<f64> = (0..bins)
            .map(|i| i as f64 * f64::from(sample_rate) / n_fft as f64)
            .collect();
        let (lo, hi) = (hz_to_mel(fmin), hz_to_mel(fmax));
        let mel_f: Vec<f64> = (0..n_mels + 2)
            .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
            .collect();
        let filters = (0..n_mels)
            .map(|m| {
                let (left, centre, right) = (mel_f[m], mel_f[m + 1], mel_f[m + 2]);
                let enorm = 2.0 / (right - left);
                let full: Vec<f64> = fft_freqs
                    .iter()
                    .map(|&f| {
                        let lower = (f - left) / (centre - left);
                        let upper = (right - f) / (right - centre);
                        lower.min(upper).max(0.0) * enorm
                    })
                    .collect();
                let start = full.iter().position(|&w| w > 0.0).unwrap_or(0);
                let end = full
                    .iter()
                    .rposition(|&w| w > 0.0)
                    .map(|i| i + 1)
                    .unwrap_or(start);
                MelFilter {
                    start,
                    weights: full[start..end].to_vec(),
                }
            })
            .collect();
        Self { filters }
    }

    /// Mel band energies of one power spectrum.
    pub fn apply(&self, power: &[f64], out: &mut [f64]) {
        for (o, filter) in out.iter_mut().zip(&self.filters) {
            *o = filter
                .weights
                .iter()
                .zip(&power[filter.start..])
                .map(|(w, p)| w * p)
                .sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_round_trips_and_is_linear_below_1khz() {
        for hz in [0.0, 200.0, 999.0, 1000.0, 4000.0, 11025.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9);
        }
        assert!((hz_to_mel(600.0) - 9.0).abs() < 1e-12);
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
    }

    #[test]
    fn filters_cover_the_band_in_order() {
        let bank = MelBank::new(16_000, 2048, 128, 0.0, 8000.0);
        assert_eq!(bank.filters.len(), 128);
        let mut last_start = 0;
        for f in &bank.filters {
            assert!(f.start >= last_start);
            last_start = f.start;
        }
    }
}
