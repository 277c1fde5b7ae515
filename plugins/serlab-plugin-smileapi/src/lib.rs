//! `smileapi`: a bridge to a real openSMILE. When the user has `libSMILEapi.so` (for example from
//! the PyPI package `opensmile`), this plugin loads it at run time and runs any openSMILE config
//! through openSMILE's public C API, so serlab can use openSMILE's own numbers exactly.
//!
//! Configuration (environment, read when the plugin loads):
//! * `SERLAB_SMILEAPI_LIB`: path of `libSMILEapi.so` (required);
//! * `SERLAB_SMILEAPI_CONFIG`: the openSMILE config to run (required);
//! * `SERLAB_SMILEAPI_OPTIONS`: extra `name=value` options separated by `;` (the `-name value`
//!   options of `SMILExtract`). When the config includes its source and sink through
//!   `\cm[source{?}...]` / `\cm[sink{?}...]` and no options are given, the external-I/O
//!   includes next to the config (`../../shared/standard_external_*`), as laid out in the
//!   `opensmile` Python package, are used;
//! * `SERLAB_SMILEAPI_SOURCE` / `SERLAB_SMILEAPI_SINK`: component names of the
//!   cExternalAudioSource and cExternalSink (default `extsource` / `extsink`).
//!
//! Without a usable library the plugin still loads, reports no features and says why in its
//! description, so `serlab plugins` lists it as unavailable with the reason.

pub mod api;

use api::{Bridge, Settings};
use serlab_plugin_api::{ExtractError, OutputKind, Plugin, PluginInfo};
use std::sync::OnceLock;

fn bridge() -> &'static Result<Bridge, String> {
    static BRIDGE: OnceLock<Result<Bridge, String>> = OnceLock::new();
    BRIDGE.get_or_init(|| Settings::from_env().and_then(Bridge::open))
}

fn description() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| match bridge() {
        Ok(b) => format!(
            "openSMILE through libSMILEapi ({}), config {}",
            b.settings.library.display(),
            b.settings.config.display()
        ),
        Err(reason) => reason.clone(),
    })
}

pub struct SmileApi;

impl Plugin for SmileApi {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "smileapi",
            version: env!("CARGO_PKG_VERSION"),
            description: description(),
            kind: OutputKind::Vector,
            params: vec![],
        }
    }

    fn feature_names(_: &[f64]) -> Vec<String> {
        match bridge() {
            Ok(b) => b.names.clone(),
            Err(_) => Vec::new(),
        }
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
        let bridge = bridge()
            .as_ref()
            .map_err(|e| ExtractError::Internal(e.clone()))?;
        let rows = bridge
            .run(samples, sample_rate)
            .map_err(ExtractError::Internal)?;
        match rows.as_slice() {
            [row] => {
                for (o, v) in out.iter_mut().zip(row) {
                    *o = *v;
                }
                Ok(1)
            }
            [] => Err(ExtractError::InvalidInput(
                "openSMILE produced no output for this clip (too short for the config?)".into(),
            )),
            many => Err(ExtractError::Internal(format!(
                "the config produced {} rows; smileapi serves one vector per clip (use a functionals config)",
                many.len()
            ))),
        }
    }
}

serlab_plugin_api::export_plugin!(SmileApi);
