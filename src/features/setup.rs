//! The plugin registry as the CLI and the TUI open it: the extra paths given (command line, then
//! `[plugins] paths`), then the default locations, probed and run as `[plugins]` says.

use super::{discover, IsolationSettings, PluginRegistry, SearchPaths};
use crate::config::DatasetsConfig;
use std::path::PathBuf;

/// What the command line adds to the datasets file's feature settings (plugins and cache).
#[derive(Debug, Clone, Default)]
pub struct PluginOptions {
    /// `--plugin-path`: extra files or folders, searched first.
    pub extra_paths: Vec<PathBuf>,
    /// Probe every file again, ignoring remembered results.
    pub reprobe: bool,
    /// `--cache-dir`: the feature cache, over `[cache] dir`.
    pub cache_dir: Option<PathBuf>,
}

impl PluginOptions {
    /// The feature cache these options and the datasets file choose.
    pub fn feature_cache(&self, config: &DatasetsConfig) -> super::cache::FeatureCache {
        super::cache::FeatureCache::resolve(self.cache_dir.as_deref(), config)
    }
}

pub fn open_registry(config: &DatasetsConfig, options: &PluginOptions) -> PluginRegistry {
    // Plugins read their settings from the environment (the C ABI carries no configuration):
    // worker and probe processes get the datasets file's as `isolation.env`. A plugin loaded in
    // process sees serlab's own environment only (serlab never sets it).
    let isolation = isolation_settings(config, options.reprobe);
    let mut explicit = options.extra_paths.clone();
    explicit.extend(config.plugin_paths.iter().cloned());
    let mut registry = discover(&SearchPaths::with_explicit(explicit), &isolation);
    registry.set_call_timeout(config.plugin_timeout);
    registry
}

/// How plugins are probed and run, from the `[plugins]` settings; the `[smileapi]` table reaches
/// the bridge as environment variables of its processes (a variable the user set wins).
pub fn isolation_settings(config: &DatasetsConfig, reprobe: bool) -> IsolationSettings {
    let settings = &config.plugin_isolation;
    IsolationSettings {
        mode: settings.mode,
        memory_limit_bytes: (settings.memory_limit_mb > 0)
            .then_some(settings.memory_limit_mb << 20),
        probe_timeout: settings.probe_timeout,
        env: config
            .smileapi
            .environment()
            .into_iter()
            .filter(|(name, _)| std::env::var_os(name).is_none())
            .map(|(name, value)| (name.to_string(), value.as_os_str().to_owned()))
            .collect(),
        cache: Some(crate::config::dirs::cache_dir().join("plugin-probes.json")),
        reprobe,
    }
}
