//! The log-mel frame sequence (and MFCCs with deltas) of the `logmel` plugin, shared with
//! `egemaps_ext`, which summarises the same MFCCs: every 10 ms, a 25 ms Hann window gives the
//! power spectrum, folded into `n_mels` Slaney mel bands and taken in dB
//! (`10 log10(max(p, 1e-10))`); 13 MFCCs are the orthonormal DCT of the log-mel frame, their
//! deltas the HTK regression over +-2 frames.

use crate::dct::Dct;
use crate::mel::MelBank;
use crate::stft::{centered_frame_count, PowerStft};

pub const FRAME_RATE: f64 = 100.0;
const N_MFCC: usize = 13;

pub struct Settings {
    pub n_mels: usize,
    pub with_mfcc: bool,
}

impl Settings {
    pub fn from_params(params: &[f64]) -> Self {
        Self {
            n_mels: params.first().copied().unwrap_or(40.0) as usize,
            with_mfcc: params.get(1).copied().unwrap_or(0.0) > 0.5,
        }
    }

    pub fn dims(&self) -> usize {
        self.n_mels + if self.with_mfcc { 2 * N_MFCC } else { 0 }
    }
}

pub fn hop(sample_rate: u32) -> usize {
    ((f64::from(sample_rate) / FRAME_RATE).round() as usize).max(1)
}

pub fn feature_names(settings: &Settings) -> Vec<String> {
    let mut names: Vec<String> = (0..settings.n_mels)
        .map(|i| format!("logmel_{i}"))
        .collect();
    if settings.with_mfcc {
        names.extend((0..N_MFCC).map(|i| format!("mfcc_{i}")));
        names.extend((0..N_MFCC).map(|i| format!("mfcc_delta_{i}")));
    }
    names
}

/// How many frames a clip of `samples` gives.
pub fn frame_count(samples: usize, sample_rate: u32) -> usize {
    centered_frame_count(samples, hop(sample_rate))
}

/// Frames x features, row-major.
pub fn logmel_frames(samples: &[f32], sample_rate: u32, settings: &Settings) -> Vec<f32> {
    let hop = hop(sample_rate);
    let win = ((f64::from(sample_rate) * 0.025).round() as usize).max(16);
    let n_fft = win.next_power_of_two();
    let frames = centered_frame_count(samples.len(), hop);
    let dims = settings.dims();
    let bank = MelBank::new(
        sample_rate,
        n_fft,
        settings.n_mels,
        0.0,
        f64::from(sample_rate) / 2.0,
    );
    let dct = Dct::new(settings.n_mels, N_MFCC);
    let mut out = vec![0.0f32; frames * dims];
    let mut mel = vec![0.0; settings.n_mels];
    let mut mfcc = vec![0.0; N_MFCC];
    let mut stft = PowerStft::new(n_fft, hop, win);
    stft.for_each_frame(samples, |t, power| {
        bank.apply(power, &mut mel);
        for m in mel.iter_mut() {
            *m = 10.0 * m.max(1e-10).log10();
        }
        let row = &mut out[t * dims..(t + 1) * dims];
        for (o, m) in row.iter_mut().zip(&mel) {
            *o = *m as f32;
        }
        if settings.with_mfcc {
            dct.apply(&mel, &mut mfcc);
            for (o, c) in row[settings.n_mels..].iter_mut().zip(&mfcc) {
                *o = *c as f32;
            }
        }
    });
    if settings.with_mfcc {
        add_deltas(&mut out, frames, dims, settings.n_mels);
    }
    out
}

/// HTK deltas over +-2 frames, edges repeated: d_t = sum n (c[t+n] - c[t-n]) / (2 sum n^2).
fn add_deltas(out: &mut [f32], frames: usize, dims: usize, n_mels: usize) {
    let coeff = |out: &[f32], t: isize, k: usize| {
        let t = t.clamp(0, frames as isize - 1) as usize;
        out[t * dims + n_mels + k]
    };
    let mut deltas = vec![0.0f32; frames * N_MFCC];
    for t in 0..frames as isize {
        for k in 0..N_MFCC {
            let d = (coeff(out, t + 1, k) - coeff(out, t - 1, k))
                + 2.0 * (coeff(out, t + 2, k) - coeff(out, t - 2, k));
            deltas[t as usize * N_MFCC + k] = d / 10.0;
        }
    }
    for t in 0..frames {
        out[t * dims + n_mels + N_MFCC..(t + 1) * dims]
            .copy_from_slice(&deltas[t * N_MFCC..(t + 1) * N_MFCC]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_lights_the_band_that_holds_it() {
        let rate = 16_000;
        let samples: Vec<f32> = (0..16_000)
            .map(|i| (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 16_000.0).sin() as f32 * 0.5)
            .collect();
        let settings = Settings {
            n_mels: 40,
            with_mfcc: true,
        };
        let frames = logmel_frames(&samples, rate, &settings);
        let dims = settings.dims();
        assert_eq!(frames.len() / dims, 101);
        let mid = &frames[50 * dims..50 * dims + 40];
        let loudest = mid
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b })
            .0;
        let bank = MelBank::new(rate, 512, 40, 0.0, 8000.0);
        let bin_1k = (1000.0 * 512.0 / 16_000.0) as usize;
        let f = &bank.filters[loudest];
        assert!(
            (f.start..f.start + f.weights.len()).contains(&bin_1k),
            "band {loudest}"
        );
        // Deltas of a steady tone are ~0 away from the edges.
        let delta0 = frames[50 * dims + 40 + 13];
        assert!(delta0.abs() < 0.1, "delta {delta0}");
    }
}
