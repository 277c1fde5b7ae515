//! The `egemaps` plugin: eGeMAPSv02's 88 functionals per clip, computed by `serlab-egemaps`.

use serlab_egemaps::{check_input, egemaps_functionals, names};
use serlab_plugin_api::{ExtractError, OutputKind, Plugin, PluginInfo};

pub struct Egemaps;

impl Plugin for Egemaps {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "egemaps",
            version: env!("CARGO_PKG_VERSION"),
            description: "eGeMAPSv02: 88 functionals (openSMILE-compatible names and definitions)",
            kind: OutputKind::Vector,
            params: vec![],
        }
    }

    fn feature_names(_: &[f64]) -> Vec<String> {
        names::functional_names()
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
        serlab_plugin_api::write_values(out, egemaps_functionals(samples, sample_rate));
        Ok(1)
    }
}

serlab_plugin_api::export_plugin!(Egemaps);
