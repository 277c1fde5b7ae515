//! The fused block against the same block composed of burn operations (itself checked against a
//! direct convolution, Keras's pooling windows and burn's own BatchNorm in `cnn.rs`/`norm.rs`):
//! values, every gradient and the running statistics must agree.

use crate::model::{device, Backend, Cnn, CnnConfig, ConvBlock, TrainBackend};
use burn::module::{AutodiffModule, Module};
use burn::tensor::backend::Backend as _;
use burn::tensor::{Tensor, TensorData};

fn close(what: &str, a: Vec<f32>, b: Vec<f32>) {
    assert_eq!(a.len(), b.len(), "{what}: sizes");
    let scale = b.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(
            (x - y).abs() <= 2e-4 * scale + 1e-5,
            "{what}[{i}]: fused {x} vs composed {y} (scale {scale})"
        );
    }
}

fn values<const D: usize>(t: Tensor<impl burn::tensor::backend::Backend, D>) -> Vec<f32> {
    t.into_data().to_vec().unwrap()
}

/// Two copies of one block's parameters (their running statistics apart).
fn twin_models(config: &CnnConfig) -> (Cnn<TrainBackend>, Cnn<TrainBackend>) {
    let dev = device();
    // Parameters are drawn lazily, at first use: load a record so both hold the same draw.
    let record = || config.init::<TrainBackend>(&dev);
    let model = record().load_record(record().into_record());
    let twin = record().load_record(model.clone().into_record());
    (model, twin)
}

fn input(batch: usize, len: usize, channels: usize) -> Tensor<TrainBackend, 3> {
    let values: Vec<f32> = (0..batch * len * channels)
        .map(|i| ((i * 37 % 53) as f32 - 26.0) / 9.0 + (i % 5) as f32 * 0.3)
        .collect();
    Tensor::from_data(TensorData::new(values, [batch, len, channels]), &device())
}

fn check(batch: usize, len: usize, channels: usize, filters: usize, kernel: usize) {
    let config = CnnConfig::new(len, channels, 4)
        .with_filters(vec![filters])
        .with_kernel(kernel);
    let (fused, composed) = twin_models(&config);
    let label = format!("batch {batch} len {len} channels {channels} kernel {kernel}");
    assert!(TrainBackend::ad_enabled(&device()));
    let run = |block: &ConvBlock<TrainBackend>, fused: bool| {
        let x = input(batch, len, channels).require_grad();
        let out = if fused {
            block.forward(x.clone())
        } else {
            block.forward_composed(x.clone())
        };
        // A loss that weights every output differently, so every gradient path counts.
        let dims = out.dims();
        let weights: Vec<f32> = (0..dims.iter().product::<usize>())
            .map(|i| ((i * 11 % 17) as f32 - 8.0) / 5.0)
            .collect();
        let loss =
            (out.clone() * Tensor::from_data(TensorData::new(weights, dims), &device())).sum();
        let grads = loss.backward();
        let mut grad_values = vec![("x", values(x.grad(&grads).unwrap()))];
        for (k, tap) in block.taps.iter().enumerate() {
            let w = values(tap.weight.val().grad(&grads).unwrap());
            grad_values.push((["w0", "w1", "w2", "w3", "w4"][k.min(4)], w));
        }
        let bias = block.taps[0].bias.as_ref().unwrap().val();
        grad_values.push(("bias", values(bias.grad(&grads).unwrap())));
        grad_values.push((
            "gamma",
            values(block.norm.gamma.val().grad(&grads).unwrap()),
        ));
        grad_values.push(("beta", values(block.norm.beta.val().grad(&grads).unwrap())));
        (values(out.inner()), grad_values)
    };
    let (out_f, grads_f) = run(&fused.blocks[0], true);
    let (out_c, grads_c) = run(&composed.blocks[0], false);
    close(&format!("{label}: output"), out_f, out_c);
    for ((name, a), (_, b)) in grads_f.into_iter().zip(grads_c) {
        close(&format!("{label}: gradient of {name}"), a, b);
    }
    // The running statistics moved alike, so inference agrees too.
    let (fused, composed): (Cnn<Backend>, Cnn<Backend>) = (fused.valid(), composed.valid());
    let (f, c) = (&fused.blocks[0].norm, &composed.blocks[0].norm);
    close(
        &format!("{label}: running mean"),
        values(f.running_mean.value()),
        values(c.running_mean.value()),
    );
    close(
        &format!("{label}: running var"),
        values(f.running_var.value()),
        values(c.running_var.value()),
    );
    let probe = || input(batch, len, channels).inner();
    close(
        &format!("{label}: inference"),
        values(fused.blocks[0].forward(probe())),
        values(composed.blocks[0].forward_composed(probe())),
    );
}

#[test]
fn fused_block_agrees_with_the_composed_one_in_values_gradients_and_statistics() {
    check(3, 9, 4, 6, 5); // odd length
    check(2, 8, 1, 5, 5); // even length, one channel (a feature vector)
    check(5, 1, 7, 3, 1); // one position, kernel 1 (vectors laid out as channels)
    check(2, 2, 3, 4, 3); // shorter than the kernel
                          // Unfolded in chunks of two items and one (see kernel::UNFOLD_CHUNK).
    check(3, 400, 200, 4, 5);
}
