//! The application state and how keys change it. No terminal here: tests drive it directly.
//! Slow work (training, decoding a clip for the Clip view, playback) runs on worker threads and
//! reports through channels that `tick` drains, so the UI never blocks.

mod augment;
mod browse;
mod clip;
mod plugins;
mod relabel;
mod training;

pub use augment::{AugmentEditor, AugmentField};
pub use browse::Filters;
pub use training::TrainView;

use super::inspect::{ClipDetails, Inspector};
use super::theme::{Theme, ThemeSet, UiSettings};
use crate::corpus::Catalog;
use crate::features::PluginRegistry;
use crate::relabel::RelabelStore;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Browse,
    Clip,
    Augment,
    Plugins,
    Train,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Browse,
        Tab::Clip,
        Tab::Augment,
        Tab::Plugins,
        Tab::Train,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Browse => "Browse",
            Tab::Clip => "Clip",
            Tab::Augment => "Augment",
            Tab::Plugins => "Plugins",
            Tab::Train => "Train",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// Where the app keeps what the user changes. `None` keeps it in memory only (tests).
#[derive(Debug, Clone, Default)]
pub struct AppPaths {
    /// The augmentation policy the Augment view edits and training uses.
    pub augment: Option<PathBuf>,
    /// `ui.toml`: the chosen theme.
    pub ui: Option<PathBuf>,
    /// Where the Train view writes model directories.
    pub models: Option<PathBuf>,
}

pub struct App {
    pub catalog: Catalog,
    /// Indices into `catalog.clips`: the filtered, sorted list Browse shows.
    pub view: Vec<usize>,
    pub filters: Filters,
    /// Position in `view`.
    pub selected: usize,
    /// Rows visible in the last drawn table, for paging.
    pub page_rows: usize,
    pub tab: Tab,
    pub show_help: bool,
    pub confirm_quit: bool,
    /// Shown at start while the datasets file names corpora that are not there.
    pub show_missing: bool,
    /// Opens the demo corpus when the user asks for it in the missing-corpora panel.
    pub demo_loader: Option<Box<dyn Fn() -> Result<Catalog, String>>>,
    pub status: String,
    pub relabels: Option<RelabelStore>,
    pub registry: PluginRegistry,
    /// What training does when the plugin breaks on a clip (`--on-plugin-error`).
    pub on_plugin_error: crate::features::batch::OnPluginError,
    pub active_plugin: String,
    pub plugin_selected: usize,
    /// The plugin path being typed in the Plugins view, while the prompt is open.
    pub plugin_prompt: Option<String>,
    pub train: TrainView,
    pub augment: AugmentEditor,
    pub theme: Theme,
    pub themes: ThemeSet,
    pub paths: AppPaths,
    /// Background playback; `None` in tests that need no audio.
    pub player: Option<crate::audio::player::Player>,
    pub playing: bool,
    /// The Clip view's worker; `None` in tests that draw no clip.
    pub inspector: Option<Inspector>,
    /// The latest answer for the Clip view (it may be for another clip while a new one loads).
    pub details: Option<ClipDetails>,
    /// The clip and plugin last asked of the inspector.
    inspected: Option<(usize, String)>,
    /// First feature row shown in the Clip view.
    pub feature_scroll: usize,
    play_count: u64,
    quit: bool,
}

impl App {
    pub fn new(catalog: Catalog) -> Self {
        Self::with_parts(catalog, None, PluginRegistry::default())
    }

    pub fn with_parts(
        catalog: Catalog,
        relabels: Option<RelabelStore>,
        registry: PluginRegistry,
    ) -> Self {
        // The training default first, then classic, then whatever loaded.
        let preferred = [crate::train::DEFAULT_PLUGIN, "classic"]
            .into_iter()
            .find(|name| registry.get(name).is_ok());
        let active_plugin = if let Some(name) = preferred {
            name.to_string()
        } else {
            registry
                .loaded()
                .next()
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "classic".into())
        };
        let view = (0..catalog.clips.len()).collect();
        let themes = ThemeSet::load(None);
        let theme = themes
            .themes
            .first()
            .cloned()
            .unwrap_or_else(Theme::colourless);
        Self {
            catalog,
            view,
            filters: Filters::default(),
            selected: 0,
            page_rows: 20,
            tab: Tab::Browse,
            show_help: false,
            confirm_quit: false,
            show_missing: false,
            demo_loader: None,
            status: String::new(),
            relabels,
            registry,
            on_plugin_error: Default::default(),
            active_plugin,
            plugin_selected: 0,
            plugin_prompt: None,
            train: TrainView::default(),
            augment: AugmentEditor::default(),
            theme,
            themes,
            paths: AppPaths::default(),
            player: None,
            playing: false,
            inspector: None,
            details: None,
            inspected: None,
            feature_scroll: 0,
            play_count: 0,
            quit: false,
        }
    }

    /// The user's settings: themes (built-in + user folder, `NO_COLOR`), `ui.toml`, the
    /// augmentation policy, and where models go. Problems end up in the status bar.
    pub fn use_settings(&mut self, paths: AppPaths, user_themes: Option<&std::path::Path>) {
        let mut problems = Vec::new();
        self.themes = ThemeSet::load(user_themes);
        problems.extend(self.themes.problems.iter().cloned());
        let chosen = match paths.ui.as_deref().map(UiSettings::load) {
            Some(Ok(settings)) => settings.theme,
            Some(Err(e)) => {
                problems.push(e);
                None
            }
            None => None,
        };
        if super::theme::no_color_requested() {
            self.theme = Theme::colourless();
        } else if let Some(name) = chosen {
            match self.themes.named(&name) {
                Some(theme) => self.theme = theme.clone(),
                None => problems.push(format!(
                    "theme `{name}` not found (have: {})",
                    self.themes.names().join(", ")
                )),
            }
        } else if let Some(first) = self.themes.themes.first() {
            self.theme = first.clone();
        }
        if let Some(path) = &paths.augment {
            match AugmentEditor::load(path) {
                Ok(editor) => self.augment = editor,
                Err(e) => problems.push(format!("{e}; using the default augmentation")),
            }
        }
        self.paths = paths;
        if !problems.is_empty() {
            self.status = problems.join(" · ");
        }
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The catalog index of the selected clip.
    pub fn current_clip(&self) -> Option<usize> {
        self.view.get(self.selected).copied()
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        if self.plugin_prompt.is_some() {
            self.plugin_prompt_key(key);
            return;
        }
        if self.filters.searching {
            self.search_key(key);
            return;
        }
        if self.confirm_quit {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('q') => {
                    self.stop_training();
                    self.quit = true;
                }
                _ => self.confirm_quit = false,
            }
            return;
        }
        if self.show_help {
            self.show_help = false;
            return;
        }
        if self.show_missing {
            self.missing_panel_key(key);
            return;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if ctrl => self.quit = true,
            KeyCode::Char('q') | KeyCode::Esc => {
                if self.train.running {
                    self.confirm_quit = true;
                } else {
                    self.quit = true;
                }
            }
            KeyCode::Char('?') => self.show_help = true,
            KeyCode::Char('t') => self.next_theme(),
            KeyCode::Tab => self.tab = Tab::ALL[(self.tab.index() + 1) % Tab::ALL.len()],
            KeyCode::BackTab => {
                self.tab = Tab::ALL[(self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
            }
            KeyCode::F(n @ 1..=5) => self.tab = Tab::ALL[usize::from(n) - 1],
            KeyCode::Char(' ') if matches!(self.tab, Tab::Browse | Tab::Clip) => {
                self.toggle_playback(false)
            }
            KeyCode::Char('a') if matches!(self.tab, Tab::Browse | Tab::Clip | Tab::Augment) => {
                self.toggle_playback(true)
            }
            _ => match self.tab {
                Tab::Browse => self.browse_key(key, ctrl),
                Tab::Clip => self.clip_view_key(key, ctrl),
                Tab::Augment => self.augment_key(key),
                Tab::Plugins => self.plugins_key(key),
                Tab::Train => self.train_key(key),
            },
        }
    }

    /// The missing-corpora panel: `d` switches to the demo corpus on purpose, Enter or Esc goes on
    /// with the corpora that are there, `q` quits.
    fn missing_panel_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('d') => {
                let Some(loader) = &self.demo_loader else {
                    return;
                };
                match loader() {
                    Ok(catalog) => {
                        self.catalog = catalog;
                        self.filters = Filters::default();
                        self.selected = 0;
                        self.refresh_view();
                        self.show_missing = false;
                        self.status =
                            "using the SYNTHETIC demo corpus, as asked (the configured corpora are missing)"
                                .into();
                    }
                    Err(e) => self.status = format!("cannot open the demo corpus: {e}"),
                }
            }
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Enter | KeyCode::Esc => {
                self.show_missing = false;
                self.status = format!(
                    "{} configured corpus folder(s) missing: see `serlab datasets`",
                    self.catalog.missing.len()
                );
            }
            _ => {}
        }
    }

    /// Switches to the next theme and remembers it in `ui.toml`.
    fn next_theme(&mut self) {
        if super::theme::no_color_requested() {
            self.status = "NO_COLOR is set: colours stay off".into();
            return;
        }
        let Some(next) = self.themes.next_after(&self.theme.name).cloned() else {
            return;
        };
        self.theme = next;
        self.status = format!("theme {}", self.theme.name);
        if let Some(path) = &self.paths.ui {
            let settings = UiSettings {
                theme: Some(self.theme.name.clone()),
            };
            if let Err(e) = settings.save(path) {
                self.status = format!("theme {} (not saved: {e})", self.theme.name);
            }
        }
    }

    /// Space plays or stops the selected clip; `a` plays it under the current augmentation.
    fn toggle_playback(&mut self, augmented: bool) {
        use crate::audio::player::PlayerCommand;
        let Some(player) = &self.player else {
            self.status = "playback is not available in this session".into();
            return;
        };
        if self.playing && !augmented {
            player.send(PlayerCommand::Stop);
            return;
        }
        let Some(clip) = self
            .current_clip()
            .map(|i| self.catalog.clips[i].path.clone())
        else {
            return;
        };
        if augmented {
            self.play_count += 1;
            player.send(PlayerCommand::PlayAugmented(
                clip,
                Box::new(self.augment.policy.clone()),
                self.play_count,
            ));
        } else {
            player.send(PlayerCommand::Play(clip));
        }
    }

    /// Drains the workers' channels and asks for what the current view needs (every frame).
    pub fn tick(&mut self) {
        if let Some(player) = &self.player {
            for event in player.poll() {
                match event {
                    crate::audio::player::PlayerEvent::Started(name) => {
                        self.playing = true;
                        self.status = format!("▶ playing {name} (Space stops)");
                    }
                    crate::audio::player::PlayerEvent::Finished => {
                        self.playing = false;
                        self.status = "playback finished".into();
                    }
                    crate::audio::player::PlayerEvent::Error(e) => {
                        self.playing = false;
                        self.status = e;
                    }
                }
            }
        }
        self.tick_inspector();
        self.tick_training();
    }
}
