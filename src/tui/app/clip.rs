//! The Clip view's keys (move between clips, relabel, scroll the feature list) and its requests
//! to the background inspector.

use super::{App, Tab};
use crate::tui::inspect::InspectRequest;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    pub(super) fn clip_view_key(&mut self, key: KeyEvent, ctrl: bool) {
        match key.code {
            KeyCode::Char(']') => self.feature_scroll += 1,
            KeyCode::Char('[') => self.feature_scroll = self.feature_scroll.saturating_sub(1),
            code if self.move_selection(code) => {}
            _ => self.relabel_key(key, ctrl),
        }
    }

    /// The details on screen belong to the selected clip and the active plugin.
    pub fn details_are_current(&self) -> bool {
        match (&self.details, self.current_clip()) {
            (Some(d), Some(clip)) => {
                d.clip == clip && d.plugin.as_deref().unwrap_or("") == self.wanted_plugin()
            }
            _ => false,
        }
    }

    /// The plugin whose values the Clip view shows: the active one when it is loaded.
    fn wanted_plugin(&self) -> &str {
        if self.registry.loaded().any(|p| p.name == self.active_plugin) {
            &self.active_plugin
        } else {
            ""
        }
    }

    /// Collects the inspector's answer and, on the Clip view, asks about the selected clip.
    pub(super) fn tick_inspector(&mut self) {
        let Some(inspector) = &self.inspector else {
            return;
        };
        if let Some(details) = inspector.poll() {
            if self.details.as_ref().is_none_or(|d| d.clip != details.clip) {
                self.feature_scroll = 0;
            }
            self.details = Some(details);
        }
        if self.tab != Tab::Clip {
            return;
        }
        let Some(clip) = self.current_clip() else {
            return;
        };
        let wanted = (clip, self.wanted_plugin().to_string());
        if self.inspected.as_ref() == Some(&wanted) {
            return;
        }
        let plugin = self
            .registry
            .get(&wanted.1)
            .ok()
            .map(|p| (p.clone(), p.default_params()));
        inspector.request(InspectRequest {
            clip,
            path: self.catalog.clips[clip].path.clone(),
            sample_rate: self.catalog.sample_rate,
            plugin,
        });
        self.inspected = Some(wanted);
    }
}
