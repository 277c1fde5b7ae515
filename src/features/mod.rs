//! Feature extraction through plugins: loading and validating plugin libraries (`plugin`),
//! running them out of process (`isolation`), finding them (`discovery`), the on-disk feature cache (`cache`), and extracting a whole
//! catalog in parallel (`batch`).

pub mod batch;
pub mod cache;
mod descriptor;
pub mod discovery;
mod error;
pub mod isolation;
pub mod plugin;
mod setup;

pub use discovery::{discover, PluginRegistry, RegistryEntry, SearchPaths};
pub use error::PluginError;
pub use isolation::{Isolation, IsolationSettings};
pub use plugin::{FeatureKind, Features, ParamInfo, ParamType, Plugin, DEFAULT_CALL_TIMEOUT};
pub use setup::{isolation_settings, open_registry, PluginOptions};
