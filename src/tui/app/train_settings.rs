//! The Train view's settings panel: what the next run uses, starting from the one training
//! config's defaults with the TUI's own choices (`training::tui_config`), each changed one step
//! at a time within its accepted range. Also where the cursor of the view's confusion matrix is.

use super::training::tui_config;
use super::App;
use crate::train::data::VectorLayout;
use crate::train::normalize::NormKind;
use crate::train::run::TrainConfig;
use crate::train::split::SplitKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Plugin,
    Split,
    Folds,
    Epochs,
    Ensemble,
    Augmentation,
    Copies,
    Norm,
    Layout,
}

impl Setting {
    pub const ALL: [Setting; 9] = [
        Setting::Plugin,
        Setting::Split,
        Setting::Folds,
        Setting::Epochs,
        Setting::Ensemble,
        Setting::Augmentation,
        Setting::Copies,
        Setting::Norm,
        Setting::Layout,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Setting::Plugin => "plugin",
            Setting::Split => "split",
            Setting::Folds => "folds",
            Setting::Epochs => "epochs (at most)",
            Setting::Ensemble => "networks",
            Setting::Augmentation => "augmentation",
            Setting::Copies => "copies per clip",
            Setting::Norm => "normalisation",
            Setting::Layout => "vector layout",
        }
    }
}

pub const MAX_FOLDS: usize = 10;
pub const MAX_EPOCHS: usize = 500;
pub const MAX_ENSEMBLE: usize = 16;
pub const MAX_COPIES: usize = 16;

pub struct TrainSettings {
    pub config: TrainConfig,
    /// Training clips get augmented copies (with the Augment view's policy).
    pub augment: bool,
    /// Position in `Setting::ALL`.
    pub selected: usize,
    /// The arrows move in the confusion matrix instead of the settings.
    pub matrix_focus: bool,
    /// (true class, predicted class) under the matrix cursor.
    pub cell: (usize, usize),
}

impl Default for TrainSettings {
    fn default() -> Self {
        let config = tui_config();
        Self {
            augment: !config.augment.is_off() && config.augment_copies > 0,
            config,
            selected: 0,
            matrix_focus: false,
            cell: (0, 0),
        }
    }
}

/// The name the command line gives a value (`per-speaker-rank`).
fn value_name(value: impl clap::ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

fn cycle<T: Copy + PartialEq>(items: &[T], current: T, up: bool) -> T {
    let i = items.iter().position(|x| *x == current).unwrap_or(0);
    let n = items.len();
    items[if up { (i + 1) % n } else { (i + n - 1) % n }]
}

impl TrainSettings {
    pub fn selected(&self) -> Setting {
        Setting::ALL[self.selected.min(Setting::ALL.len() - 1)]
    }

    pub fn step(&mut self, down: bool) {
        let last = Setting::ALL.len() - 1;
        self.selected = if down {
            (self.selected + 1).min(last)
        } else {
            self.selected.saturating_sub(1)
        };
    }

    /// One step up or down; refused (with the range) at either end.
    pub fn change(&mut self, setting: Setting, up: bool) -> Result<(), String> {
        let c = &mut self.config;
        let bounded = |value: usize, step: usize, lo: usize, hi: usize, what: &str| {
            let next = if up {
                value.checked_add(step)
            } else {
                value.checked_sub(step)
            };
            match next {
                Some(v) if (lo..=hi).contains(&v) => Ok(v),
                _ => Err(format!("{what}: {lo} to {hi}")),
            }
        };
        match setting {
            Setting::Plugin => {}
            Setting::Split => {
                c.split = cycle(
                    &[SplitKind::Speaker, SplitKind::Corpus, SplitKind::Random],
                    c.split,
                    up,
                )
            }
            Setting::Folds => {
                // None (one held-out fold) below 2.
                c.folds = match (c.folds, up) {
                    (None, true) => Some(2),
                    (None, false) => return Err(format!("folds: off, or 2 to {MAX_FOLDS}")),
                    (Some(2), false) => None,
                    (Some(k), _) => Some(bounded(k, 1, 2, MAX_FOLDS, "folds")?),
                }
            }
            Setting::Epochs => {
                c.settings.epochs = bounded(c.settings.epochs, 5, 5, MAX_EPOCHS, "epochs")?
            }
            Setting::Ensemble => c.ensemble = bounded(c.ensemble, 1, 1, MAX_ENSEMBLE, "networks")?,
            Setting::Augmentation => self.augment = !self.augment,
            Setting::Copies => {
                c.augment_copies = bounded(c.augment_copies, 1, 0, MAX_COPIES, "copies")?
            }
            Setting::Norm => {
                c.norm = cycle(
                    &[
                        NormKind::PerSpeakerRank,
                        NormKind::PerSpeaker,
                        NormKind::Global,
                    ],
                    c.norm,
                    up,
                )
            }
            Setting::Layout => {
                c.vector_layout = cycle(
                    &[VectorLayout::Channels, VectorLayout::FeatureAxis],
                    c.vector_layout,
                    up,
                )
            }
        }
        Ok(())
    }

    pub fn value_text(&self, setting: Setting, plugin: &str) -> String {
        let c = &self.config;
        match setting {
            Setting::Plugin => plugin.to_string(),
            Setting::Split => match c.split {
                SplitKind::Speaker => "speaker".into(),
                SplitKind::Corpus => "corpus".into(),
                SplitKind::Random => "random (LEAKY)".into(),
            },
            Setting::Folds => c
                .folds
                .map(|k| k.to_string())
                .unwrap_or_else(|| "off: held out".into()),
            Setting::Epochs => c.settings.epochs.to_string(),
            Setting::Ensemble => c.ensemble.to_string(),
            Setting::Augmentation => if self.augment { "on" } else { "off" }.into(),
            Setting::Copies => c.augment_copies.to_string(),
            Setting::Norm => value_name(c.norm),
            Setting::Layout => value_name(c.vector_layout),
        }
    }
}

impl App {
    /// Left / Right in the Train view: a setting one step, or the matrix cursor one column.
    pub(super) fn change_train_setting(&mut self, up: bool) {
        if self.train_settings.matrix_focus {
            self.move_cell(0, if up { 1 } else { -1 });
            return;
        }
        let setting = self.train_settings.selected();
        let result = match setting {
            Setting::Plugin => {
                let names: Vec<String> = self
                    .plugins
                    .registry
                    .loaded()
                    .map(|p| p.name.clone())
                    .collect();
                match names.iter().position(|n| *n == self.plugins.active) {
                    _ if names.is_empty() => Err("no plugin loaded".to_string()),
                    Some(i) => {
                        let n = names.len();
                        self.plugins.active =
                            names[if up { (i + 1) % n } else { (i + n - 1) % n }].clone();
                        Ok(())
                    }
                    None => {
                        self.plugins.active = names[0].clone();
                        Ok(())
                    }
                }
            }
            other => self.train_settings.change(other, up),
        };
        self.status = match result {
            Ok(()) => format!(
                "{} = {}",
                setting.label(),
                self.train_settings
                    .value_text(setting, &self.plugins.active)
            ),
            Err(e) => format!("not changed: {e}"),
        };
    }

    /// Moves the matrix cursor (rows: true class, columns: prediction), within the classes.
    pub(super) fn move_cell(&mut self, rows: isize, columns: isize) {
        let last = self.catalog.classes().len().saturating_sub(1) as isize;
        let (t, p) = self.train_settings.cell;
        let clamp = |v: usize, d: isize| (v as isize + d).clamp(0, last) as usize;
        self.train_settings.cell = (clamp(t, rows), clamp(p, columns));
    }

    /// Enter on a matrix cell: Browse with the clips of that cell.
    pub(super) fn open_cell(&mut self) {
        let Some(model) = &self.model else {
            self.status =
                "no model's predictions yet: train, or choose a run in the Runs view".into();
            return;
        };
        let (label, predicted) = self.train_settings.cell;
        let count = model.confusion()[label][predicted];
        let names = (
            model.classes[label].clone(),
            model.classes[predicted].clone(),
        );
        let sort = self.browse.filters.sort;
        self.browse.filters = super::browse::Filters {
            cell: Some((label, predicted)),
            sort,
            ..Default::default()
        };
        self.refresh_view();
        self.tab = super::Tab::Browse;
        self.status = format!(
            "{count} clips labelled {} and predicted {} ({} clears the filter)",
            names.0,
            names.1,
            crate::tui::keys::key_for(crate::tui::keys::Action::ClearFilters, super::Tab::Browse)
        );
    }
}
