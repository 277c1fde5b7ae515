//! Plugins: every plugin found, loaded or refused, and which one is active.

use crate::features::{FeatureKind, RegistryEntry};
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Row, Table};

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let rows = app.registry.entries.iter().enumerate().map(|(i, entry)| {
        let row = match entry {
            RegistryEntry::Loaded(p) => {
                let active = if p.name == app.active_plugin {
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
            RegistryEntry::Refused { path, error } => Row::new(vec![
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                "-".into(),
                "-".into(),
                "-".into(),
                "refused".into(),
                error.to_string(),
            ])
            .style(Style::new().red()),
        };
        if i == app.plugin_selected {
            row.style(Style::new().reversed())
        } else {
            row
        }
    });
    let header = Row::new(["name", "version", "kind", "dims", "status", "path / reason"])
        .style(Style::new().bold());
    let widths = [
        Constraint::Length(14),
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let title = format!(
        " Plugins · active: {} · Enter makes the selected one active ",
        app.active_plugin
    );
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}
