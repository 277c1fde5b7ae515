//! `egemaps_ext`: a larger bank of statistics (mean, spread, percentiles, shape, trend) over the
//! 25 eGeMAPSv02 low-level descriptors and their deltas, with the voiced-only descriptors taken
//! over voiced frames only. See `serlab_egemaps::extended` for the exact list.

use serlab_egemaps::{check_input, extended, pipeline};
use serlab_plugin_api::{ExtractError, OutputKind, Plugin, PluginInfo};

pub struct EgemapsExt;

impl Plugin for EgemapsExt {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "egemaps_ext",
            version: env!("CARGO_PKG_VERSION"),
            description:
                "statistics of the eGeMAPSv02 descriptors and deltas, voiced/unvoiced apart (530)",
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
        let table = pipeline::lld_table(samples, sample_rate);
        let values = extended::extended_functionals(&table);
        serlab_plugin_api::write_values(out, values);
        Ok(1)
    }
}

serlab_plugin_api::export_plugin!(EgemapsExt);
