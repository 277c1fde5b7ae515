//! The eGeMAPS plugins through the CLI: openSMILE's ARFF and `;`-CSV formats, the LLD sequence
//! plugin, and the `smileapi` bridge (unavailable with its reason when no libSMILEapi is
//! present; exact against openSMILE's reference table when one is, as in CI).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The arguments of an uncached `serlab extract` with `plugin` in `format`; files come after.
const fn extract_args<'a>(plugin: &'a str, format: &'a str) -> [&'a str; 6] {
    [
        "extract",
        "--no-cache",
        "--plugin",
        plugin,
        "--format",
        format,
    ]
}

/// What an uncached `serlab extract` with `plugin` in `format` prints for `files` (it must succeed).
fn extracted(home: &Path, plugin: &str, format: &str, files: &[&Path]) -> String {
    let out = serlab(home)
        .args(extract_args(plugin, format))
        .args(files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    stdout_of(&out)
}

fn two_clips(home: &Path) -> (PathBuf, PathBuf) {
    let a = home.join("a.wav");
    let b = home.join("b.wav");
    write(&a, &short_clip(1.2));
    write(
        &b,
        &wav_bytes(
            &WavLayout::default(),
            &encode_int(&tone(150.0, 16_000, 0.8, 0.3), 16),
        ),
    );
    (a, b)
}

#[test]
fn arff_output_is_valid_weka_arff_with_opensmile_names() {
    let home = tempfile::tempdir().unwrap();
    let (a, b) = two_clips(home.path());
    let text = extracted(home.path(), "egemaps", "arff", &[&a, &b]);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("@relation 'serlab_egemaps'"));
    let attributes: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("@attribute "))
        .collect();
    assert_eq!(
        attributes.len(),
        2 + 88 + 1,
        "name, frameTime, 88 features, class"
    );
    assert_eq!(attributes[0], "@attribute name string");
    assert_eq!(
        attributes[2],
        "@attribute F0semitoneFrom27.5Hz_sma3nz_amean numeric"
    );
    assert_eq!(
        attributes[89],
        "@attribute equivalentSoundLevel_dBp numeric"
    );
    let data_at = text.lines().position(|l| l == "@data").expect("@data line");
    let rows: Vec<&str> = text
        .lines()
        .skip(data_at + 1)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 2);
    for (row, path) in rows.iter().zip([&a, &b]) {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields.len(), 91, "{row}");
        assert_eq!(fields[0], format!("'{}'", path.display()));
        for value in &fields[1..90] {
            let v: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {value}"));
            assert!(v.is_finite());
        }
        assert_eq!(fields[90], "?", "class unknown for files given by path");
    }
}

#[test]
fn csv_output_is_opensmiles_semicolon_table_for_vectors_and_frames() {
    let home = tempfile::tempdir().unwrap();
    let (a, b) = two_clips(home.path());
    let text = extracted(home.path(), "egemaps_lld", "csv", &[&a, &b]);
    let header: Vec<&str> = text.lines().next().unwrap().split(';').collect();
    assert_eq!(&header[..3], &["name", "frameTime", "Loudness_sma3"]);
    assert_eq!(header.len(), 2 + 25);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(';').collect())
        .collect();
    // openSMILE's LLD row count: floor((N - 960) / 160) + 2 at 16 kHz.
    let expected = |n: usize| (n - 960) / 160 + 2;
    let of_a = rows.iter().filter(|r| r[0].contains("a.wav")).count();
    let of_b = rows.iter().filter(|r| r[0].contains("b.wav")).count();
    assert_eq!(of_a, expected(19_200));
    assert_eq!(of_b, expected(12_800));
    let times: Vec<f64> = rows.iter().take(3).map(|r| r[1].parse().unwrap()).collect();
    assert_eq!(times, vec![0.0, 0.01, 0.02]);
}

#[test]
fn egemaps_ext_summarises_the_descriptors_with_voiced_frames_apart() {
    let home = tempfile::tempdir().unwrap();
    let (_, tone_clip) = two_clips(home.path());
    let text = extracted(home.path(), "egemaps_ext", "csv", &[&tone_clip]);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let row: Vec<&str> = lines.next().unwrap().split(';').collect();
    assert_eq!(header.len(), 2 + 818);
    assert_eq!(row.len(), header.len());
    let value = |name: &str| -> f64 {
        let at = header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{name}"));
        row[at].parse().unwrap()
    };
    // A steady 150 Hz tone: voiced nearly throughout, F0 at 12 log2(150 / 27.5) semitones.
    let semitones = 12.0 * (150.0f64 / 27.5).log2();
    let f0 = value("F0semitoneFrom27.5Hz_sma3nz_mean");
    assert!(
        (f0 - semitones).abs() < 0.3,
        "F0 {f0}, expected {semitones}"
    );
    assert!(value("F0semitoneFrom27.5Hz_sma3nz_stddev") < 0.3);
    assert!(value("voicedFrameShare") > 0.8);
    // 0.8 s at 16 kHz gives openSMILE's 76 rows of 10 ms.
    assert!((value("durationSec") - 0.76).abs() < 1e-6);
    for (name, v) in header[2..].iter().zip(&row[2..]) {
        let v: f64 = v.parse().unwrap();
        assert!(v.is_finite(), "{name} = {v}");
    }
}

#[test]
fn smileapi_without_a_library_is_listed_unavailable_with_the_reason() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("nowhere/libSMILEapi.so");
    let out = serlab(home.path())
        .arg("plugins")
        .env("SERLAB_SMILEAPI_LIB", &missing)
        .env("SERLAB_SMILEAPI_CONFIG", home.path().join("x.conf"))
        .output()
        .unwrap();
    let text = stdout_of(&out) + &stderr_of(&out);
    assert!(
        text.contains(&format!(
            "openSMILE library not found at {}",
            missing.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("egemaps"),
        "the other plugins still load: {text}"
    );
    let extract = serlab(home.path())
        .args(["extract", "--plugin", "smileapi"])
        .arg(home.path().join("a.wav"))
        .env("SERLAB_SMILEAPI_LIB", &missing)
        .output()
        .unwrap();
    assert!(!extract.status.success());
    // Present but unavailable: named so, with the reason, by every command that asks for it.
    for args in [
        vec!["extract", "--plugin", "smileapi", "a.wav"],
        vec!["train", "--plugin", "smileapi", "--epochs", "1"],
    ] {
        let out = serlab(home.path())
            .args(&args)
            .env("SERLAB_SMILEAPI_LIB", &missing)
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr.contains("plugin `smileapi` is unavailable")
                && stderr.contains("openSMILE library not found")
                && !stderr.contains("no plugin named"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn smileapi_library_path_can_come_from_datasets_toml() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("from-config/libSMILEapi.so");
    let datasets = home.path().join("datasets.toml");
    std::fs::write(
        &datasets,
        "[smileapi]\nlibrary = \"from-config/libSMILEapi.so\"\nconfig = \"x.conf\"\n",
    )
    .unwrap();
    let run = |env_lib: Option<&Path>| {
        let mut cmd = serlab(home.path());
        cmd.args(["plugins", "--json", "--datasets"]).arg(&datasets);
        cmd.env_remove("SERLAB_SMILEAPI_LIB")
            .env_remove("SERLAB_SMILEAPI_CONFIG");
        if let Some(lib) = env_lib {
            cmd.env("SERLAB_SMILEAPI_LIB", lib);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
    };
    // The file's (relative) path is resolved against the file and reaches the plugin, which
    // stays listed, under its own name, as unavailable.
    let text = run(None);
    let rows: serde_json::Value = serde_json::from_str(&text).unwrap();
    let bridge = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "smileapi")
        .unwrap_or_else(|| panic!("smileapi listed: {text}"));
    assert_eq!(bridge["status"], "unavailable", "{text}");
    assert!(
        text.contains(&format!(
            "openSMILE library not found at {}",
            missing.display()
        )),
        "{text}"
    );
    // An environment variable the user set wins over the file.
    let from_env = home.path().join("from-env/libSMILEapi.so");
    let text = run(Some(&from_env));
    assert!(
        text.contains(&format!(
            "openSMILE library not found at {}",
            from_env.display()
        )),
        "{text}"
    );
}

/// The real openSMILE library and config the environment names (CI installs the `opensmile`
/// wheel into a throwaway venv and sets both), or `None` after saying that `test` skipped.
fn real_opensmile(test: &str) -> Option<(std::ffi::OsString, std::ffi::OsString)> {
    match (
        std::env::var_os("SERLAB_SMILEAPI_LIB"),
        std::env::var_os("SERLAB_SMILEAPI_CONFIG"),
    ) {
        (Some(lib), Some(config)) => Some((lib, config)),
        _ if in_ci() => panic!(
            "{test}: CI must run it, but SERLAB_SMILEAPI_LIB / SERLAB_SMILEAPI_CONFIG are not set (.ci/run sets them from scripts/opensmile-venv.sh)"
        ),
        _ => {
            eprintln!("SKIPPED {test}: SERLAB_SMILEAPI_LIB / SERLAB_SMILEAPI_CONFIG not set");
            None
        }
    }
}

/// With a real libSMILEapi (CI installs the `opensmile` wheel into a throwaway venv and sets
/// SERLAB_SMILEAPI_LIB / SERLAB_SMILEAPI_CONFIG), the bridge reproduces openSMILE's reference
/// functionals for a reference clip.
#[test]
fn smileapi_bridge_reproduces_opensmile_when_present() {
    let Some(shared) = shared_dir("smileapi bridge") else {
        return;
    };
    let Some((lib, config)) = real_opensmile("smileapi bridge") else {
        return;
    };
    let dir = shared.join("reference/egemaps");
    let home = tempfile::tempdir().unwrap();
    let clip = "real_arctic_slt_a0009.wav";
    let extract = |cmd: &mut Command| -> Vec<f64> {
        cmd.args(extract_args("smileapi", "csv"))
            .arg(dir.join("clips").join(clip));
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
            .lines()
            .nth(1)
            .unwrap()
            .split(';')
            .skip(2)
            .map(|v| v.parse().unwrap())
            .collect()
    };
    // The library and config named by environment variables...
    let from_env = extract(
        serlab(home.path())
            .env("SERLAB_SMILEAPI_LIB", &lib)
            .env("SERLAB_SMILEAPI_CONFIG", &config),
    );
    // ...and by the datasets file.
    let datasets = home.path().join("datasets.toml");
    let toml_path = |p: &std::ffi::OsStr| p.to_string_lossy().replace('\\', "\\\\");
    std::fs::write(
        &datasets,
        format!(
            "[smileapi]\nlibrary = \"{}\"\nconfig = \"{}\"\n",
            toml_path(&lib),
            toml_path(&config)
        ),
    )
    .unwrap();
    let from_file = extract(
        serlab(home.path())
            .arg("--datasets")
            .arg(&datasets)
            .env_remove("SERLAB_SMILEAPI_LIB")
            .env_remove("SERLAB_SMILEAPI_CONFIG"),
    );
    assert_eq!(from_env, from_file);
    let ours = from_env;
    let table = std::fs::read_to_string(dir.join("egemaps_v02_functionals.csv")).unwrap();
    let reference: Vec<f64> = table
        .lines()
        .find(|l| l.starts_with(clip))
        .unwrap()
        .split(',')
        .skip(3)
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(ours.len(), reference.len());
    for (i, (o, r)) in ours.iter().zip(&reference).enumerate() {
        assert!(
            (o - r).abs() <= 1e-5 * r.abs().max(1.0),
            "feature {i}: bridge {o} vs openSMILE {r}"
        );
    }
}

/// Real speech neither the plugin nor its tests were tuned on: all 720 RAVDESS recordings of the
/// twelve development actors, run through `egemaps` and through openSMILE itself (the
/// `smileapi` bridge with eGeMAPSv02.conf) on the same samples, as the host hands them to both
/// (mixed to mono and resampled to 16 kHz). Issue 30's goal: at least 86 of the 88 features
/// within 5 % (0.05 absolute below 1) on at least 95 % of the clips, and every jitter and
/// shimmer functional on at least 90 %; and no clip with fewer than 75 features within 5 %.
#[test]
fn egemaps_agrees_with_live_opensmile_on_unseen_speech() {
    let Some(shared) = shared_dir("live eGeMAPS agreement") else {
        return;
    };
    let Some((lib, config)) = real_opensmile("live eGeMAPS agreement") else {
        return;
    };
    let mut clips: Vec<PathBuf> = std::fs::read_dir(shared.join("data/ravdess-dev"))
        .unwrap()
        .flat_map(|actor| {
            std::fs::read_dir(actor.unwrap().path())
                .into_iter()
                .flatten()
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    clips.sort();
    assert!(clips.len() >= 700, "only {} development clips", clips.len());
    let home = tempfile::tempdir().unwrap();
    let table = |plugin: &str| -> (Vec<String>, Vec<(String, Vec<f64>)>) {
        let out = serlab(home.path())
            .env("SERLAB_SMILEAPI_LIB", &lib)
            .env("SERLAB_SMILEAPI_CONFIG", &config)
            .args(extract_args(plugin, "csv"))
            .args(&clips)
            .output()
            .unwrap();
        assert!(out.status.success(), "{plugin}: {}", stderr_of(&out));
        let text = stdout_of(&out);
        let mut lines = text.lines();
        let names = lines
            .next()
            .unwrap()
            .split(';')
            .skip(2)
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| {
                let mut cells = l.split(';');
                let name = cells.next().unwrap().to_string();
                let values = cells.skip(1).map(|v| v.parse().unwrap()).collect();
                (name, values)
            })
            .collect();
        (names, rows)
    };
    let (names, ours) = table("egemaps");
    let (_, opensmile) = table("smileapi");
    assert_eq!((names.len(), ours.len()), (88, clips.len()));
    assert_eq!(opensmile.len(), clips.len());
    let within = |o: f64, r: f64| {
        let e = (o - r).abs();
        if r.abs() < 1.0 {
            e <= 0.05
        } else {
            e <= 0.05 * r.abs()
        }
    };
    let mut per_feature = [0usize; 88];
    let mut poor_clips = Vec::new();
    for ((name, o), (other, r)) in ours.iter().zip(&opensmile) {
        assert_eq!(name, other);
        assert_eq!((o.len(), r.len()), (88, 88), "{name}");
        let mut count = 0;
        for (i, (&o, &r)) in o.iter().zip(r).enumerate() {
            if within(o, r) {
                per_feature[i] += 1;
                count += 1;
            }
        }
        if count < 75 {
            poor_clips.push(format!("{name}: {count}/88"));
        }
    }
    let share = |i: usize| per_feature[i] as f64 / clips.len() as f64;
    let report: Vec<String> = (0..88)
        .filter(|&i| share(i) < 0.95)
        .map(|i| format!("{}: {:.1} %", names[i], 100.0 * share(i)))
        .collect();
    let good = 88 - report.len();
    eprintln!(
        "live eGeMAPS agreement on {} unseen RAVDESS clips: {good}/88 features within 5 % on \
         >= 95 % of the clips; below that: {}",
        clips.len(),
        report.join(", ")
    );
    assert!(good >= 86, "features under 95 %:\n{}", report.join("\n"));
    for (i, name) in names.iter().enumerate() {
        if name.starts_with("jitter") || name.starts_with("shimmer") {
            assert!(
                share(i) >= 0.90,
                "{name}: within 5 % on {:.1} %",
                100.0 * share(i)
            );
        }
    }
    assert!(
        poor_clips.is_empty(),
        "clips under 75/88:\n{}",
        poor_clips.join("\n")
    );
}

/// Every feature set the `opensmile` package ships, through the bridge with the package's own
/// config and through the package's Python API on the same clip: the same feature names in the
/// same order, the same values.
#[test]
fn smileapi_runs_every_config_the_opensmile_package_ships() {
    let Some(shared) = shared_dir("smileapi configs") else {
        return;
    };
    let Some((lib, config)) = real_opensmile("smileapi configs") else {
        return;
    };
    let python = match std::env::var_os("SERLAB_OPENSMILE_PYTHON") {
        Some(p) => p,
        None if in_ci() => panic!(
            "smileapi configs: CI must set SERLAB_OPENSMILE_PYTHON (scripts/opensmile-venv.sh)"
        ),
        None => {
            eprintln!("SKIPPED smileapi configs: SERLAB_OPENSMILE_PYTHON not set");
            return;
        }
    };
    // .../opensmile/core/config/egemaps/v02/eGeMAPSv02.conf -> .../opensmile/core/config
    let configs = Path::new(&config).ancestors().nth(3).unwrap().to_path_buf();
    let clip = shared.join("reference/egemaps/clips/real_arctic_slt_a0009.wav");
    let home = tempfile::tempdir().unwrap();
    for (set, file, count) in [
        ("eGeMAPSv01a", "egemaps/v01a/eGeMAPSv01a.conf", 88),
        ("eGeMAPSv01b", "egemaps/v01b/eGeMAPSv01b.conf", 88),
        ("eGeMAPSv02", "egemaps/v02/eGeMAPSv02.conf", 88),
        ("GeMAPSv01a", "gemaps/v01a/GeMAPSv01a.conf", 62),
        ("GeMAPSv01b", "gemaps/v01b/GeMAPSv01b.conf", 62),
        ("ComParE_2016", "compare/ComParE_2016.conf", 6373),
        ("emobase", "emobase/emobase.conf", 988),
    ] {
        let out = serlab(home.path())
            .env("SERLAB_SMILEAPI_LIB", &lib)
            .env("SERLAB_SMILEAPI_CONFIG", configs.join(file))
            .args(extract_args("smileapi", "csv"))
            .arg(&clip)
            .output()
            .unwrap();
        assert!(out.status.success(), "{set}: {}", stderr_of(&out));
        let text = stdout_of(&out);
        let mut lines = text.lines();
        let names: Vec<String> = lines
            .next()
            .unwrap()
            .split(';')
            .skip(2)
            .map(str::to_string)
            .collect();
        let ours: Vec<f64> = lines
            .next()
            .unwrap()
            .split(';')
            .skip(2)
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(names.len(), count, "{set}");
        let script = format!(
            "import json, opensmile\n\
             s = opensmile.Smile(feature_set=opensmile.FeatureSet.{set}, feature_level=opensmile.FeatureLevel.Functionals)\n\
             df = s.process_file({:?})\n\
             print(json.dumps({{'names': list(df.columns), 'values': [float(v) for v in df.iloc[0]]}}))",
            clip.display().to_string()
        );
        let reference = Command::new(&python)
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        assert!(
            reference.status.success(),
            "{set}: {}",
            stderr_of(&reference)
        );
        let reference: serde_json::Value = serde_json::from_slice(&reference.stdout).unwrap();
        let their_names: Vec<String> = serde_json::from_value(reference["names"].clone()).unwrap();
        let theirs: Vec<f64> = serde_json::from_value(reference["values"].clone()).unwrap();
        assert_eq!(names, their_names, "{set}: feature names");
        let differ: Vec<String> = ours
            .iter()
            .zip(&theirs)
            .zip(&names)
            .filter(|((o, t), _)| (*o - *t).abs() > 1e-4 * t.abs().max(1.0))
            .map(|((o, t), n)| format!("{n}: bridge {o}, package {t}"))
            .collect();
        assert!(
            differ.is_empty(),
            "{set}: {} of {count} differ: {:?}",
            differ.len(),
            &differ[..differ.len().min(5)]
        );
    }
}
