//! Browse: the combined catalog as a table. Only the visible rows are built, so a catalog of
//! tens of thousands of clips scrolls as fast as a small one.

use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let [table_area, side] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(34)]).areas(area);
    let catalog = &app.catalog;
    let visible = table_area.height.saturating_sub(3) as usize; // borders + header
    app.page_rows = visible.max(1);
    let offset = app.selected.saturating_sub(visible.saturating_sub(1));
    let rows = app
        .view
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, &index)| {
            let clip = &catalog.clips[index];
            let class = clip
                .target
                .map(|c| catalog.labels.class_name(c).to_string())
                .unwrap_or_else(|| "—".into());
            let row = Row::new(vec![
                Cell::from(clip.corpus.display_name()),
                Cell::from(clip.speaker.clone()),
                Cell::from(clip.gender.as_str()),
                Cell::from(clip.emotion.as_str()),
                Cell::from(if clip.relabelled {
                    format!("{class}*")
                } else {
                    class
                }),
                Cell::from(format!("{:.2}s", clip.duration_s)),
                Cell::from(clip.relative.clone()),
            ]);
            if i == app.selected {
                row.style(app.theme.selection)
            } else if clip.relabelled {
                row.style(app.theme.accent)
            } else {
                row.style(app.theme.text)
            }
        });
    let header = Row::new([
        "corpus", "speaker", "gender", "emotion", "class", "duration", "file",
    ])
    .style(app.theme.accent);
    let widths = [
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let f = &app.filters;
    let mut filters = Vec::new();
    if let Some(k) = f.corpus {
        filters.push(format!("corpus {}", k.display_name()));
    }
    if let Some(c) = f.class {
        filters.push(format!("class {}", catalog.labels.class_name(c)));
    }
    if let Some(s) = &f.speaker {
        filters.push(format!("speaker {}", s.replace(':', " ")));
    }
    if let Some(g) = f.gender {
        filters.push(format!("gender {}", g.as_str()));
    }
    if !f.search.is_empty() || f.searching {
        filters.push(format!(
            "/{}{}",
            f.search,
            if f.searching { "▏" } else { "" }
        ));
    }
    let title = format!(
        " Browse · {}/{} clips{} · sort {} · * relabelled ",
        (app.selected + 1).min(app.view.len()),
        app.view.len(),
        if filters.is_empty() {
            String::new()
        } else {
            format!(" · {}", filters.join(" · "))
        },
        f.sort.name()
    );
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(Block::default().borders(Borders::ALL).title(title)),
        table_area,
    );

    // Counts per corpus x class.
    let classes = catalog.classes();
    let mut lines = vec![Line::from(format!(
        "{:<8}{}",
        "",
        classes
            .iter()
            .map(|c| format!("{:>6}", &c[..c.len().min(5)]))
            .collect::<String>()
    ))
    .style(app.theme.accent)];
    for root in &catalog.corpora {
        let mut counts = vec![0usize; classes.len()];
        for clip in app
            .view
            .iter()
            .map(|&i| &catalog.clips[i])
            .filter(|c| c.corpus == root.kind)
        {
            if let Some(t) = clip.target {
                counts[t] += 1;
            }
        }
        lines.push(Line::from(format!(
            "{:<8}{}",
            root.kind.display_name(),
            counts.iter().map(|n| format!("{n:>6}")).collect::<String>()
        )));
    }
    if !catalog.problems.is_empty() {
        lines.push(Line::from(""));
        lines.push(
            Line::from(format!("{} unreadable files", catalog.problems.len()))
                .style(app.theme.error),
        );
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Counts ")),
        side,
    );
}
