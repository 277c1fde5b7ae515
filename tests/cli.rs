//! The command line: global `--datasets` in either position, help, errors that name line and key,
//! the demo corpus, and the TUI refusing to start without a terminal.

mod common;

use common::*;

#[test]
fn datasets_option_is_accepted_before_and_after_the_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let corpus = home.path().join("corpus");
    write(
        &corpus.join("Actor_01/03-01-01-01-01-01-01.wav"),
        &short_clip(0.3),
    );
    let file = datasets_file(home.path(), &[("ravdess", &corpus)]);
    for args in [
        vec!["--datasets", file.to_str().unwrap(), "datasets", "--json"],
        vec!["datasets", "--json", "--datasets", file.to_str().unwrap()],
    ] {
        let output = serlab(home.path()).args(&args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr_of(&output));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["total_clips"], 1, "{args:?}");
    }
}

#[test]
fn datasets_toml_in_the_working_dir_then_the_user_config_dir() {
    let home = tempfile::tempdir().unwrap();
    let corpus = home.path().join("corpus");
    write(&corpus.join("DC/a01.wav"), &short_clip(0.3));
    write(&corpus.join("DC/a02.wav"), &short_clip(0.3));
    let text = format!(
        "[[corpus]]\nkind = \"savee\"\npath = \"{}\"\n",
        corpus.display()
    );
    // User config dir only.
    let user = home.path().join(".config/serlab/datasets.toml");
    write(&user, text.as_bytes());
    let json: serde_json::Value = datasets_json_default(home.path());
    assert_eq!(json["total_clips"], 2);
    // ./datasets.toml wins over the user config dir: here it points at a relative folder.
    write(
        &home.path().join("datasets.toml"),
        b"[[corpus]]\nkind = \"savee\"\npath = \"corpus/DC\"\n",
    );
    let json: serde_json::Value = datasets_json_default(home.path());
    // `corpus/DC` as a SAVEE root has no speaker folder above the files: both are reported.
    assert_eq!(json["total_clips"], 0);
    assert_eq!(json["unreadable"].as_array().unwrap().len(), 2);
}

#[test]
fn a_bad_datasets_file_is_reported_with_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("bad.toml");
    std::fs::write(
        &file,
        "sample_rate = 16000\n\n[[corpus]]\nkind = \"ravdes\"\npath = \"/x\"\n",
    )
    .unwrap();
    let output = serlab(home.path())
        .args(["datasets", "--datasets"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("bad.toml:4:"), "{stderr}");
    assert!(stderr.contains("`kind`"), "{stderr}");
    assert!(stderr.contains("ravdes"), "{stderr}");
}

#[test]
fn a_missing_corpus_folder_is_reported_and_the_demo_stands_in() {
    let home = tempfile::tempdir().unwrap();
    let file = datasets_file(home.path(), &[("tess", &home.path().join("nowhere"))]);
    let json = datasets_json(home.path(), &file);
    assert_eq!(json["synthetic"], true);
    let unreadable = json["unreadable"].as_array().unwrap();
    assert!(
        unreadable[0]["error"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{unreadable:?}"
    );
}

#[test]
fn with_nothing_configured_the_synthetic_demo_is_used() {
    let home = tempfile::tempdir().unwrap();
    let json: serde_json::Value = datasets_json_default(home.path());
    assert_eq!(json["synthetic"], true);
    let corpora = json["corpora"].as_array().unwrap();
    assert_eq!(corpora.len(), 4);
    let total = json["total_clips"].as_u64().unwrap();
    assert!((250..=400).contains(&total), "{total} demo clips");
    for corpus in corpora {
        assert!(corpus["speakers"].as_u64().unwrap() >= 2);
        for class in ["neutral", "happy", "sad", "angry"] {
            assert!(corpus["by_class"][class].as_u64().unwrap() >= 8, "{corpus}");
        }
    }
    assert!(json["unreadable"].as_array().unwrap().is_empty());
    let text = stdout_of(&serlab(home.path()).arg("datasets").output().unwrap());
    assert!(text.contains("SYNTHETIC"), "{text}");
}

#[test]
fn demo_writes_a_corpus_that_reads_back_identically() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("demo");
    let output = serlab(home.path())
        .args(["demo", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    for folder in ["RAVDESS", "CREMA-D", "TESS", "SAVEE"] {
        assert!(out.join(folder).is_dir(), "{folder} missing");
    }
    let corpora: Vec<(&str, std::path::PathBuf)> = vec![
        ("ravdess", out.join("RAVDESS")),
        ("crema-d", out.join("CREMA-D")),
        ("tess", out.join("TESS")),
        ("savee", out.join("SAVEE")),
    ];
    let entries: Vec<(&str, &std::path::Path)> =
        corpora.iter().map(|(k, p)| (*k, p.as_path())).collect();
    let file = datasets_file(home.path(), &entries);
    let written = datasets_json(home.path(), &file);
    assert_eq!(
        written["synthetic"], false,
        "configured folders are not flagged as the built-in demo"
    );
    // Same clips as the built-in demo, and generation is deterministic: same bytes twice.
    let cached: serde_json::Value = datasets_json_default(home.path());
    assert_eq!(written["total_clips"], cached["total_clips"]);
    let again = home.path().join("demo2");
    assert!(serlab(home.path())
        .args(["demo", "--out"])
        .arg(&again)
        .output()
        .unwrap()
        .status
        .success());
    let a = std::fs::read(out.join("RAVDESS/Actor_01/03-01-05-02-01-01-01.wav")).unwrap();
    let b = std::fs::read(again.join("RAVDESS/Actor_01/03-01-05-02-01-01-01.wav")).unwrap();
    assert_eq!(a, b);
}

#[test]
fn without_a_terminal_the_tui_says_so_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    let output = serlab(home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("needs a terminal"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn every_subcommand_has_help() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["datasets", "--help"],
        vec!["demo", "--help"],
        vec!["play", "--help"],
    ] {
        let output = serlab(home.path()).args(&args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(
            stdout_of(&output).contains("--datasets"),
            "{args:?}: global option missing from help"
        );
    }
}

#[test]
fn bad_training_options_are_refused_before_any_work() {
    let home = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (["--filters", "64,0"], "0 filters"),
        (["--filters", "64,many"], "`many` is not a filter count"),
        (["--validation-share", "1.5"], "not between 0 and 1"),
        (["--layout", "diagonal"], "feature-axis"),
        (["--norm", "loud"], "per-speaker-rank"),
    ] {
        let out = serlab(home.path())
            .arg("train")
            .args(args)
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("features:"),
            "{args:?} started work: {stderr}"
        );
    }
}
