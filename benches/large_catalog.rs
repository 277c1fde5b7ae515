//! A large catalog: 100 000 tiny WAVs named as the four corpora name their clips (RAVDESS with
//! 99 actors, TESS with 2 800 words' worth, SAVEE, and CREMA-D speakers beyond the real 91 for the
//! rest). Measures, on the release build:
//!   * `serlab datasets` (a process: wall time, peak memory);
//!   * the terminal UI's start in tmux, from launch to the first frame that shows the clip count,
//!     and that process's peak memory;
//!   * in process: the catalog scan, the app's construction and first frame, and the latency of
//!     each Browse key that rebuilds the list (search keystrokes, filters, sorts): key handled
//!     plus frame drawn, median of several presses.
//!
//! Needs the release build first: `cargo build --release --workspace`, then
//! `cargo bench --bench large_catalog` (SERLAB_BENCH_CLIPS changes the count; tmux optional).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{backend::TestBackend, Terminal};
use serlab::config::DatasetsConfig;
use serlab::corpus::open_catalog;
use serlab::features::PluginRegistry;
use serlab::tui::App;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 3;
const PRESSES: usize = 5;

/// A 16 kHz 16-bit mono WAV of 10 ms.
fn tiny_wav() -> Vec<u8> {
    let samples: Vec<u8> = (0..160i16).flat_map(|i| (i * 50).to_le_bytes()).collect();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    for v in [1u16, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&16_000u32.to_le_bytes());
    out.extend_from_slice(&32_000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    out.extend(samples);
    out
}

/// Corpus-relative names, corpus by corpus, `total` in all.
fn names(total: usize) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for actor in 1..=99 {
        for emotion in 1..=8 {
            for intensity in 1..=if emotion == 1 { 1 } else { 2 } {
                for statement in 1..=2 {
                    for repetition in 1..=2 {
                        out.push(("ravdess", format!(
                            "Actor_{actor:02}/03-01-{emotion:02}-{intensity:02}-{statement:02}-{repetition:02}-{actor:02}.wav"
                        )));
                    }
                }
            }
        }
    }
    for speaker in ["OAF", "YAF"] {
        for emotion in ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"] {
            for word in 0..200 {
                out.push((
                    "tess",
                    format!("{speaker}_{emotion}/{speaker}_w{word}_{emotion}.wav"),
                ));
            }
        }
    }
    for speaker in ["DC", "JE", "JK", "KL"] {
        for (code, count) in [
            ("a", 15),
            ("d", 15),
            ("f", 15),
            ("h", 15),
            ("n", 30),
            ("sa", 15),
            ("su", 15),
        ] {
            for n in 1..=count {
                out.push(("savee", format!("{speaker}/{code}{n:02}.wav")));
            }
        }
    }
    let sentences = [
        "IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI",
    ];
    let emotions = ["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"];
    'crema: for speaker in 1001.. {
        for sentence in sentences {
            for emotion in emotions {
                for level in ["XX", "LO", "MD", "HI"] {
                    if out.len() >= total {
                        break 'crema;
                    }
                    out.push((
                        "crema-d",
                        format!("AudioWAV/{speaker}_{sentence}_{emotion}_{level}.wav"),
                    ));
                }
            }
        }
    }
    out.truncate(total);
    out
}

fn generate(root: &Path, total: usize) -> PathBuf {
    let wav = tiny_wav();
    for (corpus, relative) in names(total) {
        let path = root.join(corpus).join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &wav).unwrap();
    }
    let mut toml = String::new();
    for corpus in ["ravdess", "crema-d", "tess", "savee"] {
        toml.push_str(&format!(
            "[[corpus]]\nkind = \"{corpus}\"\npath = \"{}\"\n\n",
            root.join(corpus).display()
        ));
    }
    let file = root.join("datasets.toml");
    std::fs::write(&file, toml).unwrap();
    file
}

fn release_serlab() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap(); // target/release/deps -> target/release
    let serlab = dir.join("serlab");
    assert!(
        serlab.is_file(),
        "{} is missing: cargo build --release --workspace",
        serlab.display()
    );
    serlab
}

fn isolated(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .current_dir(home);
}

/// Peak resident memory (KiB) of the largest child waited for so far.
fn children_peak_kib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}

fn own_peak_kib() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    peak_of(&status)
}

fn peak_of(status: &str) -> i64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn datasets_command(serlab: &Path, home: &Path, file: &Path, total: usize) -> (f64, i64) {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let mut cmd = Command::new(serlab);
        isolated(&mut cmd, home);
        let start = Instant::now();
        let output = cmd
            .arg("--datasets")
            .arg(file)
            .args(["datasets", "--json"])
            .output()
            .unwrap();
        times.push(start.elapsed().as_secs_f64());
        assert!(output.status.success());
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["total_clips"], total, "the catalog lost clips");
    }
    (median(times), children_peak_kib())
}

/// Launch to the first frame showing `1/{total}`, in a 160x50 tmux pane; and the process's peak
/// memory once it shows. None without tmux.
fn tui_start(serlab: &Path, home: &Path, file: &Path, total: usize) -> Option<(f64, i64)> {
    Command::new("tmux").arg("-V").output().ok()?;
    let shown = format!("1/{total}");
    let mut times = Vec::new();
    let mut peak = 0;
    for run in 0..RUNS {
        let session = format!("serlab-large-{}-{run}", std::process::id());
        let script = format!(
            "cd '{home}' && exec env HOME='{home}' XDG_CONFIG_HOME='{home}/.config' XDG_CACHE_HOME='{home}/.cache' XDG_DATA_HOME='{home}/.local/share' XDG_STATE_HOME='{home}/.local/state' '{serlab}' --datasets '{file}'",
            home = home.display(),
            serlab = serlab.display(),
            file = file.display()
        );
        let start = Instant::now();
        let status = Command::new("tmux")
            .args(["new-session", "-d", "-s", &session, "-x", "160", "-y", "50"])
            .args(["sh", "-c", &script])
            .status()
            .unwrap();
        assert!(status.success());
        let pid = String::from_utf8_lossy(
            &Command::new("tmux")
                .args(["display", "-p", "-t", &session, "#{pane_pid}"])
                .output()
                .unwrap()
                .stdout,
        )
        .trim()
        .to_string();
        loop {
            let screen = Command::new("tmux")
                .args(["capture-pane", "-p", "-t", &session])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&screen.stdout).contains(&shown) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the TUI never showed {shown}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        times.push(start.elapsed().as_secs_f64());
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        peak = peak.max(peak_of(&status));
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &session])
            .status();
    }
    Some((median(times), peak))
}

type Screen = Terminal<TestBackend>;

/// Seconds to handle `keys` and draw the frame after them.
fn press(app: &mut App, terminal: &mut Screen, keys: &[KeyEvent]) -> f64 {
    let start = Instant::now();
    for &k in keys {
        app.handle_key(k);
    }
    terminal.draw(|f| serlab::tui::draw(f, app)).unwrap();
    start.elapsed().as_secs_f64()
}

/// Prints the median time of `keys` (each time followed by `undo`, untimed).
fn row(app: &mut App, terminal: &mut Screen, label: &str, keys: &[KeyEvent], undo: &[KeyEvent]) {
    let times: Vec<f64> = (0..PRESSES)
        .map(|_| {
            let t = press(app, terminal, keys);
            press(app, terminal, undo);
            t
        })
        .collect();
    println!("| {label} | {:.1} | |", median(times) * 1e3);
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn main() {
    let total: usize = std::env::var("SERLAB_BENCH_CLIPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let start = Instant::now();
    let file = generate(&dir.path().join("corpora"), total);
    eprintln!(
        "generated {total} clips in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let serlab = release_serlab();

    println!(
        "| step ({total} clips, {} cores) | median ms | peak MiB |",
        rayon::current_num_threads()
    );
    println!("|---|---|---|");
    let (wall, peak) = datasets_command(&serlab, &home, &file, total);
    println!(
        "| `serlab datasets --json` (process) | {:.0} | {:.0} |",
        wall * 1e3,
        peak as f64 / 1024.0
    );
    match tui_start(&serlab, &home, &file, total) {
        Some((wall, peak)) => println!(
            "| TUI start in tmux, launch to first frame (process) | {:.0} | {:.0} |",
            wall * 1e3,
            peak as f64 / 1024.0
        ),
        None => println!("| TUI start in tmux | tmux not installed | |"),
    }

    // In process, step by step.
    // No relabel store and no user settings: the app is built from the catalog alone.
    let config = DatasetsConfig::load(Some(&file)).unwrap();
    let start = Instant::now();
    let catalog = open_catalog(&config).unwrap();
    let scan = start.elapsed().as_secs_f64();
    assert_eq!(catalog.clips.len(), total);
    let start = Instant::now();
    let mut app = App::with_parts(catalog, None, PluginRegistry::default());
    let built = start.elapsed().as_secs_f64();
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let start = Instant::now();
    terminal.draw(|f| serlab::tui::draw(f, &app)).unwrap();
    let first_frame = start.elapsed().as_secs_f64();
    println!("| catalog scan (in process) | {:.0} | |", scan * 1e3);
    println!(
        "| app built: list, counts (in process) | {:.1} | |",
        built * 1e3
    );
    println!(
        "| first frame drawn (in process) | {:.1} | |",
        first_frame * 1e3
    );

    let ch = |c: char| key(KeyCode::Char(c));
    press(&mut app, &mut terminal, &[ch('/')]);
    row(
        &mut app,
        &mut terminal,
        "search: a keystroke (`1`, all clips match)",
        &[ch('1')],
        &[key(KeyCode::Backspace)],
    );
    press(&mut app, &mut terminal, &[ch('1'), ch('2'), ch('0')]);
    row(
        &mut app,
        &mut terminal,
        "search: a keystroke narrowing to one speaker (`120` -> `1200`)",
        &[ch('0')],
        &[key(KeyCode::Backspace)],
    );
    press(&mut app, &mut terminal, &[key(KeyCode::Enter), ch('x')]);
    row(
        &mut app,
        &mut terminal,
        "filter: corpus (`c`)",
        &[ch('c')],
        &[ch('x')],
    );
    row(
        &mut app,
        &mut terminal,
        "filter: class (`l`)",
        &[ch('l')],
        &[ch('x')],
    );
    row(
        &mut app,
        &mut terminal,
        "filter: speaker (`s`)",
        &[ch('s')],
        &[ch('x')],
    );
    row(
        &mut app,
        &mut terminal,
        "filter: gender (`f`)",
        &[ch('f')],
        &[ch('x')],
    );
    // `o` cycles through the orders; each press is timed by the order it turns on.
    let orders = ["speaker", "class", "duration", "file"];
    let mut by_order = vec![Vec::new(); orders.len()];
    for _ in 0..PRESSES {
        for times in by_order.iter_mut() {
            times.push(press(&mut app, &mut terminal, &[ch('o')]));
        }
    }
    for (order, times) in orders.iter().zip(by_order) {
        println!("| sort by {order} (`o`) | {:.1} | |", median(times) * 1e3);
    }
    row(
        &mut app,
        &mut terminal,
        "move: a page down",
        &[key(KeyCode::PageDown)],
        &[],
    );
    row(
        &mut app,
        &mut terminal,
        "move: to the end and back",
        &[key(KeyCode::End)],
        &[key(KeyCode::Home)],
    );
    println!(
        "| this bench process, all of the above (in process) | | {:.0} |",
        own_peak_kib() as f64 / 1024.0
    );
}
