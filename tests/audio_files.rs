//! Decoding every PCM layout, skipping unknown chunks, and reporting broken files: a scan over a
//! folder mixing good and broken WAVs exits 0, lists each broken file with its reason and counts
//! every good one.

mod common;

use common::*;
use serlab::audio::{decode_mono, load_mono, probe};
use std::path::Path;

fn layout(channels: u16, bits: u16, format_tag: u16) -> WavLayout<'static> {
    WavLayout {
        channels,
        bits,
        format_tag,
        ..WavLayout::default()
    }
}

/// Mean absolute difference to a reference tone.
fn max_error(decoded: &[f32], reference: &[f64]) -> f64 {
    assert_eq!(decoded.len(), reference.len());
    decoded
        .iter()
        .zip(reference)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max)
}

#[test]
fn decodes_every_pcm_width_and_float() {
    let dir = tempfile::tempdir().unwrap();
    let reference = tone(440.0, 16_000, 0.25, 0.5);
    for (bits, tag, tolerance) in [
        (8u16, 1u16, 1.0 / 100.0),
        (16, 1, 1e-4),
        (24, 1, 1e-6),
        (32, 1, 1e-6),
        (32, 3, 1e-7),
    ] {
        let data = if tag == 3 {
            encode_f32(&reference)
        } else {
            encode_int(&reference, bits)
        };
        for extensible in [false, true] {
            let path = dir
                .path()
                .join(format!("tone-{bits}-{tag}-{extensible}.wav"));
            write(
                &path,
                &wav_bytes(
                    &WavLayout {
                        extensible,
                        ..layout(1, bits, tag)
                    },
                    &data,
                ),
            );
            let audio = decode_mono(&path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(audio.sample_rate, 16_000);
            let err = max_error(&audio.samples, &reference);
            assert!(
                err < tolerance,
                "{bits}-bit tag {tag} extensible {extensible}: error {err}"
            );
        }
    }
}

#[test]
fn mixes_any_channel_count_to_mono() {
    let dir = tempfile::tempdir().unwrap();
    let a = tone(300.0, 16_000, 0.1, 0.4);
    let b = tone(500.0, 16_000, 0.1, 0.2);
    let silence = vec![0.0; a.len()];
    for channels in [
        vec![a.clone(), b.clone()],
        vec![a.clone(), b.clone(), silence],
    ] {
        let n = channels.len() as u16;
        let path = dir.path().join(format!("mix-{n}.wav"));
        write(
            &path,
            &wav_bytes(&layout(n, 16, 1), &encode_int(&interleave(&channels), 16)),
        );
        let audio = decode_mono(&path).unwrap();
        let expected: Vec<f64> = (0..a.len()).map(|i| (a[i] + b[i]) / f64::from(n)).collect();
        assert!(max_error(&audio.samples, &expected) < 2e-4, "{n} channels");
    }
}

#[test]
fn skips_unknown_chunks_before_and_after_data() {
    let dir = tempfile::tempdir().unwrap();
    let reference = tone(440.0, 16_000, 0.2, 0.3);
    let before = [(b"FLLR", vec![0u8; 4044]), (b"junk", vec![7u8; 13])];
    let after = [
        (b"LIST", b"INFOISFT\x05\x00\x00\x00test\x00".to_vec()),
        (b"_PMX", vec![1u8; 99]),
    ];
    let path = dir.path().join("chunks.wav");
    let wav = WavLayout {
        chunks_before_data: &before,
        chunks_after_data: &after,
        ..WavLayout::default()
    };
    write(&path, &wav_bytes(&wav, &encode_int(&reference, 16)));
    let info = probe(&path).unwrap();
    assert_eq!(info.frames as usize, reference.len());
    let audio = decode_mono(&path).unwrap();
    assert!(max_error(&audio.samples, &reference) < 1e-4);
}

#[test]
fn resamples_to_the_target_rate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("48k.wav");
    write(
        &path,
        &wav_bytes(
            &WavLayout {
                rate: 48_000,
                ..WavLayout::default()
            },
            &encode_int(&tone(1000.0, 48_000, 0.5, 0.5), 16),
        ),
    );
    let audio = load_mono(&path, 16_000).unwrap();
    assert_eq!(audio.sample_rate, 16_000);
    assert!((audio.samples.len() as i64 - 8000).abs() <= 1);
    // Zero crossings of a 1 kHz tone over the middle 0.25 s: 500.
    let mid = &audio.samples[2000..6000];
    let crossings = mid
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    assert!((crossings as i64 - 500).abs() <= 2, "{crossings} crossings");
}

/// Broken files with the reason their error must give.
fn broken_files() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let good = short_clip(0.1);
    let mut lying = good.clone();
    // Declare a data chunk ten times larger than what follows.
    let data_pos = lying.windows(4).position(|w| w == b"data").unwrap();
    let declared = 10 * (lying.len() - data_pos - 8) as u32;
    lying[data_pos + 4..data_pos + 8].copy_from_slice(&declared.to_le_bytes());
    let adpcm = wav_bytes(
        &WavLayout {
            format_tag: 2,
            bits: 4,
            channels: 1,
            ..WavLayout::default()
        },
        &[0u8; 256],
    );
    vec![
        ("03-01-01-01-01-01-10.wav", good[..30].to_vec(), "truncated"),
        ("03-01-03-01-01-01-10.wav", Vec::new(), "empty"),
        ("03-01-04-01-01-01-10.wav", adpcm, "compressed codec"),
        ("03-01-05-01-01-01-10.wav", lying, "declares"),
        (
            "03-01-05-02-01-01-10.wav",
            b"this is not audio, just text\n".to_vec(),
            "not a WAV",
        ),
        (
            "03-01-03-02-01-01-10.wav",
            wav_bytes(&WavLayout::default(), &[]),
            "empty",
        ),
        (
            "03-01-04-02-01-01-10.wav",
            good[..good.len() - 1000].to_vec(),
            "declares",
        ),
    ]
}

#[test]
fn broken_files_fail_with_the_file_and_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, reason) in broken_files() {
        let path = dir.path().join(name);
        write(&path, &bytes);
        let err = decode_mono(&path).unwrap_err().to_string();
        assert!(err.contains(name), "error does not name the file: {err}");
        assert!(
            err.contains(reason),
            "{name}: expected `{reason}` in: {err}"
        );
    }
}

#[test]
fn a_scan_reports_broken_files_and_counts_the_good_ones() {
    let home = tempfile::tempdir().unwrap();
    let corpus = tempfile::tempdir().unwrap();
    let good_names = [
        "Actor_11/03-01-01-01-01-01-11.wav",
        "Actor_11/03-01-03-01-01-01-11.wav",
        "Actor_11/03-01-04-01-01-01-11.wav",
        "Actor_12/03-01-05-01-01-01-12.wav",
        "Actor_12/03-01-02-01-01-01-12.wav",
    ];
    for name in good_names {
        write(&corpus.path().join(name), &short_clip(0.5));
    }
    let broken = broken_files();
    for (name, bytes, _) in &broken {
        write(&corpus.path().join("Actor_10").join(name), bytes);
    }
    // A WAV whose name is not a RAVDESS name, and a file that is not a WAV at all (ignored).
    write(
        &corpus.path().join("Actor_12/recording.wav"),
        &short_clip(0.2),
    );
    write(&corpus.path().join("README.txt"), b"notes");

    let file = datasets_file(corpus.path(), &[("ravdess", corpus.path())]);
    let output = serlab(home.path())
        .args(["datasets", "--json", "--datasets"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["total_clips"], good_names.len());
    assert_eq!(json["corpora"][0]["speakers"], 2);
    assert_eq!(json["corpora"][0]["by_class"]["neutral"], 1);
    let unreadable = json["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), broken.len() + 1, "{unreadable:#?}");
    for (name, _, reason) in &broken {
        let entry = unreadable
            .iter()
            .find(|u| u["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not reported"));
        assert!(
            entry["error"].as_str().unwrap().contains(reason),
            "{name}: {}",
            entry["error"]
        );
    }
    assert!(unreadable
        .iter()
        .any(|u| u["path"].as_str().unwrap().ends_with("recording.wav")
            && u["error"].as_str().unwrap().contains("naming scheme")));

    // The text report lists them too.
    let output = serlab(home.path())
        .args(["datasets", "--datasets"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = stdout_of(&output);
    assert!(text.contains("unreadable (8)"), "{text}");
}

#[test]
fn real_ravdess_files_decode() {
    let Some(shared) = shared_dir("real_ravdess_files_decode") else {
        return;
    };
    let actor = shared.join("data/ravdess-dev/Actor_01");
    // Original Pro Tools layout with FLLR before data; one of the two stereo files.
    for name in ["03-01-01-01-01-01-01.wav", "03-01-02-01-01-02-01.wav"] {
        let path = actor.join(name);
        let info = probe(&path).unwrap();
        assert_eq!(info.sample_rate, 48_000);
        let audio = load_mono(&path, 16_000).unwrap();
        let expected = (info.frames as f64 / 3.0).ceil() as i64;
        assert!((audio.samples.len() as i64 - expected).abs() <= 1, "{name}");
        let peak = audio.samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(peak > 0.01 && peak <= 1.0, "{name}: peak {peak}");
    }
    let stereo = probe(&actor.join("03-01-02-01-01-02-01.wav")).unwrap();
    assert_eq!(stereo.channels, 2);
    let _ = Path::new("");
}

#[test]
fn datasets_over_the_real_dev_actors() {
    let Some(shared) = shared_dir("datasets_over_the_real_dev_actors") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let file = datasets_file(
        home.path(),
        &[("ravdess", &shared.join("data/ravdess-dev"))],
    );
    let json = datasets_json(home.path(), &file);
    assert_eq!(json["synthetic"], false);
    assert_eq!(json["total_clips"], 720);
    let corpus = &json["corpora"][0];
    assert_eq!(corpus["speakers"], 12);
    for (class, n) in [("neutral", 48), ("happy", 96), ("sad", 96), ("angry", 96)] {
        assert_eq!(corpus["by_class"][class], n, "{class}");
    }
    assert_eq!(json["unreadable"].as_array().unwrap().len(), 0);
}
