//! Live listening: a stream of samples (a microphone, or anything that feeds one) cut into
//! utterances by a voice activity detector (`vad`), each utterance resampled to the model's rate,
//! its features extracted with the model's plugin and its class predicted by the model (its
//! ensemble averaged). The CLI's `serlab listen` and the TUI's Live view are two faces of this.

pub mod vad;

use crate::features::batch::Extraction;
use crate::features::Features;
use crate::train::inference::{PathChoice, Prediction, PredictionPath, SavedModel};
use std::time::Instant;
pub use vad::{Utterance, Vad, VadConfig, VadState};

/// One utterance heard and classified.
#[derive(Debug, Clone)]
pub struct Heard {
    pub start_s: f64,
    pub end_s: f64,
    /// Cut at the maximum length (the speech goes on in the next one).
    pub cut: bool,
    pub class: String,
    /// (class, probability), in the model's class order.
    pub probabilities: Vec<(String, f32)>,
    /// Speaker statistics over the session's utterances so far, once there are enough of them
    /// (`SPEAKER_MIN_CLIPS`), the utterance alone before.
    pub path: PredictionPath,
    /// From the moment the detector closed the utterance to its prediction.
    pub latency_ms: f64,
    /// The utterance at the model's rate (what was classified; what a user may keep).
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Heard {
    pub fn to_json(&self) -> serde_json::Value {
        let probabilities: serde_json::Map<String, serde_json::Value> = self
            .probabilities
            .iter()
            .map(|(c, p)| (c.clone(), serde_json::json!(p)))
            .collect();
        serde_json::json!({
            "start_s": (self.start_s * 1000.0).round() / 1000.0,
            "end_s": (self.end_s * 1000.0).round() / 1000.0,
            "class": self.class,
            "probabilities": probabilities,
            "path": self.path.name(),
            "latency_ms": (self.latency_ms * 10.0).round() / 10.0,
        })
    }

    /// `12.34-14.02 s  angry   (neutral 0.05, happy 0.20, sad 0.02, angry 0.73)`
    pub fn to_line(&self) -> String {
        let parts: Vec<String> = self
            .probabilities
            .iter()
            .map(|(c, p)| format!("{c} {p:.2}"))
            .collect();
        format!(
            "{:>8.2}-{:<8.2} s  {:<8} ({})  [{}]{}",
            self.start_s,
            self.end_s,
            self.class,
            parts.join(", "),
            self.path.describe(),
            if self.cut {
                "  [cut at the maximum length]"
            } else {
                ""
            }
        )
    }
}

pub struct Listener {
    vad: Vad,
    model: SavedModel,
    extraction: Extraction,
    input_rate: u32,
    /// Every utterance's features so far: a model that normalises per speaker treats the session
    /// as one speaker, whose statistics build up as they speak (each utterance alone until there
    /// are enough).
    session: Vec<Features>,
    captured: u64,
}

impl Listener {
    pub fn new(
        model: SavedModel,
        extraction: Extraction,
        input_rate: u32,
        config: VadConfig,
    ) -> Self {
        Self {
            vad: Vad::new(config, input_rate),
            model,
            extraction,
            input_rate,
            session: Vec::new(),
            captured: 0,
        }
    }

    pub fn model(&self) -> &SavedModel {
        &self.model
    }

    /// Seconds of audio captured so far (from the samples, not the clock).
    pub fn captured_s(&self) -> f64 {
        self.captured as f64 / f64::from(self.input_rate)
    }

    pub fn level_db(&self) -> f64 {
        self.vad.level_db()
    }

    pub fn state(&self) -> VadState {
        self.vad.state()
    }

    pub fn threshold_db(&self) -> f64 {
        self.vad.threshold_db()
    }

    /// Feeds captured samples; returns what ended in them, classified (or why one could not be).
    pub fn push(&mut self, samples: &[f32]) -> Vec<Result<Heard, String>> {
        self.captured += samples.len() as u64;
        let utterances = self.vad.push(samples);
        utterances.into_iter().map(|u| self.classify(u)).collect()
    }

    /// The end of the stream: the utterance in progress, if long enough.
    pub fn finish(&mut self) -> Option<Result<Heard, String>> {
        let utterance = self.vad.finish()?;
        Some(self.classify(utterance))
    }

    fn classify(&mut self, utterance: Utterance) -> Result<Heard, String> {
        let closed = Instant::now();
        let rate = self.extraction.sample_rate;
        let samples = crate::audio::resample(&utterance.samples, self.input_rate, rate)?;
        let features = self
            .extraction
            .plugin
            .extract(&samples, rate, &self.extraction.params)
            .map_err(|e| e.to_string())?;
        self.session.push(features);
        let speakers = vec!["live".to_string(); self.session.len()];
        let Prediction {
            probabilities,
            path,
        } = self
            .model
            .predict(&self.session, &speakers, PathChoice::Auto)
            .pop()
            .ok_or("the model gave no prediction")?;
        let classes = &self.model.info.classes;
        let best = crate::train::engine::argmax(&probabilities);
        let seconds = |s: u64| s as f64 / f64::from(self.input_rate);
        Ok(Heard {
            start_s: seconds(utterance.speech_start),
            end_s: seconds(utterance.speech_end),
            cut: utterance.cut,
            class: classes.get(best).cloned().unwrap_or_default(),
            probabilities: classes.iter().cloned().zip(probabilities).collect(),
            path,
            latency_ms: closed.elapsed().as_secs_f64() * 1000.0,
            samples,
            sample_rate: rate,
        })
    }
}
