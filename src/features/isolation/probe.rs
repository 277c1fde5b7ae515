//! Reading a plugin's descriptor in a short-lived process, with a time limit. A file that crashes
//! the loader (a truncated library maps pages that are not there: SIGBUS), aborts in a static
//! constructor, hangs, or exits is refused with what happened; serlab never loads it itself.
//! Results are remembered by the file's identity (path, size, mtime, permissions, content hash),
//! serlab's own binary and the plugins' environment, so a warm start costs a hash per file.

use super::process::{signal_name, WorkerProcess};
use super::wire::{read_message, PluginInfo, Reply};
use super::IsolationSettings;
use crate::features::PluginError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Instant;
use xxhash_rust::xxh3::Xxh3;

/// What a probe found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ProbeOutcome {
    Ready(PluginInfo),
    Refused(PluginError),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    path: PathBuf,
    outcome: ProbeOutcome,
}

/// Remembered probe results, one JSON file, written atomically.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ProbeCache {
    entries: BTreeMap<String, Entry>,
}

/// More entries than this and the oldest keys (by name: arbitrary) go first; a real plugin
/// folder holds a handful.
const MAX_ENTRIES: usize = 512;

impl ProbeCache {
    pub fn load(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Saves, dropping entries whose file is gone. A cache that cannot be written only costs
    /// time at the next start.
    pub fn save(&mut self, path: &Path) {
        self.entries.retain(|_, e| e.path.exists());
        while self.entries.len() > MAX_ENTRIES {
            let first = self.entries.keys().next().cloned().unwrap_or_default();
            self.entries.remove(&first);
        }
        if let Ok(bytes) = serde_json::to_vec(self) {
            let _ = crate::util::atomic::write_atomically(path, &bytes);
        }
    }
}

/// Probes one file (through the cache when the settings name one).
pub fn probe(path: &Path, settings: &IsolationSettings) -> ProbeOutcome {
    probe_many(&[path.to_path_buf()], settings)
        .pop()
        .unwrap_or_else(|| ProbeOutcome::Refused(load_error(path, "not probed".into())))
}

/// Probes files side by side (each in its own process), in the order given.
pub fn probe_many(paths: &[PathBuf], settings: &IsolationSettings) -> Vec<ProbeOutcome> {
    let mut cache = settings.cache.as_deref().map(ProbeCache::load);
    let keys: Vec<Result<String, PluginError>> =
        paths.iter().map(|p| identity(p, settings)).collect();
    let mut outcomes: Vec<Option<ProbeOutcome>> = keys
        .iter()
        .map(|key| match key {
            Err(refusal) => Some(ProbeOutcome::Refused(refusal.clone())),
            Ok(_) if settings.reprobe => None,
            Ok(key) => cache
                .as_ref()
                .and_then(|c| c.entries.get(key))
                .map(|e| e.outcome.clone()),
        })
        .collect();
    let fresh: Vec<(usize, ProbeOutcome, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| o.is_none())
            .map(|(i, _)| (i, scope.spawn(move || probe_in_child(&paths[i], settings))))
            .collect();
        handles
            .into_iter()
            .map(|(i, h)| {
                let (outcome, lasting) = h.join().unwrap_or_else(|_| {
                    (
                        ProbeOutcome::Refused(load_error(&paths[i], "the probe failed".into())),
                        false,
                    )
                });
                (i, outcome, lasting)
            })
            .collect()
    });
    let mut changed = false;
    for (i, outcome, lasting) in fresh {
        if let (Some(cache), Ok(key), true) = (cache.as_mut(), &keys[i], lasting) {
            cache.entries.insert(
                key.clone(),
                Entry {
                    path: paths[i].clone(),
                    outcome: outcome.clone(),
                },
            );
            changed = true;
        }
        outcomes[i] = Some(outcome);
    }
    if let (true, Some(cache), Some(file)) = (changed, cache.as_mut(), settings.cache.as_deref()) {
        cache.save(file);
    }
    outcomes.into_iter().flatten().collect()
}

fn load_error(path: &Path, reason: String) -> PluginError {
    PluginError::Load {
        path: path.to_path_buf(),
        reason,
    }
}

/// The cache key of a file, or why the file is refused before any process starts: it is not a
/// regular file (a FIFO would block whoever opens it), unreadable, or writable by other users.
fn identity(path: &Path, settings: &IsolationSettings) -> Result<String, PluginError> {
    let metadata = std::fs::metadata(path).map_err(|e| load_error(path, e.to_string()))?;
    if !metadata.is_file() {
        return Err(load_error(path, "not a regular file".into()));
    }
    crate::features::plugin::check_permissions(path)?;
    let content = crate::features::cache::file_hash(path)
        .map_err(|e| load_error(path, format!("cannot read: {e}")))?;
    let mut hasher = Xxh3::new();
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    hasher.update(canonical.as_os_str().as_encoded_bytes());
    for number in [
        metadata.len(),
        metadata.mtime() as u64,
        metadata.mtime_nsec() as u64,
        metadata.mode() as u64,
    ] {
        hasher.update(&number.to_le_bytes());
    }
    hasher.update(content.as_bytes());
    // serlab's own binary decides what is valid, so a rebuilt serlab probes again.
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let Ok(host) = super::host_program().and_then(std::fs::metadata) {
        hasher.update(&host.len().to_le_bytes());
        hasher.update(&(host.mtime() as u64).to_le_bytes());
        hasher.update(&(host.mtime_nsec() as u64).to_le_bytes());
    }
    // Plugins read their settings from the environment (the C ABI carries no configuration).
    let mut env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
        .filter(|(k, _)| k.starts_with("SERLAB_"))
        .chain(
            settings
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string_lossy().into_owned())),
        )
        .collect();
    env.sort();
    for (k, v) in env {
        hasher.update(k.as_bytes());
        hasher.update(b"=");
        hasher.update(v.as_bytes());
        hasher.update(b"\0");
    }
    Ok(format!("{:032x}", hasher.digest128()))
}

/// Runs the probe process. The flag says whether the outcome belongs to the file (worth caching):
/// a failure to start the probe, or an answer out of turn, may not happen next time.
fn probe_in_child(path: &Path, settings: &IsolationSettings) -> (ProbeOutcome, bool) {
    let refused =
        |reason: String, lasting: bool| (ProbeOutcome::Refused(load_error(path, reason)), lasting);
    let mut child = match WorkerProcess::spawn(settings, "probe", path) {
        Ok(child) => child,
        Err(e) => return refused(format!("cannot start a probe process: {e}"), false),
    };
    let deadline = Instant::now() + settings.probe_timeout;
    let message = {
        let (_, mut output) = child.pipes(deadline);
        read_message::<Reply>(&mut output)
    };
    let (ending, exited) = child.wait_until(deadline);
    let seconds = settings.probe_timeout.as_secs_f64();
    if !exited {
        // Remembered like any other outcome: a library that hangs would otherwise cost every
        // start this long. `serlab plugins --reprobe` tries again.
        return refused(
            format!("timed out after {seconds} s while loading (`serlab plugins --reprobe` tries again)"),
            true,
        );
    }
    if let Some(signal) = ending.signal {
        let reason = if signal == libc::SIGBUS {
            "SIGBUS while loading (the file may be truncated)".to_string()
        } else {
            format!("crashed while loading: {}", signal_name(signal))
        };
        return refused(reason, true);
    }
    match (message, ending.exit_code) {
        (Ok(Some((Reply::Ready(info), _))), Some(0)) => (ProbeOutcome::Ready(info), true),
        (Ok(Some((Reply::Failed(error), _))), Some(0)) => (ProbeOutcome::Refused(error), true),
        (_, Some(code)) if code != 0 => {
            refused(format!("exited with status {code} while loading"), true)
        }
        (Ok(None), _) => refused("exited while loading, without a word".into(), true),
        (Ok(Some((other, _))), _) => {
            refused(format!("the probe answered out of turn ({other:?})"), false)
        }
        (Err(e), _) => refused(format!("the probe's answer was unreadable: {e}"), false),
    }
}
