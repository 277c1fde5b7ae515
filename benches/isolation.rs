//! The cost of running plugins out of process. The same plugin (default `egemaps_ext`) extracts
//! the same decoded clips (`../shared/data/ravdess-dev`, else the demo corpus) on all cores, loaded
//! in process and isolated in worker processes, alternating over several rounds; wall time, since
//! the isolated work runs in other processes. Then `serlab plugins` with a cold and a warm probe
//! cache. Prints two tables.
//!
//! Needs the release build first: `cargo build --release --workspace`, then
//! `cargo bench --bench isolation` (SERLAB_BENCH_PLUGIN picks another plugin).

use rayon::prelude::*;
use serlab::features::{Isolation, IsolationSettings, Plugin};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const ROUNDS: usize = 5;

fn release_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf() // target/release/deps -> target/release
}

fn wav_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    files.sort();
    files
}

fn clips() -> (Vec<PathBuf>, String) {
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ravdess-dev");
    let files = wav_files(&dev);
    if !files.is_empty() {
        return (files, "ravdess-dev".into());
    }
    let dir = std::env::temp_dir().join("serlab-bench-demo");
    serlab::corpus::demo::write_demo(&dir).expect("demo corpus");
    (wav_files(&dir), "the synthetic demo corpus".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds to extract every clip, all cores busy, as `serlab extract` does.
fn pass(plugin: &Plugin, clips: &[Vec<f32>]) -> f64 {
    let params = plugin.default_params();
    let started = Instant::now();
    let done: usize = clips
        .par_iter()
        .map(|samples| usize::from(plugin.extract(samples, 16_000, &params).is_ok()))
        .sum();
    assert_eq!(done, clips.len(), "every clip extracts");
    started.elapsed().as_secs_f64()
}

fn main() {
    let name = std::env::var("SERLAB_BENCH_PLUGIN").unwrap_or_else(|_| "egemaps_ext".into());
    let dir = release_dir();
    let library = dir.join(format!("libserlab_plugin_{name}.so"));
    let host = dir.join("serlab");
    assert!(
        library.is_file() && host.is_file(),
        "{} or {} is missing: run `cargo build --release --workspace` first",
        library.display(),
        host.display()
    );
    serlab::features::isolation::set_host_program(host.clone());
    let (files, source) = clips();
    let decoded: Vec<Vec<f32>> = files
        .par_iter()
        .map(|f| serlab::audio::load_mono(f, 16_000).unwrap().samples)
        .collect();
    let audio_s: f64 = decoded.iter().map(|c| c.len() as f64 / 16_000.0).sum();
    let settings = |mode| IsolationSettings {
        mode,
        cache: None,
        ..Default::default()
    };
    let in_process = Plugin::open(&library, &settings(Isolation::InProcess)).unwrap();
    let isolated = Plugin::open(&library, &settings(Isolation::Process)).unwrap();
    // Warm both (the workers start on the first calls; page cache, allocator).
    pass(&in_process, &decoded[..decoded.len().min(20)]);
    pass(&isolated, &decoded[..decoded.len().min(20)]);
    let (mut here, mut away) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        here.push(pass(&in_process, &decoded));
        away.push(pass(&isolated, &decoded));
    }
    let n = decoded.len() as f64;
    let (here, away) = (median(here), median(away));
    println!(
        "`{name}` on {} clips of {source} ({audio_s:.0} s of audio), {} threads, median of {ROUNDS} alternating rounds, wall time\n",
        decoded.len(),
        rayon::current_num_threads()
    );
    println!("| mode | seconds | clips/s |");
    println!("|---|---|---|");
    println!("| in process | {here:.2} | {:.0} |", n / here);
    println!(
        "| isolated (worker processes) | {away:.2} | {:.0} |",
        n / away
    );
    println!("\nisolation cost: {:+.1} %\n", (away / here - 1.0) * 100.0);

    // `serlab plugins`: every file probed in a process (cold), then answered from the cache.
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let home = tempfile::tempdir().unwrap();
        let run = || {
            let started = Instant::now();
            let status = Command::new(&host)
                .arg("plugins")
                .env("HOME", home.path())
                .env("XDG_CACHE_HOME", home.path().join(".cache"))
                .env("XDG_CONFIG_HOME", home.path().join(".config"))
                .env("XDG_DATA_HOME", home.path().join(".local/share"))
                .current_dir(home.path())
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            started.elapsed().as_secs_f64() * 1e3
        };
        cold.push(run());
        warm.push(run());
    }
    let found = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("libserlab_plugin_") && name.ends_with(".so")
        })
        .count();
    println!("`serlab plugins` ({found} plugin files), median of {ROUNDS}, wall time\n");
    println!("| probe cache | ms |");
    println!("|---|---|");
    println!("| cold (a probe process per file) | {:.0} |", median(cold));
    println!(
        "| warm (file identity and hash only) | {:.0} |",
        median(warm)
    );
}
