//! `serlab augment` end to end, on generated audio and on real RAVDESS recordings.

mod common;

use common::*;
use serlab::audio::decode_mono;
use serlab::audio::f0::{median_f0, paired_median_ratio, yin_track};

#[test]
fn augment_writes_a_wav_at_the_input_rate_with_the_stretched_length() {
    let home = tempfile::tempdir().unwrap();
    let input = home.path().join("in.wav");
    write(
        &input,
        &wav_bytes(
            &WavLayout {
                rate: 22_050,
                ..WavLayout::default()
            },
            &encode_int(&common::tone(200.0, 22_050, 1.0, 0.4), 16),
        ),
    );
    let output = home.path().join("out.wav");
    let result = serlab(home.path())
        .args(["augment"])
        .arg(&input)
        .arg(&output)
        .args([
            "--stretch",
            "0.8",
            "--pitch",
            "-2",
            "--noise-snr",
            "30",
            "--shift",
            "-0.1",
            "--seed",
            "7",
        ])
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", stderr_of(&result));
    let audio = decode_mono(&output).unwrap();
    assert_eq!(audio.sample_rate, 22_050);
    assert!(
        (audio.samples.len() as f64 - 22_050.0 / 0.8).abs() < 2.0,
        "{} samples",
        audio.samples.len()
    );
    let f0 = median_f0(&audio.samples, 22_050, 60.0, 500.0).unwrap();
    let expected = 200.0 * 2f64.powf(-2.0 / 12.0);
    assert!(
        (f0 / expected - 1.0).abs() < 0.01,
        "F0 {f0:.2}, expected {expected:.2}"
    );
}

#[test]
fn augment_rejects_bad_arguments_and_bad_files() {
    let home = tempfile::tempdir().unwrap();
    let input = home.path().join("in.wav");
    write(&input, &short_clip(0.5));
    let out = home.path().join("out.wav");
    let result = serlab(home.path())
        .arg("augment")
        .arg(&input)
        .arg(&out)
        .args(["--stretch", "9"])
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr_of(&result).contains("--stretch 9"),
        "{}",
        stderr_of(&result)
    );
    let broken = home.path().join("broken.wav");
    write(&broken, b"RIFF\x10\x00\x00\x00WAVEjunk");
    let result = serlab(home.path())
        .arg("augment")
        .arg(&broken)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr_of(&result).contains("broken.wav"),
        "{}",
        stderr_of(&result)
    );
}

#[test]
fn augment_works_on_real_ravdess_recordings() {
    let Some(shared) = shared_dir("augment_works_on_real_ravdess_recordings") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    // 48 kHz with the FLLR chunk, one stereo file, and a 16 kHz resampled actor.
    for name in [
        "Actor_01/03-01-05-02-01-01-01.wav",
        "Actor_01/03-01-08-01-02-02-01.wav",
        "Actor_07/03-01-03-01-02-01-07.wav",
    ] {
        let input = shared.join("data/ravdess-dev").join(name);
        let source = decode_mono(&input).unwrap();
        let out = home.path().join("aug.wav");
        let result = serlab(home.path())
            .arg("augment")
            .arg(&input)
            .arg(&out)
            .args([
                "--noise-snr",
                "25",
                "--stretch",
                "1.25",
                "--shift",
                "0.2",
                "--pitch",
                "3",
            ])
            .output()
            .unwrap();
        assert!(result.status.success(), "{name}: {}", stderr_of(&result));
        let audio = decode_mono(&out).unwrap();
        assert_eq!(audio.sample_rate, source.sample_rate, "{name}");
        let expected = source.samples.len() as f64 / 1.25;
        assert!(
            (audio.samples.len() as f64 / expected - 1.0).abs() < 0.01,
            "{name}: length"
        );
        assert!(audio.samples.iter().all(|x| x.is_finite()));

        // Pitch alone on real speech: frame by frame (duration is kept, so frames align), F0 moves
        // by 2^(3/12). Paired frames avoid comparing different sets of voiced frames.
        let pitched = serlab::augment::pitch_shift(&source.samples, 3.0, source.sample_rate);
        let before = yin_track(&source.samples, source.sample_rate, 60.0, 600.0);
        let after = yin_track(&pitched, source.sample_rate, 60.0, 600.0);
        let (ratio, frames) = paired_median_ratio(&before, &after).expect("voiced frames");
        assert!(frames > 20, "{name}: too few voiced frames");
        assert!(
            (ratio / 2f64.powf(0.25) - 1.0).abs() < 0.01,
            "{name}: F0 ratio {ratio:.4}"
        );
    }
}
