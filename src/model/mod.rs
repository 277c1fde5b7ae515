//! The 1D CNN of the SER notebooks, generic over the burn backend (the concrete backend is one
//! type alias, [`Backend`]), in a channels-last layout ([batch, length, channels]). On candle's
//! CPU device each convolution block is one fused operation with its own backward step
//! ([`fused`]); elsewhere it is composed of burn operations: convolution as unfold + matrix
//! product (candle's native conv1d has a slow backward) and max pooling from reshapes and
//! element-wise maxima (candle has no MaxPool1d backward).

// burn 0.21 marks burn-candle deprecated (it is its last release with it); serlab's design pins
// this release and backend on purpose.
#![allow(deprecated)]

mod cnn;
mod ensemble;
mod fused;
mod norm;
mod rows;

pub use cnn::{Cnn, CnnConfig, ConvBlock};
pub use ensemble::Ensemble;
pub use fused::FusedBlock;

/// The inference backend: candle on the CPU (candle's CUDA feature for users with a GPU).
pub type Backend = burn::backend::Candle<f32, i64>;
/// The training backend: the same with automatic differentiation.
pub type TrainBackend = burn::backend::Autodiff<Backend>;

pub fn device() -> burn::backend::candle::CandleDevice {
    burn::backend::candle::CandleDevice::Cpu
}
