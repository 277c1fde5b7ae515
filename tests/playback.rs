//! Playback through the real stack (rodio -> cpal -> ALSA): the child process's ALSA config makes
//! the default PCM a `file` plugin over `null`, so what rodio played lands in a WAV we can check.

mod common;

use common::*;
use serlab::audio::decode_mono;

/// Frequency from zero crossings over the non-silent part; also returns that part's duration.
fn analyse(samples: &[f32], rate: u32) -> (f64, f64) {
    let first = samples
        .iter()
        .position(|s| s.abs() > 0.01)
        .expect("captured audio is silent");
    let last = samples.iter().rposition(|s| s.abs() > 0.01).unwrap();
    let active = &samples[first..=last];
    let crossings = active
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    let duration = active.len() as f64 / f64::from(rate);
    (crossings as f64 / 2.0 / duration, duration)
}

#[test]
fn play_sends_the_clip_to_the_default_alsa_device() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("tone.wav");
    write(
        &clip,
        &wav_bytes(
            &WavLayout::default(),
            &encode_int(&tone(440.0, 16_000, 1.0, 0.5), 16),
        ),
    );
    let capture = dir.path().join("captured.wav");
    let config = alsa_capture_config(dir.path(), &capture);

    let output = serlab(dir.path())
        .env("ALSA_CONFIG_PATH", &config)
        .arg("play")
        .arg(&clip)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "play failed: {}",
        stderr_of(&output)
    );
    assert!(
        !stderr_of(&output).contains("ALSA"),
        "ALSA chatter on stderr: {}",
        stderr_of(&output)
    );

    let captured = decode_mono(&capture).unwrap_or_else(|e| panic!("capture unreadable: {e}"));
    let (frequency, duration) = analyse(&captured.samples, captured.sample_rate);
    assert!(
        (frequency - 440.0).abs() < 3.0,
        "captured {frequency:.1} Hz at {} Hz",
        captured.sample_rate
    );
    assert!(
        (duration - 1.0).abs() < 0.02,
        "captured {duration:.3} s of sound"
    );
}

#[test]
fn play_without_a_device_fails_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("tone.wav");
    write(&clip, &short_clip(0.2));
    let config = dir.path().join("asound.conf");
    // A default device that does not exist, as on a machine without a sound card.
    std::fs::write(&config, "pcm.!default {\n  type hw\n  card 97\n}\n").unwrap();

    let output = serlab(dir.path())
        .env("ALSA_CONFIG_PATH", &config)
        .arg("play")
        .arg(&clip)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert_eq!(
        stderr.lines().count(),
        1,
        "expected one line, got: {stderr}"
    );
    assert!(stderr.contains("no audio output device"), "{stderr}");
    assert!(
        !stderr.contains("ALSA lib") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn play_of_a_broken_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("broken.wav");
    write(&clip, b"RIFF....WAVE");
    let output = serlab(dir.path()).arg("play").arg(&clip).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("broken.wav"),
        "{}",
        stderr_of(&output)
    );
}
