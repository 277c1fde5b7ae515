//! Extracting many clips: in parallel (rayon), through the cache, with progress reporting and
//! cancellation that the CLI's progress bar and the TUI share.

use super::cache::{file_hash, CacheKey, FeatureCache};
use super::{Features, Plugin, PluginError};
use crate::audio::load_mono;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Shared between the worker threads and whoever watches them.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicUsize,
    pub total: AtomicUsize,
    pub from_cache: AtomicUsize,
    cancel: AtomicBool,
}

impl Progress {
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// What a run does when the plugin itself breaks on a clip (crashes, hangs, panics, runs out of
/// its memory limit). A clip the plugin merely refuses, or a WAV that does not decode, is always
/// reported and skipped.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum OnPluginError {
    /// Stop the run at the first such clip, naming the plugin and the clip.
    #[default]
    Stop,
    /// Leave such clips out and report them at the end.
    Skip,
}

/// Why one clip has no features.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClipError {
    /// The file could not be read or decoded (the message names it).
    #[error("{message}")]
    Audio { path: PathBuf, message: String },
    #[error("{}: {error}", path.display())]
    Plugin { path: PathBuf, error: PluginError },
}

impl ClipError {
    pub fn path(&self) -> &Path {
        match self {
            Self::Audio { path, .. } | Self::Plugin { path, .. } => path,
        }
    }

    /// The plugin broke on this clip (see `OnPluginError`).
    pub fn is_plugin_fault(&self) -> bool {
        matches!(self, Self::Plugin { error, .. } if error.is_fault())
    }
}

/// The first plugin fault among results, if any: under `OnPluginError::Stop` the run ends there.
pub fn first_fault<'a>(
    results: impl IntoIterator<Item = &'a Option<Result<Features, ClipError>>>,
) -> Option<&'a ClipError> {
    results.into_iter().find_map(|r| match r {
        Some(Err(e)) if e.is_plugin_fault() => Some(e),
        _ => None,
    })
}

/// What to extract with.
#[derive(Clone)]
pub struct Extraction {
    pub plugin: Arc<Plugin>,
    pub params: Vec<f64>,
    pub sample_rate: u32,
    pub cache: Option<FeatureCache>,
    pub on_plugin_error: OnPluginError,
}

/// A transformation of the decoded samples (augmentation) and the key that identifies it in the
/// cache.
pub struct Transform<'a> {
    pub key: String,
    pub apply: &'a (dyn Fn(Vec<f32>) -> Vec<f32> + Sync),
}

impl Extraction {
    fn names(&self) -> Result<Arc<Vec<String>>, PluginError> {
        self.plugin
            .layout(&self.params, self.sample_rate, self.sample_rate as usize)
            .map(|(names, _)| Arc::new(names))
    }

    /// Features of one file: from the cache when present, otherwise decoded, resampled,
    /// transformed, extracted and stored.
    pub fn one(
        &self,
        path: &Path,
        transform: Option<&Transform>,
        progress: Option<&Progress>,
    ) -> Result<Features, ClipError> {
        let names = self.names().map_err(|error| ClipError::Plugin {
            path: path.to_path_buf(),
            error,
        })?;
        self.one_with_names(path, &names, transform, progress)
    }

    fn one_with_names(
        &self,
        path: &Path,
        names: &Arc<Vec<String>>,
        transform: Option<&Transform>,
        progress: Option<&Progress>,
    ) -> Result<Features, ClipError> {
        let audio_error = |message: String| ClipError::Audio {
            path: path.to_path_buf(),
            message,
        };
        let key = match &self.cache {
            Some(_) => Some(CacheKey {
                content: file_hash(path)
                    .map_err(|e| audio_error(format!("{}: cannot read: {e}", path.display())))?,
                plugin: self.plugin.name.clone(),
                plugin_version: self.plugin.version.clone(),
                params: self.plugin.describe_params(&self.params),
                sample_rate: self.sample_rate,
                augmentation: transform
                    .map(|t| t.key.clone())
                    .unwrap_or_else(|| "none".into()),
            }),
            None => None,
        };
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            if let Some(features) = cache.get(key, names) {
                if let Some(p) = progress {
                    p.from_cache.fetch_add(1, Ordering::Relaxed);
                }
                return Ok(features);
            }
        }
        let audio = load_mono(path, self.sample_rate).map_err(|e| audio_error(e.to_string()))?;
        let samples = match transform {
            Some(t) => (t.apply)(audio.samples),
            None => audio.samples,
        };
        let features = self
            .plugin
            .extract(&samples, self.sample_rate, &self.params)
            .map_err(|error| ClipError::Plugin {
                path: path.to_path_buf(),
                error,
            })?;
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            // A cache that cannot be written only costs time later; the features are still good.
            let _ = cache.put(key, &features);
        }
        Ok(features)
    }

    /// Features of every file, in order; `None` for files not reached: after cancellation, or
    /// after a plugin fault under `OnPluginError::Stop` (see `first_fault`).
    pub fn many(
        &self,
        paths: &[PathBuf],
        progress: &Progress,
    ) -> Vec<Option<Result<Features, ClipError>>> {
        progress.total.store(paths.len(), Ordering::Relaxed);
        let names = match self.names() {
            Ok(names) => names,
            Err(error) => {
                return paths
                    .iter()
                    .map(|path| {
                        Some(Err(ClipError::Plugin {
                            path: path.clone(),
                            error: error.clone(),
                        }))
                    })
                    .collect()
            }
        };
        let halted = AtomicBool::new(false);
        paths
            .par_iter()
            .map(|path| {
                if progress.is_cancelled() || halted.load(Ordering::Relaxed) {
                    return None;
                }
                let result = self.one_with_names(path, &names, None, Some(progress));
                if self.halts_on(&result) {
                    halted.store(true, Ordering::Relaxed);
                }
                progress.done.fetch_add(1, Ordering::Relaxed);
                Some(result)
            })
            .collect()
    }

    /// Whether this result ends the run (a plugin fault under `OnPluginError::Stop`).
    pub fn halts_on(&self, result: &Result<Features, ClipError>) -> bool {
        self.on_plugin_error == OnPluginError::Stop
            && matches!(result, Err(e) if e.is_plugin_fault())
    }
}
