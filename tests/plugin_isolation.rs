//! Plugins out of process, with real files: a truncated copy of a real plugin, C plugins that
//! abort or hang while loading, segfault, exit, hang or allocate without end while extracting, and
//! a FIFO named like a library. serlab lists each with what happened, names the plugin and the
//! clip when one breaks, stops or skips as asked, and is never itself killed.

mod common;

use common::*;
use serlab::features::{IsolationSettings, Plugin, PluginError};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A datasets.toml in `home` (where serlab looks first) with these `[plugins]` lines.
fn plugin_settings(home: &Path, lines: &str) {
    std::fs::write(home.join("datasets.toml"), format!("[plugins]\n{lines}\n")).unwrap();
}

fn plugins_json(home: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let output = serlab(home)
        .args(["plugins", "--json"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn row<'a>(rows: &'a [serde_json::Value], file: &Path) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["path"] == file.display().to_string())
        .unwrap_or_else(|| panic!("{} not listed: {rows:#?}", file.display()))
}

fn reason(rows: &[serde_json::Value], file: &Path) -> String {
    let row = row(rows, file);
    assert_eq!(row["status"], "refused", "{row}");
    row["error"].as_str().unwrap_or_default().to_string()
}

/// Copies the first `bytes` of a real plugin: an interrupted copy or download.
fn truncated_copy(dir: &Path) -> PathBuf {
    let whole = std::fs::read(built_in("classic")).unwrap();
    let cut = dir.join("libserlab_plugin_cut.so");
    std::fs::write(&cut, &whole[..20_000]).unwrap();
    cut
}

fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn broken_plugin_files_are_listed_with_what_happened_and_serlab_goes_on() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("plugins");
    std::fs::create_dir_all(&dir).unwrap();
    let cut = truncated_copy(&dir);
    let aborts = c_plugin(&dir, "ABORT_LOAD");
    let hangs = c_plugin(&dir, "HANG_LOAD");
    let segv = c_plugin(&dir, "SEGV_EXTRACT");
    let pipe = dir.join("libpipe.so");
    fifo(&pipe);
    plugin_settings(
        home.path(),
        &format!("paths = [\"{}\"]\nprobe_timeout_s = 1", dir.display()),
    );

    let rows = plugins_json(home.path(), &[]);
    let cut_reason = reason(&rows, &cut);
    assert!(
        cut_reason.contains("SIGBUS while loading (the file may be truncated)"),
        "{cut_reason}"
    );
    assert!(
        reason(&rows, &aborts).contains("crashed while loading: SIGABRT"),
        "{rows:#?}"
    );
    assert!(
        reason(&rows, &hangs).contains("timed out after 1 s while loading"),
        "{rows:#?}"
    );
    assert!(
        reason(&rows, &pipe).contains("not a regular file"),
        "{rows:#?}"
    );
    // A plugin that only breaks when it extracts loads like any other; the built-ins too.
    assert_eq!(row(&rows, &segv)["status"], "loaded");
    assert_eq!(row(&rows, &segv)["name"], "c-segv");
    let classic = rows.iter().find(|r| r["name"] == "classic").unwrap();
    assert_eq!(classic["status"], "loaded");

    // The answers are remembered by file identity: an edited answer in the cache is what the
    // next start reports, until the file changes or --reprobe asks again.
    let cache = home.path().join(".cache/serlab/plugin-probes.json");
    let text = std::fs::read_to_string(&cache).expect("probe results are remembered");
    assert!(text.contains("crashed while loading: SIGABRT"), "{text}");
    std::fs::write(
        &cache,
        text.replace("crashed while loading: SIGABRT", "REMEMBERED"),
    )
    .unwrap();
    let rows = plugins_json(home.path(), &[]);
    assert!(reason(&rows, &aborts).contains("REMEMBERED"), "{rows:#?}");
    assert!(
        reason(&rows, &hangs).contains("timed out"),
        "a time-out is remembered too"
    );
    let rows = plugins_json(home.path(), &["--reprobe"]);
    assert!(reason(&rows, &aborts).contains("SIGABRT"), "{rows:#?}");
    std::fs::write(
        &cache,
        std::fs::read_to_string(&cache)
            .unwrap()
            .replace("crashed while loading: SIGABRT", "REMEMBERED"),
    )
    .unwrap();
    let again = std::fs::read(&aborts).unwrap();
    std::fs::remove_file(&aborts).unwrap();
    std::fs::write(&aborts, again).unwrap();
    let rows = plugins_json(home.path(), &[]);
    assert!(
        reason(&rows, &aborts).contains("SIGABRT"),
        "a rewritten file is probed again: {rows:#?}"
    );

    // With all of them present, extraction with a built-in plugin works.
    let clip = home.path().join("tone.wav");
    write(&clip, &short_clip(0.5));
    let output = serlab(home.path())
        .args(["extract", "--plugin", "classic"])
        .arg(&clip)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output).lines().count(), 2);
}

/// Clips named a.wav, b.wav, ...: the first `loud` of them start at 0.95 (which the
/// `SEGV_ON_LOUD` plugin crashes on), the rest are quiet tones.
fn clips(dir: &Path, count: usize, loud: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let path = dir.join(format!("{}.wav", (b'a' + i as u8) as char));
            let mut samples = tone(220.0, 16_000, 0.4, 0.2);
            if i < loud {
                samples[0] = 0.95;
            }
            write(
                &path,
                &wav_bytes(&WavLayout::default(), &encode_int(&samples, 16)),
            );
            path
        })
        .collect()
}

fn extract(home: &Path, plugin: &Path, args: &[&str], files: &[PathBuf]) -> Output {
    serlab(home)
        .arg("--plugin-path")
        .arg(plugin)
        .arg("extract")
        .args(args)
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn a_plugin_that_breaks_stops_the_run_naming_plugin_and_clip() {
    let home = tempfile::tempdir().unwrap();
    let files = clips(home.path(), 2, 0);
    let out = home.path().join("features.csv");
    let out_arg = out.display().to_string();
    for (variant, name, settings, expected) in [
        (
            "SEGV_EXTRACT",
            "c-segv",
            "",
            "crashed: SIGSEGV (segmentation fault)",
        ),
        (
            "EXIT_EXTRACT",
            "c-exit",
            "",
            "crashed: exited with status 7",
        ),
        (
            "ALLOC_FOREVER",
            "c-alloc",
            "memory_limit_mb = 256",
            "after reaching its memory limit (256 MiB",
        ),
        (
            "SLOW",
            "c-energy",
            "timeout_s = 0.5",
            "gave no answer within 0.5 s",
        ),
    ] {
        plugin_settings(home.path(), settings);
        let plugin = c_plugin(home.path(), variant);
        let output = extract(
            home.path(),
            &plugin,
            &["--plugin", name, "--no-cache", "--out", &out_arg],
            &files,
        );
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(3), "{variant}: {stderr}");
        assert!(stderr.contains(expected), "{variant}: {stderr}");
        assert!(
            stderr.contains(&format!("plugin `{name}`")),
            "{variant}: {stderr}"
        );
        assert!(
            files
                .iter()
                .any(|f| stderr.contains(&f.display().to_string())),
            "{variant}: the clip is not named: {stderr}"
        );
        assert!(stderr.contains("nothing written"), "{stderr}");
        assert!(!out.exists(), "{variant}: features were written");
    }
}

#[test]
fn skip_leaves_out_the_clips_a_plugin_breaks_on_and_restarts_its_worker() {
    let home = tempfile::tempdir().unwrap();
    let plugin = c_plugin(home.path(), "SEGV_ON_LOUD");
    // One loud clip first, then five quiet ones, one at a time: the five after the crash need a
    // new worker.
    let files = clips(home.path(), 6, 1);
    let output = serlab(home.path())
        .env("RAYON_NUM_THREADS", "1")
        .arg("--plugin-path")
        .arg(&plugin)
        .args([
            "extract",
            "--plugin",
            "c-segv-loud",
            "--no-cache",
            "--format",
            "json",
            "--on-plugin-error",
            "skip",
        ])
        .args(&files)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    // Files named on the command line that give no features make the exit status 1.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("1 of 6 clips skipped because plugin `c-segv-loud` broke on them"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}: plugin `c-segv-loud` crashed: SIGSEGV",
            files[0].display()
        )),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let extracted: Vec<&str> = json["clips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = files[1..].iter().map(|f| f.display().to_string()).collect();
    assert_eq!(extracted, expected);
}

#[test]
fn training_stops_at_a_crashing_plugin_and_writes_no_model() {
    let home = tempfile::tempdir().unwrap();
    let plugin = c_plugin(home.path(), "SEGV_EXTRACT");
    let model = home.path().join("model");
    let output = serlab(home.path())
        .arg("--plugin-path")
        .arg(&plugin)
        .args(["train", "--plugin", "c-segv", "--epochs", "1", "--out"])
        .arg(&model)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("plugin `c-segv` crashed: SIGSEGV") && stderr.contains(".wav"),
        "{stderr}"
    );
    assert!(!model.exists(), "a model was written");
}

fn settings() -> IsolationSettings {
    IsolationSettings {
        cache: None,
        ..Default::default()
    }
}

fn samples(seconds: f64) -> Vec<f32> {
    tone(330.0, 16_000, seconds, 0.3)
        .into_iter()
        .map(|s| s as f32)
        .collect()
}

#[test]
fn isolated_plugins_give_exactly_what_in_process_plugins_give() {
    for name in ["classic", "logmel"] {
        let isolated = Plugin::open(&built_in(name), &settings()).unwrap();
        let here = Plugin::load(&built_in(name)).unwrap();
        assert!(isolated.is_isolated() && !here.is_isolated());
        assert_eq!(isolated.info(), here.info());
        let params = here.default_params();
        let a = isolated.extract(&samples(1.2), 16_000, &params).unwrap();
        let b = here.extract(&samples(1.2), 16_000, &params).unwrap();
        assert_eq!(a.frames, b.frames);
        assert_eq!(a.names, b.names);
        assert_eq!(
            a.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{name}: values differ"
        );
        assert_eq!(
            isolated.layout(&params, 16_000, 8_000).unwrap(),
            here.layout(&params, 16_000, 8_000).unwrap()
        );
    }
    // `in-process` loads the library here, after its probe.
    let in_process = IsolationSettings {
        mode: serlab::features::Isolation::InProcess,
        ..settings()
    };
    assert!(!Plugin::open(&built_in("classic"), &in_process)
        .unwrap()
        .is_isolated());
}

#[test]
fn a_worker_is_reused_and_replaced_after_a_crash_or_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let loud = Plugin::open(&c_plugin(dir.path(), "SEGV_ON_LOUD"), &settings()).unwrap();
    let quiet = samples(0.2);
    let mut crashing = quiet.clone();
    crashing[0] = 0.95;
    loud.extract(&quiet, 16_000, &[]).unwrap();
    let first = loud.idle_workers();
    assert_eq!(first.len(), 1);
    loud.extract(&quiet, 16_000, &[]).unwrap();
    assert_eq!(loud.idle_workers(), first, "the worker is reused");
    let err = loud.extract(&crashing, 16_000, &[]).unwrap_err();
    assert!(
        matches!(err, PluginError::Crashed { .. }) && err.is_fault(),
        "{err}"
    );
    assert!(loud.idle_workers().is_empty(), "the crashed worker is gone");
    let features = loud.extract(&quiet, 16_000, &[]).unwrap();
    assert_eq!(features.data.len(), 2);
    assert_ne!(
        loud.idle_workers(),
        first,
        "a new worker serves the next clip"
    );

    // A call past the time limit kills its worker: the next call is answered by a new one
    // (an in-process plugin can only be refused from then on).
    let slow = Plugin::open(&c_plugin(dir.path(), "SLOW"), &settings()).unwrap();
    slow.set_call_timeout(std::time::Duration::from_millis(300));
    for _ in 0..2 {
        let err = slow.extract(&quiet, 16_000, &[]).unwrap_err();
        assert!(
            matches!(err, PluginError::TimedOut { earlier: false, .. }),
            "{err}"
        );
    }
}
