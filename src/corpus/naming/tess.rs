//! TESS: `OAF_back_angry.wav` / `YAF_back_angry.wav` (speaker, word, emotion), usually inside
//! folders like `OAF_angry`. Real oddities: `OAF_neutral/OA_bite_neutral.wav` (speaker prefix cut
//! short), `ps` for pleasant surprise, and folder names such as `OAF_Pleasant_surprise` and
//! `YAF_pleasant_surprised`. The emotion is read from the file name; both speakers are women.

use super::{display_name, wav_stem, NameError};
use crate::corpus::types::{ClipName, Emotion, Gender, Intensity};
use std::path::Path;

const EXPECTED: &str = "SPEAKER_word_emotion.wav, e.g. OAF_back_angry.wav";

pub fn parse(relative: &Path) -> Result<ClipName, NameError> {
    let fail = |problem: String| NameError {
        name: display_name(relative),
        corpus: "TESS",
        expected: EXPECTED,
        problem,
    };
    let stem = wav_stem(relative).ok_or_else(|| fail("not a .wav file".into()))?;
    let fields: Vec<&str> = stem.split('_').collect();
    if fields.len() < 3 {
        return Err(fail(format!("{} fields instead of 3", fields.len())));
    }
    let speaker = match fields[0].to_ascii_uppercase().as_str() {
        "OAF" | "OA" => "OAF",
        "YAF" | "YA" => "YAF",
        other => return Err(fail(format!("speaker `{other}` is not OAF or YAF"))),
    };
    let emotion_code = fields[fields.len() - 1].to_ascii_lowercase();
    let emotion = match emotion_code.as_str() {
        "angry" => Emotion::Angry,
        "disgust" => Emotion::Disgust,
        "fear" => Emotion::Fear,
        "happy" => Emotion::Happy,
        "neutral" => Emotion::Neutral,
        "ps" => Emotion::Surprise,
        "sad" => Emotion::Sad,
        other => {
            return Err(fail(format!(
                "emotion `{other}` is not angry, disgust, fear, happy, neutral, ps or sad"
            )))
        }
    };
    Ok(ClipName {
        speaker: speaker.to_string(),
        gender: Gender::Female,
        emotion,
        intensity: Intensity::Unspecified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_oddities() {
        let short = parse(Path::new("OAF_neutral/OA_bite_neutral.wav")).unwrap();
        assert_eq!(
            (short.speaker.as_str(), short.emotion),
            ("OAF", Emotion::Neutral)
        );
        let ps = parse(Path::new("YAF_pleasant_surprised/YAF_back_ps.wav")).unwrap();
        assert_eq!(
            (ps.speaker.as_str(), ps.emotion),
            ("YAF", Emotion::Surprise)
        );
        assert_eq!(ps.gender, Gender::Female);
    }

    #[test]
    fn rejects_unknown_speaker_or_emotion() {
        assert!(parse(Path::new("XYZ_back_angry.wav")).is_err());
        assert!(parse(Path::new("OAF_back_bored.wav")).is_err());
        assert!(parse(Path::new("OAF_angry.wav")).is_err());
    }
}
