//! Parsers for the four corpora's file-naming schemes. Each takes the path relative to the corpus
//! root (folders matter for TESS and SAVEE) and returns what the name says, or why it is not a
//! name of that corpus.

mod crema_d;
mod ravdess;
mod savee;
mod tess;

use super::types::{ClipName, CorpusKind};
use std::path::Path;

pub use crema_d::parse as parse_crema_d;
pub use ravdess::parse as parse_ravdess;
pub use savee::parse as parse_savee;
pub use tess::parse as parse_tess;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("file name `{name}` does not follow the {corpus} naming scheme ({expected}): {problem}")]
pub struct NameError {
    pub name: String,
    pub corpus: &'static str,
    pub expected: &'static str,
    pub problem: String,
}

pub fn parse(kind: CorpusKind, relative: &Path) -> Result<ClipName, NameError> {
    match kind {
        CorpusKind::Ravdess => parse_ravdess(relative),
        CorpusKind::CremaD => parse_crema_d(relative),
        CorpusKind::Tess => parse_tess(relative),
        CorpusKind::Savee => parse_savee(relative),
    }
}

/// The file stem, if the file has a `.wav` extension (any case).
fn wav_stem(relative: &Path) -> Option<&str> {
    let ext = relative.extension()?.to_str()?;
    if !ext.eq_ignore_ascii_case("wav") {
        return None;
    }
    relative.file_stem()?.to_str()
}

fn display_name(relative: &Path) -> String {
    relative.to_string_lossy().into_owned()
}
