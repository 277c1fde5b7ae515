//! A test plugin whose extraction panics: the export wrapper must turn that into an error code.

use serlab_plugin_api::{ExtractError, OutputKind, Plugin, PluginInfo};

struct Panics;

impl Plugin for Panics {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "test-panics",
            version: "0.1.0",
            description: "panics on every extraction (test plugin)",
            kind: OutputKind::Vector,
            params: vec![],
        }
    }
    fn feature_names(_: &[f64]) -> Vec<String> {
        vec!["x".into()]
    }
    fn frame_count(_: &[f64], _: u32, _: usize) -> usize {
        1
    }
    fn extract(_: &[f64], _: u32, _: &[f32], _: &mut [f32]) -> Result<usize, ExtractError> {
        panic!("deliberate test panic")
    }
}

serlab_plugin_api::export_plugin!(Panics);
