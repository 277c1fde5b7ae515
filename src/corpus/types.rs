//! The vocabulary every corpus is translated into: which corpus, who speaks, which emotion.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CorpusKind {
    #[serde(rename = "ravdess")]
    Ravdess,
    #[serde(rename = "crema-d")]
    CremaD,
    #[serde(rename = "tess")]
    Tess,
    #[serde(rename = "savee")]
    Savee,
}

impl CorpusKind {
    pub const ALL: [CorpusKind; 4] = [Self::Ravdess, Self::CremaD, Self::Tess, Self::Savee];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ravdess => "ravdess",
            Self::CremaD => "crema-d",
            Self::Tess => "tess",
            Self::Savee => "savee",
        }
    }

    /// How the corpus is cited in the UI and reports.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Ravdess => "RAVDESS",
            Self::CremaD => "CREMA-D",
            Self::Tess => "TESS",
            Self::Savee => "SAVEE",
        }
    }
}

impl fmt::Display for CorpusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CorpusKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ravdess" => Ok(Self::Ravdess),
            "crema-d" | "cremad" | "crema_d" => Ok(Self::CremaD),
            "tess" => Ok(Self::Tess),
            "savee" => Ok(Self::Savee),
            other => Err(format!(
                "unknown corpus kind `{other}` (expected ravdess, crema-d, tess or savee)"
            )),
        }
    }
}

/// The source emotion as the corpus names it, in one shared vocabulary. TESS's "pleasant surprise"
/// is a surprise; RAVDESS's "calm" exists only there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Emotion {
    Neutral,
    Calm,
    Happy,
    Sad,
    Angry,
    Fear,
    Disgust,
    Surprise,
}

impl Emotion {
    pub const ALL: [Emotion; 8] = [
        Self::Neutral,
        Self::Calm,
        Self::Happy,
        Self::Sad,
        Self::Angry,
        Self::Fear,
        Self::Disgust,
        Self::Surprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Neutral => "neutral",
            Self::Calm => "calm",
            Self::Happy => "happy",
            Self::Sad => "sad",
            Self::Angry => "angry",
            Self::Fear => "fear",
            Self::Disgust => "disgust",
            Self::Surprise => "surprise",
        }
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Emotion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Emotion::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown emotion `{s}` (expected one of: {})",
                    Emotion::ALL.map(|e| e.as_str()).join(", ")
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
    Unknown,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
            Self::Unknown => "unknown",
        }
    }
}

/// Emotional intensity where the corpus records it (RAVDESS: normal/strong; CREMA-D: low, medium,
/// high or unspecified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intensity {
    Normal,
    Strong,
    Low,
    Medium,
    High,
    Unspecified,
}

impl Intensity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Strong => "strong",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Unspecified => "unspecified",
        }
    }
}

/// What a file name (and its folder) tells about a clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipName {
    pub speaker: String,
    pub gender: Gender,
    pub emotion: Emotion,
    pub intensity: Intensity,
}
