//! Browse: the combined catalog as a table. Only the visible rows are built, so a catalog of
//! tens of thousands of clips scrolls as fast as a small one.

use crate::corpus::Clip;
use crate::relabel::ClipKey;
use crate::tui::app::{ModelPredictions, Overlay, SortKey};
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
            let mut cells = vec![
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
            ];
            if let Some(model) = &app.model {
                cells.extend(prediction_cells(model, clip, browse.filters.sort, app));
            }
            cells.push(Cell::from(clip.relative.clone()));
            let row = Row::new(cells);
            if i == browse.selected {
                row.style(app.theme.selection)
            } else if clip.relabelled {
                row.style(app.theme.accent)
            } else {
                row.style(app.theme.text)
            }
        });
    let mut header = vec![
        "corpus", "speaker", "gender", "emotion", "class", "duration",
    ];
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    if app.model.is_some() {
        header.extend(["pred", "conf"]);
        widths.extend([Constraint::Length(9), Constraint::Length(5)]);
        if browse.filters.sort == SortKey::Suspicion {
            header.push("susp");
            widths.push(Constraint::Length(5));
        }
    }
    header.push("file");
    widths.push(Constraint::Fill(1));
    let header = Row::new(header).style(app.theme.accent);
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
    if let Some((label, predicted)) = f.cell {
        filters.push(format!(
            "labelled {} predicted {}",
            catalog.labels.class_name(label),
            catalog.labels.class_name(predicted)
        ));
    }
    if !f.search.is_empty() || searching {
        filters.push(format!("/{}{}", f.search, if searching { "▏" } else { "" }));
    }
    let title = format!(
        " Browse · {}/{} clips{} · sort {} · * relabelled{} ",
        (browse.selected + 1).min(browse.view.len()),
        browse.view.len(),
        if filters.is_empty() {
            String::new()
        } else {
            format!(" · {}", filters.join(" · "))
        },
        f.sort.name(),
        match &app.model {
            Some(model) => format!(" · ≠ predicted otherwise, ~ stale · {}", model.describe()),
            None => String::new(),
        }
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

/// The model's prediction for a clip: its class (`≠` where it differs from the label in force,
/// `~` where the label changed since the run), its probability, and under the suspicion sort the
/// suspicion score.
fn prediction_cells<'a>(
    model: &ModelPredictions,
    clip: &Clip,
    sort: SortKey,
    app: &App,
) -> Vec<Cell<'a>> {
    let key = ClipKey::of(clip);
    let Some(p) = model.by_clip.get(&key) else {
        let mut cells = vec![Cell::from("-"), Cell::from("")];
        if sort == SortKey::Suspicion {
            cells.push(Cell::from(""));
        }
        return cells;
    };
    let mark = if model.stale.contains(&key) {
        "~"
    } else if Some(p.predicted) != clip.target {
        "≠"
    } else {
        ""
    };
    let name: String = model.classes[p.predicted].chars().take(7).collect();
    let pred = Cell::from(format!("{name}{mark}"));
    let mut cells = vec![
        if mark == "≠" {
            pred.style(app.theme.error)
        } else {
            pred
        },
        Cell::from(format!("{:.2}", p.p_predicted())),
    ];
    if sort == SortKey::Suspicion {
        cells.push(Cell::from(
            model
                .suspicion
                .get(&key)
                .map(|s| format!("{s:.2}"))
                .unwrap_or_default(),
        ));
    }
    cells
}
