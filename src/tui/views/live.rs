//! Live: listening on the input device: the model in use, the input level against the detector's
//! threshold, its state, and a strip of the latest utterances with their class and probabilities.

use crate::train::inference::PredictionPath;
use crate::tui::app::Tab;
use crate::tui::keys::{self, Action};
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Row, Table};

/// dBFS shown at the left end of the level meter.
const FLOOR_DB: f64 = -80.0;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let live = &app.live;
    let theme = &app.theme;
    let [info, level, strip] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Min(3),
    ])
    .areas(area);
    let model = live
        .model
        .as_ref()
        .map(|m| m.display().to_string())
        .or_else(|| app.model.as_ref().map(|m| m.describe()))
        .unwrap_or_else(|| "none yet: train one (Train view)".into());
    let state = match (live.listening, live.state) {
        (true, Some(state)) => state.as_str().to_string(),
        (true, None) => "opening the device…".into(),
        (false, _) => "not listening".into(),
    };
    let lines = vec![
        Line::from(format!(
            " model: {model} · device: {}",
            live.device.as_deref().unwrap_or("the default input")
        )),
        Line::from(format!(
            " {} · {} {} · {} saves the utterances as WAV (a crema-d corpus)",
            state,
            keys::key_for(Action::ToggleListening, Tab::Live),
            if live.listening { "stops" } else { "starts" },
            keys::key_for(Action::SaveUtterances, Tab::Live)
        ))
        .style(theme.muted),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::BOTTOM)),
        info,
    );
    let share = |db: f64| ((db - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0);
    let label = if live.listening {
        format!(
            "input {:.0} dBFS · threshold {:.0} dBFS",
            live.level_db, live.threshold_db
        )
    } else {
        "input level".to_string()
    };
    let style = if live.listening && live.level_db > live.threshold_db {
        theme.series[1]
    } else {
        theme.series[3]
    };
    frame.render_widget(
        Gauge::default()
            .ratio(if live.listening {
                share(live.level_db)
            } else {
                0.0
            })
            .label(label)
            .gauge_style(style)
            .block(Block::default().borders(Borders::ALL)),
        level,
    );
    let classes: Vec<String> = app.catalog.classes().to_vec();
    let rows = live.heard.iter().rev().map(|heard| {
        let mut cells = vec![
            format!("{:>7.2}-{:<7.2}", heard.start_s, heard.end_s),
            heard.class.clone(),
        ];
        for class in &classes {
            let p = heard
                .probabilities
                .iter()
                .find(|(c, _)| c == class)
                .map_or(0.0, |(_, p)| *p);
            cells.push(format!("{} {p:.2}", bar(p, 8)));
        }
        // The speaker's statistics take over once the session has enough utterances.
        cells.push(match heard.path {
            PredictionPath::Speaker { clips } => format!("speaker ({clips})"),
            PredictionPath::ClipAlone => "alone".into(),
        });
        Row::new(cells).style(theme.text)
    });
    let mut header = vec!["seconds".to_string(), "class".to_string()];
    header.extend(classes.iter().cloned());
    header.push("path".into());
    let mut widths = vec![Constraint::Length(16), Constraint::Length(9)];
    widths.extend(classes.iter().map(|_| Constraint::Length(14)));
    widths.push(Constraint::Length(14));
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.accent))
            .block(Block::default().borders(Borders::ALL).title(format!(
                " utterances heard · {} (newest first) ",
                live.heard.len()
            ))),
        strip,
    );
}

/// A probability as a bar of `width` cells, in eighths.
fn bar(p: f32, width: usize) -> String {
    const PARTS: [char; 9] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    let eighths = (p.clamp(0.0, 1.0) * (width * 8) as f32).round() as usize;
    (0..width)
        .map(|i| PARTS[eighths.saturating_sub(i * 8).min(8)])
        .collect()
}
