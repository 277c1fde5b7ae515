//! Owns the terminal: ratatui's `init` enters raw mode and the alternate screen and installs a
//! panic hook that restores both; `restore` runs on every other way out. Here too is the
//! draw/event loop.

use super::App;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::io;
use std::time::Duration;

/// Restores the terminal when dropped, whichever way `run` leaves (an error included).
struct RestoreOnDrop;

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

pub fn run(app: &mut App) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let _restore = RestoreOnDrop;
    terminal.clear()?;
    while !app.should_quit() {
        app.tick();
        terminal.draw(|frame| super::views::draw(frame, app))?;
        if event::poll(Duration::from_millis(33))? {
            match event::read()? {
                Event::Key(key) if key.kind != KeyEventKind::Release => app.handle_key(key),
                Event::Resize(_, _) => terminal.autoresize()?,
                _ => {}
            }
        }
    }
    Ok(())
}
