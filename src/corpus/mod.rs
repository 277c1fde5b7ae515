//! The corpora: find clips on disk, parse each corpus's file names, and build the combined catalog
//! (or the synthetic demo corpus when nothing is configured).

mod catalog;
pub mod demo;
pub mod naming;
mod scan;
pub mod shard;
mod speaker_of;
mod summary;
mod types;

pub use catalog::{
    open_catalog, open_catalog_for_work, open_demo_catalog, Catalog, CatalogError, Clip,
    CorpusRoot, MissingCorpus, Problem,
};
pub use scan::scan_corpus;
pub use speaker_of::speaker_of_file;
pub use summary::{CorpusSummary, Summary};
pub use types::{ClipName, CorpusKind, Emotion, Gender, Intensity};
