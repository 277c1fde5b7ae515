//! Every key binding in one table; the help overlay is generated from it.

use super::app::Tab;

pub struct Binding {
    pub keys: &'static str,
    pub action: &'static str,
    /// The tab it works in; `None` everywhere.
    pub tab: Option<Tab>,
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: "Tab / Shift-Tab",
        action: "next / previous view",
        tab: None,
    },
    Binding {
        keys: "F1..F5",
        action: "Browse, Clip, Augment, Plugins, Train",
        tab: None,
    },
    Binding {
        keys: "?",
        action: "this help",
        tab: None,
    },
    Binding {
        keys: "q",
        action: "quit (asks first while training)",
        tab: None,
    },
    Binding {
        keys: "Up/Down j/k",
        action: "move",
        tab: Some(Tab::Browse),
    },
    Binding {
        keys: "PgUp/PgDn Home/End",
        action: "page, first, last",
        tab: Some(Tab::Browse),
    },
    Binding {
        keys: "1 2 3 4",
        action: "relabel: neutral, happy, sad, angry (the configured classes, in order)",
        tab: Some(Tab::Browse),
    },
    Binding {
        keys: "0",
        action: "back to the corpus label",
        tab: Some(Tab::Browse),
    },
    Binding {
        keys: "u / Ctrl-r",
        action: "undo / redo a relabel",
        tab: Some(Tab::Browse),
    },
    Binding {
        keys: "Up/Down",
        action: "choose a plugin",
        tab: Some(Tab::Plugins),
    },
    Binding {
        keys: "Enter",
        action: "make it the active extractor (and model family)",
        tab: Some(Tab::Plugins),
    },
    Binding {
        keys: "s",
        action: "start training (speaker-independent split)",
        tab: Some(Tab::Train),
    },
    Binding {
        keys: "x",
        action: "stop training",
        tab: Some(Tab::Train),
    },
];

pub fn for_tab(tab: Tab) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.tab.is_none() || b.tab == Some(tab))
}
