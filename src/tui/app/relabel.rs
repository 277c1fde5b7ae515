//! Relabeling from Browse and Clip: a digit per class, `0` back to the corpus label, undo / redo.
//! Every change is saved by the store at once; the catalog's targets follow it.

use super::App;
use crate::relabel::ClipKey;

impl App {
    /// Brings one clip's target in line with the relabel store.
    fn refresh_target(&mut self, key: &ClipKey) {
        let label = self
            .relabels
            .as_ref()
            .and_then(|s| s.label(key).map(str::to_string));
        let labels = self.catalog.labels.clone();
        for clip in self.catalog.clips.iter_mut().filter(|c| key.matches(c)) {
            match label.as_deref().and_then(|l| labels.class_index(l)) {
                Some(class) => {
                    clip.target = Some(class);
                    clip.relabelled = true;
                }
                None => {
                    clip.target = labels.target(clip.emotion);
                    clip.relabelled = false;
                }
            }
        }
        // The prediction of this clip was made under its old label: stale now, and suspicion
        // follows the label in force.
        if let Some(model) = self.model.as_mut() {
            model.rescore(&self.catalog);
        }
        self.recount();
    }

    /// `0` resets to the corpus label; `n` sets the n-th class.
    pub(super) fn relabel(&mut self, digit: usize) {
        let classes = self.catalog.classes().to_vec();
        let label = match digit {
            0 => None,
            n if n <= classes.len() => Some(classes[n - 1].clone()),
            _ => return,
        };
        let Some(key) = self
            .current_clip()
            .and_then(|i| self.catalog.clips.get(i))
            .map(ClipKey::of)
        else {
            return;
        };
        let Some(store) = self.relabels.as_mut() else {
            self.status = "relabels are unavailable (the relabel file could not be read)".into();
            return;
        };
        match store.set(key.clone(), label.clone()) {
            Ok(()) => {
                self.status = format!(
                    "{} -> {} (saved)",
                    key.path,
                    label.as_deref().unwrap_or("corpus label")
                );
                self.refresh_target(&key);
            }
            Err(e) => self.status = format!("relabel not saved: {e}"),
        }
    }

    pub(super) fn relabel_history(&mut self, undo: bool) {
        let Some(store) = self.relabels.as_mut() else {
            return;
        };
        let result = if undo { store.undo() } else { store.redo() };
        match result {
            Ok(Some(key)) => {
                self.status = format!(
                    "{} {} (saved)",
                    if undo { "undid" } else { "redid" },
                    key.path
                );
                // Select the clip in the (possibly filtered) view, if it is shown there.
                if let Some(pos) = self
                    .browse
                    .view
                    .iter()
                    .position(|&i| key.matches(&self.catalog.clips[i]))
                {
                    self.browse.selected = pos;
                }
                self.refresh_target(&key);
            }
            Ok(None) => self.status = format!("nothing to {}", if undo { "undo" } else { "redo" }),
            Err(e) => self.status = format!("not saved: {e}"),
        }
    }
}
