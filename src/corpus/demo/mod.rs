//! The embedded default: a small synthetic corpus laid out in the four real naming schemes, so that
//! browsing, playback, extraction and training work before a user has any real corpus. It is
//! generated deterministically (same bytes on every machine) and marked synthetic everywhere.

mod voice;

use crate::audio::write_wav_i16;
use crate::corpus::{CorpusKind, Emotion};
use crate::util::rng::SplitMix64;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
pub use voice::{synthesize, VoiceParams};

/// Bump when the generated audio changes, so cached copies are regenerated.
pub const DEMO_VERSION: u32 = 2;
const SEED: u64 = 0x5E41_AB00_0000_0001;
const MARKER: &str = "SYNTHETIC-DEMO.txt";

/// One clip of the demo corpus: where it goes and how it is spoken.
#[derive(Debug, Clone)]
pub struct DemoClip {
    pub kind: CorpusKind,
    pub relative: PathBuf,
    pub speaker: Speaker,
    pub emotion: Emotion,
    /// Identifies the sentence: the same sentence has the same vowels in every emotion.
    pub sentence: u32,
    pub syllables: usize,
    pub sample_rate: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct Speaker {
    pub f0_hz: f64,
    pub formant_scale: f64,
    pub tilt_bias: f64,
    pub level_bias_db: f64,
}

const MALE: [Speaker; 3] = [
    Speaker {
        f0_hz: 112.0,
        formant_scale: 1.0,
        tilt_bias: 0.0,
        level_bias_db: 0.0,
    },
    Speaker {
        f0_hz: 128.0,
        formant_scale: 0.96,
        tilt_bias: 0.1,
        level_bias_db: -2.0,
    },
    Speaker {
        f0_hz: 102.0,
        formant_scale: 1.04,
        tilt_bias: -0.1,
        level_bias_db: 1.0,
    },
];
const FEMALE: [Speaker; 3] = [
    Speaker {
        f0_hz: 205.0,
        formant_scale: 1.16,
        tilt_bias: 0.05,
        level_bias_db: -1.0,
    },
    Speaker {
        f0_hz: 226.0,
        formant_scale: 1.2,
        tilt_bias: -0.05,
        level_bias_db: 0.0,
    },
    Speaker {
        f0_hz: 188.0,
        formant_scale: 1.12,
        tilt_bias: 0.0,
        level_bias_db: -3.0,
    },
];

/// Typical acted-speech differences relative to a speaker's neutral voice:
/// (F0 factor, range in semitones, syllables/s, peak dBFS, tilt, breathiness, jitter, final glide).
/// Real corpora are not cleanly separable, and neither is this one: sad is a subdued neutral,
/// happy and angry share their arousal, and each clip draws its own spread (`voice_params`), so
/// a model makes errors worth opening and a flipped label is not trivially obvious.
fn emotion_profile(emotion: Emotion) -> (f64, f64, f64, f64, f64, f64, f64, f64) {
    match emotion {
        Emotion::Neutral => (1.0, 2.0, 4.0, -18.0, 0.0, 0.1, 0.007, -1.0),
        Emotion::Calm => (0.96, 1.5, 3.7, -21.0, -0.2, 0.12, 0.005, -1.5),
        Emotion::Happy => (1.12, 3.6, 4.5, -13.5, 0.3, 0.07, 0.009, 0.5),
        Emotion::Sad => (0.97, 1.8, 3.8, -19.5, -0.08, 0.12, 0.008, -1.3),
        Emotion::Angry => (1.12, 3.2, 4.7, -12.0, 0.4, 0.06, 0.011, -1.2),
        Emotion::Fear => (1.38, 3.0, 5.4, -16.0, 0.2, 0.2, 0.03, 1.0),
        Emotion::Disgust => (0.93, 3.0, 3.3, -17.0, 0.1, 0.15, 0.02, -2.0),
        Emotion::Surprise => (1.4, 8.0, 4.6, -13.0, 0.3, 0.08, 0.008, 4.0),
    }
}

impl DemoClip {
    pub fn voice_params(&self, rng: &mut SplitMix64) -> VoiceParams {
        let (f0_factor, range, tempo, level, tilt, breath, jitter, glide) =
            emotion_profile(self.emotion);
        VoiceParams {
            f0_hz: self.speaker.f0_hz * f0_factor * rng.range(0.9, 1.1),
            f0_range_st: range * rng.range(0.6, 1.4),
            syllables_per_s: tempo * rng.range(0.85, 1.15),
            level_db: (level + self.speaker.level_bias_db + rng.range(-4.0, 4.0)).min(-1.0),
            tilt: (tilt + self.speaker.tilt_bias + rng.range(-0.3, 0.3)).clamp(-1.0, 1.0),
            breathiness: (breath * rng.range(0.5, 1.5)).clamp(0.0, 1.0),
            jitter: jitter * rng.range(0.6, 1.4),
            shimmer: 2.5 * jitter * rng.range(0.6, 1.4),
            formant_scale: self.speaker.formant_scale,
            final_glide_st: glide * rng.range(0.7, 1.3),
        }
    }

    pub fn render(&self) -> Vec<f32> {
        let name = self.relative.to_string_lossy();
        let mut rng = SplitMix64::from_str_seed(SEED, &name);
        let params = self.voice_params(&mut rng);
        let mut words = SplitMix64::new(SEED ^ u64::from(self.sentence));
        let syllables: Vec<(usize, bool)> = (0..self.syllables)
            .map(|_| (words.below(5), words.uniform() < 0.5))
            .collect();
        synthesize(&params, &syllables, self.sample_rate, &mut rng)
    }
}

/// The folder name of each corpus inside the demo root.
pub fn corpus_folder(kind: CorpusKind) -> &'static str {
    kind.display_name()
}

/// Every clip of the demo corpus, in a fixed order.
pub fn demo_clips() -> Vec<DemoClip> {
    let mut clips = Vec::new();
    let clip = |kind, relative: String, speaker, emotion, sentence, syllables, rate| DemoClip {
        kind,
        relative: PathBuf::from(relative),
        speaker,
        emotion,
        sentence,
        syllables,
        sample_rate: rate,
    };

    // RAVDESS: 4 actors (odd male, even female), 2 statements x 2 repetitions; happy, sad and
    // angry at both intensities; calm and fear too, which the default labels leave out.
    for actor in 1..=4u32 {
        let speaker = if actor % 2 == 1 {
            MALE[(actor / 2) as usize]
        } else {
            FEMALE[(actor / 2 - 1) as usize]
        };
        let plan: [(u32, Emotion, &[u32]); 6] = [
            (1, Emotion::Neutral, &[1]),
            (2, Emotion::Calm, &[1]),
            (3, Emotion::Happy, &[1, 2]),
            (4, Emotion::Sad, &[1, 2]),
            (5, Emotion::Angry, &[1, 2]),
            (6, Emotion::Fear, &[1]),
        ];
        for (code, emotion, intensities) in plan {
            for &intensity in intensities {
                for statement in 1..=2u32 {
                    let reps: &[u32] = if intensities.len() == 1 {
                        &[1, 2]
                    } else {
                        &[1]
                    };
                    for &rep in reps {
                        clips.push(clip(
                            CorpusKind::Ravdess,
                            format!("Actor_{actor:02}/03-01-{code:02}-{intensity:02}-{statement:02}-{rep:02}-{actor:02}.wav"),
                            speaker,
                            emotion,
                            statement,
                            7,
                            16_000,
                        ));
                    }
                }
            }
        }
    }

    // CREMA-D: 4 speakers, 4 sentences; disgust on one sentence; IEO at three levels.
    let sentences = [
        ("IEO", 5, 11),
        ("TIE", 8, 12),
        ("DFA", 6, 13),
        ("ITH", 10, 14),
    ];
    for (i, id) in [1001u32, 1002, 1003, 1004].into_iter().enumerate() {
        let speaker = if i % 2 == 0 {
            MALE[i / 2 + 1]
        } else {
            FEMALE[i / 2 + 1]
        };
        for (sentence, syllables, sentence_id) in sentences {
            for (code, emotion) in [
                ("NEU", Emotion::Neutral),
                ("HAP", Emotion::Happy),
                ("SAD", Emotion::Sad),
                ("ANG", Emotion::Angry),
            ] {
                let level = if sentence == "IEO" && emotion != Emotion::Neutral {
                    ["LO", "HI"][i % 2]
                } else {
                    "XX"
                };
                clips.push(clip(
                    CorpusKind::CremaD,
                    format!("AudioWAV/{id}_{sentence}_{code}_{level}.wav"),
                    speaker,
                    emotion,
                    sentence_id,
                    syllables,
                    16_000,
                ));
            }
        }
        clips.push(clip(
            CorpusKind::CremaD,
            format!("AudioWAV/{id}_DFA_DIS_XX.wav"),
            speaker,
            Emotion::Disgust,
            13,
            6,
            16_000,
        ));
        clips.push(clip(
            CorpusKind::CremaD,
            format!("AudioWAV/{id}_TIE_DIS_XX.wav"),
            speaker,
            Emotion::Disgust,
            12,
            8,
            16_000,
        ));
    }

    // TESS: the two speakers, "Say the word ..." (4 syllables), in the Kaggle folder names, at
    // TESS's own 24 414 Hz so the resampler is exercised.
    let words = ["back", "bar", "base", "bath", "bean", "beg", "bite", "boat"];
    for (speaker_code, speaker) in [("OAF", FEMALE[2]), ("YAF", FEMALE[1])] {
        let folders = [
            ("neutral", "neutral", Emotion::Neutral),
            ("happy", "happy", Emotion::Happy),
            ("Sad", "sad", Emotion::Sad),
            ("angry", "angry", Emotion::Angry),
            (
                if speaker_code == "OAF" {
                    "Pleasant_surprise"
                } else {
                    "pleasant_surprised"
                },
                "ps",
                Emotion::Surprise,
            ),
        ];
        for (folder, code, emotion) in folders {
            for (w, word) in words.iter().enumerate() {
                clips.push(clip(
                    CorpusKind::Tess,
                    format!("{speaker_code}_{folder}/{speaker_code}_{word}_{code}.wav"),
                    speaker,
                    emotion,
                    20 + w as u32,
                    4,
                    24_414,
                ));
            }
        }
    }

    // SAVEE: four male speakers in the per-speaker folder layout.
    for (s, speaker_code) in ["DC", "JE", "JK", "KL"].into_iter().enumerate() {
        let speaker = Speaker {
            f0_hz: MALE[s % 3].f0_hz + 6.0 * s as f64,
            ..MALE[s % 3]
        };
        for (code, emotion, count) in [
            ("n", Emotion::Neutral, 4),
            ("h", Emotion::Happy, 3),
            ("sa", Emotion::Sad, 3),
            ("a", Emotion::Angry, 3),
            ("su", Emotion::Surprise, 2),
        ] {
            for n in 1..=count {
                clips.push(clip(
                    CorpusKind::Savee,
                    format!("{speaker_code}/{code}{n:02}.wav"),
                    speaker,
                    emotion,
                    30 + n,
                    8 + (n as usize % 3),
                    16_000,
                ));
            }
        }
    }
    clips
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{}: cannot write the demo corpus: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}: cannot write a demo clip: {cause}", path.display())]
    Wav { path: PathBuf, cause: hound::Error },
}

/// Writes the demo corpus under `out` (one folder per corpus) and returns the corpus roots.
pub fn write_demo(out: &Path) -> Result<Vec<(CorpusKind, PathBuf)>, DemoError> {
    let clips = demo_clips();
    clips.par_iter().try_for_each(|clip| {
        let path = out.join(corpus_folder(clip.kind)).join(&clip.relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| DemoError::Io {
                path: dir.to_path_buf(),
                cause: source,
            })?;
        }
        write_wav_i16(&path, &clip.render(), clip.sample_rate).map_err(|source| DemoError::Wav {
            path: path.clone(),
            cause: source,
        })
    })?;
    let marker = out.join(MARKER);
    std::fs::write(
        &marker,
        format!(
            "serlab synthetic demo corpus v{DEMO_VERSION}: {} clips generated by a formant synthesizer.\n\
             NOT real emotional speech. Laid out in the RAVDESS, CREMA-D, TESS and SAVEE naming schemes\n\
             so every part of serlab works out of the box. Point datasets.toml at real corpora for real work.\n",
            clips.len()
        ),
    )
    .map_err(|source| DemoError::Io { path: marker, cause: source })?;
    Ok(demo_roots(out))
}

pub fn demo_roots(root: &Path) -> Vec<(CorpusKind, PathBuf)> {
    CorpusKind::ALL
        .iter()
        .map(|&k| (k, root.join(corpus_folder(k))))
        .collect()
}

/// The cached demo corpus, generated on first use. Generation goes to a temp folder that is
/// renamed into place, so an interrupted run never leaves a half corpus behind; a lock file makes
/// processes started together (the shards of a cluster job) take turns, so none of them deletes
/// or reads a copy that another is still writing.
pub fn ensure_cached(cache_dir: &Path) -> Result<PathBuf, DemoError> {
    let root = cache_dir.join(format!("demo-v{DEMO_VERSION}"));
    if root.join(MARKER).is_file() {
        return Ok(root);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DemoError::Io {
            path,
            cause: source,
        }
    };
    std::fs::create_dir_all(cache_dir).map_err(io(cache_dir))?;
    let lock_path = cache_dir.join(format!(".demo-v{DEMO_VERSION}.lock"));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io(&lock_path))?;
    // Released when `lock` is dropped, also when this process dies.
    lock.lock().map_err(io(&lock_path))?;
    if root.join(MARKER).is_file() {
        return Ok(root); // written by whoever held the lock before us
    }
    let tmp = cache_dir.join(format!(".demo-v{DEMO_VERSION}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    write_demo(&tmp)?;
    if root.exists() {
        // A partial copy from before the lock existed: without its marker, nobody uses it.
        std::fs::remove_dir_all(&root).map_err(io(&root))?;
    }
    std::fs::rename(&tmp, &root).map_err(io(&root))?;
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::naming;

    #[test]
    fn every_demo_name_parses_to_its_own_emotion() {
        let clips = demo_clips();
        assert!((250..=400).contains(&clips.len()), "{} clips", clips.len());
        for clip in &clips {
            let parsed = naming::parse(clip.kind, &clip.relative).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parsed.emotion, clip.emotion, "{}", clip.relative.display());
        }
    }

    #[test]
    fn emotions_differ_in_loudness_the_way_acted_speech_does_on_average() {
        // Clip by clip the voices overlap on purpose (speakers and draws vary more than some
        // emotions do); on average over a corpus the emotions keep their order.
        let clips = demo_clips();
        let rms = |emotion: Emotion| {
            let of: Vec<f32> = clips
                .iter()
                .filter(|c| c.kind == CorpusKind::Ravdess && c.emotion == emotion)
                .map(|clip| {
                    let audio = clip.render();
                    (audio.iter().map(|x| x * x).sum::<f32>() / audio.len() as f32).sqrt()
                })
                .collect();
            of.iter().sum::<f32>() / of.len() as f32
        };
        let (angry, happy, neutral, sad) = (
            rms(Emotion::Angry),
            rms(Emotion::Happy),
            rms(Emotion::Neutral),
            rms(Emotion::Sad),
        );
        assert!(
            angry > happy && happy > neutral && neutral > sad,
            "{angry} {happy} {neutral} {sad}"
        );
        assert!(angry > 1.6 * neutral, "{angry} vs {neutral}");
        assert!(
            neutral < 1.5 * sad,
            "neutral and sad overlap: {neutral} vs {sad}"
        );
    }
}
