//! Where serlab keeps per-user files, following the platform conventions (XDG on Linux), through
//! `directories`. Every folder can be overridden for tests and unusual setups with an environment
//! variable.

use std::path::PathBuf;

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "serlab", "serlab")
}

fn from_env_or(
    var: &str,
    pick: impl Fn(&directories::ProjectDirs) -> PathBuf,
    fallback: &str,
) -> PathBuf {
    if let Some(dir) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| pick(&d))
        .unwrap_or_else(|| std::env::temp_dir().join("serlab").join(fallback))
}

/// `datasets.toml`, keymaps, user themes.
pub fn config_dir() -> PathBuf {
    from_env_or(
        "SERLAB_CONFIG_DIR",
        |d| d.config_dir().to_path_buf(),
        "config",
    )
}

/// The demo corpus and the feature cache: everything that can be recomputed.
pub fn cache_dir() -> PathBuf {
    from_env_or("SERLAB_CACHE_DIR", |d| d.cache_dir().to_path_buf(), "cache")
}

/// Relabels and other data the user made: never deleted by serlab.
pub fn data_dir() -> PathBuf {
    from_env_or("SERLAB_DATA_DIR", |d| d.data_dir().to_path_buf(), "data")
}

/// Logs (including what ALSA prints while the TUI is up).
pub fn log_file() -> PathBuf {
    let state = project_dirs()
        .and_then(|d| d.state_dir().map(|s| s.to_path_buf()))
        .unwrap_or_else(cache_dir);
    if let Some(dir) = std::env::var_os("SERLAB_CACHE_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir).join("serlab.log");
    }
    state.join("serlab.log")
}

/// `~/x` means the home folder's `x`, as in a shell; anything else is taken as it is.
pub fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), directories::BaseDirs::new()) {
        (Some(rest), Some(dirs)) => dirs.home_dir().join(rest),
        _ => PathBuf::from(text),
    }
}
