//! CREMA-D: `SSSS_SEN_EMO_LVL.wav` (speaker 1001-1091, sentence code, emotion ANG DIS FEA HAP NEU
//! SAD, level LO MD HI or XX). One file of the release is misnamed with a single `X`
//! (`1040_ITH_SAD_X.wav`): it means unspecified like `XX`. Gender is not in the name.

use super::{display_name, wav_stem, NameError};
use crate::corpus::types::{ClipName, Emotion, Gender, Intensity};
use std::path::Path;

const EXPECTED: &str = "SSSS_SEN_EMO_LVL.wav, e.g. 1001_DFA_ANG_XX.wav";

pub fn parse(relative: &Path) -> Result<ClipName, NameError> {
    let fail = |problem: String| NameError {
        name: display_name(relative),
        corpus: "CREMA-D",
        expected: EXPECTED,
        problem,
    };
    let stem = wav_stem(relative).ok_or_else(|| fail("not a .wav file".into()))?;
    let fields: Vec<&str> = stem.split('_').collect();
    if fields.len() != 4 {
        return Err(fail(format!("{} fields instead of 4", fields.len())));
    }
    let speaker = fields[0];
    if speaker.len() != 4 || !speaker.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(format!(
            "speaker `{speaker}` is not a four-digit number"
        )));
    }
    let sentence = fields[1];
    if sentence.len() != 3 || !sentence.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(fail(format!(
            "sentence `{sentence}` is not a three-letter code"
        )));
    }
    let emotion = match fields[2] {
        "ANG" => Emotion::Angry,
        "DIS" => Emotion::Disgust,
        "FEA" => Emotion::Fear,
        "HAP" => Emotion::Happy,
        "NEU" => Emotion::Neutral,
        "SAD" => Emotion::Sad,
        other => {
            return Err(fail(format!(
                "emotion `{other}` is not ANG, DIS, FEA, HAP, NEU or SAD"
            )))
        }
    };
    let intensity = match fields[3] {
        "LO" => Intensity::Low,
        "MD" => Intensity::Medium,
        "HI" => Intensity::High,
        "XX" | "X" => Intensity::Unspecified,
        other => return Err(fail(format!("level `{other}` is not LO, MD, HI or XX"))),
    };
    Ok(ClipName {
        speaker: speaker.to_string(),
        gender: Gender::Unknown,
        emotion,
        intensity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_the_misnamed_file() {
        let clip = parse(Path::new("AudioWAV/1001_IEO_HAP_HI.wav")).unwrap();
        assert_eq!(
            (clip.speaker.as_str(), clip.emotion),
            ("1001", Emotion::Happy)
        );
        assert_eq!(clip.intensity, Intensity::High);
        let odd = parse(Path::new("1040_ITH_SAD_X.wav")).unwrap();
        assert_eq!(
            (odd.emotion, odd.intensity),
            (Emotion::Sad, Intensity::Unspecified)
        );
    }

    #[test]
    fn rejects_unknown_codes() {
        assert!(parse(Path::new("1001_DFA_XYZ_XX.wav")).is_err());
        assert!(parse(Path::new("1001_DFA_ANG_QQ.wav")).is_err());
        assert!(parse(Path::new("101_DFA_ANG_XX.wav")).is_err());
    }
}
