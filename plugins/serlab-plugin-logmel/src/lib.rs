//! `logmel`: a frame sequence for CNNs that convolve over time. Every 10 ms, a 25 ms Hann window
//! gives the power spectrum, folded into `n_mels` Slaney mel bands and taken in dB. With
//! `mfcc = true`, 13 MFCCs and their deltas are appended (`serlab_dsp::logmel`).

use serlab_dsp::logmel::{feature_names, frame_count, logmel_frames, Settings, FRAME_RATE};
use serlab_plugin_api::{ExtractError, OutputKind, ParamKind, ParamSpec, Plugin, PluginInfo};

pub struct LogMel;

impl Plugin for LogMel {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "logmel",
            version: env!("CARGO_PKG_VERSION"),
            description:
                "log-mel spectrogram frames every 10 ms (25 ms window); optionally 13 MFCC + deltas",
            kind: OutputKind::Sequence {
                frame_rate: FRAME_RATE,
            },
            params: vec![
                ParamSpec {
                    name: "n_mels",
                    kind: ParamKind::Int,
                    default: 40.0,
                    min: 8.0,
                    max: 128.0,
                    description: "number of mel bands",
                },
                ParamSpec {
                    name: "mfcc",
                    kind: ParamKind::Bool,
                    default: 0.0,
                    min: 0.0,
                    max: 1.0,
                    description: "append 13 MFCCs and their deltas",
                },
            ],
        }
    }

    fn feature_names(params: &[f64]) -> Vec<String> {
        feature_names(&Settings::from_params(params))
    }

    fn frame_count(_: &[f64], sample_rate: u32, samples: usize) -> usize {
        frame_count(samples, sample_rate)
    }

    fn extract(
        params: &[f64],
        sample_rate: u32,
        samples: &[f32],
        out: &mut [f32],
    ) -> Result<usize, ExtractError> {
        if sample_rate < 4000 {
            return Err(ExtractError::InvalidInput(format!(
                "sample rate {sample_rate} Hz is too low (4 kHz at least)"
            )));
        }
        let settings = Settings::from_params(params);
        let frames = logmel_frames(samples, sample_rate, &settings);
        out[..frames.len()].copy_from_slice(&frames);
        Ok(frames.len() / settings.dims())
    }
}

serlab_plugin_api::export_plugin!(LogMel);
