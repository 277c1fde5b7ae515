//! Training and evaluation: honest splits, normalisation, the training loop with early stopping
//! and learning-rate reduction, metrics, and the events the CLI and the TUI both consume.

pub mod data;
pub mod engine;
pub mod events;
pub mod inference;
pub mod job;
pub mod metrics;
pub mod normalize;
pub mod persist;
pub mod plots;
pub mod predictions;
pub mod report;
pub mod run;
pub mod runs;
pub mod schedule;
pub mod split;
mod stages;
pub mod suspects;

/// The feature plugin training uses unless told otherwise (CLI and TUI): eGeMAPS functionals
/// generalised best to unseen speakers in our measurements (docs/RESULTS.md).
pub const DEFAULT_PLUGIN: &str = "egemaps_ext";
