//! Whose voice a loose WAV file is, for a model that normalises each speaker by their own clips:
//! the speaker its name gives under one of the four corpora's naming schemes (RAVDESS and
//! CREMA-D names carry the speaker; TESS and SAVEE names with their folder), else its folder (one
//! speaker per folder: what a user's recordings of several people usually look like).

use super::naming;
use super::CorpusKind;
use std::path::Path;

/// The speaker key of `file` (`ravdess:12`, `crema-d:1001`, or `folder:/abs/path`).
pub fn speaker_of_file(file: &Path) -> String {
    let name = file.file_name().map(Path::new);
    let with_folder = match (file.parent().and_then(Path::file_name), name) {
        (Some(folder), Some(name)) => Some(Path::new(folder).join(name)),
        _ => None,
    };
    for kind in CorpusKind::ALL {
        // The folder first: TESS and SAVEE tell a speaker by it, and a bare name may parse as
        // another speaker's.
        let candidates = [with_folder.as_deref(), name];
        if let Some(parsed) = candidates
            .into_iter()
            .flatten()
            .find_map(|relative| naming::parse(kind, relative).ok())
        {
            return format!("{kind}:{}", parsed.speaker);
        }
    }
    let folder = file.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = folder.unwrap_or(Path::new("."));
    let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
    format!("folder:{}", folder.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_names_give_their_speaker_and_other_files_their_folder() {
        let key = |p: &str| speaker_of_file(Path::new(p));
        assert_eq!(key("/x/y/03-01-05-01-02-01-12.wav"), "ravdess:12");
        assert_eq!(key("clips/1001_DFA_ANG_XX.wav"), "crema-d:1001");
        assert_eq!(key("/data/TESS/OAF_angry/OAF_back_angry.wav"), "tess:OAF");
        assert_eq!(key("/data/SAVEE/DC/a01.wav"), "savee:DC");
        // Two of one person's recordings in one folder, another person's in another.
        assert_eq!(key("/rec/anna/take1.wav"), key("/rec/anna/take2.wav"));
        assert_ne!(key("/rec/anna/take1.wav"), key("/rec/ben/take1.wav"));
        assert!(key("/rec/anna/take1.wav").starts_with("folder:"));
    }
}
