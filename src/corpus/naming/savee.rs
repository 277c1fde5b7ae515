//! SAVEE: four male speakers (DC, JE, JK, KL), emotion codes a d f h n sa su plus a two-digit
//! number. Two layouts exist: `DC/a01.wav` (speaker from the folder) and `ALL/DC_a01.wav`
//! (speaker in the name).

use super::{display_name, wav_stem, NameError};
use crate::corpus::types::{ClipName, Emotion, Gender, Intensity};
use std::path::Path;

const EXPECTED: &str =
    "SPEAKER/CODENN.wav or SPEAKER_CODENN.wav, e.g. DC/a01.wav or ALL/DC_a01.wav";

pub fn parse(relative: &Path) -> Result<ClipName, NameError> {
    let fail = |problem: String| NameError {
        name: display_name(relative),
        corpus: "SAVEE",
        expected: EXPECTED,
        problem,
    };
    let stem = wav_stem(relative).ok_or_else(|| fail("not a .wav file".into()))?;
    let (speaker, code) = match stem.split_once('_') {
        Some((speaker, code)) => (speaker.to_string(), code),
        None => {
            let folder = relative
                .parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .ok_or_else(|| {
                    fail("no speaker folder (DC, JE, JK or KL) above the file".into())
                })?;
            (folder.to_string(), stem)
        }
    };
    if speaker.len() != 2 || !speaker.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(fail(format!(
            "speaker `{speaker}` is not a two-letter code like DC"
        )));
    }
    let letters_end = code
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| fail(format!("`{code}` has no sentence number")))?;
    let (letters, number) = code.split_at(letters_end);
    if number.is_empty() || number.len() > 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(format!(
            "sentence number `{number}` is not two digits"
        )));
    }
    let emotion = match letters {
        "a" => Emotion::Angry,
        "d" => Emotion::Disgust,
        "f" => Emotion::Fear,
        "h" => Emotion::Happy,
        "n" => Emotion::Neutral,
        "sa" => Emotion::Sad,
        "su" => Emotion::Surprise,
        other => {
            return Err(fail(format!(
                "emotion code `{other}` is not a, d, f, h, n, sa or su"
            )))
        }
    };
    Ok(ClipName {
        speaker,
        gender: Gender::Male,
        emotion,
        intensity: Intensity::Unspecified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_layouts() {
        let a = parse(Path::new("DC/sa03.wav")).unwrap();
        let b = parse(Path::new("ALL/DC_sa03.wav")).unwrap();
        assert_eq!(a, b);
        assert_eq!((a.speaker.as_str(), a.emotion), ("DC", Emotion::Sad));
        assert_eq!(
            parse(Path::new("KL/su15.wav")).unwrap().emotion,
            Emotion::Surprise
        );
    }

    #[test]
    fn rejects_unknown_codes_and_missing_speaker() {
        assert!(parse(Path::new("DC/x01.wav")).is_err());
        assert!(parse(Path::new("a01.wav")).is_err());
        assert!(parse(Path::new("ALL/dc_a01.wav")).is_err());
    }
}
