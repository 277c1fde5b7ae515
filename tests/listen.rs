//! `serlab listen` through real ALSA: a stream of real RAVDESS clips separated by pauses, fed to
//! ALSA's capture from a file (see `common::alsa_feed_config`), cut into utterances and classified
//! by a model trained here; and what happens without an input device.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const RATE: u32 = 16_000;

/// A model over ravdess-dev with the default per-speaker ranks and its clip-alone head (which
/// judges each utterance until the session has 8), and the actors it trained on and was not
/// tested on (those not in its held-out fold).
fn ravdess_model(home: &Path, corpus: &Path) -> (PathBuf, Vec<String>) {
    let datasets = datasets_file(home, &[("ravdess", corpus)]);
    let model = home.join("model");
    let output = serlab(home)
        .arg("--datasets")
        .arg(&datasets)
        .args(["train", "--ensemble", "1", "--epochs", "20", "--out"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let held_out: std::collections::BTreeSet<String> =
        std::fs::read_to_string(model.join("predictions.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(1)?.split('/').next().map(str::to_string))
            .collect();
    let mut trained: Vec<String> = std::fs::read_dir(corpus)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|a| !held_out.contains(a))
        .collect();
    trained.sort();
    (model, trained)
}

/// Writes the clips one after another into a raw 16-bit stream at 16 kHz, each after a pause;
/// returns each clip's span in seconds.
fn stream_of(clips: &[PathBuf], raw: &Path) -> Vec<(f64, f64)> {
    let mut samples: Vec<f32> = Vec::new();
    let mut spans = Vec::new();
    for clip in clips {
        samples.extend(std::iter::repeat_n(0.0, (1.5 * f64::from(RATE)) as usize));
        let audio = serlab::audio::load_mono(clip, RATE).unwrap();
        let start = samples.len() as f64 / f64::from(RATE);
        samples.extend(audio.samples);
        spans.push((start, samples.len() as f64 / f64::from(RATE)));
    }
    samples.extend(std::iter::repeat_n(0.0, 2 * RATE as usize));
    let bytes: Vec<u8> = samples
        .iter()
        .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32_767.0).round() as i16).to_le_bytes())
        .collect();
    std::fs::write(raw, bytes).unwrap();
    spans
}

#[test]
fn real_speech_between_pauses_is_cut_into_utterances_and_classified() {
    let Some(shared) =
        shared_dir("real_speech_between_pauses_is_cut_into_utterances_and_classified")
    else {
        return;
    };
    let corpus = shared.join("data/ravdess-dev");
    let home = tempfile::tempdir().unwrap();
    let (model, trained) = ravdess_model(home.path(), &corpus);
    // Two actors the model trained on, one clip of each class: the pipeline, not generalisation,
    // is under test here.
    let classes = [
        ("01", "neutral"),
        ("03", "happy"),
        ("04", "sad"),
        ("05", "angry"),
    ];
    let mut clips = Vec::new();
    let mut truth = Vec::new();
    for actor in &trained[..2] {
        for (code, class) in classes {
            let mut names: Vec<String> = std::fs::read_dir(corpus.join(actor))
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .filter(|n| n.split('-').nth(2) == Some(code))
                .collect();
            names.sort();
            clips.push(corpus.join(actor).join(&names[0]));
            truth.push(class);
        }
    }
    let raw = home.path().join("stream.raw");
    let spans = stream_of(&clips, &raw);
    let total = spans.last().unwrap().1 + 2.0;
    let alsa = alsa_feed_config(home.path(), &raw);
    let output = serlab(home.path())
        .env("ALSA_CONFIG_PATH", &alsa)
        .args([
            "listen",
            "--json",
            "--seconds",
            &format!("{total:.2}"),
            "--model",
        ])
        .arg(&model)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let heard: Vec<serde_json::Value> = stdout_of(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(heard.len(), clips.len(), "{heard:#?}");
    // The session's statistics take over once they span 8 utterances; each alone before.
    let paths: Vec<&str> = heard.iter().map(|u| u["path"].as_str().unwrap()).collect();
    let expected: Vec<&str> = (1..=heard.len())
        .map(|n| if n < 8 { "clip-alone" } else { "speaker" })
        .collect();
    assert_eq!(paths, expected);
    let mut right = 0;
    for ((utterance, (start, end)), class) in heard.iter().zip(&spans).zip(&truth) {
        let (s, e) = (
            utterance["start_s"].as_f64().unwrap(),
            utterance["end_s"].as_f64().unwrap(),
        );
        // The speech inside its clip (RAVDESS clips open and close with a quiet second).
        assert!(
            s >= *start && e <= end + 0.05 && e - s > 0.8,
            "{utterance} in {start}..{end}"
        );
        let p: f64 = utterance["probabilities"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((p - 1.0).abs() < 1e-3, "{utterance}");
        assert!(utterance["latency_ms"].as_f64().unwrap() >= 0.0);
        right += usize::from(utterance["class"] == *class);
    }
    eprintln!("{right} of 8 utterances classified as their clip's class");
    assert!(right >= 5, "{right} of 8 classes right: {heard:#?}");
}

#[test]
fn ctrl_c_stops_listening_cleanly() {
    let home = tempfile::tempdir().unwrap();
    // A small model on the demo corpus; the stream is two demo clips.
    let demo = small_demo_model(home.path());
    let clips = [
        demo.join("03-01-05-01-01-01-01.wav"),
        demo.join("03-01-04-01-01-01-01.wav"),
    ];
    let raw = home.path().join("stream.raw");
    stream_of(&clips, &raw);
    let alsa = alsa_feed_config(home.path(), &raw);
    let mut child = serlab(home.path())
        .env("ALSA_CONFIG_PATH", &alsa)
        .args(["listen", "--json", "--model", "model"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Without --seconds it listens until told to stop: read both utterances, then Ctrl-c.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        let line = lines.next().expect("an utterance").unwrap();
        assert!(line.contains("\"class\""), "{line}");
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "still listening after Ctrl-c"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn without_an_input_device_listen_says_so_in_one_line() {
    let home = tempfile::tempdir().unwrap();
    let output = serlab(home.path())
        .args([
            "train",
            "--ensemble",
            "1",
            "--epochs",
            "1",
            "--out",
            "model",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    // An ALSA configuration that defines no device at all.
    let empty = home.path().join("asound-empty.conf");
    std::fs::write(&empty, "# no PCM\n").unwrap();
    let output = serlab(home.path())
        .env("ALSA_CONFIG_PATH", &empty)
        .args(["listen", "--model", "model", "--seconds", "1"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("input device"), "{stderr}");
    assert!(
        !stderr.contains("ALSA lib"),
        "ALSA's own messages belong in the log: {stderr}"
    );
    let output = serlab(home.path())
        .env("ALSA_CONFIG_PATH", &empty)
        .args(["listen", "--list-devices"])
        .output()
        .unwrap();
    assert!(!stderr_of(&output).contains("ALSA lib"));
}
