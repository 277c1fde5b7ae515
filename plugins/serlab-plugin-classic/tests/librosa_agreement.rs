//! The classic vector against librosa 0.11's own values for the 33 reference clips, per feature
//! group. Target: every group within 1 % relative (or 1e-3 absolute near zero) on speech clips.

use serlab_plugin_classic::{classic162, feature_names};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("SERLAB_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true but {} is missing", dir.display());
    }
    eprintln!("SKIPPED librosa agreement: {} not found", dir.display());
    None
}

fn read_clip(path: &Path) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.bits_per_sample), (1, 16));
    let samples = reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect();
    (samples, spec.sample_rate)
}

fn group(name: &str) -> &'static str {
    match name.split('_').next().unwrap() {
        "zcr" => "zcr",
        "chroma" => "chroma",
        "mfcc" => "mfcc",
        "rms" => "rms",
        _ => "mel",
    }
}

#[test]
fn agrees_with_librosa_per_feature_group() {
    let Some(shared) = shared() else { return };
    let table = std::fs::read_to_string(shared.join("reference/librosa/classic162.csv")).unwrap();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[1..],
        feature_names()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
    );
    let names = feature_names();
    // group -> (values within tolerance, total) over speech clips
    let mut agreement: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut worst: BTreeMap<&str, (f64, String)> = BTreeMap::new();
    let mut report = String::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let file = fields[0];
        let (samples, rate) = read_clip(&shared.join("reference/egemaps/clips").join(file));
        let ours = classic162(&samples, rate);
        let speech = !file.starts_with("edge_");
        for (i, name) in names.iter().enumerate() {
            let reference: f64 = fields[i + 1].parse().unwrap();
            let ok_abs = (ours[i] - reference).abs() <= 1e-3;
            let rel = (ours[i] - reference).abs() / reference.abs().max(1e-12);
            if !speech {
                assert!(ours[i].is_finite(), "{file} {name} not finite");
                continue;
            }
            let g = group(name);
            let entry = agreement.entry(g).or_default();
            entry.1 += 1;
            if ok_abs || rel <= 0.01 {
                entry.0 += 1;
            } else {
                report.push_str(&format!(
                    "{file:40} {name:10} ours {:>14.6} librosa {:>14.6} rel {:.4}\n",
                    ours[i], reference, rel
                ));
            }
            let w = worst.entry(g).or_insert((0.0, String::new()));
            if rel > w.0 && reference.abs() > 1e-3 {
                *w = (rel, format!("{file} {name}"));
            }
        }
    }
    println!("| group | within 1 % (or 1e-3 abs) | worst relative error |");
    println!("|---|---|---|");
    for (g, (ok, total)) in &agreement {
        let (rel, at) = &worst[g];
        println!("| {g} | {ok}/{total} | {rel:.2e} ({at}) |");
    }
    let failures: usize = agreement.values().map(|(ok, total)| total - ok).sum();
    assert_eq!(failures, 0, "values outside tolerance:\n{report}");
}
