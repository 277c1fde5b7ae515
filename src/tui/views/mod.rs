//! Drawing only: every function here reads `App` and paints a frame.

mod browse;

use super::App;
use ratatui::prelude::*;
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    if area.width < 40 || area.height < 8 {
        frame.render_widget(
            Paragraph::new("terminal too small for serlab (need 40x8)")
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    browse::draw(frame, area, app);
}
