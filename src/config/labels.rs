//! How source emotions map to the target classes a model learns. Classes keep a fixed order (the
//! model's output order): the configured `classes` list, or by default neutral, happy, sad, angry.

use crate::corpus::Emotion;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMap {
    classes: Vec<String>,
    map: BTreeMap<Emotion, usize>,
}

pub const DEFAULT_CLASSES: [&str; 4] = ["neutral", "happy", "sad", "angry"];

impl Default for LabelMap {
    /// The four targets; RAVDESS calm, fear, disgust and surprise are left out.
    fn default() -> Self {
        let classes: Vec<String> = DEFAULT_CLASSES.iter().map(|s| s.to_string()).collect();
        let map = [
            (Emotion::Neutral, 0),
            (Emotion::Happy, 1),
            (Emotion::Sad, 2),
            (Emotion::Angry, 3),
        ]
        .into_iter()
        .collect();
        Self { classes, map }
    }
}

impl LabelMap {
    /// `classes` in output order; `pairs` maps an emotion to one of them. Checked by the caller.
    pub(crate) fn from_parts(classes: Vec<String>, pairs: Vec<(Emotion, usize)>) -> Self {
        Self {
            classes,
            map: pairs.into_iter().collect(),
        }
    }

    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    pub fn class_name(&self, class: usize) -> &str {
        &self.classes[class]
    }

    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c == name)
    }

    /// The target class of a source emotion, or `None` when it is left out.
    pub fn target(&self, emotion: Emotion) -> Option<usize> {
        self.map.get(&emotion).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keeps_four_classes_and_drops_the_rest() {
        let labels = LabelMap::default();
        assert_eq!(labels.classes(), ["neutral", "happy", "sad", "angry"]);
        assert_eq!(labels.target(Emotion::Angry), Some(3));
        for left_out in [
            Emotion::Calm,
            Emotion::Fear,
            Emotion::Disgust,
            Emotion::Surprise,
        ] {
            assert_eq!(labels.target(left_out), None);
        }
    }
}
