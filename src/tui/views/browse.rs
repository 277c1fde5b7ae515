//! Browse: the combined catalog as a table. Only the visible rows are built, so a catalog of
//! tens of thousands of clips scrolls as fast as a small one.

use crate::tui::app::Overlay;
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let [table_area, side] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(34)]).areas(area);
    let catalog = &app.catalog;
    let browse = &app.browse;
    let visible = table_area.height.saturating_sub(3) as usize; // borders + header
    browse.page_rows.set(visible.max(1));
    let offset = browse.selected.saturating_sub(visible.saturating_sub(1));
    let rows = browse
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
            if i == browse.selected {
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
    let f = &browse.filters;
    let searching = app.overlay == Overlay::Search;
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
    if !f.search.is_empty() || searching {
        filters.push(format!("/{}{}", f.search, if searching { "▏" } else { "" }));
    }
    let title = format!(
        " Browse · {}/{} clips{} · sort {} · * relabelled ",
        (browse.selected + 1).min(browse.view.len()),
        browse.view.len(),
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

    // Counts per corpus x class (counted when the view changes), in columns six cells wide.
    let classes = catalog.classes();
    let mut lines = vec![Line::from(format!(
        "{:<8}{}",
        "",
        classes
            .iter()
            .map(|c| right_aligned(c, 6))
            .collect::<String>()
    ))
    .style(app.theme.accent)];
    for (root, counts) in catalog.corpora.iter().zip(&browse.counts) {
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

/// `text` cut to fit `cells - 1` terminal cells and right-aligned in `cells`. Cut by display
/// width, never by bytes: a class named in Cyrillic takes two bytes a letter, in CJK two cells.
fn right_aligned(text: &str, cells: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut kept = String::new();
    let mut width = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if width + w > cells - 1 {
            break;
        }
        kept.push(c);
        width += w;
    }
    format!("{}{kept}", " ".repeat(cells - width))
}
