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
fn a_missing_corpus_is_reported_and_never_replaced_by_the_demo() {
    let home = tempfile::tempdir().unwrap();
    // A typo in `path`: the only corpus the file names is not there.
    let typo = home.path().join("corpra/TESS");
    let file = datasets_file(home.path(), &[("tess", &typo)]);
    let json = datasets_json(home.path(), &file);
    assert_eq!(json["synthetic"], false, "the demo stood in: {json}");
    assert_eq!(json["total_clips"], 0);
    let missing = &json["missing_corpora"][0];
    assert_eq!(missing["path"], typo.display().to_string());
    assert_eq!(missing["line"], 3, "the line of its `path`");
    assert_eq!(missing["error"], "does not exist");
    let text = stdout_of(
        &serlab(home.path())
            .args(["datasets", "--datasets"])
            .arg(&file)
            .output()
            .unwrap(),
    );
    assert!(
        text.contains("MISSING") && !text.contains("SYNTHETIC"),
        "{text}"
    );

    // Work that computes from the data stops, names the folder with the file and line, and
    // writes nothing.
    let model = home.path().join("model");
    let features = home.path().join("features.csv");
    let runs: [Vec<std::ffi::OsString>; 3] = [
        vec!["train".into(), "--out".into(), model.clone().into()],
        vec![
            "extract".into(),
            "--plugin".into(),
            "classic".into(),
            "--out".into(),
            features.clone().into(),
        ],
        vec!["eval".into(), "--model".into(), model.clone().into()],
    ];
    for args in runs {
        let output = serlab(home.path())
            .arg("--datasets")
            .arg(&file)
            .args(&args)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&typo.display().to_string())
                && stderr.contains(&format!("{}:3", file.display()))
                && stderr.contains("does not exist"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("SYNTHETIC"), "{args:?}: {stderr}");
    }
    assert!(
        !model.exists() && !features.exists(),
        "something was written"
    );

    // One corpus there and one missing: the catalog holds the first, work still refuses.
    let clips = tiny_ravdess(home.path(), 1);
    let both = home.path().join("both.toml");
    std::fs::write(
        &both,
        format!(
            "[[corpus]]\nkind = \"ravdess\"\npath = \"corpus\"\n\n[[corpus]]\nkind = \"tess\"\npath = \"{}\"\n",
            typo.display()
        ),
    )
    .unwrap();
    let json = datasets_json(home.path(), &both);
    assert_eq!(json["total_clips"], clips.len());
    assert_eq!(json["missing_corpora"][0]["line"], 7);
    let output = serlab(home.path())
        .args(["--datasets"])
        .arg(&both)
        .args(["extract", "--plugin", "classic"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stdout_of(&output).is_empty());
}

#[test]
fn the_demo_stands_in_when_the_datasets_file_names_no_corpus() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("empty.toml");
    std::fs::write(&file, "sample_rate = 16000\n").unwrap();
    let json = datasets_json(home.path(), &file);
    assert_eq!(json["synthetic"], true);
    // A disabled corpus is no corpus.
    let disabled = datasets_file(home.path(), &[("tess", &home.path().join("gone"))]);
    let text = std::fs::read_to_string(&disabled).unwrap() + "enabled = false\n";
    std::fs::write(&disabled, text).unwrap();
    let json = datasets_json(home.path(), &disabled);
    assert_eq!(json["synthetic"], true);
    assert!(json["missing_corpora"].as_array().unwrap().is_empty());
    let clip = home.path().join("tone.wav");
    write(&clip, &short_clip(0.3));
    let output = serlab(home.path())
        .args(["--datasets"])
        .arg(&file)
        .args(["extract", "--plugin", "classic", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output)
            .contains("names no enabled corpus: extracting the SYNTHETIC demo corpus"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn refused_options_name_the_accepted_range_and_write_nothing() {
    let home = tempfile::tempdir().unwrap();
    let model = home.path().join("model");
    for (args, expected) in [
        (vec!["--epochs", "0"], "give 1 to 100000"),
        (vec!["--batch", "0"], "give 1 to 65536"),
        (vec!["--lr", "0"], "above 0, at most 10"),
        (vec!["--lr", "-1"], "above 0, at most 10"),
        (vec!["--lr", "NaN"], "above 0, at most 10"),
        (vec!["--lr", "inf"], "above 0, at most 10"),
        (vec!["--patience", "0"], "give 1 to 100000"),
        (vec!["--folds", "1"], "give 2 to 100000"),
        (vec!["--augment-copies", "17"], "give 0 to 16"),
        (vec!["--ensemble", "0"], "1..=16"),
        (vec!["--validation-share", "0"], "between 0 and 1"),
        (vec!["--epochs", "ten"], "not a whole number of epochs"),
    ] {
        let output = serlab(home.path())
            .arg("train")
            .args(&args)
            .arg("--out")
            .arg(&model)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!model.exists(), "{args:?}: a model was written");
    }
    // More folds than the split has speakers: refused with the count, before any extraction.
    tiny_ravdess(home.path(), 3);
    let output = serlab(home.path())
        .args(["train", "--folds", "99", "--out"])
        .arg(&model)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--folds 99") && stderr.contains("3 speakers") && stderr.contains("2 to 3"),
        "{stderr}"
    );
    assert!(!stderr.contains("features:"), "work started: {stderr}");
    assert!(!model.exists());
    let output = serlab(home.path())
        .args(["train", "--split", "corpus", "--folds", "2", "--out"])
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("one fold per corpus"));
}

#[test]
fn labels_set_takes_only_clips_that_exist_and_lost_relabels_are_listed() {
    let home = tempfile::tempdir().unwrap();
    let clips = tiny_ravdess(home.path(), 2);
    let relabels = home.path().join(".local/share/serlab/relabels.toml");
    let typo = &clips[5][..clips[5].len() - 5]; // the actor's digit cut off
    for (clip, expected) in [
        (typo.to_string() + ".wav", clips[5].as_str()),
        ("../../etc/passwd".to_string(), "closest that exist"),
        ("Actor_13/nonexistent.wav".to_string(), "closest that exist"),
    ] {
        let output = serlab(home.path())
            .args(["labels", "set", "ravdess", &clip, "sad"])
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{clip}: {stderr}");
        assert!(
            stderr.contains(&format!("no clip `{clip}`")) && stderr.contains(expected),
            "{clip}: {stderr}"
        );
        assert!(!relabels.exists(), "{clip}: a relabel was stored");
    }
    let output = serlab(home.path())
        .args(["labels", "set", "savee", "DC/a01.wav", "sad"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("no savee corpus is configured"),
        "{}",
        stderr_of(&output)
    );
    // A relabel whose clip goes away is listed as such, not dropped.
    let output = serlab(home.path())
        .args(["labels", "set", "ravdess", &clips[7], "happy"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    std::fs::remove_file(home.path().join("corpus").join(&clips[7])).unwrap();
    let output = serlab(home.path()).args(["labels"]).output().unwrap();
    assert!(output.status.success());
    assert!(
        stdout_of(&output).contains("NOT FOUND"),
        "{}",
        stdout_of(&output)
    );
    let output = serlab(home.path())
        .args(["labels", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows[0]["path"], clips[7]);
    assert_eq!(rows[0]["found"], false);
}

#[test]
fn each_cause_is_said_once() {
    let home = tempfile::tempdir().unwrap();
    let output = serlab(home.path())
        .args(["datasets", "--datasets", "/nonexistent.toml"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("/nonexistent.toml"), "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
    let broken = home.path().join("broken.wav");
    write(&broken, b"RIFF");
    let output = serlab(home.path())
        .args(["extract", "--plugin", "classic"])
        .arg(&broken)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr.matches(&broken.display().to_string()).count(),
        1,
        "{stderr}"
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
    use clap::CommandFactory;
    let home = tempfile::tempdir().unwrap();
    // Every subcommand clap knows, nested ones too, so a new one cannot go without help.
    fn paths(command: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands() {
            let mut path = prefix.clone();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            paths(sub, path, out);
        }
    }
    let mut all = vec![Vec::new()];
    paths(&serlab::cli::Cli::command(), Vec::new(), &mut all);
    assert!(all.len() >= 12, "{all:?}");
    for path in all {
        let output = serlab(home.path())
            .args(&path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(output.status.success(), "{path:?}");
        let help = stdout_of(&output);
        assert!(
            help.contains("--datasets"),
            "{path:?}: global option missing from help"
        );
        assert!(help.lines().count() > 5, "{path:?}: {help}");
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

#[test]
fn completions_and_a_man_page_come_from_the_command_definitions() {
    let home = tempfile::tempdir().unwrap();
    for (shell, expected) in [
        ("bash", "_serlab()"),
        ("zsh", "#compdef serlab"),
        ("fish", "complete -c serlab"),
    ] {
        let output = serlab(home.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}: {}", stderr_of(&output));
        let script = stdout_of(&output);
        assert!(script.contains(expected), "{shell}: {script}");
        assert!(
            script.contains("on-plugin-error"),
            "{shell}: global options"
        );
    }
    let output = serlab(home.path()).arg("man").output().unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let page = stdout_of(&output);
    assert!(page.contains(".TH serlab 1"), "{page}");
    assert!(page.contains("Exit status"), "{page}");
    let output = serlab(home.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
