//! RAVDESS: `MM-VC-EE-II-SS-RR-AA.wav` (modality, vocal channel, emotion, intensity, statement,
//! repetition, actor). Odd actors are male, even actors female.

use super::{display_name, wav_stem, NameError};
use crate::corpus::types::{ClipName, Emotion, Gender, Intensity};
use std::path::Path;

const EXPECTED: &str = "MM-VC-EE-II-SS-RR-AA.wav, e.g. 03-01-05-02-01-01-12.wav";

pub fn parse(relative: &Path) -> Result<ClipName, NameError> {
    let fail = |problem: String| NameError {
        name: display_name(relative),
        corpus: "RAVDESS",
        expected: EXPECTED,
        problem,
    };
    let stem = wav_stem(relative).ok_or_else(|| fail("not a .wav file".into()))?;
    let fields: Vec<&str> = stem.split('-').collect();
    if fields.len() != 7 {
        return Err(fail(format!("{} fields instead of 7", fields.len())));
    }
    let mut numbers = [0u8; 7];
    for (i, field) in fields.iter().enumerate() {
        if field.len() != 2 || !field.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail(format!(
                "field {} `{field}` is not a two-digit number",
                i + 1
            )));
        }
        numbers[i] = field.parse().unwrap_or(0);
    }
    let [modality, channel, emotion, intensity, statement, repetition, actor] = numbers;
    if !(1..=3).contains(&modality) {
        return Err(fail(format!("modality {modality:02} is not 01-03")));
    }
    if !(1..=2).contains(&channel) {
        return Err(fail(format!(
            "vocal channel {channel:02} is not 01 (speech) or 02 (song)"
        )));
    }
    let emotion = match emotion {
        1 => Emotion::Neutral,
        2 => Emotion::Calm,
        3 => Emotion::Happy,
        4 => Emotion::Sad,
        5 => Emotion::Angry,
        6 => Emotion::Fear,
        7 => Emotion::Disgust,
        8 => Emotion::Surprise,
        other => return Err(fail(format!("emotion {other:02} is not 01-08"))),
    };
    let intensity = match intensity {
        1 => Intensity::Normal,
        2 => Intensity::Strong,
        other => return Err(fail(format!("intensity {other:02} is not 01 or 02"))),
    };
    if !(1..=2).contains(&statement) || !(1..=2).contains(&repetition) {
        return Err(fail("statement and repetition must be 01 or 02".into()));
    }
    if actor == 0 {
        return Err(fail("actor 00 does not exist (actors are 01-24)".into()));
    }
    Ok(ClipName {
        speaker: format!("{actor:02}"),
        gender: if actor % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        },
        emotion,
        intensity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_actor_gender_emotion_intensity() {
        let clip = parse(Path::new("Actor_12/03-01-05-02-01-01-12.wav")).unwrap();
        assert_eq!(clip.speaker, "12");
        assert_eq!(clip.gender, Gender::Female);
        assert_eq!(clip.emotion, Emotion::Angry);
        assert_eq!(clip.intensity, Intensity::Strong);
        let male = parse(Path::new("03-01-02-01-01-01-01.wav")).unwrap();
        assert_eq!((male.gender, male.emotion), (Gender::Male, Emotion::Calm));
    }

    #[test]
    fn rejects_malformed_names_with_the_reason() {
        let err = parse(Path::new("03-01-09-01-01-01-01.wav")).unwrap_err();
        assert!(err.to_string().contains("emotion 09"), "{err}");
        assert!(parse(Path::new("03-01-05-01-01-01.wav")).is_err());
        assert!(parse(Path::new("03-01-05-01-01-01-xx.wav")).is_err());
        assert!(parse(Path::new("03-01-05-01-01-01-01.mp3")).is_err());
    }
}
