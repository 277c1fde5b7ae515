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
        if Command::new("tmux").arg("-V").output().is_err() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("tmux is required in CI (scripts/system-deps.sh installs it)");
            }
            eprintln!("SKIPPED: tmux not installed");
            return None;
        }
        let serlab = env!("CARGO_BIN_EXE_serlab");
        let script = format!(
            "cd '{home}' && {env} HOME='{home}' XDG_CONFIG_HOME='{home}/.config' XDG_CACHE_HOME='{home}/.cache' XDG_DATA_HOME='{home}/.local/share' XDG_STATE_HOME='{home}/.local/state' '{serlab}'; echo SERLAB-EXITED-$?; sleep 30",
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
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
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

#[test]
fn browse_relabel_restart_train_and_quit_in_tmux() {
    let home = tempfile::tempdir().unwrap();
    let name = format!("serlab-e2e-{}", std::process::id());
    let Some(session) = Session::start(home.path(), &name) else {
        return;
    };
    session.wait_for("the Browse view", Duration::from_secs(60), |s| {
        s.contains("Browse") && s.contains("Actor_01/03-01-01-01-01-01-01.wav")
    });
    // The first clip is neutral; 3 relabels it sad.
    session.keys(&["3"]);
    session.wait_for("the relabel mark", Duration::from_secs(5), |s| {
        s.contains("sad*")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(10), |s| {
        s.contains("SERLAB-EXITED-0")
    });
    drop(session);

    let Some(session) = Session::start(home.path(), &format!("{name}-2")) else {
        return;
    };
    session.wait_for(
        "the relabel kept after a restart",
        Duration::from_secs(30),
        |s| s.contains("sad*"),
    );
    session.keys(&["F5"]);
    session.wait_for("the Train view", Duration::from_secs(5), |s| {
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
    session.keys(&["q"]);
    session.wait_for("the quit confirmation", Duration::from_secs(5), |s| {
        s.contains("Quit and stop it?")
    });
    session.keys(&["y"]);
    let screen = session.wait_for("a clean exit", Duration::from_secs(20), |s| {
        s.contains("SERLAB-EXITED-0")
    });
    // The terminal was restored: the shell's output is on the normal screen, no UI left over.
    assert!(
        !screen.contains("F1 Browse"),
        "the alternate screen was not left:\n{screen}"
    );
}
