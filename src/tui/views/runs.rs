//! Runs: every recorded training run, newest first; with two marked, their metrics side by side,
//! their validation curves overlaid and the difference of their confusion matrices.

use crate::tui::app::{RunDetails, Tab};
use crate::tui::keys::{self, Action};
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table,
};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let [list, compare] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(area);
    draw_list(frame, list, app);
    match app.runs.compared.as_slice() {
        [a, b] => draw_comparison(frame, compare, app, a, b),
        _ => frame.render_widget(
            Paragraph::new(format!(
                "Mark two runs with {} to compare their metrics, curves and confusion matrices. {} shows a run's predictions beside the clips in Browse.",
                keys::key_for(Action::MarkRun, Tab::Runs),
                keys::key_for(Action::UseRun, Tab::Runs)
            ))
            .style(app.theme.muted)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" compare ")),
            compare,
        ),
    }
}

fn score(value: Option<f64>) -> String {
    value
        .map(|v| format!("{v:.3}"))
        .unwrap_or_else(|| "-".into())
}

fn draw_list(frame: &mut Frame, area: Rect, app: &App) {
    let shown = app
        .model
        .as_ref()
        .and_then(|m| m.run.as_ref())
        .map(|r| r.id.as_str());
    let rows = app.runs.list.iter().enumerate().map(|(i, run)| {
        let mut marks = String::new();
        if app.runs.is_compared(&run.id) {
            marks.push('•');
        }
        if shown == Some(run.id.as_str()) {
            marks.push('▶');
        }
        let row = Row::new(vec![
            marks,
            run.started
                .replace('T', " ")
                .trim_end_matches('Z')
                .to_string(),
            run.plugin.clone(),
            run.status.clone(),
            score(run.unweighted_accuracy),
            score(run.single_clip_unweighted_accuracy),
            score(run.accuracy),
            score(run.macro_f1),
            run.n.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
            format!(
                "{}{}{}",
                run.folds
                    .map(|k| format!("{k} folds"))
                    .unwrap_or_else(|| "held-out fold".into()),
                format!(" · {} net", run.ensemble),
                if run.synthetic { " · SYNTHETIC" } else { "" }
            ),
        ]);
        if i == app.runs.selected {
            row.style(app.theme.selection)
        } else {
            row.style(app.theme.text)
        }
    });
    let header = Row::new([
        "",
        "started (UTC)",
        "plugin",
        "status",
        "UA",
        "alone",
        "acc",
        "F1",
        "n",
        "how",
    ])
    .style(app.theme.accent);
    let widths = [
        Constraint::Length(2),
        Constraint::Length(19),
        Constraint::Length(12),
        Constraint::Length(9),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Fill(1),
    ];
    let title = format!(
        " Runs · {} recorded · • compared · ▶ predictions in Browse ",
        app.runs.list.len()
    );
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

fn draw_comparison(frame: &mut Frame, area: Rect, app: &App, a: &RunDetails, b: &RunDetails) {
    let [metrics, curves, diff] = Layout::horizontal([
        Constraint::Length(41),
        Constraint::Min(20),
        Constraint::Length(40),
    ])
    .areas(area);
    let theme = &app.theme;
    // Metrics side by side, per-class recall included.
    let mut rows = vec![
        Row::new(vec!["".to_string(), "A".to_string(), "B".to_string()]).style(theme.accent),
        Row::new(vec![
            "run".to_string(),
            short(&a.record.id),
            short(&b.record.id),
        ]),
        Row::new(vec![
            "plugin".to_string(),
            a.record.plugin.clone(),
            b.record.plugin.clone(),
        ]),
    ];
    for (label, f) in [
        (
            "UA",
            (|r: &RunDetails| r.record.unweighted_accuracy) as fn(&RunDetails) -> Option<f64>,
        ),
        ("accuracy", |r| r.record.accuracy),
        ("macro F1", |r| r.record.macro_f1),
    ] {
        rows.push(Row::new(vec![label.to_string(), score(f(a)), score(f(b))]));
    }
    let recalls = |r: &RunDetails| -> Vec<f64> {
        r.metrics
            .as_ref()
            .map(|m| {
                m.confusion
                    .iter()
                    .enumerate()
                    .map(|(i, row)| row[i] as f64 / row.iter().sum::<usize>().max(1) as f64)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (ra, rb) = (recalls(a), recalls(b));
    for (i, class) in app.catalog.classes().iter().enumerate() {
        rows.push(Row::new(vec![
            format!("recall {class}"),
            ra.get(i).map(|v| format!("{v:.3}")).unwrap_or_default(),
            rb.get(i).map(|v| format!("{v:.3}")).unwrap_or_default(),
        ]));
    }
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(14),
                Constraint::Length(10),
                Constraint::Length(10),
            ],
        )
        .block(Block::default().borders(Borders::ALL).title(" metrics ")),
        metrics,
    );

    // Validation UA of each run's first network, epoch by epoch.
    let curve = |r: &RunDetails| -> Vec<(f64, f64)> {
        r.history
            .iter()
            .filter(|e| e.fold == 0)
            .map(|e| (e.epoch as f64 + 1.0, e.validation.unweighted_accuracy))
            .collect()
    };
    let (ca, cb) = (curve(a), curve(b));
    let max_x = ca.len().max(cb.len()).max(2) as f64;
    let datasets = vec![
        Dataset::default()
            .name("A val UA")
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.series[0])
            .data(&ca),
        Dataset::default()
            .name("B val UA")
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.series[1])
            .data(&cb),
    ];
    frame.render_widget(
        Chart::new(datasets)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" first network, validation UA "),
            )
            .x_axis(
                Axis::default()
                    .bounds([1.0, max_x])
                    .labels(["1".to_string(), format!("{max_x:.0}")]),
            )
            .y_axis(Axis::default().bounds([0.0, 1.0]).labels(["0", "1"])),
        curves,
    );

    // B minus A, cell by cell: where the newer choice gained (on the diagonal) or erred.
    let classes = app.catalog.classes();
    let mut rows = Vec::new();
    if let (Some(ma), Some(mb)) = (&a.metrics, &b.metrics) {
        for (t, (row_a, row_b)) in ma.confusion.iter().zip(&mb.confusion).enumerate() {
            let mut cells = vec![Cell::from(classes.get(t).cloned().unwrap_or_default())];
            for (p, (x, y)) in row_a.iter().zip(row_b).enumerate() {
                let d = *y as i64 - *x as i64;
                let style = match (t == p, d.signum()) {
                    (_, 0) => theme.muted,
                    (true, 1) | (false, -1) => theme.good,
                    _ => theme.error,
                };
                cells.push(Cell::from(format!("{d:>+4}")).style(style));
            }
            rows.push(Row::new(cells));
        }
    }
    let mut widths = vec![Constraint::Length(9)];
    widths.extend(classes.iter().map(|_| Constraint::Length(5)));
    let mut header = vec!["true\\pred".to_string()];
    header.extend(
        classes
            .iter()
            .map(|c| c.chars().take(4).collect::<String>()),
    );
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.accent))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" confusion, B − A "),
            ),
        diff,
    );
}

/// `2026-12-07T11:00:00Z` as `12-07 11:00`.
fn short(started: &str) -> String {
    started.get(5..16).unwrap_or(started).replace('T', " ")
}
