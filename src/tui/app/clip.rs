//! The Clip view's state (the details of the selected clip, the feature list's scroll) and its
//! requests to the background inspector.

use super::{App, Tab};
use crate::tui::inspect::{ClipDetails, InspectRequest, Inspector};

#[derive(Default)]
pub struct ClipState {
    /// The worker that decodes clips and extracts their features; `None` in tests that draw no
    /// clip.
    pub inspector: Option<Inspector>,
    /// The latest answer (it may be for another clip while a new one loads).
    pub details: Option<ClipDetails>,
    /// The clip and plugin last asked of the inspector.
    inspected: Option<(usize, String)>,
    /// First feature row shown.
    pub feature_scroll: usize,
}

impl App {
    /// The details on screen belong to the selected clip and the active plugin.
    pub fn details_are_current(&self) -> bool {
        match (&self.clip.details, self.current_clip()) {
            (Some(d), Some(clip)) => {
                d.clip == clip && d.plugin.as_deref().unwrap_or("") == self.wanted_plugin()
            }
            _ => false,
        }
    }

    /// The plugin whose values the Clip view shows: the active one when it is loaded.
    fn wanted_plugin(&self) -> &str {
        let active = &self.plugins.active;
        if self.plugins.registry.loaded().any(|p| &p.name == active) {
            active
        } else {
            ""
        }
    }

    /// Collects the inspector's answer and, on the Clip view, asks about the selected clip.
    pub(super) fn tick_inspector(&mut self) {
        let Some(inspector) = &self.clip.inspector else {
            return;
        };
        if let Some(details) = inspector.poll() {
            if self
                .clip
                .details
                .as_ref()
                .is_none_or(|d| d.clip != details.clip)
            {
                self.clip.feature_scroll = 0;
            }
            self.clip.details = Some(details);
        }
        if self.tab != Tab::Clip {
            return;
        }
        let Some(clip) = self.current_clip() else {
            return;
        };
        let wanted = (clip, self.wanted_plugin().to_string());
        if self.clip.inspected.as_ref() == Some(&wanted) {
            return;
        }
        let plugin = self
            .plugins
            .registry
            .get(&wanted.1)
            .ok()
            .map(|p| (p.clone(), p.default_params()));
        if let Some(inspector) = &self.clip.inspector {
            inspector.request(InspectRequest {
                clip,
                path: self.catalog.clips[clip].path.clone(),
                sample_rate: self.catalog.sample_rate,
                plugin,
            });
        }
        self.clip.inspected = Some(wanted);
    }
}
