//! Relabels: the user's corrections of corpus labels, kept in a human-readable TOML file in the
//! user data dir, keyed by corpus + path relative to the corpus root. Every change is written at
//! once, atomically (temp file, fsync, rename), with an audit trail (old label, new label, time);
//! undo and redo are changes too. Catalogs, and so training, apply them.
//!
//! Several serlab processes may relabel at once (a TUI and a `serlab labels set`): every change
//! takes an exclusive lock beside the file, re-reads what is on disk, applies itself on top and
//! writes, so no process overwrites another's changes to other clips.

mod lock;

use crate::corpus::{Catalog, Clip, CorpusKind};
use crate::util::atomic::write_atomically;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClipKey {
    pub corpus: CorpusKind,
    /// Path relative to the corpus root, with `/` separators.
    pub path: String,
}

impl ClipKey {
    /// The key of a catalog clip (paths normalised to `/` so files move between systems).
    pub fn of(clip: &Clip) -> Self {
        Self {
            corpus: clip.corpus,
            path: clip.relative.replace('\\', "/"),
        }
    }

    pub fn matches(&self, clip: &Clip) -> bool {
        clip.corpus == self.corpus && clip.relative.replace('\\', "/") == self.path
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relabel {
    pub corpus: CorpusKind,
    pub path: String,
    /// The class the user chose.
    pub label: String,
    pub changed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub time: String,
    pub corpus: CorpusKind,
    pub path: String,
    /// The label before ("corpus" when it was the corpus's own label).
    pub old: String,
    /// The label after ("corpus" when reset to the corpus's own label).
    pub new: String,
    /// `set`, `undo` or `redo`.
    pub action: String,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct RelabelFile {
    #[serde(default, rename = "relabel")]
    relabels: Vec<Relabel>,
    #[serde(default)]
    audit: Vec<AuditEntry>,
}

#[derive(Debug, Clone, PartialEq)]
struct Change {
    key: ClipKey,
    old: Option<String>,
    new: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RelabelError {
    #[error("{}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
}

/// The relabel file and this session's undo/redo history.
#[derive(Debug)]
pub struct RelabelStore {
    path: PathBuf,
    current: Relabels,
    audit: Vec<AuditEntry>,
    undo: Vec<Change>,
    redo: Vec<Change>,
}

const HEADER: &str = "# serlab relabels: your corrections of corpus labels, keyed by corpus and path within it.\n# [[relabel]] entries are the labels in force; [[audit]] records every change (old -> new, time).\n# serlab rewrites this file atomically on every change; editing it by hand is fine while serlab is closed.\n\n";

type Relabels = BTreeMap<ClipKey, Relabel>;

fn read_file(path: &Path) -> Result<(Relabels, Vec<AuditEntry>), RelabelError> {
    let err = |reason: String| RelabelError::File {
        path: path.to_path_buf(),
        reason,
    };
    let file: RelabelFile = match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| err(format!("not a valid relabel file: {}", e.message())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => RelabelFile::default(),
        Err(e) => return Err(err(e.to_string())),
    };
    let current = file
        .relabels
        .into_iter()
        .map(|r| {
            (
                ClipKey {
                    corpus: r.corpus,
                    path: r.path.clone(),
                },
                r,
            )
        })
        .collect();
    Ok((current, file.audit))
}

impl RelabelStore {
    pub fn default_path() -> PathBuf {
        crate::config::dirs::data_dir().join("relabels.toml")
    }

    /// Reads the file (a missing file is an empty store).
    pub fn open(path: &Path) -> Result<Self, RelabelError> {
        let (current, audit) = read_file(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            current,
            audit,
            undo: Vec::new(),
            redo: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn relabels(&self) -> impl Iterator<Item = &Relabel> {
        self.current.values()
    }

    pub fn audit(&self) -> &[AuditEntry] {
        &self.audit
    }

    pub fn label(&self, key: &ClipKey) -> Option<&str> {
        self.current.get(key).map(|r| r.label.as_str())
    }

    fn save(&self) -> Result<(), RelabelError> {
        let file = RelabelFile {
            relabels: self.current.values().cloned().collect(),
            audit: self.audit.clone(),
        };
        let text = toml::to_string_pretty(&file).map_err(|e| RelabelError::File {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        write_atomically(&self.path, format!("{HEADER}{text}").as_bytes()).map_err(|e| {
            RelabelError::File {
                path: self.path.clone(),
                reason: format!("cannot write: {e}"),
            }
        })
    }

    fn apply(
        &mut self,
        change: &Change,
        action: &str,
        new: Option<&String>,
    ) -> Result<(), RelabelError> {
        // Under the lock, start from what is on disk now: another process may have changed
        // other clips since this store last read or wrote the file.
        let _lock = lock::exclusive(&self.path).map_err(|e| RelabelError::File {
            path: self.path.clone(),
            reason: format!("cannot lock: {e}"),
        })?;
        (self.current, self.audit) = read_file(&self.path)?;
        let time = crate::util::time::now_utc();
        let old_label = self.current.get(&change.key).map(|r| r.label.clone());
        match new {
            Some(label) => {
                self.current.insert(
                    change.key.clone(),
                    Relabel {
                        corpus: change.key.corpus,
                        path: change.key.path.clone(),
                        label: label.clone(),
                        changed_at: time.clone(),
                    },
                );
            }
            None => {
                self.current.remove(&change.key);
            }
        }
        self.audit.push(AuditEntry {
            time,
            corpus: change.key.corpus,
            path: change.key.path.clone(),
            old: old_label.unwrap_or_else(|| "corpus".into()),
            new: new.cloned().unwrap_or_else(|| "corpus".into()),
            action: action.into(),
        });
        self.save()
    }

    /// Sets a clip's label (`None`: back to the corpus label). Written before returning.
    pub fn set(&mut self, key: ClipKey, label: Option<String>) -> Result<(), RelabelError> {
        let old = self.current.get(&key).map(|r| r.label.clone());
        if old == label {
            return Ok(());
        }
        let change = Change {
            key,
            old,
            new: label,
        };
        self.apply(&change, "set", change.new.as_ref())?;
        self.undo.push(change);
        self.redo.clear();
        Ok(())
    }

    /// Reverts the last change of this session; returns the clip it touched.
    pub fn undo(&mut self) -> Result<Option<ClipKey>, RelabelError> {
        let Some(change) = self.undo.pop() else {
            return Ok(None);
        };
        self.apply(&change, "undo", change.old.as_ref())?;
        let key = change.key.clone();
        self.redo.push(change);
        Ok(Some(key))
    }

    pub fn redo(&mut self) -> Result<Option<ClipKey>, RelabelError> {
        let Some(change) = self.redo.pop() else {
            return Ok(None);
        };
        self.apply(&change, "redo", change.new.as_ref())?;
        let key = change.key.clone();
        self.undo.push(change);
        Ok(Some(key))
    }

    /// Applies the relabels to a catalog's targets; returns labels naming unknown classes.
    pub fn apply_to(&self, catalog: &mut Catalog) -> Vec<String> {
        let mut unknown = Vec::new();
        for clip in catalog.clips.iter_mut() {
            let key = ClipKey::of(clip);
            if let Some(relabel) = self.current.get(&key) {
                match catalog.labels.class_index(&relabel.label) {
                    Some(class) => {
                        clip.target = Some(class);
                        clip.relabelled = true;
                    }
                    None => unknown.push(format!(
                        "{}:{} -> `{}` is not a class",
                        key.corpus, key.path, relabel.label
                    )),
                }
            }
        }
        unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(p: &str) -> ClipKey {
        ClipKey {
            corpus: CorpusKind::Ravdess,
            path: p.into(),
        }
    }

    #[test]
    fn changes_persist_at_once_with_an_audit_trail_and_undo_redo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relabels.toml");
        let mut store = RelabelStore::open(&path).unwrap();
        store
            .set(key("Actor_01/a.wav"), Some("sad".into()))
            .unwrap();
        store
            .set(key("Actor_01/b.wav"), Some("happy".into()))
            .unwrap();
        // Persisted already: a fresh reader sees both.
        let reread = RelabelStore::open(&path).unwrap();
        assert_eq!(reread.label(&key("Actor_01/a.wav")), Some("sad"));
        assert_eq!(reread.relabels().count(), 2);
        assert_eq!(store.undo().unwrap(), Some(key("Actor_01/b.wav")));
        assert_eq!(
            RelabelStore::open(&path)
                .unwrap()
                .label(&key("Actor_01/b.wav")),
            None
        );
        store.redo().unwrap();
        assert_eq!(
            RelabelStore::open(&path)
                .unwrap()
                .label(&key("Actor_01/b.wav")),
            Some("happy")
        );
        store.set(key("Actor_01/a.wav"), None).unwrap();
        let trail: Vec<(String, String, String)> = RelabelStore::open(&path)
            .unwrap()
            .audit()
            .iter()
            .map(|a| (a.old.clone(), a.new.clone(), a.action.clone()))
            .collect();
        assert_eq!(
            trail,
            vec![
                ("corpus".into(), "sad".into(), "set".into()),
                ("corpus".into(), "happy".into(), "set".into()),
                ("happy".into(), "corpus".into(), "undo".into()),
                ("corpus".into(), "happy".into(), "redo".into()),
                ("sad".into(), "corpus".into(), "set".into()),
            ]
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# serlab relabels"),
            "human-readable header"
        );
        assert!(text.contains("path = \"Actor_01/b.wav\""));
    }

    #[test]
    fn two_stores_on_one_file_keep_each_others_changes() {
        // Two serlab instances (say a TUI and `serlab labels set`) opened the file before
        // either changed it.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relabels.toml");
        let mut first = RelabelStore::open(&path).unwrap();
        let mut second = RelabelStore::open(&path).unwrap();
        first.set(key("a.wav"), Some("sad".into())).unwrap();
        second.set(key("b.wav"), Some("angry".into())).unwrap();
        first.set(key("c.wav"), Some("happy".into())).unwrap();
        second.undo().unwrap();
        let on_disk = RelabelStore::open(&path).unwrap();
        let labels: Vec<(String, String)> = on_disk
            .relabels()
            .map(|r| (r.path.clone(), r.label.clone()))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("a.wav".into(), "sad".into()),
                ("c.wav".into(), "happy".into())
            ]
        );
        assert_eq!(on_disk.audit().len(), 4, "every change is in the trail");
        // A store catches up with the others' changes whenever it writes.
        assert_eq!(first.label(&key("b.wav")), Some("angry"));
        first.set(key("d.wav"), Some("sad".into())).unwrap();
        assert_eq!(first.label(&key("b.wav")), None);
    }

    #[test]
    fn a_broken_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relabels.toml");
        std::fs::write(&path, "[[relabel]]\ncorpus = \"nope\"\n").unwrap();
        let err = RelabelStore::open(&path).unwrap_err().to_string();
        assert!(err.contains("relabels.toml"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[[relabel]]\ncorpus = \"nope\"\n"
        );
    }
}
