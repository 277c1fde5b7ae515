//! Feature normalisation. Global: per-feature mean and standard deviation from training rows only.
//! Per speaker: each speaker's rows standardised by that speaker's own statistics (needs no
//! labels, so it is applied to unseen test speakers the same way).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NormKind {
    /// Statistics of the training rows.
    Global,
    /// Each speaker by its own statistics, then the global training statistics.
    PerSpeaker,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Stats {
    /// Statistics per column of rows (each row `dims` long; sequence frames count as rows).
    pub fn of<'a>(rows: impl Iterator<Item = &'a [f32]>, dims: usize) -> Self {
        let mut sum = vec![0.0f64; dims];
        let mut sq = vec![0.0f64; dims];
        let mut n = 0.0f64;
        for row in rows {
            for (frame, _) in row.chunks(dims).zip(0..) {
                for (i, &v) in frame.iter().enumerate() {
                    sum[i] += f64::from(v);
                    sq[i] += f64::from(v) * f64::from(v);
                }
                n += 1.0;
            }
        }
        let n = n.max(1.0);
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| ((q / n - m * m).max(0.0).sqrt().max(1e-6)) as f32)
            .collect();
        Self {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        }
    }

    pub fn apply(&self, row: &mut [f32]) {
        let dims = self.mean.len();
        for frame in row.chunks_mut(dims) {
            for ((v, m), s) in frame.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }
}

/// Standardises every row by its speaker's own statistics (in place).
pub fn per_speaker(rows: &mut [Vec<f32>], speakers: &[String], dims: usize) {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in speakers.iter().enumerate() {
        groups.entry(s.as_str()).or_default().push(i);
    }
    let stats: BTreeMap<&str, Stats> = groups
        .iter()
        .map(|(s, idx)| (*s, Stats::of(idx.iter().map(|&i| rows[i].as_slice()), dims)))
        .collect();
    for (row, speaker) in rows.iter_mut().zip(speakers) {
        stats[speaker.as_str()].apply(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardises_columns() {
        let rows = [vec![1.0, 10.0], vec![3.0, 10.0]];
        let stats = Stats::of(rows.iter().map(|r| r.as_slice()), 2);
        assert_eq!(stats.mean, vec![2.0, 10.0]);
        assert!((stats.std[0] - 1.0).abs() < 1e-6);
        let mut row = vec![3.0, 10.0];
        stats.apply(&mut row);
        assert!((row[0] - 1.0).abs() < 1e-6 && row[1].abs() < 1e-6);
    }

    #[test]
    fn per_speaker_removes_each_speakers_offset() {
        let mut rows = vec![vec![100.0], vec![102.0], vec![0.0], vec![2.0]];
        let speakers: Vec<String> = ["a", "a", "b", "b"].iter().map(|s| s.to_string()).collect();
        per_speaker(&mut rows, &speakers, 1);
        assert_eq!(rows, vec![vec![-1.0], vec![1.0], vec![-1.0], vec![1.0]]);
    }
}
