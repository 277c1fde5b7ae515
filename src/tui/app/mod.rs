//! The application state and how actions change it. No terminal here: tests drive it directly.
//! Keys become `Action`s through the one key table (`keys`); an open overlay takes the keys
//! first. Slow work (training, decoding a clip for the Clip view, playback, probing a plugin)
//! runs on worker threads and reports through channels that `tick` drains, so the UI never blocks.

mod augment;
mod browse;
mod clip;
mod live;
mod model;
mod plugins;
mod relabel;
mod runs;
mod train_settings;
mod training;

pub use augment::{AugmentEditor, AugmentField};
pub use browse::{BrowseState, SortKey};
pub use clip::ClipState;
pub use live::LiveState;
pub use model::ModelPredictions;
pub use plugins::PluginsState;
pub use runs::{RunDetails, RunsState};
pub use train_settings::{Setting, TrainSettings};
pub use training::{training_settings_text, TrainView};

use super::keys::{self, Action, Context};
use super::theme::{Theme, ThemeSet, UiSettings};
use crate::corpus::Catalog;
use crate::features::batch::OnPluginError;
use crate::features::PluginRegistry;
use crate::relabel::RelabelStore;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Browse,
    Clip,
    Augment,
    Plugins,
    Train,
    Runs,
    Live,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Browse,
        Tab::Clip,
        Tab::Augment,
        Tab::Plugins,
        Tab::Train,
        Tab::Runs,
        Tab::Live,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Browse => "Browse",
            Tab::Clip => "Clip",
            Tab::Augment => "Augment",
            Tab::Plugins => "Plugins",
            Tab::Train => "Train",
            Tab::Runs => "Runs",
            Tab::Live => "Live",
        }
    }

    /// Its position in the tab bar.
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    fn step(self, forward: bool) -> Tab {
        let n = Self::ALL.len();
        Self::ALL[(self.index() + if forward { 1 } else { n - 1 }) % n]
    }
}

/// What sits on top of the views and takes the keys first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    /// Quit while training runs?
    ConfirmQuit,
    /// At start, while the datasets file names corpora that are not there.
    MissingCorpora,
    /// A plugin path being typed in the Plugins view.
    PluginPrompt(String),
    /// Browse's search being typed (the text lives in the filters).
    Search,
    /// The folder the Live view saves its utterances in, being typed.
    SavePrompt(String),
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
    /// Where runs are recorded (and the Runs view reads them).
    pub runs: Option<crate::train::runs::RunStore>,
}

/// Background playback; `player` is `None` in tests that need no audio.
#[derive(Default)]
pub struct Playback {
    pub player: Option<crate::audio::player::Player>,
    pub playing: bool,
    /// Numbers augmented plays, so each draws new augmentation.
    count: u64,
}

pub struct App {
    pub catalog: Catalog,
    pub tab: Tab,
    pub overlay: Overlay,
    pub status: String,
    pub browse: BrowseState,
    pub clip: ClipState,
    pub plugins: PluginsState,
    pub train: TrainView,
    /// The Train view's settings panel and matrix cursor (kept from run to run).
    pub train_settings: TrainSettings,
    pub runs: RunsState,
    pub live: LiveState,
    pub augment: AugmentEditor,
    pub relabels: Option<RelabelStore>,
    /// The run whose predictions show beside the clips (the latest by default).
    pub model: Option<ModelPredictions>,
    pub theme: Theme,
    pub themes: ThemeSet,
    pub paths: AppPaths,
    pub playback: Playback,
    /// What training does when the plugin breaks on a clip (`--on-plugin-error`).
    pub on_plugin_error: OnPluginError,
    /// Opens the demo corpus when the user asks for it in the missing-corpora panel.
    pub demo_loader: Option<Box<dyn Fn() -> Result<Catalog, String>>>,
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
        let themes = ThemeSet::load(None);
        let theme = themes
            .themes
            .first()
            .cloned()
            .unwrap_or_else(Theme::colourless);
        let overlay = if catalog.missing.is_empty() {
            Overlay::None
        } else {
            Overlay::MissingCorpora
        };
        let mut app = Self {
            browse: BrowseState::default(),
            catalog,
            tab: Tab::Browse,
            overlay,
            status: String::new(),
            clip: ClipState::default(),
            plugins: PluginsState::new(registry),
            train: TrainView::default(),
            train_settings: TrainSettings::default(),
            runs: RunsState::default(),
            live: LiveState::default(),
            augment: AugmentEditor::default(),
            relabels,
            model: None,
            theme,
            themes,
            paths: AppPaths::default(),
            playback: Playback::default(),
            on_plugin_error: OnPluginError::default(),
            demo_loader: None,
            quit: false,
        };
        app.refresh_view();
        app
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
        self.browse.current()
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        match &self.overlay {
            Overlay::None => {
                if let Some(action) = keys::action_for(&key, self.tab) {
                    self.perform(action);
                }
            }
            Overlay::Help => self.overlay = Overlay::None,
            Overlay::ConfirmQuit => match keys::panel_action(&key, Context::ConfirmQuit) {
                Some(action) => self.perform(action),
                None => self.overlay = Overlay::None,
            },
            Overlay::MissingCorpora => {
                if let Some(action) = keys::panel_action(&key, Context::MissingCorpora) {
                    self.perform(action);
                }
            }
            Overlay::PluginPrompt(_) => self.plugin_prompt_key(key),
            Overlay::Search => self.search_key(key),
            Overlay::SavePrompt(_) => self.save_prompt_key(key),
        }
    }

    /// What every action does; the view decides where one action means different things
    /// (Down moves the clip list, the augmentation settings or the plugin list).
    pub fn perform(&mut self, action: Action) {
        match action {
            Action::NextView => self.show(self.tab.step(true)),
            Action::PreviousView => self.show(self.tab.step(false)),
            Action::ShowView(tab) => self.show(tab),
            Action::Help => self.overlay = Overlay::Help,
            Action::NextTheme => self.next_theme(),
            Action::Quit if self.train.running => self.overlay = Overlay::ConfirmQuit,
            Action::Quit | Action::QuitNow => {
                self.stop_training();
                if self.live.listening {
                    self.toggle_listening();
                }
                self.quit = true;
            }
            Action::Down | Action::Up => {
                let down = action == Action::Down;
                match self.tab {
                    Tab::Augment => self.augment.step_field(down),
                    Tab::Plugins => self.plugins.step(down),
                    Tab::Train if self.train_settings.matrix_focus => {
                        self.move_cell(if down { 1 } else { -1 }, 0)
                    }
                    Tab::Train => self.train_settings.step(down),
                    Tab::Runs => self.runs.step(down),
                    _ => self.move_selection(if down { KeyCode::Down } else { KeyCode::Up }),
                }
            }
            Action::PageDown => self.move_selection(KeyCode::PageDown),
            Action::PageUp => self.move_selection(KeyCode::PageUp),
            Action::First => self.move_selection(KeyCode::Home),
            Action::Last => self.move_selection(KeyCode::End),
            Action::PlayToggle => self.toggle_playback(false),
            Action::PlayAugmented => self.toggle_playback(true),
            Action::Relabel(n) => self.relabel(usize::from(n)),
            Action::CorpusLabel => self.relabel(0),
            Action::Undo => self.relabel_history(true),
            Action::Redo => self.relabel_history(false),
            Action::Search => {
                self.overlay = Overlay::Search;
                self.status =
                    "type to search path, speaker or emotion; Enter keeps the filter".into();
            }
            Action::FilterCorpus
            | Action::FilterClass
            | Action::FilterSpeaker
            | Action::FilterGender
            | Action::ClearFilters
            | Action::Sort => self.filter(action),
            Action::ScrollFeaturesDown => self.clip.feature_scroll += 1,
            Action::ScrollFeaturesUp => {
                self.clip.feature_scroll = self.clip.feature_scroll.saturating_sub(1)
            }
            Action::Increase | Action::Decrease if self.tab == Tab::Train => {
                self.change_train_setting(action == Action::Increase)
            }
            Action::Increase => self.change_setting(Some(true)),
            Action::Decrease => self.change_setting(Some(false)),
            Action::FocusMatrix => {
                let focus = &mut self.train_settings.matrix_focus;
                *focus = !*focus;
                self.status = if *focus {
                    "the arrows move in the confusion matrix; Enter opens the clips of a cell"
                        .into()
                } else {
                    "the arrows change the settings".into()
                };
            }
            Action::OpenCell => self.open_cell(),
            Action::MarkRun => self.mark_run(),
            Action::UseRun => self.use_selected_run(),
            Action::ReloadRuns => self.reload_runs(),
            Action::ToggleListening => self.toggle_listening(),
            Action::SaveUtterances => self.ask_save_folder(),
            Action::DefaultPolicy => self.change_setting(None),
            Action::ActivatePlugin => self.activate_plugin(),
            Action::LoadPlugin => {
                self.overlay = Overlay::PluginPrompt(String::new());
                self.status = "path of a plugin library (.so); Enter loads, Esc cancels".into();
            }
            Action::StartTraining => self.start_training(),
            Action::StopTraining => self.stop_training(),
            Action::UseDemo => self.use_demo(),
            Action::Dismiss => {
                self.overlay = Overlay::None;
                self.status = format!(
                    "{} configured corpus folder(s) missing: see `serlab datasets`",
                    self.catalog.missing.len()
                );
            }
        }
    }

    /// Switches views; the Runs view reads the run records as it opens.
    fn show(&mut self, tab: Tab) {
        if tab == Tab::Runs && self.tab != Tab::Runs {
            self.reload_runs();
        }
        self.tab = tab;
    }

    /// The demo corpus in place of the missing ones, because the user asked for it.
    fn use_demo(&mut self) {
        let Some(loader) = &self.demo_loader else {
            return;
        };
        match loader() {
            Ok(catalog) => {
                self.catalog = catalog;
                self.browse = BrowseState::default();
                self.refresh_view();
                self.overlay = Overlay::None;
                self.status =
                    "using the SYNTHETIC demo corpus, as asked (the configured corpora are missing)"
                        .into();
            }
            Err(e) => self.status = format!("cannot open the demo corpus: {e}"),
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
        let Some(player) = &self.playback.player else {
            self.status = "playback is not available in this session".into();
            return;
        };
        if self.playback.playing && !augmented {
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
            self.playback.count += 1;
            player.send(PlayerCommand::PlayAugmented(
                clip,
                Box::new(self.augment.policy.clone()),
                self.playback.count,
            ));
        } else {
            player.send(PlayerCommand::Play(clip));
        }
    }

    /// Drains the workers' channels and asks for what the current view needs (every frame).
    pub fn tick(&mut self) {
        if let Some(player) = &self.playback.player {
            for event in player.poll() {
                match event {
                    crate::audio::player::PlayerEvent::Started(name) => {
                        self.playback.playing = true;
                        self.status = format!(
                            "▶ playing {name} ({} stops)",
                            keys::key_for(Action::PlayToggle, Tab::Browse)
                        );
                    }
                    crate::audio::player::PlayerEvent::Finished => {
                        self.playback.playing = false;
                        self.status = "playback finished".into();
                    }
                    crate::audio::player::PlayerEvent::Error(e) => {
                        self.playback.playing = false;
                        self.status = e;
                    }
                }
            }
        }
        self.tick_inspector();
        self.tick_plugin_loading();
        self.tick_live();
        self.tick_training();
    }
}
