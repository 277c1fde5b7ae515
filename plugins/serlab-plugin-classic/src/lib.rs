//! `classic`: the feature vector the popular SER notebooks feed to their 1D CNN, computed as
//! librosa 0.11 computes it with its defaults (n_fft 2048, hop 512, centred frames):
//! time-averaged zero-crossing rate (1), chroma_stft of the magnitude STFT (12), MFCC (20), RMS (1),
//! mel power (128).
//! One STFT serves chroma, mel and MFCC (librosa computes three).

use serlab_dsp::chroma::{chroma_bank, estimate_tuning, SparseChroma};
use serlab_dsp::dct::Dct;
use serlab_dsp::mel::MelBank;
use serlab_dsp::power_to_db_in_place;
use serlab_dsp::stft::{centered_frame_count, PowerStft};
use serlab_plugin_api::{ExtractError, OutputKind, Plugin, PluginInfo};

pub const N_FFT: usize = 2048;
pub const HOP: usize = 512;
pub const N_MELS: usize = 128;
pub const N_MFCC: usize = 20;
pub const N_CHROMA: usize = 12;
pub const DIMS: usize = 1 + N_CHROMA + N_MFCC + 1 + N_MELS;

pub fn feature_names() -> Vec<String> {
    let mut names = vec!["zcr".to_string()];
    names.extend((0..N_CHROMA).map(|i| format!("chroma_{i}")));
    names.extend((0..N_MFCC).map(|i| format!("mfcc_{i}")));
    names.push("rms".into());
    names.extend((0..N_MELS).map(|i| format!("mel_{i}")));
    names
}

/// The 162 values for one clip, in the order of [`feature_names`].
pub fn classic162(samples: &[f32], sample_rate: u32) -> Vec<f64> {
    let frames = centered_frame_count(samples.len(), HOP);
    let mut out = Vec::with_capacity(DIMS);
    out.push(mean_zcr(samples, frames));

    let mut stft = PowerStft::new(N_FFT, HOP, N_FFT);
    let bank = MelBank::new(
        sample_rate,
        N_FFT,
        N_MELS,
        0.0,
        f64::from(sample_rate) / 2.0,
    );
    let bins = N_FFT / 2 + 1;
    let mut magnitudes = vec![0.0; frames * bins];
    let mut mel = vec![0.0; frames * N_MELS];
    stft.for_each_frame(samples, |t, power| {
        bank.apply(power, &mut mel[t * N_MELS..(t + 1) * N_MELS]);
        // The notebooks call chroma_stft(S=np.abs(stft)): chroma works on magnitudes.
        for (m, p) in magnitudes[t * bins..(t + 1) * bins].iter_mut().zip(power) {
            *m = p.sqrt();
        }
    });

    let spectra: Vec<&[f64]> = magnitudes.chunks(bins).collect();
    let tuning = estimate_tuning(&spectra, sample_rate, N_FFT);
    let chroma_fb = SparseChroma::new(&chroma_bank(sample_rate, N_FFT, tuning));
    let mut chroma_sum = [0.0; N_CHROMA];
    let mut chroma = [0.0; N_CHROMA];
    for magnitude in spectra {
        chroma_fb.frame(magnitude, &mut chroma);
        for (s, c) in chroma_sum.iter_mut().zip(&chroma) {
            *s += c;
        }
    }
    out.extend(chroma_sum.iter().map(|s| s / frames as f64));

    let mut mel_db = mel.clone();
    power_to_db_in_place(&mut mel_db, 1e-10, Some(80.0));
    let dct = Dct::new(N_MELS, N_MFCC);
    let mut mfcc_sum = [0.0; N_MFCC];
    let mut coeffs = [0.0; N_MFCC];
    for frame in mel_db.chunks(N_MELS) {
        dct.apply(frame, &mut coeffs);
        for (s, c) in mfcc_sum.iter_mut().zip(&coeffs) {
            *s += c;
        }
    }
    out.extend(mfcc_sum.iter().map(|s| s / frames as f64));

    out.push(mean_rms(samples, frames));

    let mut mel_mean = vec![0.0; N_MELS];
    for frame in mel.chunks(N_MELS) {
        for (m, v) in mel_mean.iter_mut().zip(frame) {
            *m += v;
        }
    }
    out.extend(mel_mean.iter().map(|m| m / frames as f64));
    out
}

/// librosa `zero_crossing_rate`: frames of the edge-padded signal, values within 1e-10 of zero
/// count as positive, crossings counted between neighbours and divided by the frame length.
fn mean_zcr(samples: &[f32], frames: usize) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let half = N_FFT / 2;
    let negative = |padded_index: usize| -> bool {
        let i = padded_index.saturating_sub(half).min(samples.len() - 1);
        let x = samples[i];
        x.abs() > 1e-10 && x.is_sign_negative()
    };
    let padded_len = samples.len() + 2 * half;
    // crossing[j] = sign change between padded j-1 and j; prefix sums make each frame O(1).
    let mut prefix = vec![0u32; padded_len + 1];
    let mut prev = negative(0);
    for j in 1..padded_len {
        let cur = negative(j);
        prefix[j + 1] = prefix[j] + u32::from(cur != prev);
        prev = cur;
    }
    let mut total = 0.0;
    for t in 0..frames {
        let start = t * HOP;
        let end = (start + N_FFT).min(padded_len);
        let crossings = prefix[end] - prefix[start + 1];
        total += f64::from(crossings) / N_FFT as f64;
    }
    total / frames as f64
}

/// librosa `rms` with centred, zero-padded frames.
fn mean_rms(samples: &[f32], frames: usize) -> f64 {
    let mut prefix = vec![0.0f64; samples.len() + 1];
    for (i, &x) in samples.iter().enumerate() {
        prefix[i + 1] = prefix[i] + f64::from(x) * f64::from(x);
    }
    let half = (N_FFT / 2) as isize;
    let mut total = 0.0;
    for t in 0..frames {
        let start = (t * HOP) as isize - half;
        let lo = start.clamp(0, samples.len() as isize) as usize;
        let hi = (start + N_FFT as isize).clamp(0, samples.len() as isize) as usize;
        total += ((prefix[hi] - prefix[lo]).max(0.0) / N_FFT as f64).sqrt();
    }
    total / frames as f64
}

pub struct Classic;

impl Plugin for Classic {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "classic",
            version: env!("CARGO_PKG_VERSION"),
            description:
                "ZCR, chroma, MFCC, RMS and mel means (162 values), as librosa computes them",
            kind: OutputKind::Vector,
            params: vec![],
        }
    }

    fn feature_names(_: &[f64]) -> Vec<String> {
        feature_names()
    }

    fn frame_count(_: &[f64], _: u32, _: usize) -> usize {
        1
    }

    fn extract(
        _: &[f64],
        sample_rate: u32,
        samples: &[f32],
        out: &mut [f32],
    ) -> Result<usize, ExtractError> {
        if samples.is_empty() {
            return Err(ExtractError::InvalidInput("no samples".into()));
        }
        if sample_rate < 1000 {
            return Err(ExtractError::InvalidInput(format!(
                "sample rate {sample_rate} Hz is too low"
            )));
        }
        serlab_plugin_api::write_values(out, classic162(samples, sample_rate));
        Ok(1)
    }
}

serlab_plugin_api::export_plugin!(Classic);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_line_up() {
        assert_eq!(feature_names().len(), DIMS);
        assert_eq!(DIMS, 162);
        let samples: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.1).sin() * 0.3).collect();
        let v = classic162(&samples, 16_000);
        assert_eq!(v.len(), 162);
        assert!(v.iter().all(|x| x.is_finite()));
        // A 0.1 rad/sample sine crosses zero 2 * 0.1 / (2 pi) times per sample.
        let expected_zcr = 0.1 / std::f64::consts::PI;
        assert!((v[0] - expected_zcr).abs() < 0.003, "zcr {}", v[0]);
        // RMS of a 0.3 sine is 0.212 (edge frames see zero padding, so a little less).
        assert!(v[33] > 0.18 && v[33] < 0.215, "rms {}", v[33]);
    }

    #[test]
    fn silence_gives_finite_values() {
        let v = classic162(&vec![0.0; 8000], 16_000);
        assert!(v.iter().all(|x| x.is_finite()));
        assert_eq!(v[0], 0.0);
    }
}
