//! The Plugins view: choose the active extractor (and with it the model family), or load one
//! more plugin from a path typed at a prompt.

use super::App;
use crate::features::RegistryEntry;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

/// `~/x` means the home folder's `x`, as in a shell.
fn expand_home(typed: &str) -> PathBuf {
    match (typed.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(typed),
    }
}

impl App {
    pub(super) fn plugins_key(&mut self, key: KeyEvent) {
        let n = self.registry.entries.len();
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                self.plugin_selected = (self.plugin_selected + 1).min(n.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.plugin_selected = self.plugin_selected.saturating_sub(1)
            }
            KeyCode::Char('o') => {
                self.plugin_prompt = Some(String::new());
                self.status = "path of a plugin library (.so); Enter loads, Esc cancels".into();
            }
            KeyCode::Enter => match self.registry.entries.get(self.plugin_selected) {
                Some(RegistryEntry::Loaded(p)) => {
                    self.active_plugin = p.name.clone();
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
            },
            _ => {}
        }
    }

    pub(super) fn plugin_prompt_key(&mut self, key: KeyEvent) {
        let Some(typed) = self.plugin_prompt.as_mut() else {
            return;
        };
        match key.code {
            KeyCode::Esc => {
                self.plugin_prompt = None;
                self.status = "no plugin loaded".into();
            }
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) => typed.push(c),
            KeyCode::Enter => {
                let path = expand_home(typed.trim());
                self.plugin_prompt = None;
                if path.as_os_str().is_empty() {
                    self.status = "no plugin loaded".into();
                    return;
                }
                match self.registry.load_path(&path) {
                    Ok(plugin) => {
                        self.status = format!(
                            "loaded {} {} from {}; Enter makes it active",
                            plugin.name,
                            plugin.version,
                            path.display()
                        );
                        self.plugin_selected = self
                            .registry
                            .entries
                            .iter()
                            .position(
                                |e| matches!(e, RegistryEntry::Loaded(p) if p.name == plugin.name),
                            )
                            .unwrap_or(0);
                    }
                    Err(e) => {
                        self.status = format!("refused: {e}");
                        self.plugin_selected = self.registry.entries.len().saturating_sub(1);
                    }
                }
            }
            _ => {}
        }
    }
}
