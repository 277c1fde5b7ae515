//! Several CNNs of one architecture, trained with different seeds, whose class probabilities are
//! averaged: the members' errors differ, so the average varies less from run to run and is
//! usually better than a single member.

use super::{Cnn, CnnConfig};
use burn::module::Module;
use burn::tensor::backend::Backend;

#[derive(Module, Debug)]
pub struct Ensemble<B: Backend> {
    pub members: Vec<Cnn<B>>,
}

impl<B: Backend> Ensemble<B> {
    /// `count` freshly initialised members (the shape a saved ensemble is loaded into).
    pub fn init(config: &CnnConfig, count: usize, device: &B::Device) -> Self {
        Self {
            members: (0..count.max(1)).map(|_| config.init(device)).collect(),
        }
    }
}
