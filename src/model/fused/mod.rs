//! The convolution block as one operation ([`kernel`]) on backends that can run it: candle on the
//! CPU, with and without automatic differentiation. Other backends and devices compose the block
//! from burn tensor operations instead (see `cnn.rs`); a backend opts in with an empty
//! `impl FusedBlock for ... {}` to get the composed path, or overrides [`FusedBlock::runs_fused`].

mod autodiff;
pub mod kernel;

use burn::nn::BatchNorm;
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{read_sync, Tensor, TensorData};
use kernel::{Dims, Params, Statistics};

/// The block's input and convolution parameters (its normalisation is a burn `BatchNorm`).
pub struct BlockTensors<B: Backend> {
    /// [batch, len, channels]
    pub x: Tensor<B, 3>,
    /// [kernel * channels, filters], tap after tap.
    pub weight: Tensor<B, 2>,
    pub bias: Tensor<B, 1>,
}

impl<B: Backend> BlockTensors<B> {
    fn dims(&self) -> Dims {
        let [batch, len, channels] = self.x.dims();
        let [width, filters] = self.weight.dims();
        Dims {
            batch,
            len,
            channels,
            filters,
            kernel: width / channels,
        }
    }
}

pub trait FusedBlock: Backend {
    /// Whether [`FusedBlock::fused_block`] can run on this device.
    fn runs_fused(_device: &Self::Device) -> bool {
        false
    }

    /// The block: [batch, len, channels] -> [batch, ceil(len / 2), filters]. Inference
    /// normalises with `norm`'s running statistics; the automatic-differentiation backend
    /// overrides this to train with the batch's statistics and update the running ones.
    fn fused_block(block: BlockTensors<Self>, norm: &BatchNorm<Self>) -> Tensor<Self, 3> {
        let dims = block.dims();
        let device = block.x.device();
        let (weight, bias) = (values(block.weight), values(block.bias));
        let (gamma, beta) = (values(norm.gamma.val()), values(norm.beta.val()));
        let mean = values(norm.running_mean.value());
        let var = values(norm.running_var.value());
        let params = Params {
            weight: &weight,
            bias: &bias,
            gamma: &gamma,
            beta: &beta,
            epsilon: norm.epsilon as f32,
        };
        let statistics = Statistics::Running {
            mean: &mean,
            var: &var,
        };
        let result = kernel::forward(dims, &params, &values(block.x), statistics);
        Tensor::from_data(
            TensorData::new(result.out, [dims.batch, dims.pooled(), dims.filters]),
            &device,
        )
    }
}

impl FusedBlock for burn::backend::Candle<f32, i64> {
    fn runs_fused(device: &Self::Device) -> bool {
        matches!(device, burn::backend::candle::CandleDevice::Cpu)
    }
}

fn values<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Vec<f32> {
    read::<B>(tensor.into_primitive().tensor())
}

/// A float tensor's values, from its backend primitive (what the autodiff step holds).
fn read<B: Backend>(primitive: FloatTensor<B>) -> Vec<f32> {
    read_sync(B::float_into_data(primitive))
        .expect("reading a tensor on the CPU")
        .convert::<f32>()
        .into_vec()
        .expect("converted to f32")
}

#[cfg(test)]
mod tests;
