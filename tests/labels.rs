//! Relabels from the command line: set, list, export, history, reset; they persist across runs
//! and change the catalog's counts (and so training).

mod common;

use common::*;

fn by_class(home: &std::path::Path) -> serde_json::Value {
    datasets_json_default(home)["corpora"][0]["by_class"].clone()
}

#[test]
fn relabels_persist_and_change_the_catalog() {
    let home = tempfile::tempdir().unwrap();
    let before = by_class(home.path());
    let clip = "Actor_01/03-01-05-01-01-01-01.wav"; // angry in the demo corpus
    let set = serlab(home.path())
        .args(["labels", "set", "ravdess", clip, "sad"])
        .output()
        .unwrap();
    assert!(set.status.success(), "{}", stderr_of(&set));
    let after = by_class(home.path());
    assert_eq!(
        after["angry"].as_u64().unwrap(),
        before["angry"].as_u64().unwrap() - 1
    );
    assert_eq!(
        after["sad"].as_u64().unwrap(),
        before["sad"].as_u64().unwrap() + 1
    );

    let list: Vec<serde_json::Value> = serde_json::from_slice(
        &serlab(home.path())
            .args(["labels", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            list[0]["corpus"].as_str(),
            list[0]["path"].as_str(),
            list[0]["label"].as_str()
        ),
        (Some("ravdess"), Some(clip), Some("sad"))
    );

    let csv = home.path().join("relabels.csv");
    assert!(serlab(home.path())
        .args(["labels", "export", "--csv"])
        .arg(&csv)
        .output()
        .unwrap()
        .status
        .success());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("corpus,path,label,changed_at\n"), "{text}");
    assert!(text.contains(&format!("ravdess,{clip},sad,")), "{text}");

    let bad = serlab(home.path())
        .args(["labels", "set", "ravdess", clip, "bored"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr_of(&bad).contains("not a class"));

    assert!(serlab(home.path())
        .args(["labels", "set", "ravdess", clip, "corpus"])
        .output()
        .unwrap()
        .status
        .success());
    assert_eq!(by_class(home.path()), before);
    let history = stdout_of(
        &serlab(home.path())
            .args(["labels", "history"])
            .output()
            .unwrap(),
    );
    assert!(
        history.contains("corpus -> sad") && history.contains("sad -> corpus"),
        "{history}"
    );
}
