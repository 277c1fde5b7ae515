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
    .bold()];
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
        lines.push(Line::from(format!("{} unreadable files", catalog.problems.len())).red());
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Counts ")),
        side,
    );
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
        let screen = render(&mut app, 140, 12);
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
        let screen = render(&mut app, 140, 20);
        assert!(screen.contains("DC/a4999.wav"), "{screen}");
        assert!(!screen.contains("DC/a00.wav"));
        assert!(screen.contains("5000/5000"), "{screen}");
    }

    #[test]
    fn digit_keys_relabel_persistently_and_u_undoes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relabels.toml");
        let store = crate::relabel::RelabelStore::open(&path).unwrap();
        let mut app = App::with_parts(catalog(3), Some(store), Default::default());
        app.handle_key(KeyEvent::from(KeyCode::Down));
        app.handle_key(KeyEvent::from(KeyCode::Char('3')));
        assert_eq!(app.catalog.clips[1].target, Some(2), "3 = sad");
        assert!(app.catalog.clips[1].relabelled);
        let reread = crate::relabel::RelabelStore::open(&path).unwrap();
        assert_eq!(reread.relabels().count(), 1, "saved at once");
        let screen = render(&mut app, 100, 12);
        assert!(screen.contains("sad*"), "{screen}");
        app.handle_key(KeyEvent::from(KeyCode::Char('u')));
        assert_eq!(app.catalog.clips[1].target, Some(3), "back to angry");
        assert!(!app.catalog.clips[1].relabelled);
        app.handle_key(KeyEvent::new(
            KeyCode::Char('r'),
            ratatui::crossterm::event::KeyModifiers::CONTROL,
        ));
        assert_eq!(app.catalog.clips[1].target, Some(2), "redo");
        app.handle_key(KeyEvent::from(KeyCode::Char('0')));
        assert_eq!(app.catalog.clips[1].target, Some(3), "0 = corpus label");
        assert_eq!(
            crate::relabel::RelabelStore::open(&path)
                .unwrap()
                .relabels()
                .count(),
            0
        );
    }

    #[test]
    fn tabs_switch_with_keys_and_each_view_has_its_title() {
        let mut app = App::new(catalog(3));
        for (key, title) in [
            (KeyCode::F(2), "Clip"),
            (KeyCode::F(3), "Augment"),
            (KeyCode::F(4), "Plugins"),
            (KeyCode::F(5), "Train"),
            (KeyCode::Tab, "Browse"),
        ] {
            app.handle_key(KeyEvent::from(key));
            assert_eq!(app.tab.title(), title);
            let screen = render(&mut app, 120, 20);
            assert!(screen.contains(&format!(" {title}")), "{title}: {screen}");
        }
        app.handle_key(KeyEvent::from(KeyCode::BackTab));
        assert_eq!(app.tab.title(), "Train");
        app.handle_key(KeyEvent::from(KeyCode::Char('?')));
        let screen = render(&mut app, 120, 24);
        assert!(
            screen.contains("start training"),
            "help lists the Train keys: {screen}"
        );
        app.handle_key(KeyEvent::from(KeyCode::Char('x')));
        assert!(!app.show_help, "any key closes help");
        app.handle_key(KeyEvent::from(KeyCode::Char('q')));
        assert!(app.should_quit());
    }

    #[test]
    fn filters_search_and_sort_narrow_the_view_and_the_counts() {
        let mut cat = catalog(6);
        for (i, clip) in cat.clips.iter_mut().enumerate() {
            if i % 2 == 0 {
                clip.emotion = Emotion::Sad;
                clip.target = Some(2);
            }
            clip.duration_s = 3.0 - i as f64 * 0.1;
        }
        let mut app = App::new(cat);
        app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // neutral
        assert!(app.view.is_empty());
        app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // happy
        app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // sad
        assert_eq!(app.view, vec![0, 2, 4]);
        let screen = render(&mut app, 140, 12);
        assert!(
            screen.contains("class sad") && screen.contains("1/3 clips"),
            "{screen}"
        );
        app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // angry
        app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // all
        assert_eq!(app.view.len(), 6);
        app.handle_key(KeyEvent::from(KeyCode::Char('/')));
        for c in "a03".chars() {
            app.handle_key(KeyEvent::from(KeyCode::Char(c)));
        }
        assert_eq!(app.view, vec![3]);
        app.handle_key(KeyEvent::from(KeyCode::Char('q'))); // typed into the search, not quitting
        assert!(!app.should_quit());
        assert!(app.view.is_empty());
        app.handle_key(KeyEvent::from(KeyCode::Backspace));
        app.handle_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(app.view, vec![3]);
        app.handle_key(KeyEvent::from(KeyCode::Char('3'))); // relabels the filtered clip
        assert_eq!(app.current_clip(), Some(3));
        // Sorting by duration puts the shortest (last) clip first.
        app.filters.search.clear();
        app.refresh_view();
        for _ in 0..3 {
            app.handle_key(KeyEvent::from(KeyCode::Char('o')));
        }
        assert_eq!(app.filters.sort.name(), "duration");
        assert_eq!(app.view[0], 5);
    }

    #[test]
    fn undo_selects_the_clip_in_the_filtered_view() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::relabel::RelabelStore::open(&dir.path().join("r.toml")).unwrap();
        let mut app = App::with_parts(catalog(6), Some(store), Default::default());
        app.handle_key(KeyEvent::from(KeyCode::Char('/')));
        for c in "a0".chars() {
            app.handle_key(KeyEvent::from(KeyCode::Char(c)));
        }
        app.handle_key(KeyEvent::from(KeyCode::Char('4'))); // "a04" matches only clip 4
        app.handle_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(app.view, vec![4]);
        app.handle_key(KeyEvent::from(KeyCode::Char('3')));
        app.handle_key(KeyEvent::from(KeyCode::Char('u')));
        assert_eq!(
            app.selected, 0,
            "position in the view, not the catalog index"
        );
        assert_eq!(app.current_clip(), Some(4));
    }

    #[test]
    fn a_tiny_terminal_gets_a_message() {
        let mut app = App::new(catalog(3));
        let screen = render(&mut app, 30, 5);
        assert!(screen.contains("too small"), "{screen}");
    }
}
