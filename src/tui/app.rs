//! The application state and how keys change it. No terminal here: tests drive it directly.
//! Slow work (training) runs on a worker thread and reports through a channel that `tick`
//! drains, so the UI never blocks.

use crate::corpus::Catalog;
use crate::features::{PluginRegistry, RegistryEntry};
use crate::relabel::{ClipKey, RelabelStore};
use crate::train::events::{EpochReport, TrainEvent};
use crate::train::metrics::Scores;
use crate::train::run::TrainConfig;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;

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

/// What the Train view shows.
#[derive(Default)]
pub struct TrainView {
    pub running: bool,
    pub history: Vec<EpochReport>,
    pub confusion: Option<Scores>,
    /// (epoch, batch, batches)
    pub progress: Option<(usize, usize, usize)>,
    /// Epochs where the LR dropped or training stopped early, with a word.
    pub markers: Vec<(usize, &'static str)>,
    pub fold: String,
    pub result: Option<String>,
    events: Option<Receiver<TrainEvent>>,
    cancel: Option<Arc<AtomicBool>>,
}

/// How Browse orders the clips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    File,
    Speaker,
    Class,
    Duration,
}

impl SortKey {
    pub fn name(self) -> &'static str {
        match self {
            SortKey::File => "file",
            SortKey::Speaker => "speaker",
            SortKey::Class => "class",
            SortKey::Duration => "duration",
        }
    }

    fn next(self) -> Self {
        match self {
            SortKey::File => SortKey::Speaker,
            SortKey::Speaker => SortKey::Class,
            SortKey::Class => SortKey::Duration,
            SortKey::Duration => SortKey::File,
        }
    }
}

/// Browse's filters; the view is the catalog's clips that pass them, in `sort` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Filters {
    pub corpus: Option<crate::corpus::CorpusKind>,
    pub class: Option<usize>,
    pub search: String,
    pub searching: bool,
    pub sort: SortKey,
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            corpus: None,
            class: None,
            search: String::new(),
            searching: false,
            sort: SortKey::File,
        }
    }
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
    pub status: String,
    pub relabels: Option<RelabelStore>,
    pub registry: PluginRegistry,
    pub active_plugin: String,
    pub plugin_selected: usize,
    pub train: TrainView,
    /// Background playback; `None` in tests that need no audio.
    pub player: Option<crate::audio::player::Player>,
    pub playing: bool,
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
        let active_plugin = registry
            .loaded()
            .next()
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "classic".into());
        let active_plugin = if registry.get("classic").is_ok() {
            "classic".into()
        } else {
            active_plugin
        };
        let view = (0..catalog.clips.len()).collect();
        Self {
            catalog,
            view,
            filters: Filters::default(),
            selected: 0,
            page_rows: 20,
            tab: Tab::Browse,
            show_help: false,
            confirm_quit: false,
            status: String::new(),
            relabels,
            registry,
            active_plugin,
            plugin_selected: 0,
            train: TrainView::default(),
            player: None,
            playing: false,
            play_count: 0,
            quit: false,
        }
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The catalog index of the selected clip.
    pub fn current_clip(&self) -> Option<usize> {
        self.view.get(self.selected).copied()
    }

    /// Rebuilds the view after a filter or sort change, keeping the selected clip if it stays.
    pub fn refresh_view(&mut self) {
        let keep = self.current_clip();
        let f = &self.filters;
        let needle = f.search.to_lowercase();
        let clips = &self.catalog.clips;
        let mut view: Vec<usize> = (0..clips.len())
            .filter(|&i| {
                let c = &clips[i];
                f.corpus.is_none_or(|k| c.corpus == k)
                    && f.class.is_none_or(|k| c.target == Some(k))
                    && (needle.is_empty()
                        || c.relative.to_lowercase().contains(&needle)
                        || c.speaker.to_lowercase().contains(&needle)
                        || c.emotion.as_str().contains(&needle))
            })
            .collect();
        match f.sort {
            SortKey::File => {}
            SortKey::Speaker => {
                view.sort_by(|&a, &b| clips[a].speaker_key().cmp(&clips[b].speaker_key()))
            }
            SortKey::Class => view.sort_by_key(|&i| clips[i].target.unwrap_or(usize::MAX)),
            SortKey::Duration => {
                view.sort_by(|&a, &b| clips[a].duration_s.total_cmp(&clips[b].duration_s))
            }
        }
        self.selected = keep
            .and_then(|k| view.iter().position(|&i| i == k))
            .unwrap_or(0);
        self.view = view;
    }

    fn search_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter | KeyCode::Esc => self.filters.searching = false,
            KeyCode::Backspace => {
                self.filters.search.pop();
                self.refresh_view();
            }
            KeyCode::Char(c) => {
                self.filters.search.push(c);
                self.refresh_view();
            }
            _ => {}
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
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
                Tab::Plugins => self.plugins_key(key),
                Tab::Train => self.train_key(key),
                Tab::Clip | Tab::Augment => {}
            },
        }
    }

    fn browse_key(&mut self, key: KeyEvent, ctrl: bool) {
        let last = self.view.len().saturating_sub(1);
        match key.code {
            KeyCode::Char('/') => {
                self.filters.searching = true;
                self.status =
                    "type to search path, speaker or emotion; Enter keeps the filter".into();
            }
            KeyCode::Char('c') => {
                let kinds: Vec<_> = self.catalog.corpora.iter().map(|r| r.kind).collect();
                self.filters.corpus = match self
                    .filters
                    .corpus
                    .and_then(|k| kinds.iter().position(|x| *x == k))
                {
                    None => kinds.first().copied(),
                    Some(i) => kinds.get(i + 1).copied(),
                };
                self.refresh_view();
            }
            KeyCode::Char('l') => {
                let n = self.catalog.classes().len();
                self.filters.class = match self.filters.class {
                    None if n > 0 => Some(0),
                    Some(i) if i + 1 < n => Some(i + 1),
                    _ => None,
                };
                self.refresh_view();
            }
            KeyCode::Char('o') => {
                self.filters.sort = self.filters.sort.next();
                self.refresh_view();
            }
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown => self.selected = (self.selected + self.page_rows).min(last),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(self.page_rows),
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.selected = last,
            KeyCode::Char('r') if ctrl => self.relabel_history(false),
            KeyCode::Char('u') => self.relabel_history(true),
            KeyCode::Char(d @ '0'..='9') => self.relabel(d as usize - '0' as usize),
            _ => {}
        }
    }

    fn clip_key(&self, index: usize) -> Option<ClipKey> {
        self.catalog.clips.get(index).map(ClipKey::of)
    }

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
    }

    /// `0` resets to the corpus label; `n` sets the n-th class.
    fn relabel(&mut self, digit: usize) {
        let classes = self.catalog.classes().to_vec();
        let label = match digit {
            0 => None,
            n if n <= classes.len() => Some(classes[n - 1].clone()),
            _ => return,
        };
        let Some(key) = self.clip_key(self.selected) else {
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

    fn relabel_history(&mut self, undo: bool) {
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
                    .view
                    .iter()
                    .position(|&i| key.matches(&self.catalog.clips[i]))
                {
                    self.selected = pos;
                }
                self.refresh_target(&key);
            }
            Ok(None) => self.status = format!("nothing to {}", if undo { "undo" } else { "redo" }),
            Err(e) => self.status = format!("not saved: {e}"),
        }
    }

    fn plugins_key(&mut self, key: KeyEvent) {
        let n = self.registry.entries.len();
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                self.plugin_selected = (self.plugin_selected + 1).min(n.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.plugin_selected = self.plugin_selected.saturating_sub(1)
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

    fn train_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('s') => self.start_training(),
            KeyCode::Char('x') => self.stop_training(),
            _ => {}
        }
    }

    pub fn start_training(&mut self) {
        if self.train.running {
            self.status = "training is already running".into();
            return;
        }
        let plugin = match self.registry.get(&self.active_plugin) {
            Ok(p) => p,
            Err(e) => {
                self.status = e.to_string();
                return;
            }
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let catalog = self.catalog.clone();
        let flag = cancel.clone();
        let params = plugin.default_params();
        std::thread::spawn(move || {
            let config = TrainConfig {
                settings: epochs_hint(),
                ..TrainConfig::default()
            };
            if let Err(e) = crate::train::run::run(&catalog, plugin, params, &config, &tx, &flag) {
                let _ = tx.send(TrainEvent::Error {
                    message: e.to_string(),
                });
            }
        });
        self.train = TrainView {
            running: true,
            events: Some(rx),
            cancel: Some(cancel),
            ..TrainView::default()
        };
        self.status = format!("training with {}…", self.active_plugin);
    }

    pub fn stop_training(&mut self) {
        if let Some(cancel) = &self.train.cancel {
            cancel.store(true, Ordering::Relaxed);
            self.status = "stopping training…".into();
        }
    }

    /// Space plays or stops the selected clip; `a` plays it under the augmentation policy.
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
            let policy = crate::augment::AugmentPolicy::load(
                &crate::augment::AugmentPolicy::user_default_path(),
            )
            .unwrap_or_default();
            self.play_count += 1;
            player.send(PlayerCommand::PlayAugmented(
                clip,
                Box::new(policy),
                self.play_count,
            ));
        } else {
            player.send(PlayerCommand::Play(clip));
        }
    }

    /// Drains the worker's events (called every frame).
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
        let Some(rx) = &self.train.events else { return };
        let events: Vec<TrainEvent> = rx.try_iter().collect();
        for event in events {
            match event {
                TrainEvent::Preparing { done, total } => {
                    self.train.fold = format!("extracting features {done}/{total}")
                }
                TrainEvent::FoldStarted { name, .. } => {
                    self.train.fold = name;
                    self.train.history.clear();
                    self.train.markers.clear();
                }
                TrainEvent::Batch {
                    epoch,
                    batch,
                    batches,
                    ..
                } => self.train.progress = Some((epoch, batch, batches)),
                TrainEvent::Epoch(report) => {
                    self.train.confusion = Some(report.validation.clone());
                    self.train.history.push(report);
                }
                TrainEvent::LrReduced { epoch, .. } => self.train.markers.push((epoch, "lr")),
                TrainEvent::EarlyStopped { epoch, .. } => self.train.markers.push((epoch, "stop")),
                TrainEvent::FoldFinished { test, .. } => {
                    self.status = format!("fold test UA {:.3}", test.unweighted_accuracy)
                }
                TrainEvent::Finished { message } => {
                    self.train.result = Some(message.clone());
                    self.status = message;
                }
                TrainEvent::Error { message } => {
                    self.train.result = Some(format!("stopped: {message}"));
                    self.status = message;
                }
            }
        }
        if let Some(result) = &self.train.result {
            if self.train.running {
                self.train.running = false;
                self.train.events = None;
                self.status = result.clone();
            }
        }
    }
}

/// TUI runs are shorter than the CLI default: results in minutes, not hours.
fn epochs_hint() -> crate::train::engine::LoopSettings {
    crate::train::engine::LoopSettings {
        epochs: 20,
        ..Default::default()
    }
}
