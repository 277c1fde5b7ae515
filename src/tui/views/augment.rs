//! Augment: every setting of the augmentation policy, the selected row highlighted; where it is
//! saved and that training applies it to training clips only.

use crate::tui::app::AugmentField;
use crate::tui::app::Tab;
use crate::tui::keys::{self, Action};
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let editor = &app.augment;
    let [table_area, help] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(3)]).areas(area);
    let rows = AugmentField::ALL.iter().enumerate().map(|(i, &field)| {
        let group = if field.starts_group() {
            field.group()
        } else {
            ""
        };
        let row = Row::new(vec![
            group.to_string(),
            field.label().to_string(),
            editor.value_text(field),
        ]);
        if i == editor.field {
            row.style(theme.selection)
        } else if field.starts_group() {
            row.style(theme.accent)
        } else {
            row.style(theme.text)
        }
    });
    // Keep the selected row on screen in short terminals.
    let visible = usize::from(table_area.height.saturating_sub(3)).max(1);
    let skip = editor.field.saturating_sub(visible - 1);
    let rows: Vec<Row> = rows.skip(skip).collect();
    let source = match &app.paths.augment {
        Some(path) => format!("saved to {}", path.display()),
        None => "this session only".to_string(),
    };
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(9),
                Constraint::Length(28),
                Constraint::Fill(1),
            ],
        )
        .header(Row::new(["", "setting", "value"]).style(theme.accent))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Augment · {source} ")),
        ),
        table_area,
    );
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(format!(
                "{} change · {} defaults · {} plays the selected clip augmented",
                [Action::Decrease, Action::Increase]
                    .map(|a| keys::key_for(a, Tab::Augment))
                    .join("/"),
                keys::key_for(Action::DefaultPolicy, Tab::Augment),
                keys::key_for(Action::PlayAugmented, Tab::Augment)
            )),
            Line::from(
                "Training draws these for training clips only; validation and test clips are never augmented.",
            )
            .style(theme.muted),
        ])
        .block(Block::default().borders(Borders::TOP)),
        help,
    );
}
