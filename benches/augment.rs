//! Augmentation speed and quality, one thread: serlab's WSOLA time stretch and pitch shift next to
//! librosa 0.11's phase-vocoder ones on the same clips, in the same session (when a Python with
//! librosa is available: SERLAB_BENCH_PYTHON, default `python3`). Quality is measured the same way
//! for both: F0 error (YIN, serlab's estimator) and the distance between the long-term average
//! spectra of the processed and the original clip. Prints tables.

mod common;

use common::process_cpu_seconds;
use serlab::audio::decode_mono;
use serlab::audio::f0::{paired_median_ratio, yin_track};
use serlab::augment::{pitch_shift, time_stretch};
use serlab_dsp::stft::PowerStft;
use std::path::{Path, PathBuf};
use std::process::Command;

const REPEATS: usize = 3;
const RATES: [f64; 2] = [0.8, 1.25];
const STEPS: [f64; 2] = [-4.0, 3.0];

fn speech_clips() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/egemaps/clips");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("../shared/reference/egemaps/clips is needed for this benchmark")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("edge_")
        })
        .collect();
    files.sort();
    files
}

fn voiced_median(track: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = track.iter().copied().filter(|&f| f > 0.0).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Long-term average spectrum in dB (1024-point frames).
fn ltas_db(samples: &[f32]) -> Vec<f64> {
    let mut stft = PowerStft::new(1024, 256, 1024);
    let mut sum = vec![0.0; 513];
    let mut n = 0.0;
    stft.for_each_frame(samples, |_, p| {
        for (s, v) in sum.iter_mut().zip(p) {
            *s += v;
        }
        n += 1.0;
    });
    sum.iter()
        .map(|s| 10.0 * (s / n).max(1e-20).log10())
        .collect()
}

/// RMS difference in dB over the bins within 50 dB of the original's peak.
fn spectral_distance(original: &[f32], processed: &[f32]) -> f64 {
    let (a, b) = (ltas_db(original), ltas_db(processed));
    let peak = a.iter().cloned().fold(f64::MIN, f64::max);
    let diffs: Vec<f64> = a
        .iter()
        .zip(&b)
        .filter(|(x, _)| **x > peak - 50.0)
        .map(|(x, y)| (x - y).powi(2))
        .collect();
    (diffs.iter().sum::<f64>() / diffs.len() as f64).sqrt()
}

/// Stretch: |median F0 ratio - 1|. Pitch: |paired-frame median F0 ratio / 2^(n/12) - 1|.
fn f0_error(original: &[f32], processed: &[f32], rate: u32, semitones: Option<f64>) -> Option<f64> {
    let before = yin_track(original, rate, 60.0, 600.0);
    let after = yin_track(processed, rate, 60.0, 600.0);
    match semitones {
        None => Some((voiced_median(&after)? / voiced_median(&before)? - 1.0).abs()),
        Some(n) => {
            let (ratio, frames) = paired_median_ratio(&before, &after)?;
            (frames >= 5).then(|| (ratio / 2f64.powf(n / 12.0) - 1.0).abs())
        }
    }
}

struct Quality {
    f0_errors: Vec<f64>,
    distances: Vec<f64>,
}

impl Quality {
    fn new() -> Self {
        Self {
            f0_errors: Vec::new(),
            distances: Vec::new(),
        }
    }
    fn add(&mut self, original: &[f32], processed: &[f32], rate: u32, semitones: Option<f64>) {
        if let Some(e) = f0_error(original, processed, rate, semitones) {
            self.f0_errors.push(e);
        }
        self.distances.push(spectral_distance(original, processed));
    }
    /// The spectral distance only means something for stretching: a pitch shift moves the
    /// spectrum on purpose (and empties the top band when shifting down).
    fn summary(&self, with_distance: bool) -> String {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let distance = if with_distance {
            format!("{:.2} dB", mean(&self.distances))
        } else {
            "-".into()
        };
        format!("{:.2} % | {distance}", 100.0 * mean(&self.f0_errors))
    }
}

fn main() {
    let files = speech_clips();
    let clips: Vec<(Vec<f32>, u32)> = files
        .iter()
        .map(|f| decode_mono(f).map(|a| (a.samples, a.sample_rate)).unwrap())
        .collect();
    let audio_s: f64 = clips
        .iter()
        .map(|(s, r)| s.len() as f64 / f64::from(*r))
        .sum();
    println!(
        "{} speech clips, {audio_s:.1} s of audio, one at a time, process CPU time, median of {REPEATS} passes\n",
        clips.len()
    );

    let out_dir = tempfile::tempdir().unwrap();
    let python = std::env::var("SERLAB_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/librosa_augment.py");
    // `{:?}` prints floats as Python's str() does (0.8, -4.0), so keys and file names match.
    let join = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let librosa: Option<serde_json::Value> = Command::new(python)
        .arg(script)
        .arg(out_dir.path())
        .arg(REPEATS.to_string())
        .arg(join(&RATES))
        .arg(join(&STEPS))
        .args(&files)
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("NUMBA_NUM_THREADS", "1")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice(&o.stdout).ok());

    println!("| operation | tool | audio-s per CPU-s | F0 error | spectral distance |");
    println!("|---|---|---|---|---|");
    let ops: Vec<(String, Option<f64>, Option<f64>)> = RATES
        .iter()
        .map(|&r| (format!("time_stretch rate {r}"), Some(r), None))
        .chain(
            STEPS
                .iter()
                .map(|&n| (format!("pitch_shift {n:+} st"), None, Some(n))),
        )
        .collect();
    for (label, rate, steps) in ops {
        let run = |(samples, sr): &(Vec<f32>, u32)| match (rate, steps) {
            (Some(r), _) => time_stretch(samples, r, *sr),
            (_, Some(n)) => pitch_shift(samples, n, *sr),
            _ => unreachable!(),
        };
        let mut times = Vec::new();
        let mut outputs = Vec::new();
        for _ in 0..REPEATS {
            let t0 = process_cpu_seconds();
            outputs = clips.iter().map(run).collect();
            times.push(process_cpu_seconds() - t0);
        }
        times.sort_by(f64::total_cmp);
        let mut ours = Quality::new();
        for ((original, sr), processed) in clips.iter().zip(&outputs) {
            ours.add(original, processed, *sr, steps);
        }
        println!(
            "| {label} | serlab (WSOLA) | {:.0} | {} |",
            audio_s / times[REPEATS / 2],
            ours.summary(rate.is_some())
        );
        if let Some(result) = &librosa {
            let (table, key, prefix) = match (rate, steps) {
                (Some(r), _) => ("stretch", format!("{r:?}"), format!("stretch_{r:?}_")),
                (_, Some(n)) => ("pitch", format!("{n:?}"), format!("pitch_{n:?}_")),
                _ => unreachable!(),
            };
            let cpu = result[table][&key].as_f64().unwrap_or(f64::NAN);
            let mut theirs = Quality::new();
            for (file, (original, sr)) in files.iter().zip(&clips) {
                let path = out_dir.path().join(format!(
                    "{prefix}{}",
                    file.file_name().unwrap().to_string_lossy()
                ));
                if let Ok(processed) = decode_mono(&path) {
                    theirs.add(original, &processed.samples, *sr, steps);
                }
            }
            println!(
                "| {label} | librosa 0.11 (phase vocoder) | {:.0} | {} |",
                audio_s / cpu,
                theirs.summary(rate.is_some())
            );
        }
    }
    if librosa.is_none() {
        println!("\nlibrosa not available here (set SERLAB_BENCH_PYTHON); seed-recipe.md measured 223-375 (stretch) and 231-351 (pitch) audio-s per CPU-s");
    }
}
