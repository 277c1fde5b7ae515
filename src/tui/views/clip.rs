//! Clip: the selected clip's metadata. Augment: the augmentation policy training will use.

use crate::augment::AugmentPolicy;
use crate::tui::App;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn draw_clip(frame: &mut Frame, area: Rect, app: &mut App) {
    let text = match app.current_clip().and_then(|i| app.catalog.clips.get(i)) {
        Some(clip) => {
            let class = clip
                .target
                .map(|c| app.catalog.labels.class_name(c).to_string())
                .unwrap_or_else(|| "left out".into());
            vec![
                Line::from(clip.path.display().to_string()).bold(),
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
                Line::from(format!(
                    "class    {class}{}",
                    if clip.relabelled { " (relabelled)" } else { "" }
                )),
                Line::from(format!(
                    "audio    {:.2} s, {} Hz, {} channel(s)",
                    clip.duration_s, clip.sample_rate, clip.channels
                )),
            ]
        }
        None => vec![Line::from("no clip selected")],
    };
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" Clip ")),
        area,
    );
}

pub fn draw_augment(frame: &mut Frame, area: Rect, _app: &mut App) {
    let path = AugmentPolicy::user_default_path();
    let (policy, source) = match AugmentPolicy::load(&path) {
        Ok(p) => (p, path.display().to_string()),
        Err(_) => (AugmentPolicy::default(), "defaults".to_string()),
    };
    let on = |b: bool| if b { "on " } else { "off" };
    let lines = vec![
        Line::from(format!(
            "policy from {source}; training applies it to training clips only"
        )),
        Line::from(""),
        Line::from(format!(
            "noise  {}  p={:.2}  SNR {:.0}-{:.0} dB",
            on(policy.noise.enabled),
            policy.noise.probability,
            policy.noise.snr_db[0],
            policy.noise.snr_db[1]
        )),
        Line::from(format!(
            "stretch {} p={:.2}  rate {:.2}-{:.2}",
            on(policy.stretch.enabled),
            policy.stretch.probability,
            policy.stretch.rate[0],
            policy.stretch.rate[1]
        )),
        Line::from(format!(
            "shift  {}  p={:.2}  up to {:.0} % of the clip",
            on(policy.shift.enabled),
            policy.shift.probability,
            100.0 * policy.shift.max_fraction
        )),
        Line::from(format!(
            "pitch  {}  p={:.2}  {:+.1} to {:+.1} semitones",
            on(policy.pitch.enabled),
            policy.pitch.probability,
            policy.pitch.semitones[0],
            policy.pitch.semitones[1]
        )),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Augment ")),
        area,
    );
}
