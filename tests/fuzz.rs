//! Bounded fuzzing of everything serlab parses from outside: the WAV decoder, the four corpora's
//! file-name parsers, `datasets.toml`, theme files, augmentation policies, relabel files and the
//! plugin descriptor. Each target runs a fixed number of mutated inputs (seeded, so a failure
//! reproduces) grown from the checked-in corpus of hostile inputs in `tests/nasty/`; every input
//! must give a result or a clear error naming its source, never a panic, and no input may make the
//! parser allocate more than `MEMORY_LIMIT`. `SERLAB_FUZZ_SCALE` multiplies the runs (CI uses the
//! defaults); a failing input is written to the temp dir and its path printed.

mod fuzzing;

use fuzzing::{fuzz, Outcome};
use serlab::audio::decode_mono_from;
use serlab::config::DatasetsConfig;
use serlab::corpus::{naming, CorpusKind};
use std::ffi::OsStr;
use std::io::Cursor;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

fn nasty_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nasty")
        .join(kind)
}

fn files_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// An error is clear when it names the input and says something beyond that.
fn names_source(message: &str, source: &str) -> Outcome {
    if message.contains(source) && message.len() > source.len() + 8 {
        Outcome::Rejected
    } else {
        Outcome::Bad(format!("unclear error: {message}"))
    }
}

#[test]
fn the_harness_catches_panics_unclear_errors_and_memory_hogs() {
    let seeds = vec![b"seed".to_vec()];
    let report = fuzz("self-test", &seeds, 30, |input| match input.len() % 3 {
        0 => panic!("deliberate"),
        1 => Outcome::Bad("deliberate".into()),
        _ => {
            let hog = vec![1u8; fuzzing::MEMORY_LIMIT + 1];
            std::hint::black_box(&hog);
            Outcome::Rejected
        }
    });
    let text = report.failures.join("\n");
    assert_eq!(report.failures.len(), report.executions, "{text}");
    for expected in ["panicked: deliberate", "deliberate", "bytes of heap"] {
        assert!(text.contains(expected), "`{expected}` missing in:\n{text}");
    }
}

#[test]
fn fuzz_wav_decoder() {
    let report = fuzz("wav", &files_in(&nasty_dir("wav")), 2_000_000, |input| {
        let source = Path::new("fuzzed.wav");
        match decode_mono_from(Cursor::new(input), input.len() as u64, source) {
            Ok(audio) if audio.samples.is_empty() => Outcome::Bad("no samples, no error".into()),
            Ok(audio) if audio.samples.iter().any(|s| !s.is_finite()) => {
                Outcome::Bad("non-finite samples".into())
            }
            Ok(_) => Outcome::Accepted,
            Err(e) => names_source(&e.to_string(), "fuzzed.wav"),
        }
    });
    report.assert_clean();
    assert!(report.accepted > 0 && report.rejected > 0, "{report:?}");
}

/// Real names of each corpus, plus the shapes around them.
fn name_seeds() -> Vec<Vec<u8>> {
    [
        "Actor_01/03-01-05-01-02-01-01.wav",
        "03-02-06-02-01-02-24.wav",
        "AudioWAV/1001_DFA_ANG_XX.wav",
        "1091_WSI_SAD_HI.wav",
        "OAF_angry/OAF_back_angry.wav",
        "TESS Toronto emotional speech set data/YAF_pleasant_surprised/YAF_bite_ps.wav",
        "DC/a01.wav",
        "ALL/JK_sa15.wav",
        "KL/n30.wav",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

#[test]
fn fuzz_file_name_parsers() {
    let kinds = [
        CorpusKind::Ravdess,
        CorpusKind::CremaD,
        CorpusKind::Tess,
        CorpusKind::Savee,
    ];
    let report = fuzz("names", &name_seeds(), 1_000_000, |input| {
        // Any bytes, as Unix file names can be: not UTF-8, empty, thousands of bytes long.
        let path = Path::new(OsStr::from_bytes(input));
        let mut outcome = Outcome::Rejected;
        for kind in kinds {
            match naming::parse(kind, path) {
                Ok(name) if name.speaker.is_empty() => {
                    return Outcome::Bad(format!("{kind:?}: a name with no speaker"))
                }
                Ok(_) => outcome = Outcome::Accepted,
                Err(e) if e.to_string().len() < 10 => {
                    return Outcome::Bad(format!("{kind:?}: unclear error `{e}`"))
                }
                Err(_) => {}
            }
        }
        outcome
    });
    report.assert_clean();
    assert!(report.accepted > 0 && report.rejected > 0, "{report:?}");
}

#[test]
fn fuzz_datasets_toml() {
    let mut seeds = files_in(&nasty_dir("toml"));
    seeds.push(std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets.toml")).unwrap());
    let report = fuzz("datasets.toml", &seeds, 200_000, |input| {
        let text = String::from_utf8_lossy(input);
        match DatasetsConfig::parse(&text, Path::new("fuzzed-datasets.toml"), Path::new("/")) {
            Ok(config) if config.labels.classes().is_empty() => {
                Outcome::Bad("a configuration without classes".into())
            }
            Ok(_) => Outcome::Accepted,
            Err(e) => names_source(&e.to_string(), "fuzzed-datasets.toml"),
        }
    });
    report.assert_clean();
    assert!(report.accepted > 0 && report.rejected > 0, "{report:?}");
}

#[test]
fn fuzz_theme_files() {
    let seeds = files_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("themes"));
    let report = fuzz("theme", &seeds, 200_000, |input| {
        let text = String::from_utf8_lossy(input);
        match serlab::tui::theme::Theme::parse(&text, "fuzzed-theme.toml") {
            Ok(_) => Outcome::Accepted,
            Err(e) => names_source(&e, "fuzzed-theme.toml"),
        }
    });
    report.assert_clean();
    assert!(report.accepted > 0 && report.rejected > 0, "{report:?}");
}

/// Policies and relabel files are read from disk, so these go through a real file.
#[test]
fn fuzz_augment_policy_and_relabel_files() {
    let dir = tempfile::tempdir().unwrap();
    let default = toml::to_string_pretty(&serlab::augment::AugmentPolicy::default()).unwrap();
    fuzz_through_file(
        dir.path(),
        "fuzzed-augment.toml",
        default.into_bytes(),
        |path| serlab::augment::AugmentPolicy::load(path).map(drop),
    );
    let seed = b"[[relabel]]\ncorpus = \"ravdess\"\npath = \"Actor_01/03-01-05-01-02-01-01.wav\"\nlabel = \"sad\"\nchanged_at = \"2026-01-01T00:00:00Z\"\n\n[[audit]]\ntime = \"2026-01-01T00:00:00Z\"\ncorpus = \"ravdess\"\npath = \"a.wav\"\nold = \"corpus\"\nnew = \"sad\"\naction = \"set\"\n".to_vec();
    fuzz_through_file(dir.path(), "fuzzed-relabels.toml", seed, |path| {
        serlab::relabel::RelabelStore::open(path).map(drop)
    });
}

/// Fuzzes a loader that reads a file: each input is written to `dir/name` and loaded; a refusal
/// must name the file. Both outcomes must occur.
fn fuzz_through_file<E: std::fmt::Display>(
    dir: &Path,
    name: &str,
    seed: Vec<u8>,
    load: impl Fn(&Path) -> Result<(), E>,
) {
    let path = dir.join(name);
    let report = fuzz(name, &[seed], 20_000, |input| {
        std::fs::write(&path, input).unwrap();
        match load(&path) {
            Ok(()) => Outcome::Accepted,
            Err(e) => names_source(&e.to_string(), name),
        }
    });
    report.assert_clean();
    assert!(report.accepted > 0 && report.rejected > 0, "{report:?}");
}

#[test]
fn fuzz_plugin_descriptors() {
    let seeds: Vec<Vec<u8>> = (0u8..16).map(|i| vec![i; 64]).collect();
    let report = fuzz("descriptor", &seeds, 1_000_000, |input| {
        let descriptor = fuzzing::descriptor::Fuzzed::from_bytes(input);
        let path = Path::new("libfuzzed.so");
        // SAFETY: `Fuzzed` keeps every pointer of the descriptor valid while it lives.
        match unsafe { serlab::features::Plugin::from_descriptor(path, descriptor.as_ptr()) } {
            Ok(plugin) if plugin.name.is_empty() || plugin.feature_names.is_empty() => {
                Outcome::Bad("accepted a plugin without a name or features".into())
            }
            Ok(_) => Outcome::Accepted,
            Err(e) => names_source(&e.to_string(), "libfuzzed.so"),
        }
    });
    report.assert_clean();
    assert!(report.accepted > 0 && report.rejected > 0, "{report:?}");
}
