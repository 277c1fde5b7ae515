//! Crash safety of the files a user cares about: relabels survive SIGKILL at any instant and
//! concurrent serlab processes, proven by killing real `serlab labels set` processes.

mod common;

use serlab::corpus::CorpusKind;
use serlab::relabel::{ClipKey, RelabelStore};
use serlab::util::rng::SplitMix64;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn labels_set(home: &Path, clip: &str, label: &str) -> Command {
    let mut cmd = common::serlab(home);
    cmd.args(["labels", "set", "ravdess", clip, label])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn relabel_file(home: &Path) -> std::path::PathBuf {
    home.join(".local/share/serlab/relabels.toml")
}

fn snapshot(path: &Path) -> BTreeMap<String, String> {
    RelabelStore::open(path)
        .unwrap_or_else(|e| panic!("the relabel file is corrupt: {e}"))
        .relabels()
        .map(|r| (r.path.clone(), r.label.clone()))
        .collect()
}

/// A relabel file large enough (5 000 entries) that reading and writing it takes a good part of
/// the process's life, so random kill points land inside the save.
fn seed_file(path: &Path, entries: usize) {
    let mut text = String::new();
    for i in 0..entries {
        text.push_str(&format!(
            "[[relabel]]\ncorpus = \"ravdess\"\npath = \"Actor_02/seed{i:05}.wav\"\nlabel = \"happy\"\nchanged_at = \"2026-01-01T00:00:00Z\"\n\n"
        ));
    }
    common::write(path, text.as_bytes());
}

#[test]
fn sigkill_at_random_points_leaves_the_old_or_the_new_relabels() {
    let home = tempfile::tempdir().unwrap();
    // `labels set` takes clips of the configured corpora only.
    let clips = common::tiny_ravdess(home.path(), 3);
    let path = relabel_file(home.path());
    seed_file(&path, 5_000);
    // How long one save takes, to spread the kill points over the whole process life.
    let started = Instant::now();
    assert!(labels_set(home.path(), &clips[0], "sad")
        .status()
        .unwrap()
        .success());
    let life = started.elapsed();
    let mut rng = SplitMix64::new(8);
    let (mut kept_old, mut got_new) = (0, 0);
    let mut temps_left = std::collections::HashSet::new();
    let kills = 120;
    for i in 0..kills {
        let before = snapshot(&path);
        let clip = clips[1 + i].clone();
        let mut child = labels_set(home.path(), &clip, "angry").spawn().unwrap();
        let delay = life.mul_f64(1.2 * rng.uniform());
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.trim().is_empty(), "kill {i}: the file is empty");
        let after = snapshot(&path);
        if after == before {
            kept_old += 1;
        } else {
            let mut expected = before.clone();
            expected.insert(clip.clone(), "angry".into());
            assert_eq!(
                after, expected,
                "kill {i} after {delay:?}: neither the old nor the new state"
            );
            got_new += 1;
        }
        let dir = path.parent().unwrap();
        temps_left.extend(
            std::fs::read_dir(dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp-")),
        );
    }
    println!(
        "{kills} SIGKILLs spread over a {life:?} `labels set`: {kept_old} left the old state, {got_new} the new, {} interrupted writes left a temp file (removed by the next writer)",
        temps_left.len()
    );
    assert!(
        kept_old > 0 && got_new > 0,
        "the kill points did not span the save ({kept_old} old, {got_new} new)"
    );
    // A later change still works and cleans up after the killed writers.
    assert!(labels_set(home.path(), &clips[1 + kills], "sad")
        .status()
        .unwrap()
        .success());
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "stale temp files: {leftovers:?}");
    assert_eq!(snapshot(&path).len(), 5_000 + 1 + got_new + 1);
}

#[test]
fn concurrent_serlab_processes_lose_no_relabel() {
    let home = tempfile::tempdir().unwrap();
    let clips = common::tiny_ravdess(home.path(), 5);
    let path = relabel_file(home.path());
    seed_file(&path, 500);
    // Two "instances", each relabeling its own clips one after the other, at the same time.
    let instance = |name: &'static str, home: std::path::PathBuf| {
        std::thread::spawn(move || {
            for i in 0..15 {
                let clip = format!(
                    "{name}/03-01-{:02}-01-{:02}-01-{}.wav",
                    1 + i / 2,
                    1 + i % 2,
                    &name[6..]
                );
                let status = labels_set(&home, &clip, "sad").status().unwrap();
                assert!(status.success(), "{clip}");
            }
        })
    };
    let a = instance("Actor_03", home.path().to_path_buf());
    let b = instance("Actor_04", home.path().to_path_buf());
    a.join().unwrap();
    b.join().unwrap();
    let store = RelabelStore::open(&path).unwrap();
    for actor in ["Actor_03", "Actor_04"] {
        for i in 0..15 {
            let key = ClipKey {
                corpus: CorpusKind::Ravdess,
                path: format!(
                    "{actor}/03-01-{:02}-01-{:02}-01-{}.wav",
                    1 + i / 2,
                    1 + i % 2,
                    &actor[6..]
                ),
            };
            assert_eq!(store.label(&key), Some("sad"), "lost {}", key.path);
        }
    }
    assert_eq!(store.relabels().count(), 530);
    assert_eq!(
        store.audit().len(),
        30,
        "every change is in the audit trail"
    );
    // The lock never outlives a process: a fresh change goes through at once.
    let started = Instant::now();
    assert!(labels_set(home.path(), &clips[clips.len() - 1], "sad")
        .status()
        .unwrap()
        .success());
    assert!(started.elapsed() < Duration::from_secs(30));
}

fn read_state(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{}: a checkpoint state that does not parse: {e}",
            path.display()
        )
    }))
}

fn epochs_done(state: &serde_json::Value) -> u64 {
    state["epochs_done"].as_u64().unwrap()
}

#[test]
fn training_killed_with_sigkill_resumes_from_its_last_checkpoint() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("model");
    let state_file = home.path().join(".model.checkpoint/fold-0/state.json");
    let train = |resume: bool| {
        let mut cmd = common::serlab(home.path());
        // The seed's feature-axis network: epochs long enough to kill inside.
        cmd.args(["train", "--epochs", "8", "--ensemble", "1"])
            .args(["--plugin", "egemaps", "--layout", "feature-axis", "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if resume {
            cmd.arg("--resume");
        }
        cmd
    };
    let mut rng = SplitMix64::new(21);
    let mut done = 0;
    let mut first_epoch_seconds = None;
    for kill in 0..3 {
        let mut child = train(kill > 0).spawn().unwrap();
        // Wait for one more finished epoch, then kill at a random point of the next one
        // (possibly while it writes its checkpoint).
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            if let Some(state) = read_state(&state_file) {
                if epochs_done(&state) > done {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "no progress after kill {kill}");
            assert!(child.try_wait().unwrap().is_none(), "training ended early");
            std::thread::sleep(Duration::from_millis(20));
        }
        // Within the next epoch: a random fraction of the last one's duration.
        let last = read_state(&state_file).expect("a checkpoint was just read");
        let history = last["history"].as_array().unwrap();
        let epoch_seconds = history.last().unwrap()["seconds"].as_f64().unwrap();
        std::thread::sleep(Duration::from_secs_f64(epoch_seconds * rng.uniform()));
        child.kill().unwrap();
        child.wait().unwrap();
        let state = read_state(&state_file).expect("the checkpoint vanished");
        let now = epochs_done(&state);
        assert!(
            now > done,
            "kill {kill}: the checkpoint went back from {done} to {now}"
        );
        assert_eq!(state["history"].as_array().unwrap().len() as u64, now);
        let seconds = state["history"][0]["seconds"].as_f64().unwrap();
        assert_eq!(
            *first_epoch_seconds.get_or_insert(seconds),
            seconds,
            "kill {kill}: epoch 1 was trained again instead of resumed"
        );
        assert!(
            !out.exists(),
            "a model folder appeared before training finished"
        );
        done = now;
    }
    assert!(done < 8, "the kills came too late to interrupt anything");
    let status = train(true).status().unwrap();
    assert!(status.success());
    for file in ["model.mpk", "model.json", "metrics.json"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // The finished run removed its checkpoint; its history (kept in the model folder) shows
    // that it resumed: epoch 1 is the one trained before the first kill, not a new one.
    assert!(
        read_state(&state_file).is_none(),
        "a finished run leaves no checkpoint"
    );
    let history: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("history.json")).unwrap()).unwrap();
    let fold0: Vec<&serde_json::Value> = history.iter().filter(|r| r["fold"] == 0).collect();
    assert_eq!(fold0.len(), 8, "8 epochs in all, over the kills");
    assert_eq!(fold0[0]["seconds"].as_f64(), first_epoch_seconds);
    let clip = home.path().join("probe.wav");
    common::write(&clip, &common::short_clip(1.0));
    let output = common::serlab(home.path())
        .args(["predict", "--json", "--model"])
        .arg(&out)
        .arg(&clip)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", common::stderr_of(&output));
}
