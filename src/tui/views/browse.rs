//! Browse: the combined catalog as a table. Only the visible rows are built, so a catalog of
//! tens of thousands of clips scrolls as fast as a small one.

use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let [title, table_area, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);

    let catalog = &app.catalog;
    let mut heading = format!(" serlab · Browse · {} clips", catalog.clips.len());
    if catalog.synthetic {
        heading.push_str(" · SYNTHETIC demo corpus");
    }
    frame.render_widget(
        Paragraph::new(heading).style(Style::new().bold().reversed()),
        title,
    );

    let visible = table_area.height.saturating_sub(3) as usize; // borders + header
    app.page_rows = visible.max(1);
    let offset = app.selected.saturating_sub(visible.saturating_sub(1));
    let rows = catalog
        .clips
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, clip)| {
            let class = clip
                .target
                .map(|c| catalog.labels.class_name(c).to_string())
                .unwrap_or_else(|| "—".into());
            let row = Row::new(vec![
                Cell::from(clip.corpus.display_name()),
                Cell::from(clip.speaker.clone()),
                Cell::from(clip.gender.as_str()),
                Cell::from(clip.emotion.as_str()),
                Cell::from(class),
                Cell::from(format!("{:.2}s", clip.duration_s)),
                Cell::from(clip.relative.clone()),
            ]);
            if i == app.selected {
                row.style(Style::new().reversed())
            } else {
                row
            }
        });
    let header = Row::new([
        "corpus", "speaker", "gender", "emotion", "class", "duration", "file",
    ])
    .style(Style::new().bold());
    let widths = [
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(" Browse "));
    frame.render_widget(table, table_area);

    let problems = catalog.problems.len();
    let status_text = format!(
        " {}/{}  ↑↓ PgUp PgDn Home End move · q quit{}",
        (app.selected + 1).min(catalog.clips.len()),
        catalog.clips.len(),
        if problems > 0 {
            format!(" · {problems} unreadable files (see `serlab datasets`)")
        } else {
            String::new()
        }
    );
    frame.render_widget(Paragraph::new(status_text), status);
}
