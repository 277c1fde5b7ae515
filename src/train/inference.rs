//! A saved model applied to clips, as `eval`, `predict` (and any other face) need it: the
//! model's networks, the extraction it was trained with (its plugin, parameters and rate), and
//! the rows it expects (its normalisation), then class probabilities averaged over its members.

use super::engine::predict;
use super::persist::{self, ModelDirError};
use super::run::{normalise_rows, ModelInfo};
use crate::features::batch::{Extraction, OnPluginError};
use crate::features::cache::FeatureCache;
use crate::features::{Features, PluginError, PluginRegistry};
use crate::model::{Backend, Cnn};
use std::path::Path;

pub struct SavedModel {
    pub models: Vec<Cnn<Backend>>,
    pub info: ModelInfo,
}

/// The extraction a model needs, and a note when the plugin found is another version.
pub struct ModelExtraction {
    pub extraction: Extraction,
    pub version_note: Option<String>,
}

impl SavedModel {
    pub fn load(dir: &Path) -> Result<Self, ModelDirError> {
        let (models, info) = persist::load(dir)?;
        Ok(Self { models, info })
    }

    /// Features as the model was trained on them: its plugin (by name; another version is noted)
    /// with its parameters and sample rate, through the feature cache.
    pub fn extraction(
        &self,
        registry: &PluginRegistry,
        cache: Option<FeatureCache>,
        on_plugin_error: OnPluginError,
    ) -> Result<ModelExtraction, PluginError> {
        let info = &self.info;
        let plugin = registry.get(&info.plugin)?;
        let version_note = (plugin.version != info.plugin_version).then(|| {
            format!(
                "the model was trained with {} {}, extracting with {}",
                info.plugin, info.plugin_version, plugin.version
            )
        });
        let params = plugin
            .params
            .iter()
            .map(|p| {
                info.plugin_params
                    .get(&p.name)
                    .copied()
                    .unwrap_or(p.default)
            })
            .collect();
        Ok(ModelExtraction {
            extraction: Extraction {
                plugin,
                params,
                sample_rate: info.sample_rate,
                cache,
                on_plugin_error,
            },
            version_note,
        })
    }

    /// Model inputs: shaped, normalised per speaker as the model was (`speakers` names each
    /// clip's speaker), then with the training statistics.
    pub fn rows(&self, features: &[Features], speakers: &[String]) -> Vec<Vec<f32>> {
        let info = &self.info;
        let mut rows: Vec<Vec<f32>> = features.iter().map(|f| info.shape.row(f)).collect();
        normalise_rows(&mut rows, speakers, info.norm, info.shape.row_dims(), None);
        for row in rows.iter_mut() {
            info.stats.apply(row);
        }
        rows
    }

    /// Class probabilities of each clip, averaged over the model's members.
    pub fn probabilities(&self, features: &[Features], speakers: &[String]) -> Vec<Vec<f32>> {
        predict(
            &self.models,
            &self.rows(features, speakers),
            self.info.shape,
            256,
        )
    }
}
