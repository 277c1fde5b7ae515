//! Early stopping and reduce-learning-rate-on-plateau, as plain state machines over the
//! validation metric (higher is better: unweighted accuracy, or negated loss).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plateau {
    pub factor: f64,
    pub patience: usize,
    pub min_lr: f64,
    best: f64,
    waited: usize,
}

impl Plateau {
    pub fn new(factor: f64, patience: usize, min_lr: f64) -> Self {
        Self {
            factor,
            patience,
            min_lr,
            best: f64::NEG_INFINITY,
            waited: 0,
        }
    }

    /// Returns the new learning rate when it was reduced.
    pub fn observe(&mut self, metric: f64, lr: f64) -> Option<f64> {
        if metric > self.best + 1e-9 {
            self.best = metric;
            self.waited = 0;
            return None;
        }
        self.waited += 1;
        if self.waited > self.patience && lr > self.min_lr {
            self.waited = 0;
            return Some((lr * self.factor).max(self.min_lr));
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    pub patience: usize,
    pub best: f64,
    pub best_epoch: usize,
    waited: usize,
}

impl EarlyStopping {
    pub fn new(patience: usize) -> Self {
        Self {
            patience,
            best: f64::NEG_INFINITY,
            best_epoch: 0,
            waited: 0,
        }
    }

    /// Records an epoch's metric; returns (improved, stop).
    pub fn observe(&mut self, epoch: usize, metric: f64) -> (bool, bool) {
        if metric > self.best + 1e-9 {
            self.best = metric;
            self.best_epoch = epoch;
            self.waited = 0;
            return (true, false);
        }
        self.waited += 1;
        (false, self.waited >= self.patience)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plateau_reduces_after_patience_and_respects_the_floor() {
        let mut p = Plateau::new(0.4, 2, 1e-4);
        let mut lr = 1e-3;
        assert_eq!(p.observe(0.5, lr), None);
        assert_eq!(p.observe(0.5, lr), None);
        assert_eq!(p.observe(0.4, lr), None);
        lr = p.observe(0.45, lr).expect("third flat epoch reduces");
        assert!((lr - 4e-4).abs() < 1e-12);
        assert_eq!(p.observe(0.6, lr), None, "improvement resets");
        for _ in 0..2 {
            assert_eq!(p.observe(0.1, lr), None);
        }
        lr = p.observe(0.1, lr).unwrap();
        assert!((lr - 1.6e-4).abs() < 1e-12);
        for _ in 0..2 {
            p.observe(0.1, lr);
        }
        assert_eq!(p.observe(0.1, lr), Some(1e-4), "floored at min_lr");
    }

    #[test]
    fn early_stopping_keeps_the_best_epoch() {
        let mut e = EarlyStopping::new(3);
        assert_eq!(e.observe(0, 0.3), (true, false));
        assert_eq!(e.observe(1, 0.5), (true, false));
        assert_eq!(e.observe(2, 0.4), (false, false));
        assert_eq!(e.observe(3, 0.45), (false, false));
        assert_eq!(e.observe(4, 0.5), (false, true));
        assert_eq!(e.best_epoch, 1);
    }
}
