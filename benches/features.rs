//! Feature extraction speed, one clip at a time, in audio-seconds per CPU-second of the whole
//! process (the plugin's call runs on a worker thread, counted too): serlab's `classic` and
//! `logmel` next to librosa 0.11 on the same clips (run in the same session when a Python with
//! librosa is available: SERLAB_BENCH_PYTHON, default `python3`). Then re-extracting a cached
//! catalog, which should be I/O-bound. Prints a table.

mod common;

use common::process_cpu_seconds;
use serlab::audio::decode_mono;
use serlab::features::batch::{Extraction, Progress};
use serlab::features::cache::FeatureCache;
use serlab::features::Plugin;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

const REPEATS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn clips() -> (Vec<PathBuf>, &'static str) {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/egemaps/clips");
    if let Ok(entries) = std::fs::read_dir(&shared) {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        return (files, "the 33 eGeMAPS reference clips (16 kHz)");
    }
    let dir = std::env::temp_dir().join("serlab-bench-demo");
    serlab::corpus::demo::write_demo(&dir).expect("demo corpus");
    let files = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .take(60)
        .collect();
    (files, "60 synthetic demo clips")
}

fn plugin(name: &str) -> Arc<Plugin> {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap(); // target/release/deps -> target/release
    let path = dir.join(format!("libserlab_plugin_{name}.so"));
    Arc::new(
        Plugin::load(&path)
            .unwrap_or_else(|e| panic!("{e} (run `cargo build --release --workspace` first)")),
    )
}

fn librosa(files: &[PathBuf]) -> Option<serde_json::Value> {
    let python = std::env::var("SERLAB_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/librosa_classic.py");
    let output = Command::new(python)
        .arg(script)
        .arg(REPEATS.to_string())
        .args(files)
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("MKL_NUM_THREADS", "1")
        .env("NUMBA_NUM_THREADS", "1")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

fn main() {
    let (files, what) = clips();
    let audio: Vec<(Vec<f32>, u32)> = files
        .iter()
        .map(|f| {
            let a = decode_mono(f).unwrap();
            (a.samples, a.sample_rate)
        })
        .collect();
    let audio_s: f64 = audio
        .iter()
        .map(|(s, r)| s.len() as f64 / f64::from(*r))
        .sum();
    println!("clips: {what}, {audio_s:.1} s of audio; {REPEATS} repeats, median; one clip at a time, process CPU time\n");
    println!("| extractor | audio-s per CPU-s | CPU s per pass |");
    println!("|---|---|---|");
    let mut serlab_classic = 0.0;
    for name in ["classic", "logmel"] {
        let plugin = plugin(name);
        let params = plugin.default_params();
        let times: Vec<f64> = (0..REPEATS)
            .map(|_| {
                let t0 = process_cpu_seconds();
                for (samples, rate) in &audio {
                    plugin.extract(samples, *rate, &params).unwrap();
                }
                process_cpu_seconds() - t0
            })
            .collect();
        let t = median(times);
        if name == "classic" {
            serlab_classic = audio_s / t;
        }
        println!("| serlab `{name}` | {:.0} | {t:.3} |", audio_s / t);
    }
    match librosa(&files) {
        Some(result) => {
            let a = result["audio_s"].as_f64().unwrap_or(audio_s);
            let classic = result["classic162"].as_f64().unwrap_or(f64::NAN);
            let mfcc = result["mfcc"].as_f64().unwrap_or(f64::NAN);
            println!(
                "| librosa 0.11 classic 162 (notebook code) | {:.0} | {classic:.3} |",
                a / classic
            );
            println!("| librosa 0.11 MFCC only | {:.0} | {mfcc:.3} |", a / mfcc);
            println!(
                "\nserlab classic / librosa classic: {:.1}x",
                serlab_classic / (a / classic)
            );
        }
        None => println!(
            "| librosa 0.11 (not installed here; seed-recipe.md: MFCC alone ~1 340) | - | - |"
        ),
    }

    // Re-extracting a cached catalog: content hash + cache read per clip.
    let cache_dir = tempfile::tempdir().unwrap();
    let extraction = Extraction {
        plugin: plugin("classic"),
        params: Vec::new(),
        sample_rate: 16_000,
        cache: Some(FeatureCache::new(cache_dir.path().to_path_buf())),
        on_plugin_error: Default::default(),
    };
    let demo = tempfile::tempdir().unwrap();
    serlab::corpus::demo::write_demo(demo.path()).unwrap();
    let catalog_files: Vec<PathBuf> = walkdir::WalkDir::new(demo.path())
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    let t0 = Instant::now();
    extraction.many(&catalog_files, &Progress::default());
    let cold = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let progress = Progress::default();
    extraction.many(&catalog_files, &progress);
    let warm = t0.elapsed().as_secs_f64();
    println!(
        "\n| catalog ({} demo clips, {} threads) | clips/s | s |",
        catalog_files.len(),
        rayon::current_num_threads()
    );
    println!("|---|---|---|");
    println!(
        "| first extraction (decode + classic + store) | {:.0} | {cold:.2} |",
        catalog_files.len() as f64 / cold
    );
    println!(
        "| again, from the cache ({} hits) | {:.0} | {warm:.3} |",
        progress
            .from_cache
            .load(std::sync::atomic::Ordering::Relaxed),
        catalog_files.len() as f64 / warm
    );
}
