//! Clip: the selected clip's metadata, waveform (Braille), mel spectrogram (half blocks, two
//! bands a cell) and the active plugin's feature values. The pictures come from the inspector
//! thread; until they arrive the panels say they are loading.

use crate::audio::display::{resize_envelope, Spectrogram};
use crate::tui::app::Tab;
use crate::tui::inspect::{ClipDetails, FeatureValues};
use crate::tui::keys::{self, Action};
use crate::tui::theme::Theme;
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::canvas::{Canvas, Line as CanvasLine};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

pub fn draw_clip(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let Some(clip) = app.current_clip().and_then(|i| app.catalog.clips.get(i)) else {
        frame.render_widget(
            Paragraph::new("no clip selected (the Browse filters hide every clip)")
                .block(Block::default().borders(Borders::ALL).title(" Clip ")),
            area,
        );
        return;
    };
    let [left, right] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(52)]).areas(area);
    let [meta, wave, spec] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Percentage(40),
        Constraint::Min(4),
    ])
    .areas(left);
    let class = clip
        .target
        .map(|c| app.catalog.labels.class_name(c).to_string())
        .unwrap_or_else(|| "left out".into());
    let text = vec![
        Line::from(format!("corpus   {}", clip.corpus.display_name())),
        Line::from(format!(
            "speaker  {} ({})",
            clip.speaker,
            clip.gender.as_str()
        )),
        Line::from(format!(
            "emotion  {} ({})",
            clip.emotion.as_str(),
            clip.intensity.as_str()
        )),
        Line::from(vec![
            Span::raw("class    "),
            Span::styled(class, theme.accent),
            Span::raw(if clip.relabelled { " (relabelled)" } else { "" }),
        ]),
        Line::from(format!(
            "audio    {:.2} s, {} Hz, {} channel(s)",
            clip.duration_s, clip.sample_rate, clip.channels
        )),
        Line::from(format!(
            "file     {}",
            tail_to_fit(
                &clip.path.display().to_string(),
                usize::from(meta.width).saturating_sub(11)
            )
        ))
        .style(theme.muted),
    ];
    let position = format!(
        " Clip · {}/{} · {} ",
        (app.browse.selected + 1).min(app.browse.view.len()),
        app.browse.view.len(),
        clip.relative
    );
    frame.render_widget(
        Paragraph::new(text)
            .style(theme.text)
            .block(Block::default().borders(Borders::ALL).title(position)),
        meta,
    );
    let details = app
        .clip
        .details
        .as_ref()
        .filter(|_| app.details_are_current());
    draw_waveform(frame, wave, details, theme, app.clip.inspector.is_some());
    draw_spectrogram(frame, spec, details, theme);
    draw_features(frame, right, details, app.clip.feature_scroll, theme);
}

/// The end of `text` in at most `width` characters, marked with `…` when cut (the file name
/// matters more than the folders above it).
fn tail_to_fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    let keep = width.saturating_sub(1);
    let tail: String = text.chars().skip(count - keep).collect();
    format!("…{tail}")
}

/// `text` in at most `width` characters, cut in the middle: feature names differ at both ends
/// (`F0semitone…_amean` vs `F0semitone…_stddevNorm`).
fn middle_to_fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width || width < 3 {
        return text.to_string();
    }
    let tail = (width - 1) / 2;
    let head = width - 1 - tail;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}

fn waiting(frame: &mut Frame, area: Rect, title: &str, has_worker: bool) {
    let text = if has_worker {
        "loading…"
    } else {
        "(not computed in this session)"
    };
    frame.render_widget(
        Paragraph::new(text).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        area,
    );
}

fn draw_waveform(
    frame: &mut Frame,
    area: Rect,
    details: Option<&ClipDetails>,
    theme: &Theme,
    has_worker: bool,
) {
    let Some(details) = details else {
        return waiting(frame, area, " Waveform ", has_worker);
    };
    if let Some(error) = &details.error {
        frame.render_widget(
            Paragraph::new(error.as_str())
                .style(theme.error)
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(" Waveform ")),
            area,
        );
        return;
    }
    let inner_width = usize::from(area.width.saturating_sub(2)) * 2;
    let columns = resize_envelope(&details.envelope, inner_width.max(1));
    let peak = columns
        .iter()
        .map(|&(lo, hi)| lo.abs().max(hi.abs()))
        .fold(0.0f32, f32::max);
    let scale = f64::from(peak.max(1e-4));
    let color = theme.waveform.fg.unwrap_or(Color::Reset);
    let title = format!(
        " Waveform · peak {:.1} dBFS ",
        20.0 * f64::from(peak.max(1e-6)).log10()
    );
    let canvas = Canvas::default()
        .block(Block::default().borders(Borders::ALL).title(title))
        .marker(symbols::Marker::Braille)
        .x_bounds([0.0, columns.len().max(1) as f64])
        .y_bounds([-1.0, 1.0])
        .paint(move |ctx| {
            for (x, &(lo, hi)) in columns.iter().enumerate() {
                ctx.draw(&CanvasLine::new(
                    x as f64,
                    f64::from(lo) / scale,
                    x as f64,
                    f64::from(hi) / scale,
                    color,
                ));
            }
        });
    frame.render_widget(canvas, area);
}

fn draw_spectrogram(frame: &mut Frame, area: Rect, details: Option<&ClipDetails>, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Mel spectrogram · 0 Hz at the bottom · 80 dB range ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(spec) = details.and_then(|d| d.spectrogram.as_ref()) else {
        return;
    };
    paint_spectrogram(frame.buffer_mut(), inner, spec, theme);
}

/// Two bands per cell: the upper half block takes the higher band's colour, the background the
/// lower band's. Without colour, a shading character shows the louder of the two.
fn paint_spectrogram(buf: &mut Buffer, area: Rect, spec: &Spectrogram, theme: &Theme) {
    if area.is_empty() || spec.bands == 0 {
        return;
    }
    let half_rows = usize::from(area.height) * 2;
    let band_at = |half_row: usize| {
        // half_row 0 is the top: the highest band.
        let from_bottom = half_rows - 1 - half_row;
        (from_bottom * spec.bands / half_rows).min(spec.bands - 1)
    };
    for row in 0..area.height {
        let (upper, lower) = (
            band_at(usize::from(row) * 2),
            band_at(usize::from(row) * 2 + 1),
        );
        for col in 0..area.width {
            let x = (f64::from(col) + 0.5) / f64::from(area.width);
            let (hi, lo) = (spec.at_time(upper, x), spec.at_time(lower, x));
            let cell = &mut buf[(area.x + col, area.y + row)];
            if theme.is_colourless() {
                cell.set_symbol(Theme::shade(hi.max(lo)));
            } else {
                cell.set_symbol("▀")
                    .set_fg(theme.heat(hi))
                    .set_bg(theme.heat(lo));
            }
        }
    }
}

fn draw_features(
    frame: &mut Frame,
    area: Rect,
    details: Option<&ClipDetails>,
    scroll: usize,
    theme: &Theme,
) {
    let scroll_keys = format!(
        "{} {}",
        keys::key_for(Action::ScrollFeaturesUp, Tab::Clip),
        keys::key_for(Action::ScrollFeaturesDown, Tab::Clip)
    );
    let title = |extra: &str| format!(" Features{extra} · {scroll_keys} scroll ");
    let features = details.and_then(|d| d.features.as_ref());
    let Some(features) = features else {
        let text = match details {
            Some(d) if d.plugin.is_none() => "no active plugin (choose one in Plugins)",
            Some(_) => "no features (the audio could not be read)",
            None => "loading…",
        };
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(title(""))),
            area,
        );
        return;
    };
    match features {
        Err(error) => frame.render_widget(
            Paragraph::new(error.as_str())
                .style(theme.error)
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(title(""))),
            area,
        ),
        Ok(values) => draw_feature_table(frame, area, values, scroll, theme, &title),
    }
}

fn draw_feature_table(
    frame: &mut Frame,
    area: Rect,
    values: &FeatureValues,
    scroll: usize,
    theme: &Theme,
    title: &dyn Fn(&str) -> String,
) {
    let visible = usize::from(area.height.saturating_sub(3));
    // Borders, the value column and the gap between columns.
    let name_width = usize::from(area.width).saturating_sub(2 + 13 + 1);
    let first = scroll.min(values.names.len().saturating_sub(visible.max(1)));
    let rows = values
        .names
        .iter()
        .zip(&values.values)
        .skip(first)
        .take(visible)
        .map(|(name, v)| Row::new(vec![middle_to_fit(name, name_width), format!("{v:>12.4}")]));
    let what = if values.frames > 1 {
        format!(" · {} · mean of {} frames", values.plugin, values.frames)
    } else {
        format!(" · {}", values.plugin)
    };
    let header = Row::new(vec![
        format!(
            "{}-{} of {}",
            first + 1,
            (first + visible).min(values.names.len()),
            values.names.len()
        ),
        "value".to_string(),
    ])
    .style(theme.accent);
    frame.render_widget(
        Table::new(rows, [Constraint::Fill(1), Constraint::Length(13)])
            .header(header)
            .style(theme.text)
            .block(Block::default().borders(Borders::ALL).title(title(&what))),
        area,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_paths_keep_their_end() {
        assert_eq!(super::tail_to_fit("/a/b/c.wav", 20), "/a/b/c.wav");
        assert_eq!(super::tail_to_fit("/long/folder/c.wav", 8), "…r/c.wav");
        assert_eq!(super::tail_to_fit("abc", 0), "…");
        let name = "F0semitoneFrom27.5Hz_sma3nz_stddevNorm";
        let cut = super::middle_to_fit(name, 21);
        assert_eq!(cut.chars().count(), 21);
        assert!(
            cut.starts_with("F0semitone") && cut.ends_with("stddevNorm"),
            "{cut}"
        );
        assert_eq!(super::middle_to_fit("zcr", 21), "zcr");
    }
}
