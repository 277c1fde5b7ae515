//! openSMILE's output formats, so scripts written for `SMILExtract` read serlab's files
//! unchanged: the `;`-separated CSV (`name;frameTime;features...`, one table for many files,
//! `name` quoted as openSMILE quotes it) and ARFF (`@relation`, `@attribute` lines, `@data`).

use crate::features::{FeatureKind, Features};
use std::path::Path;

/// One extracted file: its name for the `name` column, its features and, when known, its class.
pub struct Row<'a> {
    pub path: &'a Path,
    pub features: &'a Features,
    pub class: Option<&'a str>,
}

fn frame_period(kind: FeatureKind) -> f64 {
    match kind {
        FeatureKind::Sequence { frame_rate } if frame_rate > 0.0 => 1.0 / frame_rate,
        _ => 0.0,
    }
}

/// openSMILE quotes the instance name with single quotes; a quote inside is escaped.
fn quoted_name(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "\\'"))
}

/// The shortest text that reads back as the same f32; `?` (missing) for non-finite values.
fn number(v: f32) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "?".to_string()
    }
}

pub fn csv(kind: FeatureKind, names: &[String], rows: &[Row]) -> String {
    let mut out = String::from("name;frameTime");
    for n in names {
        out.push(';');
        out.push_str(n);
    }
    out.push('\n');
    write_rows(&mut out, kind, rows, ';', |_| None);
    out
}

/// ARFF with a nominal `class` attribute over `classes` (`?` where a file's class is unknown).
pub fn arff(
    relation: &str,
    kind: FeatureKind,
    names: &[String],
    classes: &[String],
    rows: &[Row],
) -> String {
    let mut out =
        format!("@relation '{relation}'\n\n@attribute name string\n@attribute frameTime numeric\n");
    for n in names {
        out.push_str(&format!("@attribute {n} numeric\n"));
    }
    if classes.is_empty() {
        out.push_str("@attribute class numeric\n");
    } else {
        out.push_str(&format!("@attribute class {{{}}}\n", classes.join(",")));
    }
    out.push_str("\n@data\n\n");
    write_rows(&mut out, kind, rows, ',', |row| {
        Some(row.class.unwrap_or("?"))
    });
    out
}

/// One line per frame: the quoted name, the frame time, the values and, for ARFF, a last field.
fn write_rows<'a>(
    out: &mut String,
    kind: FeatureKind,
    rows: &'a [Row],
    sep: char,
    trailer: impl Fn(&'a Row) -> Option<&'a str>,
) {
    let period = frame_period(kind);
    for row in rows {
        let name = quoted_name(row.path);
        for frame in 0..row.features.frames {
            out.push_str(&name);
            out.push_str(&format!("{sep}{:.6}", frame as f64 * period));
            for &v in row.features.frame(frame) {
                out.push(sep);
                out.push_str(&number(v));
            }
            if let Some(last) = trailer(row) {
                out.push(sep);
                out.push_str(last);
            }
            out.push('\n');
        }
    }
}
