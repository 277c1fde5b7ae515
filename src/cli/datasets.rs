//! `serlab datasets`: what the configured corpora hold.

use crate::config::DatasetsConfig;
use crate::corpus::{open_catalog, Summary};
use anyhow::Context;
use std::path::Path;

pub fn run(datasets: Option<&Path>, json: bool) -> anyhow::Result<()> {
    let config = DatasetsConfig::load(datasets)?;
    let catalog = open_catalog(&config).context("cannot open the catalog")?;
    let summary = Summary::of(&catalog);
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", render_text(&summary));
    }
    Ok(())
}

fn format_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else {
        format!("{m}m{s:02}s")
    }
}

pub fn render_text(summary: &Summary) -> String {
    let mut out = String::new();
    if summary.synthetic {
        out.push_str("SYNTHETIC demo corpus (generated, not real speech): configure real corpora in datasets.toml\n\n");
    }
    if !summary.missing_corpora.is_empty() {
        out.push_str(&format!(
            "MISSING: {} configured corpus folder(s) are not there; train, eval and extract refuse to run until they are fixed or disabled (`enabled = false`):\n",
            summary.missing_corpora.len()
        ));
        for missing in &summary.missing_corpora {
            out.push_str(&format!("  {missing}\n"));
        }
        out.push('\n');
    }
    let mut header = format!(
        "{:<9} {:>6} {:>9} {:>10}",
        "corpus", "clips", "speakers", "duration"
    );
    for class in &summary.classes {
        header.push_str(&format!(" {:>8}", class));
    }
    out.push_str(&header);
    out.push('\n');
    for corpus in &summary.corpora {
        let mut line = format!(
            "{:<9} {:>6} {:>9} {:>10}",
            corpus.kind.as_str(),
            corpus.clips,
            corpus.speakers,
            format_duration(corpus.duration_s)
        );
        for class in &summary.classes {
            line.push_str(&format!(
                " {:>8}",
                corpus.by_class.get(class).copied().unwrap_or(0)
            ));
        }
        out.push_str(&line);
        out.push('\n');
        let emotions: Vec<String> = corpus
            .by_emotion
            .iter()
            .map(|(e, n)| format!("{e} {n}"))
            .collect();
        out.push_str(&format!(
            "          emotions: {}\n          path: {}\n",
            emotions.join(", "),
            corpus.path
        ));
    }
    out.push_str(&format!("total: {} clips\n", summary.total_clips));
    // Missing corpus folders were listed at the top.
    let unreadable: Vec<_> = summary
        .unreadable
        .iter()
        .filter(|u| {
            !summary
                .missing_corpora
                .iter()
                .any(|m| m.path.display().to_string() == u.path)
        })
        .collect();
    if !unreadable.is_empty() {
        out.push_str(&format!("\nunreadable ({}):\n", unreadable.len()));
        for file in unreadable {
            out.push_str(&format!("  {}: {}\n", file.path, file.error));
        }
    }
    out
}
