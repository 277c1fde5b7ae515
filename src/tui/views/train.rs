//! Train: live curves (train / validation loss, validation accuracy and UA), the progress gauge,
//! the validation confusion matrix as a heat map with per-class recall, and markers where the
//! learning rate dropped or training stopped early.

use crate::tui::app::{Setting, Tab};
use crate::tui::keys::{self, Action};
use crate::tui::theme::Theme;
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Dataset, Gauge, GraphType, Paragraph, Row, Table,
};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let view = &app.train;
    let [info, gauge, body] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Min(6),
    ])
    .areas(area);
    let theme = &app.theme;
    let start = keys::key_for(Action::StartTraining, Tab::Train);
    let headline = if view.running {
        format!(
            " Train · {} · plugin {} · {} stops",
            view.fold,
            app.plugins.active,
            keys::key_for(Action::StopTraining, Tab::Train)
        )
    } else {
        match &view.result {
            Some(result) => format!(" Train · {result} · {start} starts again"),
            None => format!(
                " Train · {start} starts a run with plugin {}: {}",
                app.plugins.active,
                view.settings
                    .clone()
                    .unwrap_or_else(crate::tui::app::training_settings_text)
            ),
        }
    };
    let markers: Vec<String> = view
        .markers
        .iter()
        .map(|(e, m)| format!("{m}@{}", e + 1))
        .collect();
    let second = match (&view.saved, view.running) {
        (Some(dir), _) => {
            Line::from(format!(" model saved to {}", dir.display())).style(theme.good)
        }
        (None, _) => Line::from(format!(
            " markers: {}  (lr = learning rate reduced, stop = early stop, at epoch)",
            markers.join(" ")
        ))
        .style(theme.muted),
    };
    frame.render_widget(
        Paragraph::new(vec![Line::from(headline).style(theme.accent), second]),
        info,
    );
    let (ratio, label) = match view.progress {
        Some((epoch, batch, batches)) => {
            let eta = view
                .epoch_eta()
                .map(|s| format!(" · epoch ETA {s:.0}s"))
                .unwrap_or_default();
            (
                batch as f64 / batches.max(1) as f64,
                format!("epoch {} batch {batch}/{batches}{eta}", epoch + 1),
            )
        }
        None => (0.0, "idle".to_string()),
    };
    frame.render_widget(
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(label)
            .gauge_style(theme.series[3]),
        gauge,
    );

    let [settings, curves, confusion] = Layout::horizontal([
        Constraint::Length(36),
        Constraint::Min(30),
        Constraint::Length(44),
    ])
    .areas(body);
    draw_settings(frame, settings, app);
    let points = |f: fn(&crate::train::events::EpochReport) -> f64| -> Vec<(f64, f64)> {
        view.history
            .iter()
            .map(|r| (r.epoch as f64 + 1.0, f(r)))
            .collect()
    };
    let train_loss = points(|r| r.train_loss);
    let val_loss = points(|r| r.validation_loss);
    let val_ua = points(|r| r.validation.unweighted_accuracy);
    let val_acc = points(|r| r.validation.accuracy);
    // The learning rate as a share of the first epoch's, so it fits the 0..1 axis.
    let first_lr = view
        .history
        .first()
        .map_or(1.0, |r| r.lr.max(f64::MIN_POSITIVE));
    let lr: Vec<(f64, f64)> = view
        .history
        .iter()
        .map(|r| (r.epoch as f64 + 1.0, r.lr / first_lr))
        .collect();
    let max_x = (view.history.len() as f64).max(2.0);
    let max_loss = train_loss
        .iter()
        .chain(&val_loss)
        .map(|p| p.1)
        .fold(1.0f64, f64::max);
    let datasets = vec![
        Dataset::default()
            .name("train loss")
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.series[0])
            .data(&train_loss),
        Dataset::default()
            .name("val loss")
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.series[1])
            .data(&val_loss),
    ];
    let scores = vec![
        Dataset::default()
            .name("val acc")
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.series[2])
            .data(&val_acc),
        Dataset::default()
            .name("val UA")
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.series[3])
            .data(&val_ua),
        Dataset::default()
            .name("lr ÷ first")
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.muted)
            .data(&lr),
    ];
    let [loss_area, score_area] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(curves);
    frame.render_widget(
        Chart::new(datasets)
            .block(Block::default().borders(Borders::ALL).title(" loss "))
            .x_axis(
                Axis::default()
                    .bounds([1.0, max_x])
                    .labels(["1".to_string(), format!("{max_x:.0}")]),
            )
            .y_axis(
                Axis::default()
                    .bounds([0.0, max_loss])
                    .labels(["0".to_string(), format!("{max_loss:.2}")]),
            ),
        loss_area,
    );
    frame.render_widget(
        Chart::new(scores)
            .block(Block::default().borders(Borders::ALL).title(format!(
                        " validation accuracy / UA · lr {} ",
                        view.history
                            .last()
                            .map_or("-".to_string(), |r| format!("{:.1e}", r.lr))
                    )))
            .x_axis(
                Axis::default()
                    .bounds([1.0, max_x])
                    .labels(["1".to_string(), format!("{max_x:.0}")]),
            )
            .y_axis(Axis::default().bounds([0.0, 1.0]).labels(["0", "1"])),
        score_area,
    );

    // While training, the live validation matrix; after, the out-of-fold matrix of the model
    // whose predictions the lab shows (its cells open in Browse), else the last test fold's.
    let pooled = app.model.as_ref().map(|m| {
        let truth: Vec<usize> = m.by_clip.values().map(|p| p.label).collect();
        let predicted: Vec<usize> = m.by_clip.values().map(|p| p.predicted).collect();
        crate::train::metrics::Scores::compute(&truth, &predicted, m.classes.len())
    });
    let (scores, which) = match (&view.confusion, &pooled, &view.test) {
        (Some(validation), _, _) if view.running => (Some(validation), "validation"),
        (_, Some(pooled), _) => (Some(pooled), "out-of-fold"),
        (_, None, Some(test)) => (Some(test), "test"),
        (validation, None, None) => (validation.as_ref(), "validation"),
    };
    let cursor = (which == "out-of-fold" && app.train_settings.matrix_focus)
        .then_some(app.train_settings.cell);
    draw_confusion(frame, confusion, app, scores, which, cursor);
}

/// What the next run uses; the selected setting highlighted while the arrows change settings.
fn draw_settings(frame: &mut Frame, area: Rect, app: &App) {
    let chosen = &app.train_settings;
    let rows = Setting::ALL.iter().enumerate().map(|(i, &setting)| {
        let row = Row::new(vec![
            setting.label().to_string(),
            chosen.value_text(setting, &app.plugins.active),
        ]);
        if i == chosen.selected && !chosen.matrix_focus {
            row.style(app.theme.selection)
        } else {
            row.style(app.theme.text)
        }
    });
    let keys = format!(
        " next run · {} {} change ",
        keys::key_for(Action::Decrease, Tab::Train),
        keys::key_for(Action::Increase, Tab::Train)
    );
    frame.render_widget(
        Table::new(rows, [Constraint::Length(16), Constraint::Fill(1)])
            .block(Block::default().borders(Borders::ALL).title(keys)),
        area,
    );
}

fn draw_confusion(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    scores: Option<&crate::train::metrics::Scores>,
    which: &str,
    cursor: Option<(usize, usize)>,
) {
    let theme = &app.theme;
    let classes = app.catalog.classes();
    let mut rows = Vec::new();
    if let Some(scores) = scores {
        let recalls = scores.recalls();
        for (t, row) in scores.confusion.iter().enumerate() {
            let total: usize = row.iter().sum::<usize>().max(1);
            let mut cells = vec![Cell::from(classes.get(t).cloned().unwrap_or_default())];
            for (p, &count) in row.iter().enumerate() {
                let share = (count as f64 / total as f64) as f32;
                let cell = if cursor == Some((t, p)) {
                    Cell::from(format!("[{count:>2}]")).style(theme.selection)
                } else if theme.is_colourless() {
                    Cell::from(format!("{}{count:>3}", Theme::shade(share)))
                } else {
                    // Text stays readable on both ends of the ramp.
                    let fg = if share > 0.5 {
                        theme.heat(0.0)
                    } else {
                        theme.heat(1.0)
                    };
                    Cell::from(format!("{count:>4}"))
                        .style(Style::new().bg(theme.heat(share)).fg(fg))
                };
                cells.push(cell);
            }
            cells.push(Cell::from(format!("{:.2}", recalls[t])));
            rows.push(Row::new(cells));
        }
    }
    let mut widths = vec![Constraint::Length(9)];
    widths.extend(classes.iter().map(|_| Constraint::Length(5)));
    widths.push(Constraint::Length(6));
    let mut header = vec!["true\\pred".to_string()];
    header.extend(
        classes
            .iter()
            .map(|c| c.chars().take(4).collect::<String>()),
    );
    header.push("recall".into());
    let mut lines_below = Vec::new();
    if let Some(s) = scores {
        lines_below.push(format!(
            " {which}: UA {:.3} · accuracy {:.3} · macro F1 {:.3} · {} clips",
            s.unweighted_accuracy, s.accuracy, s.macro_f1, s.n
        ));
    }
    let [table_area, summary] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
    let title = match cursor {
        Some(_) => format!(
            " {which} confusion · {} opens a cell ",
            keys::key_for(Action::OpenCell, Tab::Train)
        ),
        None if which == "out-of-fold" => format!(
            " {which} confusion · {} to move in it ",
            keys::key_for(Action::FocusMatrix, Tab::Train)
        ),
        None => format!(" {which} confusion "),
    };
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.accent))
            .block(Block::default().borders(Borders::ALL).title(title)),
        table_area,
    );
    frame.render_widget(
        Paragraph::new(lines_below.join("")).wrap(ratatui::widgets::Wrap { trim: true }),
        summary,
    );
}
