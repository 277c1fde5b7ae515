//! Drawing only: every function here reads `App` and paints a frame.

mod augment;
mod browse;
mod clip;
mod live;
mod plugins;
mod runs;
mod train;

#[cfg(test)]
mod tests;

use super::app::{App, Overlay, Tab};
use super::keys;
use super::keys::{Action, Context};
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Tabs, Wrap};

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        frame.render_widget(
            Paragraph::new(format!(
                "terminal too small for serlab: {}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
                area.width, area.height
            ))
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let titles: Vec<String> = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| format!("F{} {}", i + 1, t.title()))
        .collect();
    let heading = Tabs::new(titles)
        .select(app.tab.index())
        .style(app.theme.text)
        .highlight_style(app.theme.selection.add_modifier(Modifier::BOLD))
        .divider("│");
    frame.render_widget(heading, tabs);
    match app.tab {
        Tab::Browse => browse::draw(frame, body, app),
        Tab::Clip => clip::draw_clip(frame, body, app),
        Tab::Augment => augment::draw(frame, body, app),
        Tab::Plugins => plugins::draw(frame, body, app),
        Tab::Train => train::draw(frame, body, app),
        Tab::Runs => runs::draw(frame, body, app),
        Tab::Live => live::draw(frame, body, app),
    }
    let corpus = if app.catalog.synthetic {
        "SYNTHETIC demo corpus · "
    } else {
        ""
    };
    let mut line = format!(
        " {corpus}{} help · {} quit · {}",
        keys::key_for(Action::Help, app.tab),
        keys::key_for(Action::Quit, app.tab),
        app.status
    );
    if app.train.running {
        line.push_str(" · training in background");
    }
    frame.render_widget(Paragraph::new(line).style(app.theme.status), status);
    match &app.overlay {
        Overlay::None | Overlay::Search => {}
        Overlay::PluginPrompt(typed) => prompt(
            frame,
            area,
            typed,
            " Load a plugin: path to the .so (Enter loads, Esc cancels) ",
        ),
        Overlay::SavePrompt(typed) => prompt(
            frame,
            area,
            typed,
            " Save the utterances heard: folder (Enter saves, Esc cancels) ",
        ),
        Overlay::MissingCorpora => draw_missing(frame, area, app),
        Overlay::Help => draw_help(frame, area, app.tab),
        Overlay::ConfirmQuit => {
            let popup = centered(area, 50, 5);
            frame.render_widget(Clear, popup);
            frame.render_widget(
                Paragraph::new(format!(
                    "Training is running. Quit and stop it? ({} / any other key)",
                    keys::panel_key(Action::QuitNow, Context::ConfirmQuit)
                ))
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(" Quit? ")),
                popup,
            );
        }
    }
}

/// The corpora the datasets file names that are not there, and the choices.
fn draw_missing(frame: &mut Frame, area: Rect, app: &App) {
    let mut lines: Vec<Line> = vec![Line::from(
        "These corpora are named in the datasets file but their folders are not there:",
    )];
    lines.push(Line::from(""));
    for missing in &app.catalog.missing {
        lines.push(Line::from(format!("  {}", missing.path.display())).style(app.theme.error));
        lines.push(Line::from(format!("    {}", missing.reason())));
    }
    lines.push(Line::from(""));
    let rest = if app.catalog.clips.is_empty() {
        "Nothing else is configured, so there are no clips. Fix the path (or set `enabled = false`) and start again."
    } else {
        "The clips of the other corpora are loaded. Training on them waits until this is fixed."
    };
    lines.push(Line::from(rest));
    lines.push(Line::from(""));
    let panel = Context::MissingCorpora;
    lines.push(Line::from(format!(
        "{}  use the SYNTHETIC demo corpus instead · {}  go on · {}  quit",
        keys::panel_key(Action::UseDemo, panel),
        keys::panel_key(Action::Dismiss, panel),
        keys::panel_key(Action::QuitNow, panel)
    )));
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, 100, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Missing corpora "),
        ),
        popup,
    );
}

/// A line of text being typed, in a box on top of the view.
fn prompt(frame: &mut Frame, area: Rect, typed: &str, title: &str) {
    let popup = centered(area, 80, 3);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(format!("{typed}▏")).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        popup,
    );
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn draw_help(frame: &mut Frame, area: Rect, tab: Tab) {
    let rows: Vec<Row> = keys::for_tab(tab)
        .map(|line| Row::new(vec![line.keys, line.description.to_string()]))
        .collect();
    let height = rows.len() as u16 + 2;
    let popup = centered(area, 110, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Table::new(rows, [Constraint::Length(28), Constraint::Fill(1)]).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Keys: {} (any key closes) ", tab.title())),
        ),
        popup,
    );
}
