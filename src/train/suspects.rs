//! Clips whose label the model's out-of-fold predictions doubt, in the manner of confident
//! learning (Northcutt et al., the method behind cleanlab): each class gets a threshold, the
//! average probability the model gives that class on the clips labelled with it; a clip is
//! suspect when another class reaches its own threshold on it. Suspects are ranked by
//! self-confidence, the probability of their own label, lowest first.

use super::predictions::ClipPrediction;

#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    pub prediction: ClipPrediction,
    /// The class the model is confident of instead (at or above its threshold; the likeliest
    /// such).
    pub suspected: usize,
    /// 1 - p(label): higher is more suspect.
    pub score: f32,
}

/// Per-class thresholds: the mean probability of each class over the clips labelled with it
/// (`None` for a class no clip carries).
pub fn thresholds(predictions: &[ClipPrediction], classes: usize) -> Vec<Option<f32>> {
    (0..classes)
        .map(|class| {
            let own: Vec<f32> = predictions
                .iter()
                .filter(|p| p.label == class)
                .filter_map(|p| p.probabilities.get(class).copied())
                .collect();
            (!own.is_empty()).then(|| own.iter().sum::<f32>() / own.len() as f32)
        })
        .collect()
}

/// The suspects, most suspect first.
pub fn find(predictions: &[ClipPrediction], classes: usize) -> Vec<Suspect> {
    let thresholds = thresholds(predictions, classes);
    let mut suspects: Vec<Suspect> = predictions
        .iter()
        .filter_map(|p| {
            let suspected = (0..classes)
                .filter(|&c| c != p.label)
                .filter(|&c| {
                    let prob = p.probabilities.get(c).copied().unwrap_or(0.0);
                    thresholds[c].is_some_and(|t| prob >= t)
                })
                .max_by(|&a, &b| p.probabilities[a].total_cmp(&p.probabilities[b]))?;
            Some(Suspect {
                prediction: p.clone(),
                suspected,
                score: 1.0 - p.p_label(),
            })
        })
        .collect();
    suspects.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.prediction.path.cmp(&b.prediction.path))
    });
    suspects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::CorpusKind;

    fn clip(path: &str, label: usize, probabilities: [f32; 3]) -> ClipPrediction {
        ClipPrediction {
            corpus: CorpusKind::Ravdess,
            path: path.into(),
            speaker: "01".into(),
            label,
            predicted: crate::train::engine::argmax(&probabilities),
            fold: Some(1),
            probabilities: probabilities.to_vec(),
        }
    }

    #[test]
    fn a_clip_another_class_claims_confidently_is_suspect_and_the_least_self_confident_first() {
        let predictions = vec![
            clip("a0", 0, [0.8, 0.1, 0.1]),
            clip("a1", 0, [0.7, 0.2, 0.1]),
            clip("b0", 1, [0.1, 0.8, 0.1]),
            clip("b1", 1, [0.2, 0.7, 0.1]),
            // Labelled 0, but class 1 holds 0.85, above class 1's threshold: suspect.
            clip("flipped", 0, [0.05, 0.85, 0.1]),
            // Labelled 2, unsure, nothing confident elsewhere (0.4 < class 0's 0.6...).
            clip("unsure", 2, [0.4, 0.3, 0.3]),
            // Labelled 1 but with class 0 just at its threshold: suspect, less so.
            clip("borderline", 1, [0.55, 0.45, 0.0]),
        ];
        let t = thresholds(&predictions, 3);
        assert!((t[0].unwrap() - (0.8 + 0.7 + 0.05) / 3.0).abs() < 1e-6);
        let suspects = find(&predictions, 3);
        let order: Vec<&str> = suspects
            .iter()
            .map(|s| s.prediction.path.as_str())
            .collect();
        assert_eq!(order, ["flipped", "borderline"]);
        assert_eq!(suspects[0].suspected, 1);
        assert!((suspects[0].score - 0.95).abs() < 1e-6);
    }

    #[test]
    fn nothing_is_suspect_when_every_prediction_agrees() {
        let predictions = vec![
            clip("a", 0, [0.9, 0.05, 0.05]),
            clip("b", 1, [0.1, 0.8, 0.1]),
        ];
        assert!(find(&predictions, 3).is_empty());
        assert!(find(&[], 3).is_empty());
    }
}
