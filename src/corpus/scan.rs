//! Walk one corpus folder: every `.wav` below it is parsed by the corpus's naming scheme and its
//! header probed (in parallel). What cannot be used is reported with the reason; the rest loads.

use super::catalog::{Clip, Problem};
use super::{naming, CorpusKind};
use crate::audio::probe;
use crate::config::LabelMap;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

pub fn scan_corpus(kind: CorpusKind, root: &Path, labels: &LabelMap) -> (Vec<Clip>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    // Following links lets a corpus be assembled from symlinks; walkdir detects link loops.
    for entry in walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_file() || !is_wav(entry.path()) {
                    continue;
                }
                // macOS resource forks (`._name.wav`) that ride along in zip downloads.
                if entry.file_name().to_string_lossy().starts_with("._") {
                    continue;
                }
                files.push(entry.into_path());
            }
            Err(err) => problems.push(Problem {
                path: err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf()),
                error: walk_error_message(&err),
            }),
        }
    }

    let results: Vec<Result<Clip, Problem>> = files
        .par_iter()
        .map(|path| {
            let relative = path.strip_prefix(root).unwrap_or(path);
            let name = naming::parse(kind, relative).map_err(|e| Problem {
                path: path.clone(),
                error: e.to_string(),
            })?;
            let info = probe(path).map_err(|e| Problem {
                path: path.clone(),
                error: strip_path_prefix(&e.to_string(), path),
            })?;
            Ok(Clip {
                corpus: kind,
                path: path.clone(),
                relative: relative.to_string_lossy().into_owned(),
                speaker: name.speaker,
                gender: name.gender,
                emotion: name.emotion,
                intensity: name.intensity,
                target: labels.target(name.emotion),
                sample_rate: info.sample_rate,
                channels: info.channels,
                duration_s: info.duration_s(),
                relabelled: false,
            })
        })
        .collect();

    let mut clips = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(clip) => clips.push(clip),
            Err(problem) => problems.push(problem),
        }
    }
    (clips, problems)
}

fn is_wav(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
}

fn walk_error_message(err: &walkdir::Error) -> String {
    if let Some(ancestor) = err.loop_ancestor() {
        return format!(
            "symbolic link loop back to {} (skipped)",
            ancestor.display()
        );
    }
    match err.io_error() {
        Some(io) => format!("cannot read: {io}"),
        None => err.to_string(),
    }
}

/// Problems carry the path separately, so the message need not repeat it.
fn strip_path_prefix(message: &str, path: &Path) -> String {
    let prefix = format!("{}: ", path.display());
    message.strip_prefix(&prefix).unwrap_or(message).to_string()
}
