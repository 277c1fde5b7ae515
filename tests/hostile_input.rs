//! The checked-in corpus of hostile inputs (tests/nasty) and the hazards that cannot be checked in
//! (non-UTF-8 and very long file names, symlink loops, unreadable files, FIFOs, a one-hour WAV, a
//! corpus of 100 000 clips): each gets a clear error naming the file, or loads, and nothing else
//! is lost; memory stays bounded.

mod common;

use serlab::audio::{decode_mono, probe};
use serlab::config::{DatasetsConfig, LabelMap};
use serlab::corpus::{scan_corpus, CorpusKind};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn nasty(kind: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nasty")
        .join(kind)
        .join(name)
}

/// Every file of tests/nasty/wav and what serlab must answer: `Ok(samples)` or an error fragment.
const WAV_EXPECTATIONS: &[(&str, Result<usize, &str>)] = &[
    ("valid_16bit.wav", Ok(800)),
    ("empty.wav", Err("the file is empty (0 bytes)")),
    ("riff_only.wav", Err("too short for a RIFF header")),
    ("truncated_header.wav", Err("truncated")),
    ("not_riff.wav", Err("no RIFF header")),
    ("rifx_big_endian.wav", Err("big-endian RIFX")),
    ("rf64.wav", Err("RF64")),
    ("riff_avi.wav", Err("another type than WAVE")),
    ("fmt_too_small.wav", Err("at least 16 expected")),
    ("fmt_past_end.wav", Err("runs past the end")),
    ("data_before_fmt.wav", Err("comes before the `fmt ` chunk")),
    ("no_data_chunk.wav", Err("no `data` chunk")),
    ("no_fmt_chunk.wav", Err("no `fmt ` chunk")),
    (
        "data_past_end.wav",
        Err("declares 5000 bytes but only 100 follow"),
    ),
    ("data_2gb_in_1kb.wav", Err("declares 2147483648 bytes")),
    ("data_4gb_in_1kb.wav", Err("declares 4294967295 bytes")),
    ("junk_chunk_4gb.wav", Err("no `data` chunk")),
    ("data_empty.wav", Err("empty")),
    ("zero_channels.wav", Err("0 channels")),
    ("channels_65535.wav", Err("block align")),
    ("rate_0hz.wav", Err("sample rate 0 Hz")),
    ("rate_4ghz.wav", Err("sample rate 4000000000 Hz")),
    ("bits_1.wav", Err("1-bit integer samples are not supported")),
    (
        "bits_64_float.wav",
        Err("64-bit float samples are not supported"),
    ),
    (
        "bits_64_int.wav",
        Err("64-bit integer samples are not supported"),
    ),
    ("bits_0.wav", Err("0-bit integer samples")),
    ("block_align_wrong.wav", Err("block align 3")),
    ("mp3_in_wav.wav", Err("MP3")),
    ("unknown_codec.wav", Err("0x1234")),
    ("extensible_pcm16_stereo.wav", Ok(400)),
    ("extensible_float32.wav", Ok(400)),
    ("extensible_no_subformat.wav", Err("lacks its sub-format")),
    ("extensible_adpcm.wav", Err("MS ADPCM")),
    ("odd_chunk_before_data.wav", Ok(800)),
    ("partial_last_frame.wav", Ok(400)),
    ("float_nan_inf.wav", Ok(4)),
    ("int24.wav", Ok(100)),
    ("int8.wav", Ok(300)),
    ("riff_size_lies.wav", Ok(800)),
    ("one_hour_header.wav", Err("declares 691200000 bytes")),
];

#[test]
fn every_nasty_wav_gets_its_answer() {
    let dir = nasty("wav", "");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = WAV_EXPECTATIONS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    listed.sort();
    assert_eq!(on_disk, listed, "tests/nasty/wav and this table differ");
    let mut wrong = Vec::new();
    for (name, expected) in WAV_EXPECTATIONS {
        let path = dir.join(name);
        match (decode_mono(&path), expected) {
            (Ok(audio), Ok(samples)) => {
                if audio.samples.len() != *samples || audio.samples.iter().any(|s| !s.is_finite()) {
                    wrong.push(format!("{name}: {} samples", audio.samples.len()));
                }
            }
            (Err(e), Err(fragment)) => {
                let message = e.to_string();
                if !message.contains(fragment) || !message.contains(&path.display().to_string()) {
                    wrong.push(format!("{name}: {message}"));
                }
            }
            (Ok(_), Err(fragment)) => wrong.push(format!("{name}: decoded, expected `{fragment}`")),
            (Err(e), Ok(_)) => wrong.push(format!("{name}: {e}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // NaN and infinity in float files become silence rather than poisoning the features.
    let nan = decode_mono(&dir.join("float_nan_inf.wav")).unwrap();
    assert_eq!(nan.samples, vec![0.0, 0.0, 0.0, 0.5]);
}

#[test]
fn every_nasty_datasets_file_loads_or_names_its_line() {
    let expectations: &[(&str, Option<&str>)] = &[
        ("full.toml", None),
        ("bom.toml", None),
        ("label_not_a_class.toml", Some(":5: `labels.angry`")),
        ("unknown_kind.toml", Some("unknown corpus kind `ravdes`")),
        ("huge_number.toml", Some(":1")),
        ("duplicate_key.toml", Some(":2")),
        ("unknown_key.toml", Some("wat")),
        ("deep_nesting.toml", Some(":1")),
        ("non_utf8.toml", Some("UTF-8")),
        ("long_line.toml", None),
        ("nul_bytes.toml", Some(":1")),
        // Found by the fuzzer: the TOML parser's own message for it is empty.
        ("lone_cr.toml", Some(":1: unexpected character 0x0d")),
    ];
    let mut wrong = Vec::new();
    for (name, expected) in expectations {
        let path = nasty("toml", name);
        match (DatasetsConfig::from_file(&path), expected) {
            (Ok(_), None) => {}
            (Err(e), Some(fragment)) => {
                let message = e.to_string();
                if !message.contains(fragment) || !message.contains(&path.display().to_string()) {
                    wrong.push(format!("{name}: {message}"));
                }
            }
            (Ok(_), Some(fragment)) => wrong.push(format!("{name}: loaded, expected `{fragment}`")),
            (Err(e), None) => wrong.push(format!("{name}: {e}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Runs `f` on another thread and fails the test instead of hanging when it blocks (a FIFO).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("still running after {limit:?}: something blocked"))
}

#[test]
fn a_corpus_folder_full_of_hazards_scans_and_keeps_the_good_clips() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let root = tempfile::tempdir().unwrap();
    let actor = root.path().join("Actor_01");
    std::fs::create_dir_all(&actor).unwrap();
    let clip = common::short_clip(0.2);
    common::write(&actor.join("03-01-05-01-02-01-01.wav"), &clip);
    // A name that is not UTF-8 and one at the 255-byte limit of a file name.
    let non_utf8 = actor.join(std::ffi::OsStr::from_bytes(
        b"03-01-\xff\xfe-01-02-01-01.wav",
    ));
    common::write(&non_utf8, &clip);
    let long = actor.join(format!("{}.wav", "9".repeat(251)));
    common::write(&long, &clip);
    // A symlink loop, a dangling link, a folder and a FIFO named like clips.
    symlink(root.path(), actor.join("loop")).unwrap();
    symlink(
        root.path().join("gone.wav"),
        actor.join("03-01-04-01-02-01-01.wav"),
    )
    .unwrap();
    std::fs::create_dir_all(actor.join("03-01-03-01-02-01-01.wav")).unwrap();
    let fifo = std::ffi::CString::new(
        actor
            .join("03-01-02-01-02-01-01.wav")
            .as_os_str()
            .as_bytes(),
    )
    .unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    // An unreadable clip (root reads it anyway: then it is simply a good clip).
    let locked = actor.join("03-01-06-01-02-01-01.wav");
    common::write(&locked, &clip);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let locked_readable = std::fs::File::open(&locked).is_ok();

    let scan_root = root.path().to_path_buf();
    let (clips, problems) = within(Duration::from_secs(60), move || {
        scan_corpus(CorpusKind::Ravdess, &scan_root, &LabelMap::default())
    });
    let names: Vec<String> = clips.iter().map(|c| c.relative.clone()).collect();
    assert!(
        names.contains(&"Actor_01/03-01-05-01-02-01-01.wav".to_string()),
        "{names:?}"
    );
    assert_eq!(
        names.contains(&"Actor_01/03-01-06-01-02-01-01.wav".to_string()),
        locked_readable,
        "{names:?}"
    );
    let report: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.path.display(), p.error))
        .collect();
    let text = report.join("\n");
    for expected in [
        "link loop",
        "03-01-04-01-02-01-01.wav",
        "\u{fffd}",
        &"9".repeat(40),
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` not reported:\n{text}"
        );
    }
    if !locked_readable {
        assert!(text.contains("Permission denied"), "{text}");
    }
    // Reading the good clip still works, and decoding the unreadable one names it.
    assert!(decode_mono(&actor.join("03-01-05-01-02-01-01.wav")).is_ok());
    if !locked_readable {
        let err = decode_mono(&locked).unwrap_err().to_string();
        assert!(err.contains("03-01-06-01-02-01-01.wav"), "{err}");
    }
    if locked_readable {
        unreadable_for_an_unprivileged_user(root.path());
    }
}

/// Root reads a mode-000 file anyway; an unprivileged user (CI runs as root) cannot, so the whole
/// `serlab datasets` runs as `nobody` over the same folder.
fn unreadable_for_an_unprivileged_user(corpus: &Path) {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    const NOBODY: u32 = 65_534;
    let home = tempfile::tempdir().unwrap();
    let open = |p: &Path| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o777)).unwrap();
    };
    open(home.path());
    open(corpus);
    open(&corpus.join("Actor_01"));
    let datasets = common::datasets_file(home.path(), &[("ravdess", corpus)]);
    open(&datasets);
    // The build folder may sit where `nobody` cannot reach (CI keeps it under /root/.cache):
    // run a copy of the program from the shared temporary folder.
    let program = home.path().join("serlab");
    std::fs::copy(env!("CARGO_BIN_EXE_serlab"), &program).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = common::program_in(&program, home.path())
        .args(["datasets", "--json", "--datasets"])
        .arg(&datasets)
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", common::stderr_of(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let unreadable = summary["unreadable"].to_string();
    assert!(
        unreadable.contains("03-01-06-01-02-01-01.wav") && unreadable.contains("ermission denied"),
        "{unreadable}"
    );
    // The good clip still loads beside it.
    assert_eq!(summary["corpora"][0]["clips"], 1, "{summary}");
}

/// A WAV whose header says one hour of 48 kHz stereo, with the data present as a sparse file.
fn one_hour_wav(path: &Path) {
    let rate = 48_000u32;
    let data_len = rate * 2 * 2 * 3600;
    let mut header = Vec::new();
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&(36 + data_len).to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&16u32.to_le_bytes());
    header.extend_from_slice(&1u16.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&rate.to_le_bytes());
    header.extend_from_slice(&(rate * 4).to_le_bytes());
    header.extend_from_slice(&4u16.to_le_bytes());
    header.extend_from_slice(&16u16.to_le_bytes());
    header.extend_from_slice(b"data");
    header.extend_from_slice(&data_len.to_le_bytes());
    std::fs::write(path, &header).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_len(header.len() as u64 + u64::from(data_len))
        .unwrap();
}

/// Turns `measuring_parent` into the parent of the program it names (arguments split by 0x1f).
const MEASURE_ARGV: &str = "SERLAB_TEST_MEASURE_ARGV";

/// Runs `cmd` and reports its exit status, its stderr and its peak resident memory, from the
/// kernel's own accounting.
///
/// Linux records a child's peak with the memory of the process it was started from (its peak is
/// taken when it execs), so a child of this busy test process would report the test binary's
/// memory. A fresh copy of this test binary, which runs nothing but `measuring_parent`, starts it.
fn run_measured(cmd: std::process::Command) -> (std::process::ExitStatus, String, u64) {
    use std::os::unix::ffi::OsStringExt;
    use std::os::unix::process::ExitStatusExt;
    let mut parent = std::process::Command::new(std::env::current_exe().unwrap());
    parent.args([
        "--ignored",
        "--exact",
        "measuring_parent",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => parent.env(key, value),
            None => parent.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        parent.current_dir(dir);
    }
    let argv: Vec<Vec<u8>> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_owned().into_vec())
        .collect();
    parent.env(
        MEASURE_ARGV,
        std::ffi::OsString::from_vec(argv.join(&0x1f_u8)),
    );
    let output = parent.output().unwrap();
    let report = common::stdout_of(&output);
    let field = |name: &str| -> i64 {
        report
            .lines()
            // The harness prints the test's name on the same line.
            .find_map(|line| line.split_once("measured: ").map(|(_, rest)| rest))
            .and_then(|line| line.split(' ').find_map(|f| f.strip_prefix(name)))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no measurement in:\n{report}{}", common::stderr_of(&output)))
    };
    (
        std::process::ExitStatus::from_raw(field("status=") as i32),
        common::stderr_of(&output),
        field("peak=") as u64,
    )
}

#[test]
#[ignore = "the parent process of run_measured, started by it in a fresh copy of this binary"]
// The child is reaped by wait4 (which also reports its memory), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn measuring_parent() {
    use std::os::unix::ffi::{OsStrExt as _, OsStringExt};
    let Some(argv) = std::env::var_os(MEASURE_ARGV) else {
        return;
    };
    let argv: Vec<std::ffi::OsString> = argv
        .as_bytes()
        .split(|&b| b == 0x1f)
        .map(|a| std::ffi::OsString::from_vec(a.to_vec()))
        .collect();
    let child = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env_remove(MEASURE_ARGV)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    // ru_maxrss is in KiB on Linux.
    println!("measured: status={status} peak={}", usage.ru_maxrss * 1024);
}

#[test]
fn a_one_hour_wav_is_refused_clearly_without_loading_it() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("one-hour.wav");
    one_hour_wav(&path);
    // The header is fine: it is listed with its duration.
    assert_eq!(probe(&path).unwrap().duration_s(), 3600.0);
    let err = decode_mono(&path).unwrap_err().to_string();
    assert!(
        err.contains("one-hour.wav") && err.contains("3600 s long") && err.contains("600 s"),
        "{err}"
    );
    let mut cmd = common::serlab(home.path());
    cmd.args(["extract", "--plugin", "classic"]).arg(&path);
    let (status, stderr, peak) = run_measured(cmd);
    assert!(!status.success(), "extract succeeded on a one-hour clip");
    assert!(stderr.contains("3600 s long"), "{stderr}");
    println!(
        "one-hour WAV: refused, peak resident memory {} MiB",
        peak >> 20
    );
    // Decoding it would take 691 MB of samples; the refusal costs what a start-up costs.
    assert!(
        peak < 200 << 20,
        "serlab held {} MiB while refusing it",
        peak >> 20
    );
}

#[test]
fn a_corpus_of_100000_clips_scans_in_bounded_memory() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("TESS");
    let clip = common::short_clip(0.01);
    // Hard links: 100 000 names, four files' worth of disk (a file takes at most 65 000 links).
    let emotions = ["angry", "happy", "sad", "neutral"];
    for (e, emotion) in emotions.iter().enumerate() {
        let dir = root.join(format!("OAF_{emotion}"));
        let original = root.join(format!("source-{emotion}.bin"));
        common::write(&original, &clip);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..25_000 {
            std::fs::hard_link(
                &original,
                dir.join(format!("OAF_w{e}x{i:05}_{emotion}.wav")),
            )
            .unwrap();
        }
    }
    let datasets = common::datasets_file(home.path(), &[("tess", &root)]);
    let mut cmd = common::serlab(home.path());
    cmd.args(["datasets", "--json", "--datasets"])
        .arg(&datasets);
    let (status, stderr, peak) = run_measured(cmd);
    assert!(status.success(), "{stderr}");
    let per_clip = peak / 100_000;
    println!(
        "100 000 clips: peak resident memory {} MiB ({per_clip} bytes per clip)",
        peak >> 20
    );
    // The catalog keeps one small record per clip and never the audio: a few hundred bytes per
    // clip on top of the program itself.
    assert!(
        peak < 160 << 20,
        "scanning 100 000 clips held {} MiB",
        peak >> 20
    );
}
