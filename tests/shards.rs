//! Sharded extraction: `serlab extract --shard I/N` processes started at once over one shared
//! feature cache split the clips without overlap, together cover them all with the same numbers
//! as one whole run, and leave a cache that a later whole run reads without extracting anything.

mod common;

use common::{serlab, stderr_of, stdout_of};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Rows of a CSV from `serlab extract`, keyed by the clip's file (first column).
fn rows_by_file(csv: &str) -> BTreeMap<String, String> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (file, rest) = line
                .split_once(';')
                .or_else(|| line.split_once(','))
                .unwrap();
            (file.trim_matches('\'').to_string(), rest.to_string())
        })
        .collect()
}

fn extract(home: &Path, args: &[&str]) -> std::process::Command {
    let mut cmd = serlab(home);
    cmd.args(["extract", "--plugin", "classic"]).args(args);
    cmd
}

#[test]
fn four_shards_at_once_split_the_clips_and_fill_one_cache() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("shared-cache");
    let cache_arg = cache.to_str().unwrap();
    // Started together on a fresh home: they also race to generate the demo corpus.
    let children: Vec<_> = (1..=4)
        .map(|i| {
            let out = home.path().join(format!("shard{i}.csv"));
            serlab(home.path())
                .args(["--cache-dir", cache_arg])
                .args([
                    "extract",
                    "--plugin",
                    "classic",
                    "--shard",
                    &format!("{i}/4"),
                ])
                .arg("--out")
                .arg(&out)
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut shards = Vec::new();
    for (i, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "shard {}: {}",
            i + 1,
            stderr_of(&output)
        );
        assert!(
            !stderr_of(&output).contains("skipped"),
            "shard {}: {}",
            i + 1,
            stderr_of(&output)
        );
        let csv = std::fs::read_to_string(home.path().join(format!("shard{}.csv", i + 1))).unwrap();
        shards.push(rows_by_file(&csv));
    }

    let whole = extract(home.path(), &["--no-cache"]).output().unwrap();
    assert!(whole.status.success(), "{}", stderr_of(&whole));
    let whole = rows_by_file(&stdout_of(&whole));
    assert!(whole.len() > 100, "{} clips", whole.len());

    let mut seen = BTreeSet::new();
    for (i, shard) in shards.iter().enumerate() {
        assert!(!shard.is_empty(), "shard {} is empty", i + 1);
        assert!(
            shard.len() < whole.len() / 2,
            "shard {} holds {} of {} clips",
            i + 1,
            shard.len(),
            whole.len()
        );
        for (file, row) in shard {
            assert!(seen.insert(file.clone()), "{file} is in two shards");
            assert_eq!(
                whole.get(file),
                Some(row),
                "{file} differs from the whole run"
            );
        }
    }
    assert_eq!(seen.len(), whole.len(), "the shards miss clips");

    // A whole run over the same cache, named in datasets.toml this time, extracts nothing.
    std::fs::write(
        home.path().join("datasets.toml"),
        format!("[cache]\ndir = \"{}\"\n", cache.display()),
    )
    .unwrap();
    let cached = extract(home.path(), &["--cache-only"]).output().unwrap();
    assert!(cached.status.success(), "{}", stderr_of(&cached));
    assert!(
        stdout_of(&cached).is_empty(),
        "--cache-only prints no features"
    );
    let summary = format!(
        "all clips: {n} clips, 0 extracted, {n} from the cache, 0 skipped",
        n = whole.len()
    );
    assert!(
        stderr_of(&cached).contains(&summary),
        "expected `{summary}` in {}",
        stderr_of(&cached)
    );

    // So does training anywhere that is pointed at the cache.
    let model = home.path().join("model");
    let train = serlab(home.path())
        .args([
            "train",
            "--plugin",
            "classic",
            "--epochs",
            "1",
            "--ensemble",
            "1",
        ])
        .args(["--folds", "2", "--out"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(train.status.success(), "{}", stderr_of(&train));
    let line = stderr_of(&train)
        .lines()
        .find(|l| l.contains("from the cache"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no cache line in {}", stderr_of(&train)));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        numbers.len() == 3 && numbers[0] == numbers[1] && numbers[1] == numbers[2],
        "training extracted some clips itself: {line}"
    );
}

#[test]
fn a_shard_is_refused_with_explicit_files_or_out_of_range() {
    let home = tempfile::tempdir().unwrap();
    let wav = home.path().join("a.wav");
    common::write(&wav, &common::short_clip(0.2));
    let output = extract(home.path(), &["--shard", "1/2", wav.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("give no files with it"));
    for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
        let output = extract(home.path(), &["--shard", bad]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{bad}: {}",
            stderr_of(&output)
        );
        assert!(
            stderr_of(&output).contains("is not a shard I/N"),
            "{bad}: {}",
            stderr_of(&output)
        );
    }
}
