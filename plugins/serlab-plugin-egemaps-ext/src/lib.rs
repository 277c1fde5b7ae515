//! `egemaps_ext`: a larger bank of statistics (mean, spread, percentiles, shape, trend) over the
//! 25 eGeMAPSv02 low-level descriptors and their deltas, with the voiced-only descriptors taken
//! over voiced frames only, and the same statistics of MFCC 1-12 of a 40-band mel spectrum. See `serlab_egemaps::extended` for the exact list.

use serlab_egemaps::formants::FormantMethod;
use serlab_egemaps::{check_input, extended, pipeline};
use serlab_plugin_api::{ExtractError, OutputKind, Plugin, PluginInfo};

pub struct EgemapsExt;

/// MFCC 1-12 of every centred 10 ms frame, computed exactly as the `logmel` plugin does.
fn mfcc_frames(samples: &[f32], sample_rate: u32) -> Vec<[f64; extended::MFCC_COUNT]> {
    let settings = serlab_dsp::logmel::Settings {
        n_mels: 40,
        with_mfcc: true,
    };
    let dims = settings.dims();
    // Each frame: the 40 log-mel values, then MFCC 0..13 (0 is the level, which loudness covers).
    let first = settings.n_mels + 1;
    serlab_dsp::logmel::logmel_frames(samples, sample_rate, &settings)
        .chunks_exact(dims)
        .map(|frame| {
            let mut row = [0.0; extended::MFCC_COUNT];
            for (r, &v) in row.iter_mut().zip(&frame[first..]) {
                *r = f64::from(v);
            }
            row
        })
        .collect()
}

impl Plugin for EgemapsExt {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "egemaps_ext",
            version: env!("CARGO_PKG_VERSION"),
            description:
                "statistics of the eGeMAPSv02 descriptors and deltas, voiced/unvoiced apart (818)",
            kind: OutputKind::Vector,
            params: vec![],
        }
    }

    fn feature_names(_: &[f64]) -> Vec<String> {
        extended::names()
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
        check_input(samples, sample_rate)?;
        let table = extended::table(
            &pipeline::contours_with(
                samples,
                sample_rate,
                FormantMethod::VocalTract,
                // The extended table smooths the formant columns over unvoiced neighbours too.
                pipeline::FormantFrames::Every,
            ),
            &mfcc_frames(samples, sample_rate),
        );
        let values = extended::extended_functionals(&table);
        serlab_plugin_api::write_values(out, values);
        Ok(1)
    }
}

serlab_plugin_api::export_plugin!(EgemapsExt);
