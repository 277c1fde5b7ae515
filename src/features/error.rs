use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Why a plugin was refused or a call into it failed. Each message names the plugin (or its
/// file) and the problem. Serialisable: a plugin worker process reports its errors to the host.
#[derive(Debug, Clone, thiserror::Error, Serialize, Deserialize)]
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
        #[serde(deserialize_with = "known_status")]
        status: Status,
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
    /// The worker process running the plugin died (a signal, an exit, a memory limit). serlab
    /// itself is untouched; the next call starts a new worker.
    #[error("plugin `{plugin}` crashed: {reason}")]
    Crashed { plugin: String, reason: String },
    #[error("no plugin named `{name}` (available: {available})")]
    Unknown { name: String, available: String },
}

impl PluginError {
    /// The plugin itself broke (crashed, hung, panicked), as opposed to refusing one input with a
    /// reason: what `--on-plugin-error` decides about.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Self::Crashed { .. }
                | Self::TimedOut { .. }
                | Self::Failed {
                    status: "panicked",
                    ..
                }
        )
    }
}

/// How a call ended, one of `STATUSES`. (An alias keeps serde from reading the `'static` as a
/// borrow from the input, which would tie deserialisation to `'static` data.)
pub type Status = &'static str;

/// The statuses a call can end with, as static strings (they are matched on in code).
pub(super) const STATUSES: [&str; 6] = [
    "invalid input",
    "buffer too small",
    "internal error",
    "panicked",
    "unknown status",
    "not started",
];

fn known_status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
    let text = String::deserialize(d)?;
    Ok(STATUSES
        .iter()
        .find(|s| **s == text)
        .copied()
        .unwrap_or("unknown status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_the_worker_pipe_unchanged() {
        let errors = [
            PluginError::Failed {
                plugin: "p".into(),
                status: "panicked",
                message: "boom".into(),
            },
            PluginError::Crashed {
                plugin: "p".into(),
                reason: "SIGSEGV".into(),
            },
            PluginError::Descriptor {
                path: "/x.so".into(),
                reason: "r".into(),
            },
        ];
        for error in errors {
            let text = serde_json::to_string(&error).unwrap();
            let back: PluginError = serde_json::from_str(&text).unwrap();
            assert_eq!(back.to_string(), error.to_string());
            assert_eq!(back.is_fault(), error.is_fault());
        }
    }
}
