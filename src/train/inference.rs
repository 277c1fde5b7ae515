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
    /// The clip-alone head (global statistics only), in the folder's `clip-alone/`: what predicts
    /// a clip whose speaker has fewer than [`SPEAKER_MIN_CLIPS`] clips. Model folders written
    /// before heads, and models trained with `--norm global`, have none.
    pub clip_alone: Option<Box<SavedModel>>,
}

/// A speaker needs this many clips for their own statistics (per-speaker ranks over fewer are
/// too coarse: over one clip they are constant); with fewer, the clip-alone head predicts.
pub const SPEAKER_MIN_CLIPS: usize = 8;

/// How one clip's prediction was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredictionPath {
    /// Normalised by the statistics of its speaker's `clips` clips (itself included).
    Speaker { clips: usize },
    /// From the clip alone: the clip-alone head, or a model trained with global statistics.
    ClipAlone,
}

impl PredictionPath {
    /// `speaker` or `clip-alone`, as `--json` reports it.
    pub fn name(self) -> &'static str {
        match self {
            PredictionPath::Speaker { .. } => "speaker",
            PredictionPath::ClipAlone => "clip-alone",
        }
    }

    /// In words, for a line of output.
    pub fn describe(self) -> String {
        match self {
            PredictionPath::Speaker { clips } => format!("speaker statistics over {clips} clips"),
            PredictionPath::ClipAlone => "the clip alone".into(),
        }
    }
}

/// Which path predictions take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathChoice {
    /// Speaker statistics for speakers with at least [`SPEAKER_MIN_CLIPS`] clips, each clip
    /// alone otherwise.
    #[default]
    Auto,
    /// Every clip alone (`serlab eval --single-clip`).
    ClipAlone,
}

/// Class probabilities of one clip and how they were made.
#[derive(Debug, Clone)]
pub struct Prediction {
    pub probabilities: Vec<f32>,
    pub path: PredictionPath,
}

/// The extraction a model needs, and a note when the plugin found is another version.
pub struct ModelExtraction {
    pub extraction: Extraction,
    pub version_note: Option<String>,
}

impl SavedModel {
    pub fn load(dir: &Path) -> Result<Self, ModelDirError> {
        let (models, info) = persist::load(dir)?;
        let head_dir = dir.join(persist::CLIP_ALONE_DIR);
        let clip_alone = if head_dir.join("model.json").is_file() {
            let (models, head_info) = persist::load(&head_dir)?;
            // A head that does not fit its model would give answers for another input.
            if head_info.plugin != info.plugin
                || head_info.shape != info.shape
                || head_info.classes != info.classes
                || head_info.norm.is_per_speaker()
            {
                return Err(ModelDirError::Invalid {
                    path: head_dir,
                    reason: "the clip-alone head does not fit the model beside it".into(),
                });
            }
            Some(Box::new(SavedModel {
                models,
                info: head_info,
                clip_alone: None,
            }))
        } else {
            None
        };
        Ok(Self {
            models,
            info,
            clip_alone,
        })
    }

    /// Whether this model can predict a clip with nothing from its speaker's other clips.
    pub fn predicts_clips_alone(&self) -> bool {
        !self.info.norm.is_per_speaker() || self.clip_alone.is_some()
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

    /// Class probabilities of each clip by this model's own networks and normalisation,
    /// averaged over its members (`speakers` groups the clips for a per-speaker normalisation).
    pub fn probabilities(&self, features: &[Features], speakers: &[String]) -> Vec<Vec<f32>> {
        predict(
            &self.models,
            &self.rows(features, speakers),
            self.info.shape,
            256,
        )
    }

    /// Each clip's prediction on the path `choice` allows: with a per-speaker normalisation,
    /// speakers with at least [`SPEAKER_MIN_CLIPS`] clips by their own statistics, the others
    /// clip by clip through the clip-alone head. A model without a head (written before heads)
    /// keeps its speaker statistics however few the clips (`predicts_clips_alone` says so first).
    pub fn predict(
        &self,
        features: &[Features],
        speakers: &[String],
        choice: PathChoice,
    ) -> Vec<Prediction> {
        if !self.info.norm.is_per_speaker() {
            return self
                .probabilities(features, speakers)
                .into_iter()
                .map(|probabilities| Prediction {
                    probabilities,
                    path: PredictionPath::ClipAlone,
                })
                .collect();
        }
        let mut counts = std::collections::HashMap::new();
        for s in speakers {
            *counts.entry(s.as_str()).or_insert(0usize) += 1;
        }
        let alone = |i: usize| match (&self.clip_alone, choice) {
            (None, _) => false,
            (Some(_), PathChoice::ClipAlone) => true,
            (Some(_), PathChoice::Auto) => counts[speakers[i].as_str()] < SPEAKER_MIN_CLIPS,
        };
        let (alone_idx, speaker_idx): (Vec<usize>, Vec<usize>) =
            (0..features.len()).partition(|&i| alone(i));
        let mut out: Vec<Option<Prediction>> = vec![None; features.len()];
        let pick = |idx: &[usize]| -> (Vec<Features>, Vec<String>) {
            (
                idx.iter().map(|&i| features[i].clone()).collect(),
                idx.iter().map(|&i| speakers[i].clone()).collect(),
            )
        };
        if !speaker_idx.is_empty() {
            let (f, s) = pick(&speaker_idx);
            for (&i, probabilities) in speaker_idx.iter().zip(self.probabilities(&f, &s)) {
                let clips = counts[speakers[i].as_str()];
                out[i] = Some(Prediction {
                    probabilities,
                    path: PredictionPath::Speaker { clips },
                });
            }
        }
        if let (Some(head), false) = (&self.clip_alone, alone_idx.is_empty()) {
            let (f, s) = pick(&alone_idx);
            for (&i, probabilities) in alone_idx.iter().zip(head.probabilities(&f, &s)) {
                out[i] = Some(Prediction {
                    probabilities,
                    path: PredictionPath::ClipAlone,
                });
            }
        }
        out.into_iter().flatten().collect()
    }
}
