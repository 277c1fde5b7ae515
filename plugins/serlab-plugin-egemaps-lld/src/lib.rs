//! `egemaps_lld`: the 25 smoothed eGeMAPSv02 low-level descriptors (openSMILE's LLD output:
//! `Loudness_sma3`, ..., `F3amplitudeLogRelF0_sma3nz`), one row every 10 ms.

use serlab_egemaps::{check_input, names::LLD_NAMES, pipeline};
use serlab_plugin_api::{ExtractError, OutputKind, Plugin, PluginInfo};

pub struct EgemapsLld;

impl Plugin for EgemapsLld {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "egemaps_lld",
            version: env!("CARGO_PKG_VERSION"),
            description: "eGeMAPSv02 low-level descriptors (25 per 10 ms frame)",
            kind: OutputKind::Sequence { frame_rate: 100.0 },
            params: vec![],
        }
    }

    fn feature_names(_: &[f64]) -> Vec<String> {
        LLD_NAMES.iter().map(|s| s.to_string()).collect()
    }

    fn frame_count(_: &[f64], sample_rate: u32, samples: usize) -> usize {
        pipeline::frame_count(samples, sample_rate)
    }

    fn extract(
        _: &[f64],
        sample_rate: u32,
        samples: &[f32],
        out: &mut [f32],
    ) -> Result<usize, ExtractError> {
        check_input(samples, sample_rate)?;
        let table = pipeline::lld_table(samples, sample_rate);
        // Rows are LLD_NAMES.len() wide, the layout the host sized `out` by.
        serlab_plugin_api::write_values(out, table.iter().flatten().copied());
        Ok(table.len())
    }
}

serlab_plugin_api::export_plugin!(EgemapsLld);
