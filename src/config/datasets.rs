//! `datasets.toml`: which corpora to read and how to label them. Every problem is reported with
//! the file, the line and the key, so a hand-edited file is quick to fix.

use super::labels::{LabelMap, DEFAULT_CLASSES};
use crate::corpus::{CorpusKind, Emotion};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const DEFAULT_SAMPLE_RATE: u32 = 16_000;
const FILE_NAME: &str = "datasets.toml";

#[derive(Debug, Clone, PartialEq)]
pub struct CorpusEntry {
    pub kind: CorpusKind,
    pub path: PathBuf,
    pub enabled: bool,
    /// Line of the entry's `path` in the file, for messages about it (0 when not from a file).
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatasetsConfig {
    /// The file this was read from, if any.
    pub source: Option<PathBuf>,
    pub sample_rate: u32,
    pub corpora: Vec<CorpusEntry>,
    pub labels: LabelMap,
    /// Extra plugin files or folders (`[plugins] paths = [...]`).
    pub plugin_paths: Vec<PathBuf>,
    /// `[plugins] timeout_s`: how long one extraction may take before serlab gives up on it.
    pub plugin_timeout: std::time::Duration,
    /// `[plugins] isolation`, `memory_limit_mb`, `probe_timeout_s`: where plugin code runs and
    /// under which limits.
    pub plugin_isolation: PluginIsolation,
    /// Settings of the `smileapi` bridge plugin (`[smileapi]`).
    pub smileapi: SmileApiSettings,
    /// `[cache] dir`: the feature cache, e.g. one folder on a file system shared by a cluster.
    pub feature_cache: Option<PathBuf>,
}

/// Where the `smileapi` plugin finds a real openSMILE (`[smileapi] library = ..., config = ...`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SmileApiSettings {
    /// `libSMILEapi.so`.
    pub library: Option<PathBuf>,
    /// The openSMILE `.conf` file to run.
    pub config: Option<PathBuf>,
}

impl SmileApiSettings {
    /// The environment variables the plugin reads, for the settings this file gives.
    pub fn environment(&self) -> Vec<(&'static str, &Path)> {
        let mut vars = Vec::new();
        if let Some(library) = &self.library {
            vars.push(("SERLAB_SMILEAPI_LIB", library.as_path()));
        }
        if let Some(config) = &self.config {
            vars.push(("SERLAB_SMILEAPI_CONFIG", config.as_path()));
        }
        vars
    }
}

/// The `[plugins]` settings of isolation (see `features::isolation`).
#[derive(Debug, Clone, PartialEq)]
pub struct PluginIsolation {
    pub mode: crate::features::Isolation,
    /// Megabytes of address space per worker process; 0: no limit.
    pub memory_limit_mb: u64,
    pub probe_timeout: std::time::Duration,
}

impl Default for PluginIsolation {
    fn default() -> Self {
        Self {
            mode: crate::features::Isolation::default(),
            memory_limit_mb: crate::features::isolation::DEFAULT_MEMORY_LIMIT_MB,
            probe_timeout: crate::features::isolation::DEFAULT_PROBE_TIMEOUT,
        }
    }
}

impl Default for DatasetsConfig {
    fn default() -> Self {
        Self {
            source: None,
            sample_rate: DEFAULT_SAMPLE_RATE,
            corpora: Vec::new(),
            labels: LabelMap::default(),
            plugin_paths: Vec::new(),
            plugin_timeout: crate::features::DEFAULT_CALL_TIMEOUT,
            plugin_isolation: PluginIsolation::default(),
            smileapi: SmileApiSettings::default(),
            feature_cache: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}:{line}: {}{message}", path.display(), if key.is_empty() { String::new() } else { format!("`{key}`: ") })]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

/// Where the datasets file was found, in lookup order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetsSource {
    /// `--datasets PATH`
    Explicit(PathBuf),
    /// `./datasets.toml`
    WorkingDir(PathBuf),
    /// `<user config dir>/datasets.toml`
    UserConfig(PathBuf),
    /// Nothing found: defaults, and the demo corpus.
    None,
}

pub fn locate_datasets_file(explicit: Option<&Path>) -> DatasetsSource {
    if let Some(path) = explicit {
        return DatasetsSource::Explicit(path.to_path_buf());
    }
    let local = PathBuf::from(FILE_NAME);
    if local.is_file() {
        return DatasetsSource::WorkingDir(local);
    }
    let user = super::dirs::config_dir().join(FILE_NAME);
    if user.is_file() {
        return DatasetsSource::UserConfig(user);
    }
    DatasetsSource::None
}

impl DatasetsConfig {
    /// Loads the file the lookup order picks (`--datasets`, `./datasets.toml`, the user config
    /// dir), or the defaults when there is none.
    pub fn load(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        match locate_datasets_file(explicit) {
            DatasetsSource::Explicit(path)
            | DatasetsSource::WorkingDir(path)
            | DatasetsSource::UserConfig(path) => Self::from_file(&path),
            DatasetsSource::None => Ok(Self::default()),
        }
    }

    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            cause: source,
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut config = Self::parse(&text, path, &base)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses `text`; `file` names it in errors and relative corpus paths resolve against `base`.
    pub fn parse(text: &str, file: &Path, base: &Path) -> Result<Self, ConfigError> {
        let invalid = |offset: usize, key: &str, message: String| ConfigError::Invalid {
            path: file.to_path_buf(),
            line: line_of(text, offset),
            key: key.to_string(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            let offset = err.span().map(|s| s.start).unwrap_or(0);
            let mut message = err.message().trim().to_string();
            if message.is_empty() {
                // The TOML parser gives no words for some bytes (a lone carriage return).
                let byte = text.as_bytes().get(offset).copied().unwrap_or(0);
                message = format!("unexpected character 0x{byte:02x}: not valid TOML");
            }
            let key = key_from_message(&message).unwrap_or_else(|| key_at(text, offset));
            invalid(offset, &key, message)
        })?;

        let sample_rate = match &raw.sample_rate {
            None => DEFAULT_SAMPLE_RATE,
            Some(rate) => {
                let value = *rate.get_ref();
                if !(1_000..=192_000).contains(&value) {
                    return Err(invalid(
                        rate.span().start,
                        "sample_rate",
                        format!("{value} Hz is outside 1000..192000 Hz"),
                    ));
                }
                value as u32
            }
        };

        let mut corpora = Vec::new();
        for entry in &raw.corpus {
            let kind: CorpusKind = entry
                .kind
                .get_ref()
                .parse()
                .map_err(|msg| invalid(entry.kind.span().start, "kind", msg))?;
            let path_text = entry.path.get_ref();
            if path_text.trim().is_empty() {
                return Err(invalid(entry.path.span().start, "path", "is empty".into()));
            }
            corpora.push(CorpusEntry {
                kind,
                path: resolve_path(path_text, base),
                enabled: entry.enabled.unwrap_or(true),
                line: line_of(text, entry.path.span().start),
            });
        }

        let labels = match &raw.labels {
            None => {
                if let Some(classes) = &raw.classes {
                    let _ = parse_classes(classes, &invalid)?;
                    return Err(invalid(
                        classes.span().start,
                        "classes",
                        "set `classes` together with a [labels] table that maps emotions to them"
                            .into(),
                    ));
                }
                LabelMap::default()
            }
            Some(table) => parse_labels(table, raw.classes.as_ref(), &invalid)?,
        };

        let plugin_paths = raw
            .plugins
            .as_ref()
            .map(|p| {
                p.paths
                    .iter()
                    .map(|path| resolve_path(path, base))
                    .collect()
            })
            .unwrap_or_default();

        let plugin_timeout = match raw.plugins.as_ref().and_then(|p| p.timeout_s.as_ref()) {
            None => crate::features::DEFAULT_CALL_TIMEOUT,
            Some(seconds) => {
                let value = *seconds.get_ref();
                if !(value.is_finite() && (0.001..=86_400.0).contains(&value)) {
                    return Err(invalid(
                        seconds.span().start,
                        "plugins.timeout_s",
                        format!("{value} is not a number of seconds in 0.001..86400"),
                    ));
                }
                std::time::Duration::from_secs_f64(value)
            }
        };

        let mut plugin_isolation = PluginIsolation::default();
        if let Some(plugins) = &raw.plugins {
            if let Some(mode) = &plugins.isolation {
                plugin_isolation.mode = mode
                    .get_ref()
                    .parse()
                    .map_err(|msg| invalid(mode.span().start, "plugins.isolation", msg))?;
            }
            if let Some(limit) = &plugins.memory_limit_mb {
                let value = *limit.get_ref();
                if !(value == 0 || (64..=1 << 24).contains(&value)) {
                    return Err(invalid(
                        limit.span().start,
                        "plugins.memory_limit_mb",
                        format!(
                            "{value} is not a number of megabytes in 64..16777216 (or 0: no limit)"
                        ),
                    ));
                }
                plugin_isolation.memory_limit_mb = value as u64;
            }
            if let Some(seconds) = &plugins.probe_timeout_s {
                let value = *seconds.get_ref();
                if !(value.is_finite() && (0.1..=600.0).contains(&value)) {
                    return Err(invalid(
                        seconds.span().start,
                        "plugins.probe_timeout_s",
                        format!("{value} is not a number of seconds in 0.1..600"),
                    ));
                }
                plugin_isolation.probe_timeout = std::time::Duration::from_secs_f64(value);
            }
        }

        let smileapi = raw
            .smileapi
            .as_ref()
            .map(|t| SmileApiSettings {
                library: t.library.as_deref().map(|p| resolve_path(p, base)),
                config: t.config.as_deref().map(|p| resolve_path(p, base)),
            })
            .unwrap_or_default();

        Ok(Self {
            source: None,
            sample_rate,
            corpora,
            labels,
            plugin_paths,
            plugin_timeout,
            plugin_isolation,
            smileapi,
            feature_cache: raw
                .cache
                .as_ref()
                .and_then(|c| c.dir.as_deref())
                .map(|d| resolve_path(d, base)),
        })
    }

    /// Why the demo corpus stands in: no datasets file, or one that names no corpus.
    pub fn why_no_corpus(&self) -> String {
        match &self.source {
            None => "no datasets.toml found (--datasets, ./datasets.toml, the user config dir)"
                .to_string(),
            Some(file) => format!("{} names no enabled corpus", file.display()),
        }
    }

    pub fn enabled_corpora(&self) -> impl Iterator<Item = &CorpusEntry> {
        self.corpora.iter().filter(|c| c.enabled)
    }
}

fn parse_classes(
    classes: &Spanned<Vec<Spanned<String>>>,
    invalid: &impl Fn(usize, &str, String) -> ConfigError,
) -> Result<Vec<String>, ConfigError> {
    let mut names = Vec::new();
    for class in classes.get_ref() {
        let name = class.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(invalid(
                class.span().start,
                "classes",
                "a class name is empty".into(),
            ));
        }
        if names.contains(&name) {
            return Err(invalid(
                class.span().start,
                "classes",
                format!("class `{name}` is listed twice"),
            ));
        }
        names.push(name);
    }
    if names.len() < 2 {
        return Err(invalid(
            classes.span().start,
            "classes",
            "at least two classes are needed".into(),
        ));
    }
    Ok(names)
}

fn parse_labels(
    table: &BTreeMap<String, Spanned<String>>,
    classes: Option<&Spanned<Vec<Spanned<String>>>>,
    invalid: &impl Fn(usize, &str, String) -> ConfigError,
) -> Result<LabelMap, ConfigError> {
    let mut class_names = match classes {
        Some(classes) => Some(parse_classes(classes, invalid)?),
        None => None,
    };
    // Entries in file order, so that derived classes follow the order the user wrote.
    let mut entries: Vec<(&String, &Spanned<String>)> = table.iter().collect();
    entries.sort_by_key(|(_, v)| v.span().start);
    let mut derived: Vec<String> = Vec::new();
    let mut pairs = Vec::new();
    for (key, value) in &entries {
        let offset = value.span().start;
        let emotion: Emotion = key
            .parse()
            .map_err(|msg| invalid(offset, &format!("labels.{key}"), msg))?;
        let class = value.get_ref().trim();
        if class.is_empty() {
            return Err(invalid(
                offset,
                &format!("labels.{key}"),
                "class name is empty (remove the line to leave this emotion out)".into(),
            ));
        }
        match &class_names {
            Some(names) => {
                if !names.iter().any(|c| c == class) {
                    return Err(invalid(
                        offset,
                        &format!("labels.{key}"),
                        format!("class `{class}` is not in `classes` ({})", names.join(", ")),
                    ));
                }
            }
            None => {
                if !derived.iter().any(|c| c == class) {
                    derived.push(class.to_string());
                }
            }
        }
        pairs.push((emotion, class.to_string()));
    }
    if class_names.is_none() {
        // Without an explicit list, the usual four come first in their usual order.
        derived.sort_by_key(|c| {
            DEFAULT_CLASSES
                .iter()
                .position(|d| d == c)
                .unwrap_or(usize::MAX)
        });
        if derived.len() < 2 {
            let offset = entries.first().map(|(_, v)| v.span().start).unwrap_or(0);
            return Err(invalid(
                offset,
                "labels",
                "the mapping must name at least two classes".into(),
            ));
        }
        class_names = Some(derived);
    }
    let names = class_names.unwrap_or_default();
    let pairs = pairs
        .into_iter()
        .filter_map(|(emotion, class)| names.iter().position(|c| *c == class).map(|i| (emotion, i)))
        .collect();
    Ok(LabelMap::from_parts(names, pairs))
}

fn resolve_path(text: &str, base: &Path) -> PathBuf {
    let expanded = super::dirs::expand_home(text);
    if expanded.is_absolute() {
        expanded
    } else {
        base.join(expanded)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The key written on the line holding `offset` (`key = value`), or the table header.
fn key_at(text: &str, offset: usize) -> String {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let line = text[start..].lines().next().unwrap_or("").trim();
    match line.split_once('=') {
        Some((key, _)) => key.trim().to_string(),
        None => line.trim_matches(|c| c == '[' || c == ']').to_string(),
    }
}

/// serde names the key itself in some messages: "unknown field `x`", "missing field `x`".
fn key_from_message(message: &str) -> Option<String> {
    for prefix in [
        "unknown field `",
        "missing field `",
        "duplicate key `",
        "duplicate field `",
    ] {
        if let Some(rest) = message.split(prefix).nth(1) {
            return rest.split('`').next().map(str::to_string);
        }
    }
    None
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    sample_rate: Option<Spanned<i64>>,
    classes: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    corpus: Vec<RawCorpus>,
    labels: Option<BTreeMap<String, Spanned<String>>>,
    plugins: Option<RawPlugins>,
    smileapi: Option<RawSmileApi>,
    cache: Option<RawCache>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    dir: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmileApi {
    library: Option<String>,
    config: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugins {
    #[serde(default)]
    paths: Vec<String>,
    timeout_s: Option<Spanned<f64>>,
    isolation: Option<Spanned<String>>,
    memory_limit_mb: Option<Spanned<i64>>,
    probe_timeout_s: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorpus {
    kind: Spanned<String>,
    path: Spanned<String>,
    enabled: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DatasetsConfig, ConfigError> {
        DatasetsConfig::parse(text, Path::new("datasets.toml"), Path::new("/base"))
    }

    fn error_of(text: &str) -> (usize, String, String) {
        match parse(text).unwrap_err() {
            ConfigError::Invalid {
                line, key, message, ..
            } => (line, key, message),
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn empty_file_gives_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.sample_rate, 16_000);
        assert!(config.corpora.is_empty());
        assert_eq!(config.labels, LabelMap::default());
    }

    #[test]
    fn reads_corpora_labels_and_rate() {
        let config = parse(
            r#"
sample_rate = 22050

[[corpus]]
kind = "ravdess"
path = "corpora/RAVDESS"

[[corpus]]
kind = "crema-d"
path = "/data/CREMA-D"
enabled = false

[labels]
neutral = "neutral"
calm = "neutral"
happy = "happy"
angry = "angry"
sad = "sad"
"#,
        )
        .unwrap();
        assert_eq!(config.sample_rate, 22_050);
        assert_eq!(config.corpora.len(), 2);
        assert_eq!(
            config.corpora[0].path,
            PathBuf::from("/base/corpora/RAVDESS")
        );
        assert_eq!(config.corpora[0].line, 6, "the line of its `path`");
        assert!(!config.corpora[1].enabled);
        assert_eq!(config.enabled_corpora().count(), 1);
        assert_eq!(
            config.labels.classes(),
            ["neutral", "happy", "sad", "angry"]
        );
        assert_eq!(config.labels.target(Emotion::Calm), Some(0));
        assert_eq!(config.labels.target(Emotion::Fear), None);
        assert!(config.plugin_paths.is_empty());
    }

    #[test]
    fn smileapi_paths_resolve_against_the_file() {
        let config = parse(
            "[smileapi]\nlibrary = \"lib/libSMILEapi.so\"\nconfig = \"/etc/eGeMAPSv02.conf\"\n",
        )
        .unwrap();
        assert_eq!(
            config.smileapi.library,
            Some(PathBuf::from("/base/lib/libSMILEapi.so"))
        );
        assert_eq!(
            config.smileapi.environment(),
            vec![
                ("SERLAB_SMILEAPI_LIB", Path::new("/base/lib/libSMILEapi.so")),
                ("SERLAB_SMILEAPI_CONFIG", Path::new("/etc/eGeMAPSv02.conf")),
            ]
        );
        let err = parse("[smileapi]\nlibary = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("libary"), "{err}");
    }

    #[test]
    fn plugin_paths_resolve_against_the_file() {
        let config = parse("[plugins]\npaths = [\"my-plugins\", \"/opt/p.so\"]\n").unwrap();
        assert_eq!(
            config.plugin_paths,
            vec![
                PathBuf::from("/base/my-plugins"),
                PathBuf::from("/opt/p.so")
            ]
        );
    }

    #[test]
    fn explicit_classes_fix_the_order() {
        let config = parse(
            "classes = [\"negative\", \"positive\"]\n[labels]\nhappy = \"positive\"\nsad = \"negative\"\nangry = \"negative\"\n",
        )
        .unwrap();
        assert_eq!(config.labels.classes(), ["negative", "positive"]);
        assert_eq!(config.labels.target(Emotion::Happy), Some(1));
    }

    #[test]
    fn errors_name_line_and_key() {
        let (line, key, message) = error_of("\n[[corpus]]\nkind = \"ravdes\"\npath = \"x\"\n");
        assert_eq!((line, key.as_str()), (3, "kind"));
        assert!(message.contains("unknown corpus kind"), "{message}");

        let (line, key, _) = error_of("[[corpus]]\nkind = \"tess\"\npaht = \"x\"\n");
        assert_eq!((line, key.as_str()), (3, "paht"));

        let (line, key, message) = error_of("[labels]\nhappy = \"happy\"\nbored = \"sad\"\n");
        assert_eq!((line, key.as_str()), (3, "labels.bored"));
        assert!(message.contains("unknown emotion"), "{message}");

        let (line, key, _) = error_of("sample_rate = 5\n");
        assert_eq!((line, key.as_str()), (1, "sample_rate"));

        let (line, key, _) = error_of("sample_rate = \"fast\"\n");
        assert_eq!((line, key.as_str()), (1, "sample_rate"));

        // A lone carriage return: the TOML parser's own message is empty.
        let (line, _, message) = error_of("\r");
        assert_eq!(line, 1);
        assert!(message.contains("0x0d"), "{message}");

        let (line, key, message) = error_of("[plugins]\nisolation = \"sandbox\"\n");
        assert_eq!((line, key.as_str()), (2, "plugins.isolation"));
        assert!(message.contains("process or in-process"), "{message}");
        let (line, key, message) = error_of("[plugins]\n\nmemory_limit_mb = 3\n");
        assert_eq!((line, key.as_str()), (3, "plugins.memory_limit_mb"));
        assert!(message.contains("0: no limit"), "{message}");
        let (_, key, _) = error_of("[plugins]\nprobe_timeout_s = 0.0\n");
        assert_eq!(key, "plugins.probe_timeout_s");

        let (line, key, message) = error_of("[plugins]\ntimeout_s = -1.0\n");
        assert_eq!((line, key.as_str()), (2, "plugins.timeout_s"));
        assert!(message.contains("seconds"), "{message}");

        let (line, key, message) =
            error_of("classes = [\"a\", \"b\"]\n[labels]\nhappy = \"a\"\nsad = \"c\"\n");
        assert_eq!((line, key.as_str()), (4, "labels.sad"));
        assert!(message.contains("not in `classes`"), "{message}");

        let (line, _, _) = error_of("[[corpus]\nkind = 1\n");
        assert_eq!(line, 1);
    }

    #[test]
    fn error_message_names_the_file() {
        let err = parse("[[corpus]]\nkind = \"tess\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("datasets.toml:1:"), "{err}");
        assert!(err.contains("path"), "{err}");
    }
}
