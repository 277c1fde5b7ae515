//! Predictions per clip, as `predictions.csv` holds them: out-of-fold for a training run (every
//! labelled clip that served as test in a fold, predicted by networks that never saw its
//! speaker), or from `serlab eval`. What finding suspect labels and the lab's error views read.

use crate::corpus::{Clip, CorpusKind};
use crate::util::text::csv_field as field;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct ClipPrediction {
    pub corpus: CorpusKind,
    /// The clip's path within its corpus, with `/` separators (as `serlab labels` prints it).
    pub path: String,
    pub speaker: String,
    /// The class in force when predicted (relabels included), as an index into the classes.
    pub label: usize,
    pub predicted: usize,
    /// The fold (1-based) that tested the clip; `None` for an evaluation.
    pub fold: Option<usize>,
    /// One probability per class.
    pub probabilities: Vec<f32>,
}

impl ClipPrediction {
    pub fn of(clip: &Clip, fold: Option<usize>, probabilities: Vec<f32>) -> Self {
        Self {
            corpus: clip.corpus,
            path: clip.relative.replace('\\', "/"),
            speaker: clip.speaker.clone(),
            label: clip.target.unwrap_or(0),
            predicted: super::engine::argmax(&probabilities),
            fold,
            probabilities,
        }
    }

    pub fn p_label(&self) -> f32 {
        self.probabilities.get(self.label).copied().unwrap_or(0.0)
    }

    pub fn p_predicted(&self) -> f32 {
        self.probabilities
            .get(self.predicted)
            .copied()
            .unwrap_or(0.0)
    }
}

/// `corpus,path,speaker,label,predicted,fold,p_<class>...`, a row per clip.
pub fn to_csv(classes: &[String], predictions: &[ClipPrediction]) -> String {
    let mut text = String::from("corpus,path,speaker,label,predicted,fold");
    for class in classes {
        text.push_str(&format!(",p_{}", field(class)));
    }
    text.push('\n');
    for p in predictions {
        text.push_str(&format!(
            "{},{},{},{},{},{}",
            p.corpus.as_str(),
            field(&p.path),
            field(&p.speaker),
            field(&classes[p.label]),
            field(&classes[p.predicted]),
            p.fold.map(|f| f.to_string()).unwrap_or_default()
        ));
        for v in &p.probabilities {
            text.push_str(&format!(",{v:.6}"));
        }
        text.push('\n');
    }
    text
}

/// Reads what `to_csv` wrote: the classes (from the header) and the rows. Errors name the line.
pub fn from_csv(text: &str) -> Result<(Vec<String>, Vec<ClipPrediction>), String> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().ok_or("empty: no header line")?;
    let header = split(header);
    let fixed = ["corpus", "path", "speaker", "label", "predicted", "fold"];
    if header.len() <= fixed.len() || header[..fixed.len()] != fixed {
        return Err(format!(
            "line 1: the header is not `{},p_<class>...`",
            fixed.join(",")
        ));
    }
    let classes: Vec<String> = header[fixed.len()..]
        .iter()
        .map(|c| c.strip_prefix("p_").unwrap_or(c).to_string())
        .collect();
    let class_of = |name: &str, line: usize| {
        classes
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| format!("line {line}: `{name}` is not one of the header's classes"))
    };
    let mut rows = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cells = split(line);
        if cells.len() != header.len() {
            return Err(format!(
                "line {line_no}: {} fields, the header has {}",
                cells.len(),
                header.len()
            ));
        }
        let corpus: CorpusKind = cells[0]
            .parse()
            .map_err(|e| format!("line {line_no}: {e}"))?;
        let probabilities = cells[fixed.len()..]
            .iter()
            .map(|v| {
                v.parse::<f32>()
                    .ok()
                    .filter(|p| p.is_finite())
                    .ok_or_else(|| format!("line {line_no}: `{v}` is not a probability"))
            })
            .collect::<Result<Vec<f32>, String>>()?;
        rows.push(ClipPrediction {
            corpus,
            path: cells[1].clone(),
            speaker: cells[2].clone(),
            label: class_of(&cells[3], line_no)?,
            predicted: class_of(&cells[4], line_no)?,
            fold: match cells[5].as_str() {
                "" => None,
                f => Some(
                    f.parse()
                        .map_err(|_| format!("line {line_no}: fold `{f}`"))?,
                ),
            },
            probabilities,
        });
    }
    Ok((classes, rows))
}

pub fn read(path: &Path) -> Result<(Vec<String>, Vec<ClipPrediction>), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    from_csv(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// One CSV line's fields (quotes as `field` writes them).
fn split(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    fields.push(current);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_round_trip_through_csv_with_awkward_paths() {
        let classes: Vec<String> = ["neutral", "happy", "sad", "angry"]
            .map(String::from)
            .into();
        let rows = vec![
            ClipPrediction {
                corpus: CorpusKind::Ravdess,
                path: "Actor_01/03-01-05-01-01-01-01.wav".into(),
                speaker: "01".into(),
                label: 3,
                predicted: 2,
                fold: Some(2),
                probabilities: vec![0.1, 0.1, 0.5, 0.3],
            },
            ClipPrediction {
                corpus: CorpusKind::Tess,
                path: "odd, \"quoted\" folder/x.wav".into(),
                speaker: "OAF".into(),
                label: 0,
                predicted: 0,
                fold: None,
                probabilities: vec![0.7, 0.1, 0.1, 0.1],
            },
        ];
        let text = to_csv(&classes, &rows);
        assert!(text.starts_with(
            "corpus,path,speaker,label,predicted,fold,p_neutral,p_happy,p_sad,p_angry\n"
        ));
        assert!(text.contains("ravdess,Actor_01/03-01-05-01-01-01-01.wav,01,angry,sad,2,0.100000"));
        let (read_classes, read_rows) = from_csv(&text).unwrap();
        assert_eq!(read_classes, classes);
        assert_eq!(read_rows, rows);
    }

    #[test]
    fn broken_tables_name_the_line() {
        let header = "corpus,path,speaker,label,predicted,fold,p_a,p_b\n";
        let cases = [
            ("", "no header"),
            ("corpus,path\n", "line 1"),
            (
                &*format!("{header}ravdess,x.wav,01,a,b,1,0.5\n"),
                "line 2: 7 fields",
            ),
            (
                &*format!("{header}ravdess,x.wav,01,c,b,1,0.5,0.5\n"),
                "`c` is not one of",
            ),
            (
                &*format!("{header}ravdess,x.wav,01,a,b,1,0.5,NaN\n"),
                "not a probability",
            ),
            (
                &*format!("{header}lavdess,x.wav,01,a,b,1,0.5,0.5\n"),
                "line 2",
            ),
        ];
        for (text, expected) in cases {
            let err = from_csv(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }
}
