//! Feature normalisation. Global: per-feature mean and standard deviation from training rows only.
//! Per speaker: each speaker's rows standardised by that speaker's own statistics, or replaced by
//! their rank among that speaker's clips (needs no labels, so it is applied to unseen test
//! speakers the same way).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NormKind {
    /// Statistics of the training rows.
    Global,
    /// Each speaker by its own statistics, then the global training statistics.
    PerSpeaker,
    /// Each feature replaced by its rank among the speaker's own clips (the speaker's empirical
    /// distribution, centred: -0.5 to 0.5), then the global training statistics.
    PerSpeakerRank,
}

impl NormKind {
    pub fn is_per_speaker(self) -> bool {
        matches!(self, NormKind::PerSpeaker | NormKind::PerSpeakerRank)
    }
}

/// What a speaker's own clips say about each feature, for per-speaker normalisation.
#[derive(Debug, Clone, PartialEq)]
pub enum SpeakerReference {
    Moments(Stats),
    /// Each feature's values over the speaker's clips (frames count as clips), sorted.
    Sorted(Vec<Vec<f32>>),
}

impl SpeakerReference {
    /// The reference of one speaker's rows (each row `dims` long, or frames of `dims`).
    pub fn of<'a>(rows: impl Iterator<Item = &'a [f32]>, dims: usize, norm: NormKind) -> Self {
        match norm {
            NormKind::PerSpeakerRank => {
                let mut columns = vec![Vec::new(); dims];
                for row in rows {
                    for frame in row.chunks(dims) {
                        for (column, &v) in columns.iter_mut().zip(frame) {
                            column.push(v);
                        }
                    }
                }
                for column in &mut columns {
                    column.sort_by(f32::total_cmp);
                }
                SpeakerReference::Sorted(columns)
            }
            _ => SpeakerReference::Moments(Stats::of(rows, dims)),
        }
    }

    pub fn apply(&self, row: &mut [f32]) {
        match self {
            SpeakerReference::Moments(stats) => stats.apply(row),
            SpeakerReference::Sorted(columns) => {
                for frame in row.chunks_mut(columns.len().max(1)) {
                    for (v, column) in frame.iter_mut().zip(columns) {
                        *v = centred_rank(column, *v);
                    }
                }
            }
        }
    }
}

/// Where `v` falls among `sorted` values: (below + half of the equal ones) / n, minus 0.5.
fn centred_rank(sorted: &[f32], v: f32) -> f32 {
    if sorted.is_empty() {
        return 0.0;
    }
    let below = sorted.partition_point(|&x| x < v);
    let not_above = sorted.partition_point(|&x| x <= v);
    let midrank = below as f32 + (not_above - below) as f32 / 2.0;
    midrank / sorted.len() as f32 - 0.5
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

/// Each speaker's reference, from that speaker's rows.
pub fn speaker_references(
    rows: &[Vec<f32>],
    speakers: &[String],
    dims: usize,
    norm: NormKind,
) -> BTreeMap<String, SpeakerReference> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in speakers.iter().enumerate() {
        groups.entry(s.as_str()).or_default().push(i);
    }
    groups
        .into_iter()
        .map(|(s, idx)| {
            let reference =
                SpeakerReference::of(idx.iter().map(|&i| rows[i].as_slice()), dims, norm);
            (s.to_string(), reference)
        })
        .collect()
}

/// Normalises every row by its speaker's own clips (in place).
pub fn per_speaker(rows: &mut [Vec<f32>], speakers: &[String], dims: usize, norm: NormKind) {
    let references = speaker_references(rows, speakers, dims, norm);
    for (row, speaker) in rows.iter_mut().zip(speakers) {
        references[speaker.as_str()].apply(row);
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
        per_speaker(&mut rows, &speakers, 1, NormKind::PerSpeaker);
        assert_eq!(rows, vec![vec![-1.0], vec![1.0], vec![-1.0], vec![1.0]]);
    }

    #[test]
    fn per_speaker_rank_replaces_values_by_their_place_among_the_speakers_clips() {
        let speakers: Vec<String> = ["a", "a", "a", "a", "b", "b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut rows = vec![
            vec![10.0],
            vec![40.0],
            vec![20.0],
            vec![20.0],
            vec![-5.0],
            vec![900.0],
        ];
        per_speaker(&mut rows, &speakers, 1, NormKind::PerSpeakerRank);
        // Speaker a: 10 is first of 4 (0.5/4 - 0.5), the two 20s share ranks 2-3, 40 is last.
        assert_eq!(
            rows,
            vec![
                vec![-0.375],
                vec![0.375],
                vec![0.0],
                vec![0.0],
                vec![-0.25],
                vec![0.25]
            ]
        );
        // A value from elsewhere (an augmented copy) falls between the speaker's own.
        let reference = SpeakerReference::of(
            [[10.0f32], [20.0], [30.0], [40.0]].iter().map(|r| &r[..]),
            1,
            NormKind::PerSpeakerRank,
        );
        let mut copy = [25.0];
        reference.apply(&mut copy);
        assert_eq!(copy, [0.0]);
    }
}
