//! eGeMAPSv02 against openSMILE 3.0.1's own outputs for the 33 reference clips in
//! `../shared/reference/egemaps/`: functionals feature by feature, per-frame voicing, and the
//! degenerate answers of the edge clips. Prints the agreement table (run with --nocapture).

use std::io::Read;
use std::path::{Path, PathBuf};

/// The target: on every speech clip, at least this many of the 88 functionals within 5 %
/// (0.05 absolute where openSMILE's value is near zero).
const MIN_FEATURES_WITHIN_5_PER_CLIP: usize = 80;
/// Features within 5 % on every speech clip at once: the floor this test keeps (the stricter
/// reading; see the README for the features that miss it on some clip).
const MIN_FEATURES_ON_EVERY_SPEECH_CLIP: usize = 73;
/// Mean over speech clips of the features within 5 %.
const MIN_MEAN_FEATURES_WITHIN_5: f64 = 85.0;
const MIN_VOICING_AGREEMENT: f64 = 0.95;

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("SERLAB_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true but the shared folder {} is missing", dir.display());
    }
    eprintln!(
        "SKIPPED eGeMAPS reference agreement: {} not found",
        dir.display()
    );
    None
}

#[path = "../examples/common/mod.rs"]
mod common;

/// openSMILE's functionals table: (clip, values) in the file's order, and the names.
fn reference_functionals(dir: &Path) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let text = std::fs::read_to_string(dir.join("egemaps_v02_functionals.csv")).unwrap();
    let mut lines = text.lines();
    let names = lines
        .next()
        .unwrap()
        .split(',')
        .skip(3)
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| {
            let parts: Vec<&str> = l.split(',').collect();
            let values = parts[3..].iter().map(|v| v.parse().unwrap()).collect();
            (parts[0].to_string(), values)
        })
        .collect();
    (names, rows)
}

fn error(ours: f64, reference: f64) -> f64 {
    if reference.abs() < 1.0 {
        (ours - reference).abs()
    } else {
        (ours - reference).abs() / reference.abs()
    }
}

#[test]
fn functionals_agree_with_opensmile() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("reference/egemaps");
    let (names, rows) = reference_functionals(&dir);
    assert_eq!(names, serlab_egemaps::names::functional_names());
    let mut per_feature_ok = vec![0usize; names.len()];
    let mut speech_clips = 0;
    let mut within = [0usize; 3];
    let mut report = String::new();
    let mut fewest_within_5 = (usize::MAX, String::new());
    for (clip, reference) in &rows {
        let (samples, rate) = common::read_clip(dir.join("clips").join(clip));
        let ours = serlab_egemaps::egemaps_functionals(&samples, rate);
        assert_eq!(ours.len(), 88);
        assert!(
            ours.iter().all(|v| v.is_finite()),
            "{clip}: non-finite output"
        );
        if clip.starts_with("edge_") {
            continue;
        }
        speech_clips += 1;
        let mut clip_within_5 = 0;
        for (i, (o, r)) in ours.iter().zip(reference).enumerate() {
            let e = error(*o, *r);
            for (slot, limit) in within.iter_mut().zip([0.01, 0.05, 0.10]) {
                if e <= limit {
                    *slot += 1;
                }
            }
            if e <= 0.05 {
                per_feature_ok[i] += 1;
                clip_within_5 += 1;
            } else {
                report.push_str(&format!(
                    "{clip:38} {:45} ours {o:12.5} openSMILE {r:12.5} err {e:.3}\n",
                    names[i]
                ));
            }
        }
        if clip_within_5 < fewest_within_5.0 {
            fewest_within_5 = (clip_within_5, clip.clone());
        }
    }
    let on_every = per_feature_ok
        .iter()
        .filter(|&&n| n == speech_clips)
        .count();
    let cells = (speech_clips * 88) as f64;
    let summary = format!(
        "eGeMAPS agreement over {speech_clips} speech clips: at least {}/88 features within 5 % on \
         every clip (fewest on {}); {on_every}/88 features within 5 % on all clips at once; \
         per clip and feature: {:.1} % within 1 %, {:.1} % within 5 %, {:.1} % within 10 %",
        fewest_within_5.0,
        fewest_within_5.1,
        100.0 * within[0] as f64 / cells,
        100.0 * within[1] as f64 / cells,
        100.0 * within[2] as f64 / cells
    );
    eprintln!("{summary}");
    let mean_within_5 = within[1] as f64 / speech_clips as f64;
    assert!(
        fewest_within_5.0 >= MIN_FEATURES_WITHIN_5_PER_CLIP
            && on_every >= MIN_FEATURES_ON_EVERY_SPEECH_CLIP
            && mean_within_5 >= MIN_MEAN_FEATURES_WITHIN_5,
        "{summary}\nmean features within 5 % per clip {mean_within_5:.1}\nfeature, ours, openSMILE, error:\n{report}"
    );
}

fn reference_voicing(dir: &Path) -> std::collections::HashMap<String, Vec<bool>> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(dir.join("egemaps_v02_lld.csv.gz")).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut out: std::collections::HashMap<String, Vec<bool>> = Default::default();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let f0 = header
        .iter()
        .position(|h| *h == "F0semitoneFrom27.5Hz_sma3nz")
        .unwrap();
    for l in lines {
        let parts: Vec<&str> = l.split(',').collect();
        let v: f64 = parts[f0].parse().unwrap();
        out.entry(parts[0].to_string()).or_default().push(v != 0.0);
    }
    out
}

#[test]
fn voicing_decisions_and_frame_count_agree() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("reference/egemaps");
    let voicing = reference_voicing(&dir);
    let mut failures = Vec::new();
    for (clip, reference) in &voicing {
        let (samples, rate) = common::read_clip(dir.join("clips").join(clip));
        let table = serlab_egemaps::pipeline::lld_table(&samples, rate);
        assert_eq!(table.len(), reference.len(), "{clip}: LLD row count");
        let agree = table
            .iter()
            .zip(reference)
            .filter(|(row, r)| (row[10] != 0.0) == **r)
            .count();
        let share = agree as f64 / reference.len() as f64;
        eprintln!("{clip:40} voicing agreement {:.1} %", 100.0 * share);
        if !clip.starts_with("edge_") && share < MIN_VOICING_AGREEMENT {
            failures.push(format!("{clip}: {:.1} %", 100.0 * share));
        }
    }
    assert!(failures.is_empty(), "voicing below 95 %: {failures:?}");
}

#[test]
fn edge_clips_give_opensmiles_degenerate_answers() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("reference/egemaps");
    let names = serlab_egemaps::names::functional_names();
    let index = |n: &str| names.iter().position(|x| x == n).unwrap();
    for clip in ["edge_silence_1s.wav", "edge_alsa_noise.wav"] {
        let (samples, rate) = common::read_clip(dir.join("clips").join(clip));
        let v = serlab_egemaps::egemaps_functionals(&samples, rate);
        for (name, value) in names.iter().zip(&v) {
            if name.starts_with("F0semitone") || name.starts_with("VoicedSegments") {
                assert_eq!(*value, 0.0, "{clip}: {name}");
            }
        }
        if clip == "edge_silence_1s.wav" {
            assert_eq!(v[index("equivalentSoundLevel_dBp")], -120.0);
            let loudness = v[index("loudness_sma3_amean")];
            assert!(
                (loudness - 0.001034).abs() < 1e-5,
                "silence loudness {loudness}"
            );
        }
    }
}
