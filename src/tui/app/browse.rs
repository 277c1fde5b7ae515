//! Browse: filters (corpus, class, speaker, gender, search), sorting and moving the selection.

use super::App;
use crate::corpus::{CorpusKind, Gender};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

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
    pub corpus: Option<CorpusKind>,
    pub class: Option<usize>,
    /// A speaker key (`corpus:speaker`, as `Clip::speaker_key` gives).
    pub speaker: Option<String>,
    pub gender: Option<Gender>,
    pub search: String,
    pub searching: bool,
    pub sort: SortKey,
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            corpus: None,
            class: None,
            speaker: None,
            gender: None,
            search: String::new(),
            searching: false,
            sort: SortKey::File,
        }
    }
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.corpus.is_none()
            && self.class.is_none()
            && self.speaker.is_none()
            && self.gender.is_none()
            && self.search.is_empty()
    }
}

/// The item after `current` in `items`, then none (all), then the first again.
fn cycle<T: Clone + PartialEq>(items: &[T], current: &Option<T>) -> Option<T> {
    match current
        .as_ref()
        .and_then(|c| items.iter().position(|x| x == c))
    {
        None => items.first().cloned(),
        Some(i) => items.get(i + 1).cloned(),
    }
}

impl App {
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
                    && f.gender.is_none_or(|g| c.gender == g)
                    && f.speaker.as_ref().is_none_or(|s| c.speaker_key() == *s)
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

    pub(super) fn search_key(&mut self, key: KeyEvent) {
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

    /// Speakers in catalog order, within the corpus filter.
    fn speaker_choices(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        self.catalog
            .clips
            .iter()
            .filter(|c| self.filters.corpus.is_none_or(|k| c.corpus == k))
            .map(|c| c.speaker_key())
            .filter(|k| seen.insert(k.clone()))
            .collect()
    }

    /// Moves the selection in the view (shared by Browse and Clip).
    pub(super) fn move_selection(&mut self, code: KeyCode) -> bool {
        let last = self.view.len().saturating_sub(1);
        self.selected = match code {
            KeyCode::Down | KeyCode::Char('j') => (self.selected + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => self.selected.saturating_sub(1),
            KeyCode::PageDown => (self.selected + self.page_rows).min(last),
            KeyCode::PageUp => self.selected.saturating_sub(self.page_rows),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => last,
            _ => return false,
        };
        true
    }

    pub(super) fn browse_key(&mut self, key: KeyEvent, ctrl: bool) {
        match key.code {
            KeyCode::Char('/') => {
                self.filters.searching = true;
                self.status =
                    "type to search path, speaker or emotion; Enter keeps the filter".into();
            }
            KeyCode::Char('c') => {
                let kinds: Vec<_> = self.catalog.corpora.iter().map(|r| r.kind).collect();
                self.filters.corpus = cycle(&kinds, &self.filters.corpus);
                // A speaker of another corpus would hide everything.
                if let Some(s) = &self.filters.speaker {
                    if !self.speaker_choices().contains(s) {
                        self.filters.speaker = None;
                    }
                }
                self.refresh_view();
            }
            KeyCode::Char('l') => {
                let classes: Vec<usize> = (0..self.catalog.classes().len()).collect();
                self.filters.class = cycle(&classes, &self.filters.class);
                self.refresh_view();
            }
            KeyCode::Char('s') => {
                self.filters.speaker = cycle(&self.speaker_choices(), &self.filters.speaker);
                self.refresh_view();
            }
            KeyCode::Char('f') => {
                let genders = [Gender::Female, Gender::Male, Gender::Unknown];
                self.filters.gender = cycle(&genders, &self.filters.gender);
                self.refresh_view();
            }
            KeyCode::Char('x') => {
                let sort = self.filters.sort;
                self.filters = super::Filters {
                    sort,
                    ..Default::default()
                };
                self.refresh_view();
                self.status = "filters cleared".into();
            }
            KeyCode::Char('o') => {
                self.filters.sort = self.filters.sort.next();
                self.refresh_view();
            }
            code if self.move_selection(code) => {}
            _ => self.relabel_key(key, ctrl),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cycle;

    #[test]
    fn cycling_goes_through_every_item_then_back_to_all() {
        let items = ["a", "b"];
        assert_eq!(cycle(&items, &None), Some("a"));
        assert_eq!(cycle(&items, &Some("a")), Some("b"));
        assert_eq!(cycle(&items, &Some("b")), None);
        assert_eq!(cycle(&items, &Some("gone")), Some("a"));
        assert_eq!(cycle::<&str>(&[], &None), None);
    }
}
