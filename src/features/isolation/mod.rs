//! Plugins out of process. A plugin is native code from anyone: its file may be truncated, its
//! constructor may abort, its extractor may crash, hang or allocate without end. So serlab reads a
//! plugin's descriptor in a short-lived probe process (`probe`, cached by file identity), and runs
//! its extractions in worker processes of its own binary (`pool`), each under an address-space
//! limit and a time limit. Whatever the plugin does costs that process, never serlab.

pub mod child;
mod pool;
mod probe;
mod process;
pub mod wire;

pub use pool::WorkerPool;
pub use probe::{probe, probe_many, ProbeCache, ProbeOutcome};
pub use wire::PluginInfo;

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The first argument that puts the serlab binary into its plugin-host mode.
pub const HIDDEN_COMMAND: &str = "__plugin-host";

/// Where plugin code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// Every call runs in a worker process (the default).
    #[default]
    Process,
    /// Calls run inside serlab (after an out-of-process probe): a crash of the plugin is a crash
    /// of serlab.
    InProcess,
}

impl std::str::FromStr for Isolation {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "process" => Ok(Self::Process),
            "in-process" => Ok(Self::InProcess),
            other => Err(format!(
                "`{other}` is not an isolation mode (process or in-process)"
            )),
        }
    }
}

pub const DEFAULT_MEMORY_LIMIT_MB: u64 = 4096;
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// How plugins are isolated, from `[plugins]` in datasets.toml.
#[derive(Debug, Clone, PartialEq)]
pub struct IsolationSettings {
    pub mode: Isolation,
    /// The address-space limit of a worker; `None`: no limit.
    pub memory_limit_bytes: Option<u64>,
    /// How long a probe may take to load a library and read its descriptor.
    pub probe_timeout: Duration,
    /// Variables set for plugin processes (their settings, e.g. the openSMILE bridge's library).
    pub env: Vec<(String, OsString)>,
    /// Where probe results are remembered; `None` (the default): probe every time. The app
    /// remembers them in the user's cache dir (`features::isolation_settings`).
    pub cache: Option<PathBuf>,
    /// Probe again even where the cache has an answer (and remember the new one).
    pub reprobe: bool,
}

impl Default for IsolationSettings {
    fn default() -> Self {
        Self {
            mode: Isolation::Process,
            memory_limit_bytes: Some(DEFAULT_MEMORY_LIMIT_MB << 20),
            probe_timeout: DEFAULT_PROBE_TIMEOUT,
            env: Vec::new(),
            cache: None,
            reprobe: false,
        }
    }
}

static HOST_PROGRAM: OnceLock<PathBuf> = OnceLock::new();

/// The serlab binary calls this at start: its own executable hosts its plugins.
pub fn set_host_program(path: PathBuf) {
    let _ = HOST_PROGRAM.set(path);
}

/// The executable that runs probes and workers: the one registered by `main`, else
/// `SERLAB_PLUGIN_HOST`, else a `serlab` beside the running program or one folder up (where
/// cargo puts test binaries).
pub fn host_program() -> std::io::Result<PathBuf> {
    if let Some(path) = HOST_PROGRAM.get() {
        return Ok(path.clone());
    }
    if let Some(path) = std::env::var_os("SERLAB_PLUGIN_HOST") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent();
    for _ in 0..2 {
        let Some(folder) = dir else { break };
        let candidate = folder.join("serlab");
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = folder.parent();
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        format!(
            "no serlab executable to host plugins near {}; set SERLAB_PLUGIN_HOST to one",
            exe.display()
        ),
    ))
}
