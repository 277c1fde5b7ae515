//! User configuration: `datasets.toml` (which corpora, how emotions map to classes, the sample
//! rate) and the per-user folders serlab reads and writes.

mod datasets;
pub mod dirs;
mod labels;

pub use datasets::{
    locate_datasets_file, ConfigError, CorpusEntry, DatasetsConfig, DatasetsSource,
};
pub use labels::LabelMap;
