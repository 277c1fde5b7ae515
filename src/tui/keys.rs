//! Every key binding in one table; the help overlay is generated from it.

use super::app::Tab;

pub struct Binding {
    pub keys: &'static str,
    pub action: &'static str,
    /// The views it works in; empty: everywhere.
    pub tabs: &'static [Tab],
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: "Tab / Shift-Tab",
        action: "next / previous view",
        tabs: &[],
    },
    Binding {
        keys: "F1..F5",
        action: "Browse, Clip, Augment, Plugins, Train",
        tabs: &[],
    },
    Binding {
        keys: "?",
        action: "this help",
        tabs: &[],
    },
    Binding {
        keys: "t",
        action: "next colour theme (remembered in ui.toml)",
        tabs: &[],
    },
    Binding {
        keys: "q / Esc",
        action: "quit (asks first while training)",
        tabs: &[],
    },
    Binding {
        keys: "Up/Down j/k",
        action: "move",
        tabs: &[Tab::Browse],
    },
    Binding {
        keys: "PgUp/PgDn Home/End g/G",
        action: "page, first, last",
        tabs: &[Tab::Browse],
    },
    Binding {
        keys: "Space",
        action: "play / stop the selected clip",
        tabs: &[Tab::Browse, Tab::Clip],
    },
    Binding {
        keys: "a",
        action: "play it under the current augmentation",
        tabs: &[Tab::Browse, Tab::Clip, Tab::Augment],
    },
    Binding {
        keys: "1 2 3 4",
        action: "relabel: neutral, happy, sad, angry (the configured classes, in order)",
        tabs: &[Tab::Browse, Tab::Clip],
    },
    Binding {
        keys: "0",
        action: "back to the corpus label",
        tabs: &[Tab::Browse, Tab::Clip],
    },
    Binding {
        keys: "u / Ctrl-r",
        action: "undo / redo a relabel",
        tabs: &[Tab::Browse, Tab::Clip],
    },
    Binding {
        keys: "/",
        action: "search path, speaker or emotion (Enter keeps it)",
        tabs: &[Tab::Browse],
    },
    Binding {
        keys: "c / l",
        action: "filter by corpus / by class (press again for the next)",
        tabs: &[Tab::Browse],
    },
    Binding {
        keys: "s / f",
        action: "filter by speaker / by gender (press again for the next)",
        tabs: &[Tab::Browse],
    },
    Binding {
        keys: "x",
        action: "clear every filter",
        tabs: &[Tab::Browse],
    },
    Binding {
        keys: "o",
        action: "sort by file, speaker, class, duration",
        tabs: &[Tab::Browse],
    },
    Binding {
        keys: "Up/Down j/k",
        action: "previous / next clip",
        tabs: &[Tab::Clip],
    },
    Binding {
        keys: "[ / ]",
        action: "scroll the feature values",
        tabs: &[Tab::Clip],
    },
    Binding {
        keys: "Up/Down j/k",
        action: "choose a setting",
        tabs: &[Tab::Augment],
    },
    Binding {
        keys: "Left/Right - +",
        action: "change it one step (saved at once)",
        tabs: &[Tab::Augment],
    },
    Binding {
        keys: "Enter",
        action: "flip a switch (on/off, kind, mode)",
        tabs: &[Tab::Augment],
    },
    Binding {
        keys: "d",
        action: "back to the default policy",
        tabs: &[Tab::Augment],
    },
    Binding {
        keys: "Up/Down",
        action: "choose a plugin",
        tabs: &[Tab::Plugins],
    },
    Binding {
        keys: "Enter",
        action: "make it the active extractor (and model family)",
        tabs: &[Tab::Plugins],
    },
    Binding {
        keys: "o",
        action: "load a plugin from a path",
        tabs: &[Tab::Plugins],
    },
    Binding {
        keys: "s",
        action: "start training (speaker-independent split)",
        tabs: &[Tab::Train],
    },
    Binding {
        keys: "x",
        action: "stop training",
        tabs: &[Tab::Train],
    },
];

pub fn for_tab(tab: Tab) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.tabs.is_empty() || b.tabs.contains(&tab))
}

#[cfg(test)]
mod tests {
    /// The README's key map is written from this table; a key added here must be documented.
    #[test]
    fn every_binding_is_in_the_readme_key_map() {
        let readme = include_str!("../../README.md");
        for b in super::BINDINGS {
            let row = format!("| `{}` | {} |", b.keys, b.action);
            assert!(readme.contains(&row), "README key map lacks: {row}");
        }
    }
}
