//! Finding plugins. Searched in order: paths given explicitly (command line, `SERLAB_PLUGIN_PATH`,
//! the `[plugins]` table of datasets.toml), the folder of the serlab executable and the workspace
//! build outputs (`./target/{release,debug}`: files named `libserlab_plugin_*`), `./plugins/`,
//! and the user plugin dir. Every file is probed out of process (`isolation`); one that fails is
//! listed with the reason and skipped.

use super::isolation::{probe_many, IsolationSettings};
use super::{Plugin, PluginError};
use crate::config::dirs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BUILT_IN_PREFIX: &str = "libserlab_plugin_";

#[derive(Debug, Clone)]
pub enum RegistryEntry {
    Loaded(Arc<Plugin>),
    Refused { path: PathBuf, error: PluginError },
}

impl RegistryEntry {
    /// The plugin's own name, or for a refused file its name without `lib` and extension.
    pub fn name(&self) -> String {
        match self {
            RegistryEntry::Loaded(p) => p.name.clone(),
            RegistryEntry::Refused {
                error: PluginError::Unavailable { name, .. },
                ..
            } => name.clone(),
            RegistryEntry::Refused { path, .. } => path
                .file_stem()
                .map(|s| s.to_string_lossy().trim_start_matches("lib").to_string())
                .unwrap_or_default(),
        }
    }

    pub fn version(&self) -> Option<&str> {
        match self {
            RegistryEntry::Loaded(p) => Some(&p.version),
            RegistryEntry::Refused {
                error: PluginError::Unavailable { version, .. },
                ..
            } => Some(version),
            RegistryEntry::Refused { .. } => None,
        }
    }

    /// `loaded`, `unavailable` (a good plugin missing something outside serlab) or `refused`.
    pub fn status(&self) -> &'static str {
        match self {
            RegistryEntry::Loaded(_) => "loaded",
            RegistryEntry::Refused {
                error: PluginError::Unavailable { .. },
                ..
            } => "unavailable",
            RegistryEntry::Refused { .. } => "refused",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PluginRegistry {
    pub entries: Vec<RegistryEntry>,
    /// Applied to every plugin loaded now or later (`load_path`); `None`: the plugin default.
    call_timeout: Option<std::time::Duration>,
    /// How plugins found now or later are probed and run.
    pub isolation: IsolationSettings,
}

impl PluginRegistry {
    /// How long one extraction may take in any of these plugins before the host gives up.
    pub fn set_call_timeout(&mut self, timeout: std::time::Duration) {
        self.call_timeout = Some(timeout);
        for plugin in self.loaded() {
            plugin.set_call_timeout(timeout);
        }
    }

    pub fn loaded(&self) -> impl Iterator<Item = &Arc<Plugin>> {
        self.entries.iter().filter_map(|e| match e {
            RegistryEntry::Loaded(p) => Some(p),
            RegistryEntry::Refused { .. } => None,
        })
    }

    /// The loaded plugin of that name; a plugin file of that name that is present but refused
    /// or unavailable answers with its own reason, never as if it were absent.
    pub fn get(&self, name: &str) -> Result<Arc<Plugin>, PluginError> {
        if let Some(plugin) = self.loaded().find(|p| p.name == name) {
            return Ok(plugin.clone());
        }
        let refused = self.entries.iter().find_map(|e| match e {
            RegistryEntry::Refused { error, .. } if e.name() == name => Some(error.clone()),
            _ => None,
        });
        if let Some(error) = refused {
            return Err(error);
        }
        Err(PluginError::Unknown {
            name: name.to_string(),
            available: {
                let names: Vec<&str> = self.loaded().map(|p| p.name.as_str()).collect();
                if names.is_empty() {
                    "none found".into()
                } else {
                    names.join(", ")
                }
            },
        })
    }

    /// Loads one more library (e.g. a path typed in the TUI) and adds it to the list.
    pub fn load_path(&mut self, path: &Path) -> Result<Arc<Plugin>, PluginError> {
        let opened = Plugin::open(path, &self.isolation);
        self.add(path, opened)
    }

    /// Adds a plugin opened elsewhere (on a worker thread: a probe may take seconds), or its
    /// refusal; a loaded plugin replaces one of the same name.
    pub fn add(
        &mut self,
        path: &Path,
        opened: Result<Plugin, PluginError>,
    ) -> Result<Arc<Plugin>, PluginError> {
        match opened {
            Ok(plugin) => {
                if let Some(timeout) = self.call_timeout {
                    plugin.set_call_timeout(timeout);
                }
                let plugin = Arc::new(plugin);
                self.entries
                    .retain(|e| !matches!(e, RegistryEntry::Loaded(p) if p.name == plugin.name));
                self.entries.push(RegistryEntry::Loaded(plugin.clone()));
                Ok(plugin)
            }
            Err(error) => {
                self.entries.push(RegistryEntry::Refused {
                    path: path.to_path_buf(),
                    error: error.clone(),
                });
                Err(error)
            }
        }
    }
}

/// Where to look, in priority order.
#[derive(Debug, Clone, Default)]
pub struct SearchPaths {
    /// Files or folders named by the user: every shared library in them is tried.
    pub explicit: Vec<PathBuf>,
    /// Leave out the default locations (tests use this to control exactly what loads).
    pub no_defaults: bool,
}

impl SearchPaths {
    pub fn with_explicit(explicit: Vec<PathBuf>) -> Self {
        let mut paths = explicit;
        if let Some(env) = std::env::var_os("SERLAB_PLUGIN_PATH") {
            paths.extend(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()));
        }
        Self {
            explicit: paths,
            no_defaults: false,
        }
    }

    /// (folder or file, only files named `libserlab_plugin_*`?)
    fn locations(&self) -> Vec<(PathBuf, bool)> {
        let mut out: Vec<(PathBuf, bool)> =
            self.explicit.iter().map(|p| (p.clone(), false)).collect();
        if self.no_defaults {
            return out;
        }
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
        {
            out.push((exe_dir, true));
        }
        // Nothing relative to the working directory: running serlab inside a downloaded folder
        // must not run code that folder brought along.
        out.push((dirs::data_dir().join("plugins"), false));
        out
    }
}

fn is_shared_library(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "so" | "dylib" | "dll"))
}

fn candidates(location: &Path, built_in_only: bool) -> Vec<PathBuf> {
    if location.is_file() {
        return vec![location.to_path_buf()];
    }
    let Ok(entries) = std::fs::read_dir(location) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        // Not only regular files: a FIFO or folder named like a library is listed as refused.
        .filter(|p| is_shared_library(p))
        .filter(|p| {
            !built_in_only
                || p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(BUILT_IN_PREFIX))
        })
        .collect();
    files.sort();
    files
}

pub fn discover(paths: &SearchPaths, isolation: &IsolationSettings) -> PluginRegistry {
    let mut registry = PluginRegistry {
        isolation: isolation.clone(),
        ..Default::default()
    };
    let mut seen_files = std::collections::HashSet::new();
    let mut files = Vec::new();
    for (location, built_in_only) in paths.locations() {
        if paths.explicit.contains(&location) && !location.exists() {
            registry.entries.push(RegistryEntry::Refused {
                path: location.clone(),
                error: PluginError::Load {
                    path: location,
                    reason: "no such file or folder".into(),
                },
            });
            continue;
        }
        for file in candidates(&location, built_in_only) {
            let canonical = file.canonicalize().unwrap_or_else(|_| file.clone());
            if seen_files.insert(canonical) {
                files.push(file);
            }
        }
    }
    let outcomes = probe_many(&files, isolation);
    for (file, outcome) in files.into_iter().zip(outcomes) {
        match Plugin::from_probe(&file, outcome, isolation) {
            Ok(plugin) => {
                let earlier = registry.loaded().find(|p| p.name == plugin.name).cloned();
                match earlier {
                    // The same plugin from another build folder: keep the first quietly.
                    Some(first) if first.version == plugin.version => {}
                    Some(first) => registry.entries.push(RegistryEntry::Refused {
                        path: file.clone(),
                        error: PluginError::Load {
                            path: file,
                            reason: format!(
                                "shadowed by `{}` {} from {}",
                                first.name,
                                first.version,
                                first.path.display()
                            ),
                        },
                    }),
                    None => registry
                        .entries
                        .push(RegistryEntry::Loaded(Arc::new(plugin))),
                }
            }
            Err(error) => registry
                .entries
                .push(RegistryEntry::Refused { path: file, error }),
        }
    }
    registry
}
