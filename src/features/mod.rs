//! Feature extraction through plugins: loading and validating plugin libraries (`plugin`),
//! finding them (`discovery`), the on-disk feature cache (`cache`), and extracting a whole
//! catalog in parallel (`batch`).

pub mod batch;
pub mod cache;
pub mod discovery;
mod error;
pub mod plugin;

pub use discovery::{discover, PluginRegistry, RegistryEntry, SearchPaths};
pub use error::PluginError;
pub use plugin::{FeatureKind, Features, ParamInfo, ParamType, Plugin, DEFAULT_CALL_TIMEOUT};
