//! Batch normalisation over the rows of a [rows, channels] tensor, computing what burn's
//! `BatchNorm` computes (batch statistics while training, biased variance, running averages with
//! the module's momentum; running statistics at inference) with its parameters and state, so
//! saved models are unchanged. It is arranged for candle's CPU backend (see [`super::rows`]):
//! the statistics are products, and the normalisation is one scale and one shift per channel.

use super::rows::{add_row, column_mean, mul_row};
use burn::nn::BatchNorm;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

/// Moves the running statistics toward a batch's (mean, variance per channel) by the module's
/// momentum, as burn's `BatchNorm` does while training.
pub fn update_running<B: Backend>(norm: &BatchNorm<B>, mean: Tensor<B, 1>, var: Tensor<B, 1>) {
    let momentum = norm.momentum;
    let follow = |running: Tensor<B, 1>, batch: Tensor<B, 1>| {
        let device = batch.device();
        running
            .to_device(&device)
            .mul_scalar(1.0 - momentum)
            .add(batch.detach().mul_scalar(momentum))
            .detach()
    };
    norm.running_mean
        .update(follow(norm.running_mean.value_sync(), mean));
    norm.running_var
        .update(follow(norm.running_var.value_sync(), var));
}

pub fn batch_norm_rows<B: Backend>(norm: &BatchNorm<B>, x: Tensor<B, 2>) -> Tensor<B, 2> {
    let channels = x.dims()[1];
    let device = x.device();
    let (mean, var) = if B::ad_enabled(&device) {
        let mean = column_mean(x.clone());
        let mean_square = column_mean(x.clone().square());
        let var = (mean_square - mean.clone().square()).clamp_min(0.0);
        update_running(
            norm,
            mean.clone().reshape([channels]),
            var.clone().reshape([channels]),
        );
        (mean, var)
    } else {
        (
            norm.running_mean
                .value()
                .to_device(&device)
                .reshape([1, channels]),
            norm.running_var
                .value()
                .to_device(&device)
                .reshape([1, channels]),
        )
    };
    let scale = norm.gamma.val().reshape([1, channels]) / var.add_scalar(norm.epsilon).sqrt();
    let shift = norm.beta.val().reshape([1, channels]) - mean * scale.clone();
    add_row(mul_row(x, scale), shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{device, Backend as Inference, TrainBackend};
    use burn::module::AutodiffModule;
    use burn::nn::BatchNormConfig;
    use burn::tensor::TensorData;

    fn input<B: Backend<Device = burn::backend::candle::CandleDevice>>(
        rows: usize,
        channels: usize,
    ) -> Tensor<B, 2> {
        let values: Vec<f32> = (0..rows * channels)
            .map(|i| ((i * 29 % 31) as f32 - 12.0) / 5.0 + (i % channels) as f32)
            .collect();
        Tensor::from_data(TensorData::new(values, [rows, channels]), &device())
    }

    fn close(a: Tensor<impl Backend, 2>, b: Tensor<impl Backend, 2>) {
        let a: Vec<f32> = a.into_data().to_vec().unwrap();
        let b: Vec<f32> = b.into_data().to_vec().unwrap();
        assert_eq!(a.len(), b.len(), "tensor sizes");
        assert!(!a.is_empty(), "nothing to compare");
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-4, "{x} vs {y}");
        }
    }

    #[test]
    fn matches_burns_batch_norm_in_training_and_inference_and_in_its_gradients() {
        let dev = device();
        let ours: BatchNorm<TrainBackend> = BatchNormConfig::new(3).init(&dev);
        let theirs: BatchNorm<TrainBackend> = BatchNormConfig::new(3).init(&dev);
        let x = input::<TrainBackend>(40, 3).require_grad();
        let y_ours = batch_norm_rows(&ours, x.clone());
        let y_theirs = theirs.forward(x.clone());
        close(y_ours.clone(), y_theirs.clone());
        // Gradients with respect to the input, through a loss that weights rows differently.
        let weights = input::<TrainBackend>(40, 3);
        let g_ours = (y_ours * weights.clone()).sum().backward();
        let g_theirs = (y_theirs * weights).sum().backward();
        close(
            x.grad(&g_ours).unwrap().reshape([40, 3]),
            x.grad(&g_theirs).unwrap().reshape([40, 3]),
        );
        for (a, b) in [
            (ours.gamma.val(), theirs.gamma.val()),
            (ours.beta.val(), theirs.beta.val()),
        ] {
            close(
                a.grad(&g_ours).unwrap().reshape([1, 3]),
                b.grad(&g_theirs).unwrap().reshape([1, 3]),
            );
        }
        // The running statistics moved the same way, so inference agrees too.
        let ours: BatchNorm<Inference> = ours.valid();
        let theirs: BatchNorm<Inference> = theirs.valid();
        let probe = input::<Inference>(7, 3);
        close(batch_norm_rows(&ours, probe.clone()), theirs.forward(probe));
    }
}
