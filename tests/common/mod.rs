//! Helpers shared by the end-to-end tests: locating `../shared`, writing WAV files byte by byte,
//! and running the `serlab` binary in an isolated home.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared` beside the checkout (or `SERLAB_SHARED`). In CI it must exist: a missing folder
/// fails the test loudly. Elsewhere the test is skipped with a message.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("SERLAB_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.is_dir() {
        return Some(dir);
    }
    if in_ci() {
        panic!(
            "{test}: CI=true but the shared folder {} is missing",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED {test}: {} not found (set SERLAB_SHARED to run it)",
        dir.display()
    );
    None
}

/// Under CI (`CI=true` or `CI=1`) a test may not skip for want of something CI provides.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A sine tone as f32 samples.
pub fn tone(freq: f64, rate: u32, seconds: f64, amplitude: f64) -> Vec<f64> {
    let n = (f64::from(rate) * seconds).round() as usize;
    (0..n)
        .map(|i| amplitude * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
        .collect()
}

/// Encodes samples in [-1, 1] as little-endian PCM of the given width (8-bit is unsigned).
pub fn encode_int(samples: &[f64], bits: u16) -> Vec<u8> {
    let mut out = Vec::new();
    for &s in samples {
        let max = ((1i64 << (bits - 1)) - 1) as f64;
        let v = (s.clamp(-1.0, 1.0) * max).round() as i64;
        match bits {
            8 => out.push((v + 128) as u8),
            16 => out.extend_from_slice(&(v as i16).to_le_bytes()),
            24 => out.extend_from_slice(&(v as i32).to_le_bytes()[..3]),
            32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
            _ => panic!("unsupported width {bits}"),
        }
    }
    out
}

pub fn encode_f32(samples: &[f64]) -> Vec<u8> {
    samples
        .iter()
        .flat_map(|&s| (s as f32).to_le_bytes())
        .collect()
}

/// Interleaves per-channel sample vectors.
pub fn interleave(channels: &[Vec<f64>]) -> Vec<f64> {
    let n = channels[0].len();
    (0..n)
        .flat_map(|i| channels.iter().map(move |c| c[i]))
        .collect()
}

pub struct WavLayout<'a> {
    pub format_tag: u16,
    pub channels: u16,
    pub rate: u32,
    pub bits: u16,
    /// Use WAVE_FORMAT_EXTENSIBLE with `format_tag` as the sub-format.
    pub extensible: bool,
    pub chunks_before_data: &'a [(&'a [u8; 4], Vec<u8>)],
    pub chunks_after_data: &'a [(&'a [u8; 4], Vec<u8>)],
}

impl Default for WavLayout<'_> {
    fn default() -> Self {
        Self {
            format_tag: 1,
            channels: 1,
            rate: 16_000,
            bits: 16,
            extensible: false,
            chunks_before_data: &[],
            chunks_after_data: &[],
        }
    }
}

fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A complete WAV file with the given data bytes and extra chunks.
pub fn wav_bytes(layout: &WavLayout, data: &[u8]) -> Vec<u8> {
    let block_align = layout.channels * layout.bits / 8;
    let mut fmt = Vec::new();
    let tag = if layout.extensible {
        0xFFFE
    } else {
        layout.format_tag
    };
    fmt.extend_from_slice(&tag.to_le_bytes());
    fmt.extend_from_slice(&layout.channels.to_le_bytes());
    fmt.extend_from_slice(&layout.rate.to_le_bytes());
    fmt.extend_from_slice(&(layout.rate * u32::from(block_align)).to_le_bytes());
    fmt.extend_from_slice(&block_align.to_le_bytes());
    fmt.extend_from_slice(&layout.bits.to_le_bytes());
    if layout.extensible {
        fmt.extend_from_slice(&22u16.to_le_bytes());
        fmt.extend_from_slice(&layout.bits.to_le_bytes()); // valid bits
        let mask: u32 = if layout.channels == 2 { 0x3 } else { 0x4 };
        fmt.extend_from_slice(&mask.to_le_bytes());
        fmt.extend_from_slice(&layout.format_tag.to_le_bytes());
        fmt.extend_from_slice(&[
            0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
    }
    let mut body = b"WAVE".to_vec();
    body.extend(chunk(b"fmt ", &fmt));
    for (id, bytes) in layout.chunks_before_data {
        body.extend(chunk(id, bytes));
    }
    body.extend(chunk(b"data", data));
    for (id, bytes) in layout.chunks_after_data {
        body.extend(chunk(id, bytes));
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// A short 16-bit mono clip (a quiet tone).
pub fn short_clip(seconds: f64) -> Vec<u8> {
    wav_bytes(
        &WavLayout::default(),
        &encode_int(&tone(220.0, 16_000, seconds, 0.2), 16),
    )
}

pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// The serlab binary with HOME and serlab's folders inside `home`, so nothing of the user's
/// (or another test's) leaks in.
pub fn serlab(home: &Path) -> Command {
    program_in(Path::new(env!("CARGO_BIN_EXE_serlab")), home)
}

/// `program` (serlab, or a copy of it) with `home` as its home, configuration and working folder.
pub fn program_in(program: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env_remove("SERLAB_CONFIG_DIR")
        .env_remove("SERLAB_CACHE_DIR")
        .env_remove("SERLAB_DATA_DIR")
        .current_dir(home);
    cmd
}

pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Trains a small model on the demo corpus into `home/model` (one network, global statistics,
/// 3 epochs): enough to listen with; returns the demo clips of RAVDESS actor 1.
pub fn small_demo_model(home: &Path) -> PathBuf {
    let output = serlab(home)
        .args([
            "train",
            "--norm",
            "global",
            "--ensemble",
            "1",
            "--epochs",
            "3",
            "--out",
            "model",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    home.join(".cache/serlab/demo-v2/RAVDESS/Actor_01")
}

/// Writes a datasets.toml listing the given corpora and returns its path.
pub fn datasets_file(dir: &Path, corpora: &[(&str, &Path)]) -> PathBuf {
    let mut text = String::new();
    for (kind, path) in corpora {
        text.push_str(&format!(
            "[[corpus]]\nkind = \"{kind}\"\npath = \"{}\"\n\n",
            path.display()
        ));
    }
    let file = dir.join("test-datasets.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// Runs `serlab datasets --json --datasets FILE` and parses the output.
pub fn datasets_json(home: &Path, datasets: &Path) -> serde_json::Value {
    datasets_json_args(
        home,
        &[std::ffi::OsStr::new("--datasets"), datasets.as_os_str()],
    )
}

/// Runs `serlab datasets --json` with the usual lookup (working dir, user config, demo).
pub fn datasets_json_default(home: &Path) -> serde_json::Value {
    datasets_json_args(home, &[])
}

fn datasets_json_args(home: &Path, extra: &[&std::ffi::OsStr]) -> serde_json::Value {
    let output = serlab(home)
        .args(["datasets", "--json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "serlab datasets failed: {}",
        stderr_of(&output)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", stdout_of(&output)))
}

/// An ALSA configuration whose default PCM is a `file` plugin over `null`: whatever a child
/// process with `ALSA_CONFIG_PATH` pointing here plays lands in `capture` as a WAV. A `plug` in
/// front converts to 16-bit PCM, because the file plugin labels float samples as integer PCM in
/// the WAV header it writes.
pub fn alsa_capture_config(dir: &Path, capture: &Path) -> std::path::PathBuf {
    let config = dir.join("asound.conf");
    std::fs::write(
        &config,
        format!(
            "pcm.!default {{\n  type plug\n  slave {{\n    pcm \"capture_file\"\n    format S16_LE\n  }}\n}}\n\
             pcm.capture_file {{\n  type file\n  slave.pcm \"capture_sink\"\n  file \"{}\"\n  format \"wav\"\n}}\n\
             pcm.capture_sink {{\n  type null\n}}\n",
            capture.display()
        ),
    )
    .unwrap();
    config
}

/// The folder holding the serlab binary and, after `cargo build --workspace`, the plugins.
pub fn build_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_serlab"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn built_in(name: &str) -> PathBuf {
    let path = build_dir().join(format!("libserlab_plugin_{name}.so"));
    assert!(
        path.is_file(),
        "{} is missing: build the plugins first (`cargo build --workspace`, as scripts/test.sh does)",
        path.display()
    );
    path
}

pub fn test_plugin(name: &str) -> PathBuf {
    let path = build_dir()
        .join("examples")
        .join(format!("libserlab_testplugin_{name}.so"));
    assert!(
        path.is_file(),
        "{} is missing (built by `cargo test --workspace`)",
        path.display()
    );
    path
}

/// Compiles tests/c_plugins/test_plugin.c in the given variant into `dir`.
pub fn c_plugin(dir: &Path, variant: &str) -> PathBuf {
    let out = dir.join(format!("libc_{}.so", variant.to_lowercase()));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&out)
        .arg(format!("-DVARIANT={variant}"))
        .arg("-I")
        .arg(root.join("crates/serlab-plugin-api/include"))
        .arg(root.join("tests/c_plugins/test_plugin.c"))
        .status()
        .expect("a C compiler (cc) is needed to build the C test plugins");
    assert!(status.success(), "compiling the {variant} C plugin failed");
    out
}

/// A RAVDESS-named corpus of tiny WAVs in `home/corpus` (every emotion, intensity, statement and
/// repetition of `actors` actors: 64 clips each) and a `home/datasets.toml` naming it, where
/// serlab run in `home` finds it. Returns the clips' corpus-relative paths.
pub fn tiny_ravdess(home: &Path, actors: usize) -> Vec<String> {
    let clip = wav_bytes(
        &WavLayout::default(),
        &encode_int(&tone(200.0, 16_000, 0.05, 0.2), 16),
    );
    let mut paths = Vec::new();
    for actor in 1..=actors {
        for emotion in 1..=8 {
            for intensity in 1..=2 {
                for statement in 1..=2 {
                    for repetition in 1..=2 {
                        let relative = format!(
                            "Actor_{actor:02}/03-01-{emotion:02}-{intensity:02}-{statement:02}-{repetition:02}-{actor:02}.wav"
                        );
                        write(&home.join("corpus").join(&relative), &clip);
                        paths.push(relative);
                    }
                }
            }
        }
    }
    std::fs::write(
        home.join("datasets.toml"),
        "[[corpus]]\nkind = \"ravdess\"\npath = \"corpus\"\n",
    )
    .unwrap();
    paths
}

/// An ALSA configuration whose default capture reads `raw` (16-bit little-endian samples, no
/// header) as a microphone would deliver them: a `file` PCM's `infile` under a `plug`. Capture is
/// not paced in real time (the file arrives as fast as it is read) and reads silence after its end.
pub fn alsa_feed_config(dir: &Path, raw: &Path) -> PathBuf {
    let config = dir.join("asound-feed.conf");
    std::fs::write(
        &config,
        format!(
            "pcm.!default {{\n  type plug\n  slave.pcm \"feed\"\n}}\n\
             pcm.feed {{\n  type file\n  slave.pcm \"sink\"\n  file \"/dev/null\"\n  infile \"{}\"\n  format \"raw\"\n}}\n\
             pcm.sink {{\n  type null\n}}\n",
            raw.display()
        ),
    )
    .unwrap();
    config
}
