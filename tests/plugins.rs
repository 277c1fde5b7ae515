//! Real plugin libraries loaded by the host: the built-in `classic` and `logmel`, a plugin written
//! in C (compiled here with the system C compiler against the shipped header), and deliberately
//! broken ones. Each broken plugin is refused or fails with a clear reason while the others keep
//! working.

mod common;

use common::*;
use serlab::features::{
    discover, FeatureKind, IsolationSettings, Plugin, PluginError, RegistryEntry, SearchPaths,
};
use std::path::{Path, PathBuf};

fn tone(seconds: f64) -> Vec<f32> {
    (0..(16_000.0 * seconds) as usize)
        .map(|i| (i as f32 * 0.05).sin() * 0.5)
        .collect()
}

#[test]
fn built_in_plugins_load_with_their_metadata() {
    let classic = Plugin::load(&built_in("classic")).unwrap();
    assert_eq!(
        (classic.name.as_str(), classic.kind),
        ("classic", FeatureKind::Vector)
    );
    assert_eq!(classic.dims(), 162);
    assert_eq!(classic.feature_names[0], "zcr");
    let logmel = Plugin::load(&built_in("logmel")).unwrap();
    assert_eq!(logmel.kind, FeatureKind::Sequence { frame_rate: 100.0 });
    let features = logmel
        .extract(&tone(1.0), 16_000, &logmel.default_params())
        .unwrap();
    assert_eq!((features.frames, features.dims()), (101, 40));
    // Parameters change the layout: MFCC and deltas add 26 columns.
    let params = logmel
        .resolve_params(&[("mfcc".into(), "true".into())])
        .unwrap();
    let with_mfcc = logmel.extract(&tone(0.5), 16_000, &params).unwrap();
    assert_eq!(with_mfcc.dims(), 66);
    assert_eq!(with_mfcc.names[40], "mfcc_0");
}

#[test]
fn parameters_are_validated_and_passed() {
    let echo = Plugin::load(&test_plugin("echo")).unwrap();
    let samples = tone(0.5);
    let plain = echo
        .extract(&samples, 16_000, &echo.default_params())
        .unwrap();
    let doubled = echo
        .extract(
            &samples,
            16_000,
            &echo.resolve_params(&[("gain".into(), "2".into())]).unwrap(),
        )
        .unwrap();
    assert!((doubled.data[1] - 2.0 * plain.data[1]).abs() < 1e-6);
    assert!((plain.data[2] - 0.5).abs() < 1e-6, "seconds");
    for (key, value, expected) in [
        ("gain", "11", "outside"),
        ("gain", "x", "takes a number"),
        ("nan", "maybe", "true or false"),
        ("speed", "1", "unknown parameter"),
    ] {
        let err = echo
            .resolve_params(&[(key.into(), value.into())])
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{key}={value}: {err}");
    }
}

#[test]
fn a_plugin_written_in_c_works() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = Plugin::load(&c_plugin(dir.path(), "GOOD")).unwrap();
    assert_eq!(plugin.name, "c-energy");
    let features = plugin.extract(&[0.5; 16_000], 16_000, &[]).unwrap();
    assert_eq!(features.data, vec![0.25, 1.0]);
}

#[test]
fn broken_plugins_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("libjunk.so");
    std::fs::write(&junk, b"\x7fELF but not really a shared library").unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (junk, "cannot load"),
        (c_plugin(dir.path(), "WRONG_VERSION"), "ABI version 7"),
        (c_plugin(dir.path(), "WRONG_SIZE"), "struct_size is 24"),
        (
            c_plugin(dir.path(), "COUNT_MISMATCH"),
            "more entries than feature_count",
        ),
        (c_plugin(dir.path(), "NULL_NAME"), "name is NULL"),
        (c_plugin(dir.path(), "BAD_UTF8"), "not valid UTF-8"),
        (c_plugin(dir.path(), "NO_ENTRY"), "not a serlab plugin"),
        (c_plugin(dir.path(), "NULL_DESCRIPTOR"), "returned NULL"),
    ];
    for (path, expected) in cases {
        let err = Plugin::load(&path).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{}: expected `{expected}` in: {err}",
            path.display()
        );
        assert!(
            err.contains(&path.display().to_string()),
            "error does not name the file: {err}"
        );
    }
}

#[test]
fn misbehaving_extractors_fail_cleanly_and_the_host_goes_on() {
    let panics = Plugin::load(&test_plugin("panics")).unwrap();
    let err = panics.extract(&tone(0.1), 16_000, &[]).unwrap_err();
    assert!(
        matches!(
            err,
            PluginError::Failed {
                status: "panicked",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("deliberate test panic"), "{err}");

    let echo = Plugin::load(&test_plugin("echo")).unwrap();
    let nan = echo.resolve_params(&[("nan".into(), "1".into())]).unwrap();
    let err = echo
        .extract(&tone(0.1), 16_000, &nan)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("test-echo") && err.contains("`peak`") && err.contains("NaN"),
        "{err}"
    );

    let lie = echo.resolve_params(&[("lie".into(), "1".into())]).unwrap();
    let err = echo
        .extract(&tone(0.1), 16_000, &lie)
        .unwrap_err()
        .to_string();
    assert!(err.contains("claims 7 frames"), "{err}");

    let err = echo
        .extract(&[], 16_000, &echo.default_params())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid input") && err.contains("no samples"),
        "{err}"
    );

    // After all that, the process and the other plugins are fine.
    let classic = Plugin::load(&built_in("classic")).unwrap();
    assert_eq!(
        classic.extract(&tone(0.5), 16_000, &[]).unwrap().data.len(),
        162
    );
    assert!(
        panics.extract(&tone(0.1), 16_000, &[]).is_err(),
        "still refuses, still alive"
    );
}

#[test]
fn a_plugin_that_never_answers_is_given_up_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let slow = Plugin::load(&c_plugin(dir.path(), "SLOW")).unwrap();
    slow.set_call_timeout(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = slow.extract(&tone(0.1), 16_000, &[]).unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(err, PluginError::TimedOut { earlier: false, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("c-energy") && err.to_string().contains("0.3 s"),
        "{err}"
    );
    assert!(
        waited < std::time::Duration::from_secs(10),
        "the host waited {waited:?} for a plugin that sleeps 30 s"
    );
    // Later calls are refused without a call (`earlier`) instead of leaving another thread stuck.
    let err = slow.extract(&tone(0.1), 16_000, &[]).unwrap_err();
    assert!(
        matches!(err, PluginError::TimedOut { earlier: true, .. }),
        "{err}"
    );
    // The same C plugin without the sleep answers (a generous limit: a loaded machine may be slow
    // to start the call's thread).
    let good = Plugin::load(&c_plugin(dir.path(), "GOOD")).unwrap();
    good.set_call_timeout(std::time::Duration::from_secs(30));
    assert_eq!(
        good.extract(&[0.5; 1600], 16_000, &[]).unwrap().data[0],
        0.25
    );
}

#[test]
fn a_plugin_writable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("libshared_writable.so");
    std::fs::copy(test_plugin("echo"), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o666)).unwrap();
    let err = Plugin::load(&copy).unwrap_err().to_string();
    assert!(err.contains("writable by other users"), "{err}");
}

#[test]
fn discovery_lists_loaded_and_refused_plugins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libjunk.so"), b"junk").unwrap();
    c_plugin(dir.path(), "WRONG_VERSION");
    std::fs::copy(built_in("classic"), dir.path().join("libclassic_copy.so")).unwrap();
    let registry = discover(
        &SearchPaths {
            explicit: vec![dir.path().to_path_buf()],
            no_defaults: true,
        },
        &IsolationSettings {
            cache: None,
            ..Default::default()
        },
    );
    assert!(registry.loaded().all(|p| p.is_isolated()));
    let loaded: Vec<&str> = registry.loaded().map(|p| p.name.as_str()).collect();
    assert_eq!(loaded, vec!["classic"]);
    let refused = registry
        .entries
        .iter()
        .filter(|e| matches!(e, RegistryEntry::Refused { .. }))
        .count();
    assert_eq!(refused, 2);
    assert!(registry
        .get("nope")
        .unwrap_err()
        .to_string()
        .contains("available: classic"));
}

#[test]
fn serlab_plugins_json_lists_built_ins_and_refusals() {
    let home = tempfile::tempdir().unwrap();
    let junk = home.path().join("libbroken.so");
    std::fs::write(&junk, b"not a library").unwrap();
    let output = serlab(home.path())
        .args(["plugins", "--json", "--plugin-path"])
        .arg(&junk)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let find = |name: &str| {
        rows.iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {rows:#?}"))
    };
    assert_eq!(find("classic")["status"], "loaded");
    assert_eq!(find("classic")["dims"], 162);
    assert_eq!(find("logmel")["status"], "loaded");
    assert_eq!(find("logmel")["kind"], "sequence");
    let broken = find("broken");
    assert_eq!(broken["status"], "refused");
    assert!(
        broken["error"].as_str().unwrap().contains("cannot load"),
        "{broken}"
    );
}

#[test]
fn plugins_load_only_from_the_configured_places_not_the_working_directory() {
    // A downloaded folder that carries libraries where a developer's checkout has them.
    let home = tempfile::tempdir().unwrap();
    for dir in ["plugins", "target/debug", "target/release", "."] {
        let folder = home.path().join(dir);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(
            test_plugin("echo"),
            folder.join("libserlab_plugin_stowaway.so"),
        )
        .unwrap();
    }
    let names = |output: &std::process::Output| -> Vec<String> {
        assert!(output.status.success(), "{}", stderr_of(output));
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        rows.iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let listed = names(
        &serlab(home.path())
            .args(["plugins", "--json"])
            .output()
            .unwrap(),
    );
    assert!(listed.contains(&"classic".to_string()), "{listed:?}");
    assert!(
        !listed.contains(&"test-echo".to_string()),
        "a library from the working directory was loaded: {listed:?}"
    );
    // Named on purpose, the same file loads.
    let listed = names(
        &serlab(home.path())
            .args(["plugins", "--json", "--plugin-path", "plugins"])
            .output()
            .unwrap(),
    );
    assert!(listed.contains(&"test-echo".to_string()), "{listed:?}");
}

#[test]
fn serlab_extract_classic_agrees_with_librosa() {
    let Some(shared) = shared_dir("serlab_extract_classic_agrees_with_librosa") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let clips = shared.join("reference/egemaps/clips");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&clips)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let output = serlab(home.path())
        .args(["extract", "--plugin", "classic"])
        .args(&files)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let ours = stdout_of(&output);
    let reference =
        std::fs::read_to_string(shared.join("reference/librosa/classic162.csv")).unwrap();
    // Ours is openSMILE's CSV (`'name';frameTime;values`), librosa's a plain CSV (`file,values`).
    let table =
        |text: &str, sep: char, skip: usize| -> std::collections::HashMap<String, Vec<f64>> {
            text.lines()
                .skip(1)
                .map(|l| {
                    let mut f = l.split(sep);
                    let file = Path::new(f.next().unwrap().trim_matches('\''))
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    (file, f.skip(skip).map(|v| v.parse().unwrap()).collect())
                })
                .collect()
        };
    let (ours, reference) = (table(&ours, ';', 1), table(&reference, ',', 0));
    assert_eq!(ours.len(), 33);
    assert_eq!(reference.len(), 33, "librosa's table");
    let mut bad = Vec::new();
    for (file, expected) in &reference {
        if file.starts_with("edge_") {
            assert!(ours[file].iter().all(|v| v.is_finite()), "{file}");
            continue;
        }
        assert_eq!(
            (ours[file].len(), expected.len()),
            (162, 162),
            "{file}: columns"
        );
        for (i, (a, b)) in ours[file].iter().zip(expected).enumerate() {
            if (a - b).abs() > 1e-3 && (a - b).abs() / b.abs() > 0.01 {
                bad.push(format!("{file} column {i}: ours {a} librosa {b}"));
            }
        }
    }
    assert!(bad.is_empty(), "outside 1 %:\n{}", bad.join("\n"));
}

#[test]
fn extract_uses_the_cache_and_keys_it_by_plugin_and_params() {
    let home = tempfile::tempdir().unwrap();
    let clip = home.path().join("tone.wav");
    write(
        &clip,
        &wav_bytes(
            &WavLayout::default(),
            &encode_int(&common::tone(440.0, 16_000, 0.5, 0.5), 16),
        ),
    );
    let run = |params: &[&str]| {
        let mut cmd = serlab(home.path());
        cmd.args(["extract", "--plugin", "logmel", "--format", "json"]);
        for p in params {
            cmd.args(["--param", p]);
        }
        let output = cmd.arg(&clip).output().unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let first = run(&[]);
    let cache_files = walk_count(&home.path().join(".cache/serlab/features"));
    assert_eq!(cache_files, 1, "one cache entry after the first run");
    assert_eq!(run(&[]), first, "a cached run gives the same features");
    let more_bands = run(&["n_mels=64"]);
    assert_eq!(more_bands["feature_names"].as_array().unwrap().len(), 64);
    assert_eq!(
        more_bands["clips"][0]["frames"][0]
            .as_array()
            .unwrap()
            .len(),
        64,
        "params must not hit the old cache entry"
    );
    assert_eq!(walk_count(&home.path().join(".cache/serlab/features")), 2);
}

fn walk_count(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count()
}

#[test]
fn extract_reports_a_broken_file_and_keeps_the_others() {
    let home = tempfile::tempdir().unwrap();
    let good = home.path().join("good.wav");
    let bad = home.path().join("bad.wav");
    write(&good, &short_clip(0.5));
    write(&bad, b"RIFF");
    let output = serlab(home.path())
        .args(["extract", "--plugin", "classic"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("bad.wav"),
        "{}",
        stderr_of(&output)
    );
    let csv = stdout_of(&output);
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.lines().nth(1).unwrap().contains("good.wav"));
}
