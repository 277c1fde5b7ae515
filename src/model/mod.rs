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

/// The inference backend: candle, on the CPU unless built with the `cuda` feature ([`device`]).
pub type Backend = burn::backend::Candle<f32, i64>;
/// The training backend: the same with automatic differentiation.
pub type TrainBackend = burn::backend::Autodiff<Backend>;

/// The device every model runs on. The default build has only candle's CPU device. Built with
/// `--features cuda`, it is the first GPU, or the one `SERLAB_DEVICE=cuda:N` names;
/// `SERLAB_DEVICE=cpu` keeps such a build on the CPU (where the fused block runs).
pub fn device() -> burn::backend::candle::CandleDevice {
    #[cfg(feature = "cuda")]
    {
        // One handle for the whole process: candle tells CUDA devices apart by the handle, so
        // tensors made through two handles of one GPU would not meet.
        static GPU: std::sync::OnceLock<Option<burn::backend::candle::CandleDevice>> =
            std::sync::OnceLock::new();
        let gpu = GPU.get_or_init(|| {
            let wanted = std::env::var("SERLAB_DEVICE").unwrap_or_default();
            (wanted != "cpu").then(|| {
                let index = wanted.strip_prefix("cuda:").and_then(|n| n.parse().ok());
                burn::backend::candle::CandleDevice::cuda(index.unwrap_or(0))
            })
        });
        if let Some(gpu) = gpu {
            return gpu.clone();
        }
    }
    burn::backend::candle::CandleDevice::Cpu
}

/// The device in words, for run logs and benchmark tables ("cpu", "cuda:0").
pub fn device_name() -> String {
    match device() {
        burn::backend::candle::CandleDevice::Cpu => "cpu".into(),
        burn::backend::candle::CandleDevice::Cuda(gpu) => format!("cuda:{}", gpu.index),
        burn::backend::candle::CandleDevice::Metal(gpu) => format!("metal:{}", gpu.index),
    }
}
