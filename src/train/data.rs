//! Turning clips into model inputs: features through the plugin and the cache (augmented copies
//! for training clips only), shaped as [len, channels] rows.

use crate::augment::{augment_for_training, AugmentPolicy};
use crate::corpus::Clip;
use crate::features::batch::{
    first_fault, ClipError, Extraction, OnPluginError, Progress, Transform,
};
use crate::features::{FeatureKind, Features};
use rayon::prelude::*;
use std::sync::atomic::Ordering;

/// How feature matrices become fixed-size model inputs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputShape {
    /// Positions along the convolved axis.
    pub len: usize,
    /// Values per position.
    pub channels: usize,
    pub sequence: bool,
}

/// How a feature vector meets the network.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum VectorLayout {
    /// All values as the channels of one position: each convolution (kernel 1) mixes every
    /// feature, as a dense layer does, and keeps the blocks' batch norm, ReLU and dropout.
    /// It generalised better to unseen speakers than the feature axis (docs/RESULTS.md), where
    /// a kernel slides over neighbouring values of unrelated features.
    #[default]
    Channels,
    /// One value per position, convolved along the feature axis: the seed notebooks' network.
    FeatureAxis,
}

impl InputShape {
    pub fn for_plugin(
        kind: FeatureKind,
        dims: usize,
        seq_len: usize,
        layout: VectorLayout,
    ) -> Self {
        match kind {
            FeatureKind::Vector if layout == VectorLayout::Channels => Self {
                len: 1,
                channels: dims,
                sequence: false,
            },
            FeatureKind::Vector => Self {
                len: dims,
                channels: 1,
                sequence: false,
            },
            FeatureKind::Sequence { .. } => Self {
                len: seq_len,
                channels: dims,
                sequence: true,
            },
        }
    }

    /// Values per row that normalisation statistics cover: a frame's for sequences, the whole
    /// vector otherwise.
    pub fn row_dims(&self) -> usize {
        if self.sequence {
            self.channels
        } else {
            self.len * self.channels
        }
    }

    /// Vectors as they are; sequences cropped (centre) or zero-padded to `len` frames.
    pub fn row(&self, features: &Features) -> Vec<f32> {
        if !self.sequence {
            return features.data.clone();
        }
        let dims = self.channels;
        let mut row = vec![0.0f32; self.len * dims];
        let frames = features.frames;
        let skip = frames.saturating_sub(self.len) / 2;
        let take = frames.min(self.len);
        row[..take * dims].copy_from_slice(&features.data[skip * dims..(skip + take) * dims]);
        row
    }
}

/// Features of each clip (None where extraction failed, with the reason collected), or the
/// plugin fault that stopped the run (`OnPluginError::Stop`).
pub fn extract_clips(
    clips: &[&Clip],
    extraction: &Extraction,
    progress: &Progress,
) -> Result<(Vec<Option<Features>>, Vec<String>), ClipError> {
    let paths: Vec<_> = clips.iter().map(|c| c.path.clone()).collect();
    let results = extraction.many(&paths, progress);
    if extraction.on_plugin_error == OnPluginError::Stop {
        if let Some(fault) = first_fault(&results) {
            return Err(fault.clone());
        }
    }
    let mut failures = Vec::new();
    let features = results
        .into_iter()
        .map(|r| match r {
            Some(Ok(f)) => Some(f),
            Some(Err(e)) => {
                failures.push(e.to_string());
                None
            }
            None => None,
        })
        .collect();
    Ok((features, failures))
}

/// `copies` augmented versions of each training clip (copy k uses augmentation draw k), through
/// the cache: the key of each is the exact augmentation applied.
pub fn augmented_copies(
    clips: &[&Clip],
    extraction: &Extraction,
    policy: &AugmentPolicy,
    copies: usize,
    seed: u64,
    progress: &Progress,
) -> Result<Vec<Vec<Features>>, ClipError> {
    if copies == 0 || policy.is_off() {
        return Ok(clips.iter().map(|_| Vec::new()).collect());
    }
    // The first plugin fault under `OnPluginError::Stop`: it ends the run.
    let fault: std::sync::Mutex<Option<ClipError>> = std::sync::Mutex::new(None);
    let halted = || fault.lock().map(|f| f.is_some()).unwrap_or(true);
    progress
        .total
        .fetch_add(clips.len() * copies, Ordering::Relaxed);
    let extracted: Vec<Vec<Features>> = clips
        .par_iter()
        .map(|clip| {
            let id = format!("{}:{}", clip.corpus, clip.relative);
            (0..copies)
                .filter_map(|k| {
                    if progress.is_cancelled() || halted() {
                        return None;
                    }
                    let rate = extraction.sample_rate;
                    let key_source = |samples: Vec<f32>| {
                        augment_for_training(&samples, rate, policy, &id, k, seed).samples
                    };
                    // The key must name the augmentation before it is applied: it is derived from
                    // the same deterministic draw (clip, copy, seed), so it is stable.
                    let key = format!(
                        "policy:{:x},clip:{id},copy:{k},seed:{seed}",
                        policy_hash(policy)
                    );
                    let transform = Transform {
                        key,
                        apply: &key_source,
                    };
                    let result = extraction.one(&clip.path, Some(&transform), None);
                    progress.done.fetch_add(1, Ordering::Relaxed);
                    if extraction.halts_on(&result) {
                        if let (Ok(mut first), Err(e)) = (fault.lock(), &result) {
                            first.get_or_insert_with(|| e.clone());
                        }
                    }
                    // A copy that fails otherwise only leaves the clip with fewer copies.
                    result.ok()
                })
                .collect()
        })
        .collect();
    match fault.into_inner().ok().flatten() {
        Some(fault) => Err(fault),
        None => Ok(extracted),
    }
}

fn policy_hash(policy: &AugmentPolicy) -> u64 {
    crate::util::rng::fnv1a(toml::to_string(policy).unwrap_or_default().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_lie_along_one_axis_or_the_other_and_sequences_over_time() {
        let vector = FeatureKind::Vector;
        let channels = InputShape::for_plugin(vector, 88, 300, VectorLayout::Channels);
        assert_eq!(
            (channels.len, channels.channels, channels.row_dims()),
            (1, 88, 88)
        );
        let axis = InputShape::for_plugin(vector, 88, 300, VectorLayout::FeatureAxis);
        assert_eq!((axis.len, axis.channels, axis.row_dims()), (88, 1, 88));
        let frames = FeatureKind::Sequence { frame_rate: 100.0 };
        for layout in [VectorLayout::Channels, VectorLayout::FeatureAxis] {
            let sequence = InputShape::for_plugin(frames, 40, 300, layout);
            assert_eq!(
                (sequence.len, sequence.channels, sequence.row_dims()),
                (300, 40, 40)
            );
        }
    }
}
