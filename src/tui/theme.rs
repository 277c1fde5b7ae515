//! Colour themes: `themes/*.toml` built in (dark, light, high-contrast), more from the user's
//! theme folder, and a colourless theme when `NO_COLOR` is set. Views ask the theme for styles
//! and never name a colour themselves.

use ratatui::style::{Color, Modifier, Style};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::str::FromStr;

const BUILT_IN: [(&str, &str); 3] = [
    ("dark.toml", include_str!("../../themes/dark.toml")),
    ("light.toml", include_str!("../../themes/light.toml")),
    (
        "high-contrast.toml",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// A theme file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    text: String,
    muted: String,
    accent: String,
    selection_fg: String,
    selection_bg: String,
    status_fg: String,
    status_bg: String,
    error: String,
    good: String,
    series: [String; 4],
    waveform: String,
    heat: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub selection: Style,
    pub status: Style,
    pub error: Style,
    pub good: Style,
    /// Train loss, validation loss, validation accuracy, validation UA.
    pub series: [Style; 4],
    pub waveform: Style,
    /// Colour stops from low to high; empty in the colourless theme.
    heat: Vec<Color>,
}

fn color(field: &str, value: &str) -> Result<Color, String> {
    Color::from_str(value.trim()).map_err(|_| {
        format!(
            "{field} = \"{value}\" is not a colour (use a name such as red, \"#rrggbb\", or 0-255)"
        )
    })
}

impl Theme {
    /// Parses a theme file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let c =
            |field: &str, value: &str| color(field, value).map_err(|e| format!("{origin}: {e}"));
        if file.heat.len() < 2 {
            return Err(format!("{origin}: heat needs at least two colours"));
        }
        let mut series = [Style::new(); 4];
        for (slot, value) in series.iter_mut().zip(&file.series) {
            *slot = Style::new().fg(c("series", value)?);
        }
        Ok(Self {
            name: file.name,
            text: Style::new().fg(c("text", &file.text)?),
            muted: Style::new().fg(c("muted", &file.muted)?),
            accent: Style::new()
                .fg(c("accent", &file.accent)?)
                .add_modifier(Modifier::BOLD),
            selection: Style::new()
                .fg(c("selection_fg", &file.selection_fg)?)
                .bg(c("selection_bg", &file.selection_bg)?),
            status: Style::new()
                .fg(c("status_fg", &file.status_fg)?)
                .bg(c("status_bg", &file.status_bg)?),
            error: Style::new().fg(c("error", &file.error)?),
            good: Style::new().fg(c("good", &file.good)?),
            series,
            waveform: Style::new().fg(c("waveform", &file.waveform)?),
            heat: file
                .heat
                .iter()
                .map(|h| c("heat", h))
                .collect::<Result<_, _>>()?,
        })
    }

    /// No colour at all (`NO_COLOR`): emphasis by bold, reverse video and shading characters.
    pub fn colourless() -> Self {
        let plain = Style::new();
        Self {
            name: "no-color".into(),
            text: plain,
            muted: plain,
            accent: plain.add_modifier(Modifier::BOLD),
            selection: plain.add_modifier(Modifier::REVERSED),
            status: plain.add_modifier(Modifier::REVERSED),
            error: plain.add_modifier(Modifier::BOLD),
            good: plain,
            series: [plain; 4],
            waveform: plain,
            heat: Vec::new(),
        }
    }

    pub fn is_colourless(&self) -> bool {
        self.heat.is_empty()
    }

    /// The heat colour of `v` in 0..1, interpolated between RGB stops (nearest stop otherwise).
    pub fn heat(&self, v: f32) -> Color {
        let Some(last) = self.heat.len().checked_sub(1) else {
            return Color::Reset;
        };
        let pos = f64::from(v.clamp(0.0, 1.0)) * last as f64;
        let i = (pos.floor() as usize).min(last.saturating_sub(1));
        let t = pos - i as f64;
        match (self.heat[i], self.heat[(i + 1).min(last)]) {
            (Color::Rgb(r0, g0, b0), Color::Rgb(r1, g1, b1)) => {
                let mix =
                    |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
                Color::Rgb(mix(r0, r1), mix(g0, g1), mix(b0, b1))
            }
            (a, b) => {
                if t < 0.5 {
                    a
                } else {
                    b
                }
            }
        }
    }

    /// A shading character for `v` in 0..1, for the colourless theme.
    pub fn shade(v: f32) -> &'static str {
        const SHADES: [&str; 5] = [" ", "░", "▒", "▓", "█"];
        SHADES[((v.clamp(0.0, 1.0) * 4.0).round() as usize).min(4)]
    }
}

/// The themes to choose from, in order: built in, then the user's (a user theme with a built-in
/// name replaces it). Files that do not parse are reported, not fatal.
pub struct ThemeSet {
    pub themes: Vec<Theme>,
    pub problems: Vec<String>,
}

impl ThemeSet {
    pub fn load(user_dir: Option<&Path>) -> Self {
        let mut themes: Vec<Theme> = BUILT_IN
            .iter()
            .filter_map(|(file, text)| Theme::parse(text, file).ok())
            .collect();
        let mut problems = Vec::new();
        let mut files: Vec<PathBuf> = user_dir
            .and_then(|dir| std::fs::read_dir(dir).ok())
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            let parsed = std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: cannot read: {e}", path.display()))
                .and_then(|text| Theme::parse(&text, &path.display().to_string()));
            match parsed {
                Ok(theme) => match themes.iter_mut().find(|t| t.name == theme.name) {
                    Some(slot) => *slot = theme,
                    None => themes.push(theme),
                },
                Err(e) => problems.push(e),
            }
        }
        Self { themes, problems }
    }

    pub fn user_dir() -> PathBuf {
        crate::config::dirs::config_dir().join("themes")
    }

    pub fn names(&self) -> Vec<&str> {
        self.themes.iter().map(|t| t.name.as_str()).collect()
    }

    pub fn named(&self, name: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.name == name)
    }

    /// The theme after `current` (wrapping).
    pub fn next_after(&self, current: &str) -> Option<&Theme> {
        let i = self.themes.iter().position(|t| t.name == current);
        let next = i.map_or(0, |i| (i + 1) % self.themes.len().max(1));
        self.themes.get(next)
    }
}

/// `NO_COLOR` set to anything but the empty string turns colour off (no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The TUI's own settings, `ui.toml` in the config folder: the chosen theme, saved when the user
/// switches with the theme key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiSettings {
    pub theme: Option<String>,
}

impl UiSettings {
    pub fn default_path() -> PathBuf {
        crate::config::dirs::config_dir().join("ui.toml")
    }

    /// A missing file is the defaults; a broken one is an error naming the file.
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("{}: cannot read: {e}", path.display())),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = toml::to_string_pretty(self).map_err(|e| e.to_string())?;
        crate::util::atomic::write_atomically(path, text.as_bytes())
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_themes_parse_and_differ() {
        let set = ThemeSet::load(None);
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        assert_eq!(set.names(), vec!["dark", "light", "high-contrast"]);
        assert_ne!(set.themes[0].selection, set.themes[1].selection);
        assert_eq!(set.next_after("high-contrast").unwrap().name, "dark");
        assert_eq!(set.next_after("nonexistent").unwrap().name, "dark");
    }

    #[test]
    fn heat_interpolates_between_rgb_stops() {
        let unknown = format!("{}\nxheat = 1\n", include_str!("../../themes/dark.toml"));
        let err = Theme::parse(&unknown, "t").unwrap_err();
        assert!(err.contains("xheat"), "unknown keys are named: {err}");
        let text = include_str!("../../themes/dark.toml");
        let start = text.find("heat = [").unwrap();
        let end = start + text[start..].find(']').unwrap() + 1;
        let two = format!(
            "{}heat = [\"#000000\", \"#ffffff\"]{}",
            &text[..start],
            &text[end..]
        );
        let theme = Theme::parse(&two, "t").unwrap();
        assert_eq!(theme.heat(0.0), Color::Rgb(0, 0, 0));
        assert_eq!(theme.heat(1.0), Color::Rgb(255, 255, 255));
        assert_eq!(theme.heat(0.5), Color::Rgb(128, 128, 128));
        assert_eq!(theme.heat(7.0), Color::Rgb(255, 255, 255), "clamped");
    }

    #[test]
    fn a_bad_colour_is_named_with_its_file_and_field() {
        let text = include_str!("../../themes/light.toml").replace("\"#b00020\"", "\"blurple\"");
        let err = Theme::parse(&text, "mine.toml").unwrap_err();
        assert!(
            err.contains("mine.toml") && err.contains("error") && err.contains("blurple"),
            "{err}"
        );
    }

    #[test]
    fn user_themes_add_to_and_replace_built_ins_and_broken_ones_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let light = include_str!("../../themes/light.toml");
        std::fs::write(
            dir.path().join("sepia.toml"),
            light.replace("\"light\"", "\"sepia\""),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("dark.toml"),
            light.replace("\"light\"", "\"dark\""),
        )
        .unwrap();
        std::fs::write(dir.path().join("broken.toml"), "name = 3").unwrap();
        let set = ThemeSet::load(Some(dir.path()));
        assert_eq!(set.names(), vec!["dark", "light", "high-contrast", "sepia"]);
        assert_eq!(
            set.named("dark").unwrap().selection,
            set.named("light").unwrap().selection
        );
        assert_eq!(set.problems.len(), 1);
        assert!(
            set.problems[0].contains("broken.toml"),
            "{:?}",
            set.problems
        );
    }

    #[test]
    fn the_colourless_theme_uses_no_colour() {
        let t = Theme::colourless();
        assert!(t.is_colourless());
        for style in [t.text, t.accent, t.selection, t.status, t.error, t.waveform] {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
        assert_eq!(t.heat(0.7), Color::Reset);
        assert_eq!(Theme::shade(0.0), " ");
        assert_eq!(Theme::shade(1.0), "█");
    }

    #[test]
    fn ui_settings_round_trip_and_report_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ui.toml");
        assert_eq!(UiSettings::load(&path).unwrap(), UiSettings::default());
        let s = UiSettings {
            theme: Some("light".into()),
        };
        s.save(&path).unwrap();
        assert_eq!(UiSettings::load(&path).unwrap(), s);
        std::fs::write(&path, "theme = [").unwrap();
        assert!(UiSettings::load(&path).unwrap_err().contains("ui.toml"));
    }
}
