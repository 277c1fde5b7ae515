//! Correctness of each augmentation, measured: pitch moves F0 by 2^(n/12), stretching changes
//! duration by 1/r and keeps F0, noise lands on the SNR asked for, shifting by a whole clip is the
//! identity, and nothing produces NaN, clipping without warning, or a click at a seam.

use super::*;
use crate::audio::f0::median_f0;
use crate::corpus::demo::{synthesize, VoiceParams};
use crate::util::rng::SplitMix64;

const RATE: u32 = 16_000;

/// A steady harmonic tone (a sawtooth-like voice source) with a gentle envelope.
fn harmonic_tone(f0: f64, seconds: f64) -> Vec<f32> {
    let n = (seconds * f64::from(RATE)) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(RATE);
            let env = (std::f64::consts::PI * i as f64 / n as f64).sin().powf(0.3);
            let v: f64 = (1..12)
                .map(|k| (2.0 * std::f64::consts::PI * f0 * k as f64 * t).sin() / k as f64)
                .sum();
            (0.3 * env * v) as f32
        })
        .collect()
}

/// A speech-like voiced clip from the demo synthesizer (moving F0, formants, syllables).
fn voice(f0: f64) -> Vec<f32> {
    let params = VoiceParams {
        f0_hz: f0,
        f0_range_st: 2.0,
        syllables_per_s: 4.0,
        level_db: -6.0,
        tilt: 0.0,
        breathiness: 0.02,
        jitter: 0.002,
        shimmer: 0.01,
        formant_scale: 1.0,
        final_glide_st: 0.0,
    };
    let syllables = [
        (0, false),
        (1, false),
        (3, false),
        (0, false),
        (2, false),
        (4, false),
        (1, false),
        (0, false),
    ];
    synthesize(&params, &syllables, RATE, &mut SplitMix64::new(3))
}

fn f0(samples: &[f32]) -> f64 {
    median_f0(samples, RATE, 50.0, 600.0).expect("voiced")
}

fn max_jump(samples: &[f32]) -> f32 {
    samples
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn pitch_shift_moves_f0_by_the_semitone_ratio_and_keeps_duration() {
    for (name, clip) in [("tone", harmonic_tone(150.0, 2.0)), ("voice", voice(130.0))] {
        let base = f0(&clip);
        for semitones in [-4.0, -2.5, -1.0, 1.0, 2.5, 4.0] {
            let shifted = pitch_shift(&clip, semitones, RATE);
            assert_eq!(shifted.len(), clip.len(), "{name}: duration changed");
            let expected = 2f64.powf(semitones / 12.0);
            let ratio = f0(&shifted) / base;
            assert!(
                (ratio / expected - 1.0).abs() < 0.01,
                "{name} {semitones:+} st: F0 ratio {ratio:.4}, expected {expected:.4}"
            );
            assert!(shifted.iter().all(|x| x.is_finite()));
        }
    }
}

#[test]
fn stretch_changes_duration_by_one_over_rate_and_keeps_f0() {
    for (name, clip) in [("tone", harmonic_tone(180.0, 2.0)), ("voice", voice(120.0))] {
        let base = f0(&clip);
        for rate in [0.8, 0.9, 1.1, 1.25] {
            let stretched = time_stretch(&clip, rate, RATE);
            let expected_len = clip.len() as f64 / rate;
            assert!(
                (stretched.len() as f64 / expected_len - 1.0).abs() < 0.01,
                "{name} rate {rate}: {} samples",
                stretched.len()
            );
            let ratio = f0(&stretched) / base;
            assert!(
                (ratio - 1.0).abs() < 0.01,
                "{name} rate {rate}: F0 moved by {ratio:.4}"
            );
            // WSOLA overlap-adds aligned periods: level is kept, no dropouts.
            let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
            assert!(
                (rms(&stretched) / rms(&clip) - 1.0).abs() < 0.15,
                "{name} rate {rate}: level changed"
            );
        }
    }
}

#[test]
fn noise_lands_on_the_target_snr() {
    let clip = voice(140.0);
    for snr in [10.0, 20.0, 33.3, 40.0] {
        for seed in [1, 2, 3] {
            let noisy = add_noise_snr(&clip, snr, seed);
            let measured = measured_snr_db(&clip, &noisy);
            assert!(
                (measured - snr).abs() < 0.5,
                "asked {snr} dB, got {measured:.2} dB"
            );
        }
    }
    assert_ne!(add_noise_snr(&clip, 20.0, 1), add_noise_snr(&clip, 20.0, 2));
    let amplitude = add_noise_amplitude(&clip, 0.035, 5);
    let peak = clip.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let noise_rms = (amplitude
        .iter()
        .zip(&clip)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f32>()
        / clip.len() as f32)
        .sqrt();
    assert!(
        noise_rms > 0.0 && noise_rms <= 0.035 * peak * 1.05,
        "notebook noise rms {noise_rms}"
    );
}

#[test]
fn shifting_by_the_whole_length_is_the_identity() {
    let clip = voice(150.0);
    let n = clip.len() as i64;
    assert_eq!(time_shift(&clip, n, ShiftMode::Roll, RATE), clip);
    assert_eq!(time_shift(&clip, -3 * n, ShiftMode::Roll, RATE), clip);
    assert_eq!(time_shift(&clip, 0, ShiftMode::Roll, RATE), clip);
    let zero = time_shift(&clip, 800, ShiftMode::Zero, RATE);
    assert!(zero[..800].iter().all(|&x| x == 0.0));
    assert_eq!(&zero[800..], &clip[..clip.len() - 800]);
}

#[test]
fn a_rolled_seam_does_not_click() {
    // A sine has no silence at its ends: a bare roll would jump at the seam.
    let clip: Vec<f32> = (0..16_000)
        .map(|i| (i as f32 * 2.0 * std::f32::consts::PI * 220.0 / 16_000.0 + 1.0).sin() * 0.8)
        .collect();
    let smooth = max_jump(&clip);
    for shift in [123, 4_567, 9_001] {
        let rolled = time_shift(&clip, shift, ShiftMode::Roll, RATE);
        assert!(
            max_jump(&rolled) <= smooth * 1.05,
            "shift {shift}: jump {} vs {}",
            max_jump(&rolled),
            smooth
        );
    }
}

#[test]
fn nothing_produces_nan_or_unwarned_clipping() {
    let loud: Vec<f32> = harmonic_tone(200.0, 1.0)
        .iter()
        .map(|x| (x * 3.2).clamp(-0.999, 0.999))
        .collect();
    let steps = Steps {
        noise_snr_db: Some(10.0),
        stretch_rate: Some(0.8),
        shift_seconds: Some(0.3),
        pitch_semitones: Some(4.0),
        seed: 9,
        ..Steps::default()
    };
    let applied = apply_steps(&loud, RATE, &steps);
    assert!(applied
        .samples
        .iter()
        .all(|x| x.is_finite() && x.abs() <= 1.0));
    let peak_before_guard = {
        let mut s = add_noise_snr(&loud, 10.0, 9);
        s = time_stretch(&s, 0.8, RATE);
        s = time_shift(&s, 4800, ShiftMode::Roll, RATE);
        pitch_shift(&s, 4.0, RATE)
            .iter()
            .fold(0.0f32, |m, x| m.max(x.abs()))
    };
    assert_eq!(
        applied.warning.is_some(),
        peak_before_guard > 1.0,
        "clipping must be warned about exactly when it happens"
    );
    let (guarded, warning) = guard_peak(vec![0.5, -2.0, 1.0]);
    assert!(warning.unwrap().contains("peaked at 2.000"));
    assert!(guarded.iter().all(|x| x.abs() < 1.0));
    for empty in [
        add_noise_snr(&[], 10.0, 1),
        time_stretch(&[], 1.2, RATE),
        pitch_shift(&[], 2.0, RATE),
        time_shift(&[], 5, ShiftMode::Roll, RATE),
    ] {
        assert!(empty.is_empty());
    }
    let silent = add_noise_snr(&[0.0; 100], 20.0, 1);
    assert!(
        silent.iter().all(|&x| x == 0.0),
        "silence has no SNR to aim for: left alone"
    );
}

#[test]
fn training_augmentation_is_deterministic_per_clip_and_epoch() {
    let clip = voice(140.0);
    let policy = AugmentPolicy::default();
    let a = augment_for_training(&clip, RATE, &policy, "ravdess:Actor_01/x.wav", 3, 42);
    let b = augment_for_training(&clip, RATE, &policy, "ravdess:Actor_01/x.wav", 3, 42);
    assert_eq!(a, b);
    let keys: std::collections::HashSet<String> = (0..12)
        .map(|epoch| {
            augment_for_training(&clip, RATE, &policy, "ravdess:Actor_01/x.wav", epoch, 42).key
        })
        .collect();
    assert!(
        keys.len() > 6,
        "epochs should see different augmentations: {keys:?}"
    );
    let off = augment_for_training(&clip, RATE, &AugmentPolicy::off(), "c", 1, 1);
    assert_eq!((off.key.as_str(), off.samples == clip), ("none", true));
}

#[test]
fn the_policy_respects_toggles_and_round_trips_through_toml() {
    let mut policy = AugmentPolicy::off();
    policy.pitch.enabled = true;
    policy.pitch.probability = 1.0;
    policy.pitch.semitones = [2.0, 2.0];
    let mut rng = SplitMix64::new(1);
    for _ in 0..20 {
        let steps = policy.draw(&mut rng, 16_000, RATE);
        assert_eq!(steps.pitch_semitones, Some(2.0));
        assert!(
            steps.noise_snr_db.is_none()
                && steps.stretch_rate.is_none()
                && steps.shift_seconds.is_none()
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("augment.toml");
    policy.save(&path).unwrap();
    assert_eq!(AugmentPolicy::load(&path).unwrap(), policy);
    std::fs::write(&path, "[stretch]\nrate = [1.5, 0.5]\n").unwrap();
    assert!(AugmentPolicy::load(&path)
        .unwrap_err()
        .contains("stretch.rate"));
}
