//! Every key binding in one table. The dispatcher turns a key into an `Action` by looking it up
//! here, and the help overlay, the views' hints and the README's key map are generated from the
//! same rows, so what the help says is what the keys do.

use super::app::Tab;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NextView,
    PreviousView,
    ShowView(Tab),
    Help,
    NextTheme,
    /// Quit; asks first while training runs.
    Quit,
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    Last,
    PlayToggle,
    PlayAugmented,
    /// Relabel the selected clip with the n-th configured class (1-based); in the table, 0
    /// stands for "the digit pressed".
    Relabel(u8),
    CorpusLabel,
    Undo,
    Redo,
    Search,
    FilterCorpus,
    FilterClass,
    FilterSpeaker,
    FilterGender,
    ClearFilters,
    Sort,
    ScrollFeaturesDown,
    ScrollFeaturesUp,
    Increase,
    Decrease,
    DefaultPolicy,
    ActivatePlugin,
    LoadPlugin,
    StartTraining,
    StopTraining,
    /// The Train view's arrows switch between the settings and the confusion matrix.
    FocusMatrix,
    /// Browse with the clips of the matrix cell under the cursor.
    OpenCell,
    /// Marks (or unmarks) the selected run to compare with another.
    MarkRun,
    /// Shows the selected run's predictions beside the clips.
    UseRun,
    ReloadRuns,
    /// Starts or stops listening on the input device.
    ToggleListening,
    /// Saves the utterances heard as WAV files.
    SaveUtterances,
    /// In the missing-corpora panel: the demo corpus, on purpose.
    UseDemo,
    /// Close a panel and go on.
    Dismiss,
    /// In the quit confirmation: quit and stop the training.
    QuitNow,
}

/// Where a binding works: in every view, in some views, or in a panel that takes the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Everywhere,
    Views(&'static [Tab]),
    /// The panel listing configured corpora that are missing (at start).
    MissingCorpora,
    /// The question before quitting while training runs.
    ConfirmQuit,
}

impl Context {
    fn covers(self, tab: Tab) -> bool {
        match self {
            Context::Everywhere => true,
            Context::Views(tabs) => tabs.contains(&tab),
            Context::MissingCorpora | Context::ConfirmQuit => false,
        }
    }

    /// How the README and the help name it.
    pub fn describe(self) -> String {
        match self {
            Context::Everywhere => "everywhere".into(),
            Context::Views(tabs) => tabs
                .iter()
                .map(|t| t.title())
                .collect::<Vec<_>>()
                .join(", "),
            Context::MissingCorpora => "missing-corpora panel".into(),
            Context::ConfirmQuit => "quit question".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

const fn plain(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    plain(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

impl Key {
    fn matches(&self, event: &KeyEvent) -> bool {
        // Shift is part of the character ('G') or of the code (BackTab); only Ctrl and Alt count.
        let significant = KeyModifiers::CONTROL | KeyModifiers::ALT;
        self.code == event.code && self.modifiers & significant == event.modifiers & significant
    }

    pub fn label(&self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub context: Context,
    pub action: Action,
    pub description: &'static str,
}

const BROWSE: Context = Context::Views(&[Tab::Browse]);
const CLIP: Context = Context::Views(&[Tab::Clip]);
const LISTS: Context = Context::Views(&[Tab::Browse, Tab::Clip]);
const AUGMENT: Context = Context::Views(&[Tab::Augment]);
const PLUGINS: Context = Context::Views(&[Tab::Plugins]);
const TRAIN: Context = Context::Views(&[Tab::Train]);
const RUNS: Context = Context::Views(&[Tab::Runs]);
const LIVE: Context = Context::Views(&[Tab::Live]);

const fn bind(
    keys: &'static [Key],
    context: Context,
    action: Action,
    description: &'static str,
) -> Binding {
    Binding {
        keys,
        context,
        action,
        description,
    }
}

/// Rows with the same context and description next to each other make one line of the help.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    bind(&[plain(KeyCode::Tab)], Context::Everywhere, Action::NextView, "next view"),
    bind(&[plain(KeyCode::BackTab)], Context::Everywhere, Action::PreviousView, "previous view"),
    // One row for the seven views: the F-key pressed picks the view (`action_for`).
    bind(&[plain(KeyCode::F(1)), plain(KeyCode::F(2)), plain(KeyCode::F(3)), plain(KeyCode::F(4)), plain(KeyCode::F(5)), plain(KeyCode::F(6)), plain(KeyCode::F(7))], Context::Everywhere, Action::ShowView(Tab::Browse), "Browse, Clip, Augment, Plugins, Train, Runs, Live"),
    bind(&[ch('?')], Context::Everywhere, Action::Help, "this help (any key closes it)"),
    bind(&[ch('t')], Context::Everywhere, Action::NextTheme, "next colour theme (remembered in ui.toml)"),
    bind(&[ch('q'), plain(KeyCode::Esc), ctrl('c')], Context::Everywhere, Action::Quit, "quit (asks first while training)"),
    bind(&[plain(KeyCode::Down), ch('j')], BROWSE, Action::Down, "move down / up"),
    bind(&[plain(KeyCode::Up), ch('k')], BROWSE, Action::Up, "move down / up"),
    bind(&[plain(KeyCode::Down), ch('j')], CLIP, Action::Down, "next / previous clip"),
    bind(&[plain(KeyCode::Up), ch('k')], CLIP, Action::Up, "next / previous clip"),
    bind(&[plain(KeyCode::PageDown)], LISTS, Action::PageDown, "a page down / up"),
    bind(&[plain(KeyCode::PageUp)], LISTS, Action::PageUp, "a page down / up"),
    bind(&[plain(KeyCode::Home), ch('g')], LISTS, Action::First, "first / last clip"),
    bind(&[plain(KeyCode::End), ch('G')], LISTS, Action::Last, "first / last clip"),
    bind(&[ch(' ')], LISTS, Action::PlayToggle, "play / stop the selected clip"),
    bind(&[ch('a')], Context::Views(&[Tab::Browse, Tab::Clip, Tab::Augment]), Action::PlayAugmented, "play it under the current augmentation"),
    // One row for the nine digits: the digit pressed picks the class (`action_for`).
    bind(&[ch('1'), ch('2'), ch('3'), ch('4'), ch('5'), ch('6'), ch('7'), ch('8'), ch('9')], LISTS, Action::Relabel(0), "relabel with the n-th configured class (1 = the first)"),
    bind(&[ch('0')], LISTS, Action::CorpusLabel, "back to the corpus label"),
    bind(&[ch('u')], LISTS, Action::Undo, "undo / redo a relabel"),
    bind(&[ctrl('r')], LISTS, Action::Redo, "undo / redo a relabel"),
    bind(&[ch('/')], BROWSE, Action::Search, "search path, speaker or emotion (Enter keeps it, Esc too)"),
    bind(&[ch('c')], BROWSE, Action::FilterCorpus, "filter by corpus / class / speaker / gender (again: the next)"),
    bind(&[ch('l')], BROWSE, Action::FilterClass, "filter by corpus / class / speaker / gender (again: the next)"),
    bind(&[ch('s')], BROWSE, Action::FilterSpeaker, "filter by corpus / class / speaker / gender (again: the next)"),
    bind(&[ch('f')], BROWSE, Action::FilterGender, "filter by corpus / class / speaker / gender (again: the next)"),
    bind(&[ch('x')], BROWSE, Action::ClearFilters, "clear every filter"),
    bind(&[ch('o')], BROWSE, Action::Sort, "sort by file, speaker, class, duration"),
    bind(&[ch(']')], CLIP, Action::ScrollFeaturesDown, "scroll the feature values down / up"),
    bind(&[ch('[')], CLIP, Action::ScrollFeaturesUp, "scroll the feature values down / up"),
    bind(&[plain(KeyCode::Down), ch('j')], AUGMENT, Action::Down, "next / previous setting"),
    bind(&[plain(KeyCode::Up), ch('k')], AUGMENT, Action::Up, "next / previous setting"),
    bind(&[plain(KeyCode::Right), ch('l'), ch('+'), plain(KeyCode::Enter)], AUGMENT, Action::Increase, "one step up / down, or flip a switch (saved at once)"),
    bind(&[plain(KeyCode::Left), ch('h'), ch('-')], AUGMENT, Action::Decrease, "one step up / down, or flip a switch (saved at once)"),
    bind(&[ch('d')], AUGMENT, Action::DefaultPolicy, "back to the default policy"),
    bind(&[plain(KeyCode::Down), ch('j')], PLUGINS, Action::Down, "next / previous plugin"),
    bind(&[plain(KeyCode::Up), ch('k')], PLUGINS, Action::Up, "next / previous plugin"),
    bind(&[plain(KeyCode::Enter)], PLUGINS, Action::ActivatePlugin, "make it the active extractor (and model family)"),
    bind(&[ch('o')], PLUGINS, Action::LoadPlugin, "load a plugin from a path"),
    bind(&[ch('s')], TRAIN, Action::StartTraining, "start training with the settings shown"),
    bind(&[ch('x')], TRAIN, Action::StopTraining, "stop training"),
    bind(&[plain(KeyCode::Down), ch('j')], TRAIN, Action::Down, "next / previous setting (in the matrix: row)"),
    bind(&[plain(KeyCode::Up), ch('k')], TRAIN, Action::Up, "next / previous setting (in the matrix: row)"),
    bind(&[plain(KeyCode::Right), ch('l'), ch('+')], TRAIN, Action::Increase, "change the setting (in the matrix: column)"),
    bind(&[plain(KeyCode::Left), ch('h'), ch('-')], TRAIN, Action::Decrease, "change the setting (in the matrix: column)"),
    bind(&[ch('m')], TRAIN, Action::FocusMatrix, "the arrows move in the confusion matrix / back to the settings"),
    bind(&[plain(KeyCode::Enter)], TRAIN, Action::OpenCell, "Browse the clips of the matrix cell (true x predicted)"),
    bind(&[plain(KeyCode::Down), ch('j')], RUNS, Action::Down, "next / previous run"),
    bind(&[plain(KeyCode::Up), ch('k')], RUNS, Action::Up, "next / previous run"),
    bind(&[ch(' ')], RUNS, Action::MarkRun, "mark / unmark the run to compare (two at a time)"),
    bind(&[plain(KeyCode::Enter)], RUNS, Action::UseRun, "show its predictions beside the clips (Browse)"),
    bind(&[ch('r')], RUNS, Action::ReloadRuns, "read the run records again"),
    bind(&[ch('l')], LIVE, Action::ToggleListening, "start / stop listening on the input device"),
    bind(&[ch('w')], LIVE, Action::SaveUtterances, "save the utterances heard as WAV files (a folder you name)"),
    bind(&[ch('d')], Context::MissingCorpora, Action::UseDemo, "use the SYNTHETIC demo corpus instead"),
    bind(&[plain(KeyCode::Enter), plain(KeyCode::Esc)], Context::MissingCorpora, Action::Dismiss, "go on with the corpora that are there"),
    bind(&[ch('q')], Context::MissingCorpora, Action::QuitNow, "quit"),
    bind(&[ch('y'), ch('q'), ctrl('c')], Context::ConfirmQuit, Action::QuitNow, "quit and stop the training (any other key: go back)"),
];

/// The action a key asks for in this view: a view's own bindings first, then the global ones.
pub fn action_for(event: &KeyEvent, tab: Tab) -> Option<Action> {
    let found = |wanted: &dyn Fn(Context) -> bool| {
        BINDINGS
            .iter()
            .find(|b| wanted(b.context) && b.keys.iter().any(|k| k.matches(event)))
            .map(|b| b.action)
    };
    let action = found(&|c| matches!(c, Context::Views(_)) && c.covers(tab))
        .or_else(|| found(&|c| c == Context::Everywhere))?;
    Some(match (action, event.code) {
        (Action::Relabel(0), KeyCode::Char(digit)) => {
            Action::Relabel(digit.to_digit(10).unwrap_or(0) as u8)
        }
        (Action::ShowView(_), KeyCode::F(n)) => {
            Action::ShowView(Tab::ALL[usize::from(n).clamp(1, Tab::ALL.len()) - 1])
        }
        _ => action,
    })
}

/// The action a key asks for in a panel that takes the keys (`MissingCorpora`, `ConfirmQuit`).
pub fn panel_action(event: &KeyEvent, panel: Context) -> Option<Action> {
    BINDINGS
        .iter()
        .find(|b| b.context == panel && b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action)
}

/// One line of the help: the keys of consecutive rows with the same context and description.
pub struct HelpLine {
    pub keys: String,
    pub description: &'static str,
    pub context: Context,
}

pub fn help_lines() -> Vec<HelpLine> {
    let mut lines: Vec<HelpLine> = Vec::new();
    for binding in BINDINGS {
        let keys = binding
            .keys
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join(" ");
        match lines.last_mut() {
            Some(last)
                if last.description == binding.description && last.context == binding.context =>
            {
                last.keys.push_str(" / ");
                last.keys.push_str(&keys);
            }
            _ => lines.push(HelpLine {
                keys,
                description: binding.description,
                context: binding.context,
            }),
        }
    }
    lines
}

/// The help lines that apply in a view (the global ones and its own).
pub fn for_tab(tab: Tab) -> impl Iterator<Item = HelpLine> {
    help_lines()
        .into_iter()
        .filter(move |l| l.context.covers(tab))
}

/// The first key bound to an action in a view, for the hints in titles ("x stops").
pub fn key_for(action: Action, tab: Tab) -> String {
    BINDINGS
        .iter()
        .find(|b| b.action == action && b.context.covers(tab))
        .and_then(|b| b.keys.first())
        .map(Key::label)
        .unwrap_or_default()
}

/// The first key of an action in a panel (`MissingCorpora`, `ConfirmQuit`).
pub fn panel_key(action: Action, panel: Context) -> String {
    BINDINGS
        .iter()
        .find(|b| b.action == action && b.context == panel)
        .and_then(|b| b.keys.first())
        .map(Key::label)
        .unwrap_or_default()
}

/// The README's key map: a Markdown table of every help line.
pub fn markdown() -> String {
    let mut text = String::from("| keys | action | where |\n|---|---|---|\n");
    for line in help_lines() {
        text.push_str(&format!(
            "| `{}` | {} | {} |\n",
            line.keys,
            line.description,
            line.context.describe()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- key map: generated from src/tui/keys.rs -->\n";
    const END: &str = "<!-- end of key map -->";

    /// The README's key map is this table. `SERLAB_WRITE_KEYMAP=1 cargo test --lib keys` writes it.
    #[test]
    fn the_readme_key_map_is_generated_from_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let (start, end) = (
            readme
                .find(BEGIN)
                .expect("README lacks the key map's begin marker")
                + BEGIN.len(),
            readme
                .find(END)
                .expect("README lacks the key map's end marker"),
        );
        let expected = markdown();
        if readme[start..end] != expected && std::env::var_os("SERLAB_WRITE_KEYMAP").is_some() {
            let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
            std::fs::write(path, updated).unwrap();
            return;
        }
        assert_eq!(
            readme[start..end],
            expected,
            "the README's key map is stale: run `SERLAB_WRITE_KEYMAP=1 cargo test --lib keys`"
        );
    }

    #[test]
    fn no_key_means_two_things_in_one_place() {
        let contexts = |b: &Binding| -> Vec<String> {
            match b.context {
                Context::Everywhere => Tab::ALL.iter().map(|t| t.title().to_string()).collect(),
                Context::Views(tabs) => tabs.iter().map(|t| t.title().to_string()).collect(),
                other => vec![other.describe()],
            }
        };
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                let shared_place = contexts(a).iter().any(|c| contexts(b).contains(c));
                // A view's own row may shadow a global key on purpose; none does today.
                let shared_key = a.keys.iter().any(|k| b.keys.contains(k));
                assert!(
                    !(shared_place && shared_key),
                    "{:?} and {:?} share a key in {:?}",
                    a.action,
                    b.action,
                    a.context
                );
            }
        }
    }

    #[test]
    fn keys_find_their_actions_in_their_views_only() {
        let key = |c: char| KeyEvent::from(KeyCode::Char(c));
        assert_eq!(
            action_for(&key('s'), Tab::Train),
            Some(Action::StartTraining)
        );
        assert_eq!(
            action_for(&key('s'), Tab::Browse),
            Some(Action::FilterSpeaker)
        );
        assert_eq!(action_for(&key('s'), Tab::Plugins), None);
        assert_eq!(action_for(&key('G'), Tab::Browse), Some(Action::Last));
        let shifted_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(action_for(&shifted_g, Tab::Clip), Some(Action::Last));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            action_for(&ctrl_c, Tab::Browse),
            Some(Action::Quit),
            "not a corpus filter"
        );
        assert_eq!(
            action_for(&key('c'), Tab::Browse),
            Some(Action::FilterCorpus)
        );
        let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_r, Tab::Clip), Some(Action::Redo));
        assert_eq!(action_for(&key('r'), Tab::Clip), None);
        assert_eq!(action_for(&key('3'), Tab::Clip), Some(Action::Relabel(3)));
        assert_eq!(
            panel_action(&key('d'), Context::MissingCorpora),
            Some(Action::UseDemo)
        );
        assert_eq!(panel_action(&key('n'), Context::ConfirmQuit), None);
        assert_eq!(key_for(Action::StopTraining, Tab::Train), "x");
        assert_eq!(key_for(Action::StopTraining, Tab::Browse), "");
        assert_eq!(key_for(Action::PlayToggle, Tab::Clip), "Space");
        assert_eq!(panel_key(Action::UseDemo, Context::MissingCorpora), "d");
    }
}
