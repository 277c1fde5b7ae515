use std::path::PathBuf;

/// Why a plugin was refused or a call into it failed. Each message names the plugin (or its
/// file) and the problem.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PluginError {
    #[error("{}: cannot load: {reason}", path.display())]
    Load { path: PathBuf, reason: String },
    #[error("{}: not a serlab plugin (no `serlab_plugin_v1` symbol)", path.display())]
    NotAPlugin { path: PathBuf },
    #[error("{}: plugin ABI version {found}, this serlab speaks version {expected}; rebuild the plugin against serlab-plugin-api {expected}", path.display())]
    AbiVersion {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("{}: invalid descriptor: {reason}", path.display())]
    Descriptor { path: PathBuf, reason: String },
    /// A valid plugin that depends on something outside serlab and cannot work without it (the
    /// openSMILE bridge without a libSMILEapi): listed under its name, with the reason.
    #[error("{}: plugin `{name}` is unavailable: {reason}", path.display())]
    Unavailable {
        path: PathBuf,
        name: String,
        version: String,
        reason: String,
    },
    #[error("plugin `{plugin}`: {reason}")]
    Param { plugin: String, reason: String },
    #[error("plugin `{plugin}` failed ({status}): {message}")]
    Failed {
        plugin: String,
        status: &'static str,
        message: String,
    },
    #[error("plugin `{plugin}` returned bad output: {reason}")]
    BadOutput { plugin: String, reason: String },
    #[error("plugin `{plugin}` returned {value} for feature `{feature}` (frame {frame})")]
    NonFinite {
        plugin: String,
        feature: String,
        frame: usize,
        value: f32,
    },
    #[error("plugin `{plugin}` {}", if *earlier { format!("is not called again: an earlier call gave no answer within {seconds} s") } else { format!("gave no answer within {seconds} s; serlab gave up on it (raise [plugins] timeout_s in datasets.toml for very long clips)") })]
    TimedOut {
        plugin: String,
        seconds: f64,
        /// True when this call was refused because an earlier one timed out.
        earlier: bool,
    },
    #[error("no plugin named `{name}` (available: {available})")]
    Unknown { name: String, available: String },
}
