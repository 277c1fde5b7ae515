//! A test plugin: mean, peak and length of the input, scaled by a `gain` parameter. `nan = 1`
//! makes it return NaN, `lie = 1` makes it claim more frames than its buffer holds.

use serlab_plugin_api::{ExtractError, OutputKind, ParamKind, ParamSpec, Plugin, PluginInfo};

struct Echo;

impl Plugin for Echo {
    fn info() -> PluginInfo {
        let flag = |name, description| ParamSpec {
            name,
            kind: ParamKind::Bool,
            default: 0.0,
            min: 0.0,
            max: 1.0,
            description,
        };
        PluginInfo {
            name: "test-echo",
            version: "0.2.0",
            description: "mean, peak and length of the input (test plugin)",
            kind: OutputKind::Vector,
            params: vec![
                ParamSpec {
                    name: "gain",
                    kind: ParamKind::Float,
                    default: 1.0,
                    min: 0.0,
                    max: 10.0,
                    description: "scale",
                },
                flag("nan", "return NaN"),
                flag("lie", "report a wrong frame count"),
            ],
        }
    }
    fn feature_names(_: &[f64]) -> Vec<String> {
        vec!["mean".into(), "peak".into(), "seconds".into()]
    }
    fn frame_count(_: &[f64], _: u32, _: usize) -> usize {
        1
    }
    fn extract(
        params: &[f64],
        rate: u32,
        samples: &[f32],
        out: &mut [f32],
    ) -> Result<usize, ExtractError> {
        if samples.is_empty() {
            return Err(ExtractError::InvalidInput("no samples".into()));
        }
        let gain = params[0] as f32;
        out[0] = gain * samples.iter().sum::<f32>() / samples.len() as f32;
        out[1] = gain * samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        out[2] = samples.len() as f32 / rate as f32;
        if params[1] > 0.5 {
            out[1] = f32::NAN;
        }
        Ok(if params[2] > 0.5 { 7 } else { 1 })
    }
}

serlab_plugin_api::export_plugin!(Echo);
