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
                Cell::from(if clip.relabelled {
                    format!("{class}*")
                } else {
                    class
                }),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LabelMap;
    use crate::corpus::{Catalog, Clip, CorpusKind, CorpusRoot, Emotion, Gender, Intensity};
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent};

    fn catalog(n: usize) -> Catalog {
        let labels = LabelMap::default();
        let clips = (0..n)
            .map(|i| Clip {
                corpus: CorpusKind::Savee,
                path: format!("/c/DC/a{i:02}.wav").into(),
                relative: format!("DC/a{i:02}.wav"),
                speaker: "DC".into(),
                gender: Gender::Male,
                emotion: Emotion::Angry,
                intensity: Intensity::Unspecified,
                target: labels.target(Emotion::Angry),
                sample_rate: 16_000,
                channels: 1,
                duration_s: 1.5,
                relabelled: false,
            })
            .collect();
        Catalog {
            corpora: vec![CorpusRoot {
                kind: CorpusKind::Savee,
                path: "/c".into(),
            }],
            clips,
            problems: vec![],
            labels,
            sample_rate: 16_000,
            synthetic: true,
        }
    }

    fn render(app: &mut App, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| crate::tui::views::draw(f, app)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..height)
            .map(|y| {
                (0..width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn shows_the_title_rows_and_the_synthetic_mark() {
        let mut app = App::new(catalog(3));
        let screen = render(&mut app, 100, 12);
        assert!(screen.contains("Browse"), "{screen}");
        assert!(screen.contains("SYNTHETIC"), "{screen}");
        assert!(screen.contains("DC/a02.wav"), "{screen}");
        assert!(screen.contains("angry"), "{screen}");
    }

    #[test]
    fn scrolling_renders_only_the_visible_window_around_the_selection() {
        let mut app = App::new(catalog(5000));
        for _ in 0..3 {
            app.handle_key(KeyEvent::from(KeyCode::PageDown));
        }
        app.handle_key(KeyEvent::from(KeyCode::End));
        assert_eq!(app.selected, 4999);
        let screen = render(&mut app, 100, 20);
        assert!(screen.contains("DC/a4999.wav"), "{screen}");
        assert!(!screen.contains("DC/a00.wav"));
        assert!(screen.contains("5000/5000"), "{screen}");
    }

    #[test]
    fn a_tiny_terminal_gets_a_message() {
        let mut app = App::new(catalog(3));
        let screen = render(&mut app, 30, 5);
        assert!(screen.contains("too small"), "{screen}");
    }
}
