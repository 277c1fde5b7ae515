//! The Plugins view: choose the active extractor (and with it the model family), or load one
//! more plugin from a path typed at a prompt. Loading probes the file in a process of its own,
//! which may take seconds (a library that hangs): it runs on a worker thread.

use super::{App, Overlay};
use crate::features::{Plugin, PluginError, PluginRegistry, RegistryEntry};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};

type Opened = (PathBuf, Result<Plugin, PluginError>);

pub struct PluginsState {
    pub registry: PluginRegistry,
    /// The plugin the Clip view and training use.
    pub active: String,
    /// Position in `registry.entries`.
    pub selected: usize,
    /// A plugin file being probed.
    loading: Option<Receiver<Opened>>,
}

impl PluginsState {
    pub fn new(registry: PluginRegistry) -> Self {
        // The training default first, then classic, then whatever loaded.
        let active = [crate::train::DEFAULT_PLUGIN, "classic"]
            .into_iter()
            .find(|name| registry.get(name).is_ok())
            .map(str::to_string)
            .or_else(|| registry.loaded().next().map(|p| p.name.clone()))
            .unwrap_or_else(|| "classic".into());
        Self {
            registry,
            active,
            selected: 0,
            loading: None,
        }
    }

    pub fn step(&mut self, down: bool) {
        let last = self.registry.entries.len().saturating_sub(1);
        self.selected = if down {
            (self.selected + 1).min(last)
        } else {
            self.selected.saturating_sub(1)
        };
    }

    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }
}

impl App {
    pub(super) fn activate_plugin(&mut self) {
        match self.plugins.registry.entries.get(self.plugins.selected) {
            Some(RegistryEntry::Loaded(p)) => {
                self.plugins.active = p.name.clone();
                self.status = format!(
                    "active extractor: {} ({} model next time you train)",
                    p.name,
                    p.kind.as_str()
                );
            }
            Some(RegistryEntry::Refused { error, .. }) => {
                self.status = format!("cannot use it: {error}")
            }
            None => {}
        }
    }

    pub(super) fn plugin_prompt_key(&mut self, key: KeyEvent) {
        let Overlay::PluginPrompt(typed) = &mut self.overlay else {
            return;
        };
        match key.code {
            KeyCode::Esc => {
                self.overlay = Overlay::None;
                self.status = "no plugin loaded".into();
            }
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) => typed.push(c),
            KeyCode::Enter => {
                let path = crate::config::dirs::expand_home(typed.trim());
                self.overlay = Overlay::None;
                if path.as_os_str().is_empty() {
                    self.status = "no plugin loaded".into();
                    return;
                }
                let isolation = self.plugins.registry.isolation.clone();
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    let opened = Plugin::open(&path, &isolation);
                    let _ = tx.send((path, opened));
                });
                self.plugins.loading = Some(rx);
                self.status = "probing the plugin…".into();
            }
            _ => {}
        }
    }

    /// Adds a plugin whose probe has finished.
    pub(super) fn tick_plugin_loading(&mut self) {
        let Some(rx) = &self.plugins.loading else {
            return;
        };
        let (path, opened) = match rx.try_recv() {
            Ok(done) => done,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => {
                self.plugins.loading = None;
                self.status = "the plugin could not be probed".into();
                return;
            }
        };
        self.plugins.loading = None;
        let registry = &mut self.plugins.registry;
        match registry.add(&path, opened) {
            Ok(plugin) => {
                self.status = format!(
                    "loaded {} {} from {}; {} makes it active",
                    plugin.name,
                    plugin.version,
                    path.display(),
                    crate::tui::keys::key_for(
                        crate::tui::keys::Action::ActivatePlugin,
                        super::Tab::Plugins
                    )
                );
                self.plugins.selected = registry
                    .entries
                    .iter()
                    .position(|e| matches!(e, RegistryEntry::Loaded(p) if p.name == plugin.name))
                    .unwrap_or(0);
            }
            Err(e) => {
                self.status = format!("refused: {e}");
                self.plugins.selected = registry.entries.len().saturating_sub(1);
            }
        }
    }
}
