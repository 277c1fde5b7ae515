//! Classification metrics: accuracy, unweighted accuracy (mean per-class recall, the SER
//! standard), macro F1, and the confusion matrix (rows = true class).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub accuracy: f64,
    pub unweighted_accuracy: f64,
    pub macro_f1: f64,
    pub n: usize,
    /// rows = true class, columns = predicted class
    pub confusion: Vec<Vec<usize>>,
}

impl Scores {
    pub fn compute(truth: &[usize], predicted: &[usize], classes: usize) -> Self {
        let mut confusion = vec![vec![0usize; classes]; classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            if t < classes && p < classes {
                confusion[t][p] += 1;
            }
        }
        Self::from_confusion(confusion)
    }

    pub fn from_confusion(confusion: Vec<Vec<usize>>) -> Self {
        let classes = confusion.len();
        let n: usize = confusion.iter().flatten().sum();
        let correct: usize = (0..classes).map(|c| confusion[c][c]).sum();
        let mut recalls = Vec::new();
        let mut f1s = Vec::new();
        for c in 0..classes {
            let actual: usize = confusion[c].iter().sum();
            let predicted: usize = confusion.iter().map(|row| row[c]).sum();
            let tp = confusion[c][c] as f64;
            if actual > 0 {
                recalls.push(tp / actual as f64);
                let precision = if predicted > 0 {
                    tp / predicted as f64
                } else {
                    0.0
                };
                let recall = tp / actual as f64;
                f1s.push(if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                });
            }
        }
        let mean = |v: &[f64]| {
            if v.is_empty() {
                0.0
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        Self {
            accuracy: if n > 0 {
                correct as f64 / n as f64
            } else {
                0.0
            },
            unweighted_accuracy: mean(&recalls),
            macro_f1: mean(&f1s),
            n,
            confusion,
        }
    }

    /// Per-class recall (NaN-free: 0 for a class with no clips).
    pub fn recalls(&self) -> Vec<f64> {
        self.confusion
            .iter()
            .enumerate()
            .map(|(c, row)| {
                let total: usize = row.iter().sum();
                if total > 0 {
                    row[c] as f64 / total as f64
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Sums confusion matrices (pooling folds).
    pub fn pool(all: &[Scores]) -> Self {
        let classes = all.first().map(|s| s.confusion.len()).unwrap_or(0);
        let mut confusion = vec![vec![0; classes]; classes];
        for s in all {
            for (r, row) in s.confusion.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    confusion[r][c] += v;
                }
            }
        }
        Self::from_confusion(confusion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unweighted_accuracy_is_mean_recall() {
        // Class 0: 8 of 10 right; class 1: 1 of 2 right.
        let truth = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
        let pred = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0];
        let s = Scores::compute(&truth, &pred, 2);
        assert!((s.accuracy - 9.0 / 12.0).abs() < 1e-12);
        assert!((s.unweighted_accuracy - (0.8 + 0.5) / 2.0).abs() < 1e-12);
        assert_eq!(s.confusion, vec![vec![8, 2], vec![1, 1]]);
        let f1_0 = 2.0 * (8.0 / 9.0) * 0.8 / (8.0 / 9.0 + 0.8);
        let f1_1 = 2.0 * (1.0 / 3.0) * 0.5 / (1.0 / 3.0 + 0.5);
        assert!((s.macro_f1 - (f1_0 + f1_1) / 2.0).abs() < 1e-12);
        let pooled = Scores::pool(&[s.clone(), s]);
        assert_eq!(pooled.n, 24);
        assert_eq!(pooled.confusion[0][0], 16);
    }
}
