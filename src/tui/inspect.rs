//! The Clip view's worker: decodes the selected clip, computes its waveform envelope, its
//! spectrogram and the active plugin's features on a background thread, and reports through a
//! channel. Requests that pile up while it works are skipped: only the newest matters.

use crate::audio::display::{envelope, mel_spectrogram, Spectrogram};
use crate::audio::load_mono;
use crate::features::batch::{Extraction, OnPluginError};
use crate::features::cache::FeatureCache;
use crate::features::Plugin;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

/// Envelope buckets kept per clip: enough for a very wide terminal at two Braille dots a cell.
const ENVELOPE_BUCKETS: usize = 1024;
const SPECTROGRAM_BANDS: usize = 40;
const SPECTROGRAM_FRAMES: usize = 400;
const SPECTROGRAM_RANGE_DB: f64 = 80.0;

#[derive(Clone)]
pub struct InspectRequest {
    /// Catalog index, echoed back so a late answer for another clip is recognised.
    pub clip: usize,
    pub path: PathBuf,
    pub sample_rate: u32,
    /// The active plugin and its parameters; `None` shows audio only.
    pub plugin: Option<(Arc<Plugin>, Vec<f64>)>,
}

/// The active plugin's values for one clip; a sequence plugin's frames are averaged.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureValues {
    pub plugin: String,
    pub names: Vec<String>,
    pub values: Vec<f32>,
    /// Frames averaged (sequence plugins); 1 for vector plugins.
    pub frames: usize,
}

#[derive(Debug, Clone)]
pub struct ClipDetails {
    pub clip: usize,
    pub plugin: Option<String>,
    pub envelope: Vec<(f32, f32)>,
    pub spectrogram: Option<Spectrogram>,
    pub features: Option<Result<FeatureValues, String>>,
    /// Set when the audio itself could not be read.
    pub error: Option<String>,
}

pub struct Inspector {
    requests: Sender<InspectRequest>,
    results: Receiver<ClipDetails>,
}

impl Inspector {
    pub fn spawn(cache: Option<FeatureCache>) -> Self {
        let (requests, inbox) = channel::<InspectRequest>();
        let (outbox, results) = channel();
        std::thread::spawn(move || {
            while let Ok(first) = inbox.recv() {
                let newest = inbox.try_iter().last().unwrap_or(first);
                if outbox.send(inspect(&newest, cache.clone())).is_err() {
                    break;
                }
            }
        });
        Self { requests, results }
    }

    pub fn request(&self, request: InspectRequest) {
        let _ = self.requests.send(request);
    }

    /// The newest finished result, if any.
    pub fn poll(&self) -> Option<ClipDetails> {
        self.results.try_iter().last()
    }
}

/// Everything the Clip view shows for one clip. Pure apart from reading the file (and the cache).
pub fn inspect(request: &InspectRequest, cache: Option<FeatureCache>) -> ClipDetails {
    let plugin_name = request.plugin.as_ref().map(|(p, _)| p.name.clone());
    let audio = match load_mono(&request.path, request.sample_rate) {
        Ok(audio) => audio,
        Err(e) => {
            return ClipDetails {
                clip: request.clip,
                plugin: plugin_name,
                envelope: Vec::new(),
                spectrogram: None,
                features: None,
                error: Some(e.to_string()),
            }
        }
    };
    let features = request.plugin.as_ref().map(|(plugin, params)| {
        let extraction = Extraction {
            plugin: plugin.clone(),
            params: params.clone(),
            sample_rate: request.sample_rate,
            cache,
            on_plugin_error: OnPluginError::Skip,
        };
        extraction
            .one(&request.path, None, None)
            .map(|f| summarise(&plugin.name, &f))
            .map_err(|e| e.to_string())
    });
    ClipDetails {
        clip: request.clip,
        plugin: plugin_name,
        envelope: envelope(&audio.samples, ENVELOPE_BUCKETS),
        spectrogram: Some(mel_spectrogram(
            &audio.samples,
            audio.sample_rate,
            SPECTROGRAM_BANDS,
            SPECTROGRAM_FRAMES,
            SPECTROGRAM_RANGE_DB,
        )),
        features,
        error: None,
    }
}

fn summarise(plugin: &str, features: &crate::features::Features) -> FeatureValues {
    let dims = features.dims();
    let frames = features.frames.max(1);
    let mut values = vec![0.0f64; dims];
    for f in 0..features.frames {
        for (sum, &v) in values.iter_mut().zip(features.frame(f)) {
            *sum += f64::from(v);
        }
    }
    FeatureValues {
        plugin: plugin.to_string(),
        names: features.names.as_ref().clone(),
        values: values.iter().map(|s| (s / frames as f64) as f32).collect(),
        frames: features.frames,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_reports_its_path_and_a_wav_gives_pictures() {
        let dir = tempfile::tempdir().unwrap();
        let missing = InspectRequest {
            clip: 7,
            path: dir.path().join("gone.wav"),
            sample_rate: 16_000,
            plugin: None,
        };
        let details = inspect(&missing, None);
        assert_eq!(details.clip, 7);
        assert!(details.error.unwrap().contains("gone.wav"));

        let path = dir.path().join("tone.wav");
        let samples: Vec<f32> = (0..16_000).map(|i| 0.5 * (i as f32 * 0.2).sin()).collect();
        crate::audio::write_wav_f32(&path, &samples, 16_000).unwrap();
        let inspector = Inspector::spawn(None);
        inspector.request(InspectRequest {
            clip: 1,
            path,
            sample_rate: 16_000,
            plugin: None,
        });
        let start = std::time::Instant::now();
        let details = loop {
            if let Some(d) = inspector.poll() {
                break d;
            }
            assert!(start.elapsed().as_secs() < 30, "the worker answers");
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        assert!(details.error.is_none());
        assert_eq!(details.envelope.len(), ENVELOPE_BUCKETS);
        assert!(details
            .envelope
            .iter()
            .all(|&(lo, hi)| lo >= -0.51 && hi <= 0.51));
        let peak = details.envelope.iter().map(|e| e.1).fold(0.0f32, f32::max);
        assert!(peak > 0.45, "the tone's peak shows: {peak}");
        assert_eq!(details.spectrogram.unwrap().bands, SPECTROGRAM_BANDS);
        assert!(details.features.is_none());
    }
}
