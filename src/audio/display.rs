//! What the Clip view draws, computed away from the UI: a min/max waveform envelope and a mel
//! spectrogram in dB scaled to 0..1. Pure functions over samples; no terminal here.

use serlab_dsp::mel::MelBank;
use serlab_dsp::stft::PowerStft;

/// `count` consecutive slices covering `0..len`, none empty (slices repeat when `count > len`).
fn slices(len: usize, count: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..count).map(move |c| {
        let lo = (c * len / count).min(len - 1);
        let hi = ((c + 1) * len / count).clamp(lo + 1, len);
        lo..hi
    })
}

/// Minimum and maximum sample of each of `buckets` equal slices of the clip.
pub fn envelope(samples: &[f32], buckets: usize) -> Vec<(f32, f32)> {
    if samples.is_empty() || buckets == 0 {
        return Vec::new();
    }
    slices(samples.len(), buckets)
        .map(|r| {
            samples[r]
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(mn, mx), &x| {
                    (mn.min(x), mx.max(x))
                })
        })
        .collect()
}

/// Merges an envelope into `width` columns (min of mins, max of maxes), so a stored fine
/// envelope fits any terminal width.
pub fn resize_envelope(envelope: &[(f32, f32)], width: usize) -> Vec<(f32, f32)> {
    if envelope.is_empty() || width == 0 {
        return Vec::new();
    }
    slices(envelope.len(), width)
        .map(|r| {
            envelope[r]
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(mn, mx), &(a, b)| {
                    (mn.min(a), mx.max(b))
                })
        })
        .collect()
}

/// A mel spectrogram: `bands` rows from low to high frequency, one column per frame, each value
/// in 0..1 (0 = `range_db` below the loudest cell or quieter, 1 = the loudest).
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrogram {
    pub bands: usize,
    pub frames: usize,
    /// Row-major: `values[band * frames + frame]`.
    pub values: Vec<f32>,
}

impl Spectrogram {
    pub fn at(&self, band: usize, frame: usize) -> f32 {
        self.values[band * self.frames + frame]
    }

    /// The value at a fractional column `x` in 0..1 of the time axis (nearest frame).
    pub fn at_time(&self, band: usize, x: f64) -> f32 {
        if self.frames == 0 {
            return 0.0;
        }
        let frame = ((x * self.frames as f64) as usize).min(self.frames - 1);
        self.at(band, frame)
    }
}

/// A `bands`-band mel spectrogram with at most `max_frames` frames (the hop grows for long clips).
pub fn mel_spectrogram(
    samples: &[f32],
    sample_rate: u32,
    bands: usize,
    max_frames: usize,
    range_db: f64,
) -> Spectrogram {
    let n_fft = if sample_rate > 24_000 { 1024 } else { 512 };
    let hop = (samples.len() / max_frames.max(1)).max(n_fft / 4).max(1);
    let mut stft = PowerStft::new(n_fft, hop, n_fft);
    let bank = MelBank::new(sample_rate, n_fft, bands, 0.0, f64::from(sample_rate) / 2.0);
    let mut columns: Vec<Vec<f64>> = Vec::new();
    stft.for_each_frame(samples, |_, power| {
        let mut mel = vec![0.0; bands];
        bank.apply(power, &mut mel);
        columns.push(mel);
    });
    let frames = columns.len();
    let mut values = vec![0.0f32; bands * frames];
    let db = |p: f64| 10.0 * p.max(1e-12).log10();
    let top = columns
        .iter()
        .flatten()
        .map(|&p| db(p))
        .fold(f64::NEG_INFINITY, f64::max);
    for (t, column) in columns.iter().enumerate() {
        for (b, &p) in column.iter().enumerate() {
            values[b * frames + t] = ((db(p) - (top - range_db)) / range_db).clamp(0.0, 1.0) as f32;
        }
    }
    Spectrogram {
        bands,
        frames,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn envelope_follows_the_signal_and_keeps_the_extremes() {
        let mut samples = vec![0.0f32; 1000];
        samples[10] = 0.9;
        samples[990] = -0.7;
        let env = envelope(&samples, 10);
        assert_eq!(env.len(), 10);
        assert_eq!(env[0], (0.0, 0.9));
        assert_eq!(env[9], (-0.7, 0.0));
        assert_eq!(env[5], (0.0, 0.0));
        let two = resize_envelope(&env, 2);
        assert_eq!(two, vec![(0.0, 0.9), (-0.7, 0.0)]);
        assert!(envelope(&[], 10).is_empty());
        // More buckets than samples still gives one bucket per column, no panic.
        assert_eq!(envelope(&[0.5, -0.5], 7).len(), 7);
    }

    #[test]
    fn a_low_tone_lights_low_bands_and_a_high_tone_high_bands() {
        let rate = 16_000;
        let low = mel_spectrogram(&tone(300.0, rate, 1.0), rate, 32, 64, 80.0);
        let high = mel_spectrogram(&tone(5000.0, rate, 1.0), rate, 32, 64, 80.0);
        assert!(low.frames > 10 && low.frames <= 64 + 1, "{}", low.frames);
        let loudest = |s: &Spectrogram| {
            (0..s.bands)
                .max_by(|&a, &b| s.at(a, s.frames / 2).total_cmp(&s.at(b, s.frames / 2)))
                .unwrap()
        };
        assert!(loudest(&low) < 12, "300 Hz in band {}", loudest(&low));
        assert!(loudest(&high) > 20, "5 kHz in band {}", loudest(&high));
        assert!(low.values.iter().all(|v| (0.0..=1.0).contains(v)));
        let top = low.values.iter().cloned().fold(0.0f32, f32::max);
        assert_eq!(top, 1.0, "scaled so the loudest cell is 1");
    }
}
