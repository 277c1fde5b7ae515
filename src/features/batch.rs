//! Extracting many clips: in parallel (rayon), through the cache, with progress reporting and
//! cancellation that the CLI's progress bar and the TUI share.

use super::cache::{file_hash, CacheKey, FeatureCache};
use super::{Features, Plugin};
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

/// What to extract with.
#[derive(Clone)]
pub struct Extraction {
    pub plugin: Arc<Plugin>,
    pub params: Vec<f64>,
    pub sample_rate: u32,
    pub cache: Option<FeatureCache>,
}

/// A transformation of the decoded samples (augmentation) and the key that identifies it in the
/// cache.
pub struct Transform<'a> {
    pub key: String,
    pub apply: &'a (dyn Fn(Vec<f32>) -> Vec<f32> + Sync),
}

impl Extraction {
    fn names(&self) -> Result<Arc<Vec<String>>, String> {
        self.plugin
            .layout(&self.params, self.sample_rate, self.sample_rate as usize)
            .map(|(names, _)| Arc::new(names))
            .map_err(|e| e.to_string())
    }

    /// Features of one file: from the cache when present, otherwise decoded, resampled,
    /// transformed, extracted and stored.
    pub fn one(
        &self,
        path: &Path,
        transform: Option<&Transform>,
        progress: Option<&Progress>,
    ) -> Result<Features, String> {
        let names = self.names()?;
        self.one_with_names(path, &names, transform, progress)
    }

    fn one_with_names(
        &self,
        path: &Path,
        names: &Arc<Vec<String>>,
        transform: Option<&Transform>,
        progress: Option<&Progress>,
    ) -> Result<Features, String> {
        let key = match &self.cache {
            Some(_) => Some(CacheKey {
                content: file_hash(path)
                    .map_err(|e| format!("{}: cannot read: {e}", path.display()))?,
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
        let audio = load_mono(path, self.sample_rate).map_err(|e| e.to_string())?;
        let samples = match transform {
            Some(t) => (t.apply)(audio.samples),
            None => audio.samples,
        };
        let features = self
            .plugin
            .extract(&samples, self.sample_rate, &self.params)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            // A cache that cannot be written only costs time later; the features are still good.
            let _ = cache.put(key, &features);
        }
        Ok(features)
    }

    /// Features of every file, in order; `None` for files skipped after cancellation.
    pub fn many(
        &self,
        paths: &[PathBuf],
        progress: &Progress,
    ) -> Vec<Option<Result<Features, String>>> {
        progress.total.store(paths.len(), Ordering::Relaxed);
        let names = match self.names() {
            Ok(names) => names,
            Err(e) => return paths.iter().map(|_| Some(Err(e.clone()))).collect(),
        };
        paths
            .par_iter()
            .map(|path| {
                if progress.is_cancelled() {
                    return None;
                }
                let result = self.one_with_names(path, &names, None, Some(progress));
                progress.done.fetch_add(1, Ordering::Relaxed);
                Some(result)
            })
            .collect()
    }
}
