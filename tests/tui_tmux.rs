//! The terminal UI end to end in tmux: start serlab with an empty HOME (the demo corpus), browse,
//! relabel, quit, start again and see the relabel kept, start a short training run and see the
//! curves and the confusion matrix fill in, quit (confirming), and find the shell back.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Session {
    name: String,
}

impl Session {
    fn start(home: &Path, name: &str) -> Option<Self> {
        Self::start_with(home, name, "")
    }

    fn start_with(home: &Path, name: &str, env: &str) -> Option<Self> {
        Self::start_with_args(home, name, env, "")
    }

    /// `args` follow the program on its command line (shell words, quoted by the caller).
    fn start_with_args(home: &Path, name: &str, env: &str, args: &str) -> Option<Self> {
        if Command::new("tmux").arg("-V").output().is_err() {
            if common::in_ci() {
                panic!("tmux is required in CI (scripts/system-deps.sh installs it)");
            }
            eprintln!("SKIPPED: tmux not installed");
            return None;
        }
        let serlab = env!("CARGO_BIN_EXE_serlab");
        let script = format!(
            "cd '{home}' && {env} HOME='{home}' XDG_CONFIG_HOME='{home}/.config' XDG_CACHE_HOME='{home}/.cache' XDG_DATA_HOME='{home}/.local/share' XDG_STATE_HOME='{home}/.local/state' '{serlab}' {args}; echo SERLAB-EXITED-$?; sleep 30",
            home = home.display()
        );
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "150",
                "-y",
                "40",
                "bash",
                "-c",
                &script,
            ])
            .status()
            .unwrap();
        assert!(status.success());
        Some(Self {
            name: name.to_string(),
        })
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            Command::new("tmux")
                .args(["send-keys", "-t", &self.name, key])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn screen(&self) -> String {
        self.capture(&[])
    }

    /// The pane's text; `-e` among `extra` keeps the colour escapes.
    fn capture(&self, extra: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

/// The non-silent length of what ALSA captured, in seconds, and its RMS.
fn captured_sound(capture: &Path) -> (f64, f64) {
    let audio = serlab::audio::decode_mono(capture)
        .unwrap_or_else(|e| panic!("the captured audio is unreadable: {e}"));
    let first = audio.samples.iter().position(|s| s.abs() > 0.005);
    let last = audio.samples.iter().rposition(|s| s.abs() > 0.005);
    let (Some(first), Some(last)) = (first, last) else {
        panic!("the captured audio is silent");
    };
    let active = &audio.samples[first..=last];
    let rms =
        (active.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / active.len() as f64).sqrt();
    (active.len() as f64 / f64::from(audio.sample_rate), rms)
}

/// The clip's own non-silent length, to compare with what was played.
fn clip_sound(path: &Path) -> f64 {
    let audio = serlab::audio::decode_mono(path).unwrap();
    let first = audio.samples.iter().position(|s| s.abs() > 0.005).unwrap();
    let last = audio.samples.iter().rposition(|s| s.abs() > 0.005).unwrap();
    (last + 1 - first) as f64 / f64::from(audio.sample_rate)
}

#[test]
fn browse_play_relabel_restart_inspect_augment_train_and_quit_in_tmux() {
    let home = tempfile::tempdir().unwrap();
    let name = format!("serlab-e2e-{}", std::process::id());
    let capture = home.path().join("captured.wav");
    let alsa = common::alsa_capture_config(home.path(), &capture);
    let env = format!("ALSA_CONFIG_PATH='{}'", alsa.display());
    let Some(session) = Session::start_with(home.path(), &name, &env) else {
        return;
    };
    session.wait_for("the Browse view", Duration::from_secs(60), |s| {
        s.contains("Browse") && s.contains("Actor_01/03-01-01-01-01-01-01.wav")
    });
    // Space plays the selected clip in the background.
    session.keys(&["Space"]);
    session.wait_for("playback to finish", Duration::from_secs(30), |s| {
        s.contains("playback finished")
    });
    // The first clip is neutral; 3 relabels it sad.
    session.keys(&["3"]);
    session.wait_for("the relabel mark", Duration::from_secs(30), |s| {
        s.contains("sad*")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("SERLAB-EXITED-0")
    });
    drop(session);
    // ALSA closed the capture when serlab exited: it holds the clip, as long as the clip.
    let clip = home
        .path()
        .join(".cache/serlab/demo-v2/RAVDESS/Actor_01/03-01-01-01-01-01-01.wav");
    let (played, rms) = captured_sound(&capture);
    let expected = clip_sound(&clip);
    assert!(
        (played - expected).abs() < 0.1 * expected && rms > 0.005,
        "played {played:.2} s (rms {rms:.4}) of a clip with {expected:.2} s of sound"
    );

    let Some(session) = Session::start(home.path(), &format!("{name}-2")) else {
        return;
    };
    session.wait_for(
        "the relabel kept after a restart",
        Duration::from_secs(30),
        |s| s.contains("sad*"),
    );
    // Clip: the waveform, the spectrogram and the active plugin's values arrive from the worker.
    session.keys(&["F2"]);
    session.wait_for("the Clip view's pictures", Duration::from_secs(60), |s| {
        s.contains("Waveform · peak")
            && s.contains("Mel spectrogram")
            && s.contains("Loudness_sma3_mean")
    });
    // Augment: Enter switches noise off, saved at once where `serlab train` reads it.
    session.keys(&["F3", "Enter"]);
    session.wait_for("the saved setting", Duration::from_secs(30), |s| {
        s.contains("noise enabled = off (saved")
    });
    let policy = home.path().join(".config/serlab/augment.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(text.contains("[noise]\nenabled = false"), "{text}");

    session.keys(&["F5"]);
    session.wait_for("the Train view", Duration::from_secs(30), |s| {
        s.contains("Train") && s.contains("s starts")
    });
    session.keys(&["s"]);
    let screen = session.wait_for(
        "curves and a confusion matrix",
        Duration::from_secs(240),
        |s| {
            s.contains("validation confusion")
                && s.contains("recall")
                && s.lines()
                    .any(|l| l.contains("neutral") && l.chars().any(|c| c.is_ascii_digit()))
                && s.contains('⠉')
        },
    );
    assert!(screen.contains("loss"), "{screen}");
    // The run ends with the held-out test scores and the saved model.
    let screen = session.wait_for("the saved model", Duration::from_secs(400), |s| {
        s.contains("model saved to")
    });
    // After the run, the matrix is the run's out-of-fold one (its cells open in Browse).
    assert!(
        screen.contains("out-of-fold confusion") && screen.contains("out-of-fold: UA"),
        "{screen}"
    );
    let models = home.path().join(".local/share/serlab/models");
    let saved: Vec<_> = std::fs::read_dir(&models)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("model.mpk").is_file() && p.join("metrics.json").is_file())
        .collect();
    assert_eq!(
        saved.len(),
        1,
        "one model directory in {}",
        models.display()
    );
    // A second run, then quit while it trains: serlab asks first.
    session.keys(&["s"]);
    session.wait_for("training again", Duration::from_secs(30), |s| {
        s.contains("x stops")
    });
    session.keys(&["q"]);
    session.wait_for("the quit confirmation", Duration::from_secs(30), |s| {
        s.contains("Quit and stop it?")
    });
    session.keys(&["y"]);
    let screen = session.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("SERLAB-EXITED-0")
    });
    // The terminal was restored: the shell's output is on the normal screen, no UI left over.
    assert!(
        !screen.contains("F1 Browse"),
        "the alternate screen was not left:\n{screen}"
    );
}

/// The lab over real recordings: ../shared/data/ravdess-dev (12 actors, 720 clips), without
/// colour (NO_COLOR), filtering by speaker, inspecting and playing a real clip.
#[test]
fn the_lab_on_ravdess_dev_in_tmux() {
    let Some(shared) = common::shared_dir("the_lab_on_ravdess_dev_in_tmux") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let corpus = shared.join("data/ravdess-dev");
    // serlab runs in `home`, where ./datasets.toml is the first place it looks.
    let written = common::datasets_file(home.path(), &[("ravdess", &corpus)]);
    std::fs::rename(&written, home.path().join("datasets.toml")).unwrap();
    let capture = home.path().join("captured.wav");
    let alsa = common::alsa_capture_config(home.path(), &capture);
    let env = format!("NO_COLOR=1 ALSA_CONFIG_PATH='{}'", alsa.display());
    let name = format!("serlab-ravdess-{}", std::process::id());
    let Some(session) = Session::start_with(home.path(), &name, &env) else {
        return;
    };
    let screen = session.wait_for("the real catalog", Duration::from_secs(120), |s| {
        s.contains("1/720 clips")
    });
    assert!(!screen.contains("SYNTHETIC"), "{screen}");
    session.keys(&["s"]);
    session.wait_for("one actor", Duration::from_secs(30), |s| {
        s.contains("1/60 clips") && s.contains("speaker ravdess 01")
    });
    session.keys(&["F2"]);
    let screen = session.wait_for("the Clip view's pictures", Duration::from_secs(60), |s| {
        s.contains("Waveform · peak") && s.contains("Loudness_sma3_mean")
    });
    let relative = screen
        .lines()
        .find_map(|l| l.split("Clip · 1/60 · ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no clip title: {screen}"))
        .to_string();
    // NO_COLOR: reverse video and bold only, no colour escapes.
    let coloured = session.capture(&["-e"]);
    for escape in ["38;2;", "48;2;", "38;5;", "48;5;"] {
        assert!(
            !coloured.contains(escape),
            "colour {escape} with NO_COLOR set"
        );
    }
    session.keys(&["Space"]);
    session.wait_for("playback to finish", Duration::from_secs(30), |s| {
        s.contains("playback finished")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("SERLAB-EXITED-0")
    });
    drop(session);
    let (played, rms) = captured_sound(&capture);
    let expected = clip_sound(&corpus.join(&relative));
    assert!(
        (played - expected).abs() < 0.1 * expected && rms > 0.005,
        "played {played:.2} s (rms {rms:.4}) of {relative} with {expected:.2} s of sound"
    );
}

/// Broken plugins in the user plugin folder (a truncated copy of a real one, one that aborts and
/// one that hangs while loading, one that allocates without end and one that segfaults in every
/// extraction): the lab starts, lists them with what happened, survives using the crashing one,
/// and goes on with a built-in.
#[test]
fn the_lab_survives_broken_plugins_in_tmux() {
    let home = tempfile::tempdir().unwrap();
    let plugins = home.path().join(".local/share/serlab/plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let whole = std::fs::read(common::built_in("classic")).unwrap();
    std::fs::write(plugins.join("libzz_cut.so"), &whole[..20_000]).unwrap();
    common::c_plugin(&plugins, "ABORT_LOAD");
    common::c_plugin(&plugins, "HANG_LOAD");
    common::c_plugin(&plugins, "ALLOC_FOREVER");
    common::c_plugin(&plugins, "SEGV_EXTRACT");
    // A short probe limit for the plugin that hangs while loading (a file naming no corpus: the
    // demo corpus stands in).
    std::fs::write(
        home.path().join("datasets.toml"),
        "[plugins]\nprobe_timeout_s = 1\nmemory_limit_mb = 256\n",
    )
    .unwrap();
    let name = format!("serlab-broken-plugins-{}", std::process::id());
    let Some(session) = Session::start(home.path(), &name) else {
        return;
    };
    session.wait_for("the Browse view", Duration::from_secs(60), |s| {
        s.contains("Browse") && s.contains("Actor_01/03-01-01-01-01-01-01.wav")
    });
    session.keys(&["F4"]);
    let screen = session.wait_for("the Plugins view", Duration::from_secs(30), |s| {
        s.contains("Plugins · active")
    });
    for expected in [
        "SIGBUS while loading",
        "crashed while loading: SIGABRT",
        "c-segv",
    ] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
    // Make the crashing plugin active: its row is the one named c-segv.
    let rows: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("path / reason"))
        .skip(1)
        .collect();
    let position = rows
        .iter()
        .position(|l| l.contains("c-segv"))
        .unwrap_or_else(|| panic!("no c-segv row:\n{screen}"));
    for _ in 0..position {
        session.keys(&["Down"]);
    }
    session.keys(&["Enter"]);
    session.wait_for("c-segv active", Duration::from_secs(30), |s| {
        s.contains("active extractor: c-segv")
    });
    session.keys(&["F2"]);
    session.wait_for("the crash, reported", Duration::from_secs(60), |s| {
        s.contains("crashed: SIGSEGV")
    });
    // The lab is alive: back to a built-in plugin, whose values arrive.
    session.keys(&["F4"]);
    for _ in 0..position {
        session.keys(&["Up"]);
    }
    session.keys(&["Enter", "F2"]);
    session.wait_for("classic's values", Duration::from_secs(60), |s| {
        s.contains("Features · classic") || s.contains("zcr")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("SERLAB-EXITED-0")
    });
}

/// Global options reach the terminal UI: `serlab --plugin-path DIR` lists DIR's plugins there.
#[test]
fn the_plugin_path_option_reaches_the_tui_in_tmux() {
    let home = tempfile::tempdir().unwrap();
    let extra = home.path().join("my-plugins");
    std::fs::create_dir_all(&extra).unwrap();
    common::c_plugin(&extra, "GOOD");
    let name = format!("serlab-plugin-path-{}", std::process::id());
    let args = format!("--plugin-path '{}'", extra.display());
    let Some(session) = Session::start_with_args(home.path(), &name, "", &args) else {
        return;
    };
    session.wait_for("the Browse view", Duration::from_secs(60), |s| {
        s.contains("Browse")
    });
    session.keys(&["F4"]);
    let screen = session.wait_for("the Plugins view", Duration::from_secs(30), |s| {
        s.contains("Plugins · active")
    });
    assert!(
        screen.contains("c-energy") && screen.contains("my-plugins"),
        "{screen}"
    );
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("SERLAB-EXITED-0")
    });
}

/// The lab loop end to end: train from the Train view, open an off-diagonal cell of the
/// out-of-fold confusion matrix, Browse shows its clips, play one, relabel it (its prediction
/// goes stale), and the Runs view lists the run.
#[test]
fn the_lab_loop_in_tmux() {
    let home = tempfile::tempdir().unwrap();
    let capture = home.path().join("captured.wav");
    let alsa = common::alsa_capture_config(home.path(), &capture);
    let env = format!("ALSA_CONFIG_PATH='{}'", alsa.display());
    let name = format!("serlab-loop-{}", std::process::id());
    let Some(session) = Session::start_with(home.path(), &name, &env) else {
        return;
    };
    session.wait_for("the Browse view", Duration::from_secs(60), |s| {
        s.contains("Browse") && s.contains("Actor_01/")
    });
    session.keys(&["F5", "s"]);
    session.wait_for("the saved model", Duration::from_secs(400), |s| {
        s.contains("model saved to")
    });
    let screen = session.wait_for("the out-of-fold matrix", Duration::from_secs(30), |s| {
        s.contains("out-of-fold confusion")
    });
    // The matrix rows: class name, then a count per predicted class.
    let classes = ["neutral", "happy", "sad", "angry"];
    let matrix: Vec<Vec<usize>> = screen
        .lines()
        .skip_while(|l| !l.contains("true\\pred"))
        .skip(1)
        .take(4)
        .map(|l| {
            let cell = l.rsplit('│').nth(1).unwrap_or_default();
            cell.split_whitespace()
                .skip(1)
                .take(4)
                .filter_map(|v| v.trim_matches(['[', ']']).parse().ok())
                .collect()
        })
        .collect();
    let (t, p) = (0..4)
        .flat_map(|t| (0..4).map(move |p| (t, p)))
        .find(|&(t, p)| t != p && matrix.get(t).and_then(|r| r.get(p)).is_some_and(|&n| n > 0))
        .unwrap_or_else(|| panic!("no error to open in {matrix:?}:\n{screen}"));
    session.keys(&["m"]);
    for _ in 0..t {
        session.keys(&["Down"]);
    }
    for _ in 0..p {
        session.keys(&["Right"]);
    }
    session.keys(&["Enter"]);
    let filter = format!("labelled {} predicted {}", classes[t], classes[p]);
    let screen = session.wait_for("Browse on the cell", Duration::from_secs(30), |s| {
        s.contains(&filter)
    });
    assert!(screen.contains(&format!("{}≠", classes[p])), "{screen}");
    session.keys(&["Space"]);
    session.wait_for("playback to finish", Duration::from_secs(30), |s| {
        s.contains("playback finished")
    });
    // Relabel the clip as the model predicts: saved, and its prediction marked stale.
    session.keys(&[&(p + 1).to_string()]);
    session.wait_for(
        "the relabel, and the stale mark",
        Duration::from_secs(30),
        |s| s.contains("(saved)") && s.contains(&format!("{}~", classes[p])),
    );
    session.keys(&["F6"]);
    session.wait_for("the run in the Runs view", Duration::from_secs(30), |s| {
        s.contains("1 recorded") && s.contains("finished")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("SERLAB-EXITED-0")
    });
    drop(session);
    let (played, _) = captured_sound(&capture);
    assert!(played > 0.2, "played {played:.2} s");
}

/// The Live view in tmux, its input fed by ALSA from a file of two demo clips: start listening,
/// see both utterances with their classes, stop, save them into a folder, and find that folder a
/// corpus serlab reads.
#[test]
fn the_live_view_listens_and_saves_utterances_in_tmux() {
    let home = tempfile::tempdir().unwrap();
    // A model to listen with (its run, recorded, is the latest the TUI finds).
    let demo = common::small_demo_model(home.path());
    let mut samples = vec![0i16; 24_000];
    for clip in ["03-01-05-01-01-01-01.wav", "03-01-04-01-01-01-01.wav"] {
        let audio = serlab::audio::load_mono(&demo.join(clip), 16_000).unwrap();
        samples.extend(audio.samples.iter().map(|s| (s * 32_767.0) as i16));
        samples.extend(std::iter::repeat_n(0, 24_000));
    }
    let raw = home.path().join("stream.raw");
    std::fs::write(
        &raw,
        samples
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let alsa = common::alsa_feed_config(home.path(), &raw);
    let env = format!("ALSA_CONFIG_PATH='{}'", alsa.display());
    let name = format!("serlab-live-{}", std::process::id());
    let Some(session) = Session::start_with(home.path(), &name, &env) else {
        return;
    };
    session.wait_for("the Browse view", Duration::from_secs(60), |s| {
        s.contains("Browse")
    });
    session.keys(&["F7"]);
    session.wait_for("the Live view", Duration::from_secs(30), |s| {
        s.contains("not listening") && s.contains("model:")
    });
    session.keys(&["l"]);
    let screen = session.wait_for("two utterances", Duration::from_secs(60), |s| {
        s.contains("utterances heard · 2")
    });
    assert!(
        screen.contains("input") && screen.contains("dBFS"),
        "{screen}"
    );
    session.keys(&["l"]);
    session.wait_for("listening stopped", Duration::from_secs(30), |s| {
        s.contains("not listening")
    });
    session.keys(&["w", "Enter"]);
    session.wait_for("the utterances saved", Duration::from_secs(30), |s| {
        s.contains("utterances saved in")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("SERLAB-EXITED-0")
    });
    let folder = home.path().join("serlab-voice");
    let datasets = common::datasets_file(home.path(), &[("crema-d", &folder)]);
    let json = common::datasets_json(home.path(), &datasets);
    assert_eq!(json["total_clips"], 2, "{json}");
    assert_eq!(json["synthetic"], false);
}

/// No input device: listening says so in the status bar, in one line, and the lab goes on.
#[test]
fn without_an_input_device_the_live_view_says_so_in_tmux() {
    let home = tempfile::tempdir().unwrap();
    let output = common::serlab(home.path())
        .args([
            "train",
            "--ensemble",
            "1",
            "--epochs",
            "1",
            "--out",
            "model",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", common::stderr_of(&output));
    let empty = home.path().join("asound-empty.conf");
    std::fs::write(&empty, "# no PCM\n").unwrap();
    let env = format!("ALSA_CONFIG_PATH='{}'", empty.display());
    let name = format!("serlab-nodevice-{}", std::process::id());
    let Some(session) = Session::start_with(home.path(), &name, &env) else {
        return;
    };
    session.wait_for("the Browse view", Duration::from_secs(60), |s| {
        s.contains("Browse")
    });
    session.keys(&["F7", "l"]);
    let screen = session.wait_for("the message", Duration::from_secs(30), |s| {
        s.contains("no audio input device") && s.contains("the rest of the lab works")
    });
    assert!(!screen.contains("ALSA lib"), "{screen}");
    session.keys(&["F1", "Down"]);
    session.wait_for("Browse still working", Duration::from_secs(30), |s| {
        s.contains("2/308")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("SERLAB-EXITED-0")
    });
}
