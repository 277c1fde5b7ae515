//! Plugins: every plugin found, loaded or refused, and which one is active.

use crate::features::{FeatureKind, RegistryEntry};
use crate::tui::app::Tab;
use crate::tui::keys::{self, Action};
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let [list, detail] = Layout::vertical([Constraint::Min(4), Constraint::Length(4)]).areas(area);
    draw_detail(frame, detail, app);
    let area = list;
    let rows = app
        .plugins
        .registry
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let row = match entry {
                RegistryEntry::Loaded(p) => {
                    let active = if p.name == app.plugins.active {
                        "● active"
                    } else {
                        "loaded"
                    };
                    let kind = match p.kind {
                        FeatureKind::Vector => "vector".to_string(),
                        FeatureKind::Sequence { frame_rate } => format!("sequence {frame_rate}/s"),
                    };
                    Row::new(vec![
                        p.name.clone(),
                        p.version.clone(),
                        kind,
                        p.dims().to_string(),
                        active.to_string(),
                        p.path.display().to_string(),
                    ])
                }
                RegistryEntry::Refused { error, path } => Row::new(vec![
                    entry.name(),
                    entry.version().unwrap_or("-").to_string(),
                    "-".into(),
                    "-".into(),
                    entry.status().to_string(),
                    // The reason first (the file is in the detail panel below): a path can fill
                    // the column before the reason starts.
                    reason_without_path(&error.to_string(), path),
                ])
                .style(app.theme.error),
            };
            if i == app.plugins.selected {
                row.style(app.theme.selection)
            } else {
                row
            }
        });
    let header = Row::new(["name", "version", "kind", "dims", "status", "path / reason"])
        .style(app.theme.accent);
    let widths = [
        Constraint::Length(14),
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Length(6),
        Constraint::Length(11),
        Constraint::Fill(1),
    ];
    let title = format!(
        " Plugins · active: {} · {} makes the selected one active · {} loads one from a path{} ",
        app.plugins.active,
        keys::key_for(Action::ActivatePlugin, Tab::Plugins),
        keys::key_for(Action::LoadPlugin, Tab::Plugins),
        if app.plugins.is_loading() {
            " · probing…"
        } else {
            ""
        }
    );
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

fn reason_without_path(message: &str, path: &std::path::Path) -> String {
    let prefix = format!("{}: ", path.display());
    message.strip_prefix(&prefix).unwrap_or(message).to_string()
}

/// The selected entry in full: a refusal's whole reason, or a plugin's parameters.
fn draw_detail(frame: &mut Frame, area: Rect, app: &App) {
    let text = match app.plugins.registry.entries.get(app.plugins.selected) {
        Some(RegistryEntry::Loaded(p)) => {
            let params: Vec<String> = p
                .params
                .iter()
                .map(|q| format!("{}={}", q.name, q.default))
                .collect();
            Line::from(format!(
                "{} {} · {} · parameters: {}",
                p.name,
                p.version,
                p.path.display(),
                if params.is_empty() {
                    "none".to_string()
                } else {
                    params.join(", ")
                }
            ))
            .style(app.theme.text)
        }
        Some(RegistryEntry::Refused { error, .. }) => {
            Line::from(format!("refused: {error}")).style(app.theme.error)
        }
        None => Line::from(format!(
            "no plugins found; {} loads one from a path",
            keys::key_for(Action::LoadPlugin, Tab::Plugins)
        )),
    };
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::TOP).title(" selected ")),
        area,
    );
}
