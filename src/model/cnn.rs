//! The network: four blocks of (conv k=5 'same' -> ReLU -> batch norm -> max pool 5/2 'same'),
//! dropout after the third, then flatten (vector input) or mean over time (sequence input), a
//! 32-unit ReLU layer, dropout, and the class logits.

use burn::config::Config;
use burn::module::{Initializer, Module};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::fused::{BlockTensors, FusedBlock};

#[derive(Config, Debug)]
pub struct CnnConfig {
    /// Positions along the convolved axis: features (vector input) or frames (sequence input).
    pub input_len: usize,
    /// Channels per position: 1 for a feature vector, features per frame for a sequence.
    pub input_channels: usize,
    pub classes: usize,
    #[config(default = "vec![256, 256, 128, 64]")]
    pub filters: Vec<usize>,
    #[config(default = 5)]
    pub kernel: usize,
    #[config(default = 32)]
    pub dense: usize,
    #[config(default = 0.2)]
    pub dropout_conv: f64,
    #[config(default = 0.3)]
    pub dropout_dense: f64,
    /// Mean over the convolved axis before the dense head (sequence models), instead of flatten.
    #[config(default = false)]
    pub global_pool: bool,
}

impl CnnConfig {
    /// Length after the pooling stages (each halves, rounding up).
    pub fn pooled_len(&self) -> usize {
        self.filters
            .iter()
            .fold(self.input_len, |len, _| len.div_ceil(2))
    }

    pub fn init<B: Backend>(&self, device: &B::Device) -> Cnn<B> {
        let mut blocks = Vec::new();
        let mut channels = self.input_channels;
        for &filters in &self.filters {
            // Glorot-uniform over the whole kernel, as Keras initialises Conv1D.
            let bound = (6.0 / ((channels + filters) * self.kernel) as f64).sqrt();
            let taps = (0..self.kernel)
                .map(|k| {
                    LinearConfig::new(channels, filters)
                        .with_bias(k == 0)
                        .with_initializer(Initializer::Uniform {
                            min: -bound,
                            max: bound,
                        })
                        .init(device)
                })
                .collect();
            blocks.push(ConvBlock {
                taps,
                norm: BatchNormConfig::new(filters).init(device),
            });
            channels = filters;
        }
        let flat = if self.global_pool {
            channels
        } else {
            channels * self.pooled_len()
        };
        Cnn {
            blocks,
            dropout_conv: DropoutConfig::new(self.dropout_conv).init(),
            hidden: LinearConfig::new(flat, self.dense).init(device),
            dropout_dense: DropoutConfig::new(self.dropout_dense).init(),
            output: LinearConfig::new(self.dense, self.classes).init(device),
            global_pool: self.global_pool,
        }
    }
}

impl<B: Backend> Cnn<B> {
    /// Sets how fast every batch norm's running statistics follow the batches (see the training
    /// loop: exact averages at first, then about one epoch's worth).
    pub fn set_norm_momentum(&mut self, momentum: f64) {
        for block in &mut self.blocks {
            block.norm.momentum = momentum;
        }
    }
}

/// Up to this many unfolded values per position (input channels x kernel), a block convolves by
/// one product over the unfolded input; above it, by one product per kernel tap (an unfolded
/// copy of a wide input costs more than the products it saves). Measured with the train_speed
/// bench: the (300, 40) model, whose first block is 200 wide, trains at about 128 samples/s with
/// 256 here against 110 with 64; with 640 (unfolding the 128-channel blocks too) 120, with every
/// block unfolded 82.
const UNFOLD_MAX_WIDTH: usize = 256;

#[derive(Module, Debug)]
pub struct ConvBlock<B: Backend> {
    /// One matrix (channels in -> channels out) per kernel tap; the convolution is the sum of
    /// each tap applied to the input shifted by that tap.
    pub(super) taps: Vec<Linear<B>>,
    pub(super) norm: BatchNorm<B>,
}

impl<B: FusedBlock> ConvBlock<B> {
    /// [batch, len, channels] -> [batch, ceil(len / 2), filters]
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        if B::runs_fused(&x.device()) {
            let block = BlockTensors {
                x,
                weight: Tensor::cat(self.taps.iter().map(|t| t.weight.val()).collect(), 0),
                bias: self.taps[0]
                    .bias
                    .as_ref()
                    .expect("the first tap keeps the bias")
                    .val(),
            };
            return B::fused_block(block, &self.norm);
        }
        self.forward_composed(x)
    }
}

impl<B: Backend> ConvBlock<B> {
    /// The block composed of burn tensor operations, for backends without the fused block.
    pub(super) fn forward_composed(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let [batch, len, channels] = x.dims();
        // A single tap needs no unfolded copy: it is one product either way.
        let kernel = self.taps.len();
        let unfold = kernel > 1 && channels * kernel <= UNFOLD_MAX_WIDTH;
        let conv = self.convolve(x, unfold);
        // Both are exactly ReLU; the arithmetic one has the faster gradient, plain `relu` the
        // faster forward pass.
        let y = if B::ad_enabled(&conv.device()) {
            rectify(conv)
        } else {
            relu(conv)
        };
        let y = super::norm::batch_norm_rows(&self.norm, y);
        let filters = y.dims()[1];
        max_pool_5_2_same(y.reshape([batch, len, filters]))
    }

    /// The 'same' convolution (zero padding): [batch, len, channels] -> [batch * len, filters].
    /// `unfold`: one product over the unfolded input, else one product per kernel tap.
    fn convolve(&self, x: Tensor<B, 3>, unfold: bool) -> Tensor<B, 2> {
        let [batch, len, channels] = x.dims();
        let device = x.device();
        let kernel = self.taps.len();
        let left = (kernel - 1) / 2;
        let right = kernel - 1 - left;
        // Kernel 1 (vectors laid out as channels) needs no padding, and no copy to make it.
        let padded = if kernel == 1 {
            x
        } else {
            Tensor::cat(
                vec![
                    Tensor::zeros([batch, left, channels], &device),
                    x,
                    Tensor::zeros([batch, right, channels], &device),
                ],
                1,
            )
        };
        let view = |k: usize| padded.clone().slice([0..batch, k..k + len, 0..channels]);
        if unfold {
            // The unfolded input holds tap after tap, matching the taps' weights stacked.
            let unfolded = Tensor::cat((0..kernel).map(view).collect(), 2)
                .reshape([batch * len, kernel * channels]);
            let weight = Tensor::cat(self.taps.iter().map(|t| t.weight.val()).collect(), 0);
            self.add_bias(unfolded.matmul(weight))
        } else {
            // (An unfolded copy of a wide input is 5x slower on candle than these products.)
            let mut y: Option<Tensor<B, 2>> = None;
            for (k, tap) in self.taps.iter().enumerate() {
                let part = view(k)
                    .reshape([batch * len, channels])
                    .matmul(tap.weight.val());
                y = Some(match y {
                    Some(sum) => sum + part,
                    None => part,
                });
            }
            self.add_bias(y.expect("kernel size is at least 1"))
        }
    }

    /// The convolution's bias (kept by the first tap).
    fn add_bias(&self, y: Tensor<B, 2>) -> Tensor<B, 2> {
        match &self.taps[0].bias {
            Some(bias) => super::rows::add_row(y, bias.val().unsqueeze()),
            None => y,
        }
    }
}

/// Max pooling, window 5, stride 2, 'same' padding (Keras): out[i] = max(x[2i-1 .. 2i+3]).
/// Built from a pairwise reshape: pairs m[j] = max(x[2j], x[2j+1]) of the padded signal, then
/// out[i] = max(m[i], m[i+1], first of pair i+2). The padding repeats the edge values, which
/// every window over the padding also holds, so they never change a maximum.
fn max_pool_5_2_same<B: Backend>(x: Tensor<B, 3>) -> Tensor<B, 3> {
    let [batch, len, channels] = x.dims();
    let out = len.div_ceil(2);
    // Keras pads (2*(out-1) + 5 - len) positions, one fewer on the left; we pad up to
    // 2*(out+2) so the pair reshape is exact (the extra position is never inside a window).
    let pad_total = (2 * (out - 1) + 5).saturating_sub(len);
    let left = pad_total / 2;
    let right = 2 * (out + 2) - len - left;
    let edge = |at: usize, n: usize| {
        x.clone()
            .slice([0..batch, at..at + 1, 0..channels])
            .repeat_dim(1, n)
    };
    let padded = Tensor::cat(vec![edge(0, left), x.clone(), edge(len - 1, right)], 1);
    let pairs = padded.reshape([batch, out + 2, 2, channels]);
    let half = |i: usize| {
        pairs
            .clone()
            .slice([0..batch, 0..out + 2, i..i + 1, 0..channels])
            .reshape([batch, out + 2, channels])
    };
    let firsts = half(0);
    let maxima = maximum(firsts.clone(), half(1));
    let window =
        |t: &Tensor<B, 3>, from: usize| t.clone().slice([0..batch, from..from + out, 0..channels]);
    maximum(
        maximum(window(&maxima, 0), window(&maxima, 1)),
        window(&firsts, 2),
    )
}

/// ReLU as (x + |x|) / 2, for the same reason as [`maximum`]: candle computes `relu`'s
/// gradient with a slow masked selection.
fn rectify<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    (x.clone() + x.abs()).mul_scalar(0.5)
}

/// max(a, b) = (a + b + |a - b|) / 2: plain arithmetic, whose gradient on candle costs a fraction
/// of `max_pair`'s masked selections (a tie splits the gradient in halves).
fn maximum<B: Backend>(a: Tensor<B, 3>, b: Tensor<B, 3>) -> Tensor<B, 3> {
    (a.clone() + b.clone() + (a - b).abs()).mul_scalar(0.5)
}

#[derive(Module, Debug)]
pub struct Cnn<B: Backend> {
    pub(super) blocks: Vec<ConvBlock<B>>,
    dropout_conv: Dropout,
    hidden: Linear<B>,
    dropout_dense: Dropout,
    output: Linear<B>,
    global_pool: bool,
}

impl<B: FusedBlock> Cnn<B> {
    /// [batch, len, channels] -> class logits [batch, classes]
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 2> {
        let mut x = x;
        for (i, block) in self.blocks.iter().enumerate() {
            x = block.forward(x);
            if i == 2 {
                x = self.dropout_conv.forward(x);
            }
        }
        let [batch, len, channels] = x.dims();
        let flat: Tensor<B, 2> = if self.global_pool {
            x.mean_dim(1).reshape([batch, channels])
        } else {
            x.reshape([batch, len * channels])
        };
        let hidden = self.dropout_dense.forward(relu(self.hidden.forward(flat)));
        self.output.forward(hidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{device, Backend};
    use burn::tensor::TensorData;

    #[test]
    fn pooling_matches_keras_same_windows() {
        let dev = device();
        let len = 7;
        let values: Vec<f32> = vec![3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0];
        let x = Tensor::<Backend, 3>::from_data(TensorData::new(values.clone(), [1, len, 1]), &dev);
        let out: Vec<f32> = max_pool_5_2_same(x).into_data().to_vec().unwrap();
        // Keras: out = ceil(7/2) = 4, pad_total = 2*3 + 5 - 7 = 4, left 2: windows start at 2i-2.
        let expected: Vec<f32> = (0..4)
            .map(|i: i64| {
                (2 * i - 2..2 * i + 3)
                    .filter(|&j| (0..len as i64).contains(&j))
                    .map(|j| values[j as usize])
                    .fold(f32::MIN, f32::max)
            })
            .collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn unfolded_and_per_tap_convolutions_agree_with_a_direct_one() {
        let dev = device();
        let model: Cnn<Backend> = CnnConfig::new(9, 3, 4).with_filters(vec![4]).init(&dev);
        let block = &model.blocks[0];
        let (batch, len, channels) = (2, 9, 3);
        let values: Vec<f32> = (0..batch * len * channels)
            .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let x = || {
            Tensor::<Backend, 3>::from_data(
                TensorData::new(values.clone(), [batch, len, channels]),
                &dev,
            )
        };
        let out =
            |unfold| -> Vec<f32> { block.convolve(x(), unfold).into_data().to_vec().unwrap() };
        // Direct: y[b, t, f] = bias[f] + sum over taps k and channels c of
        // w_k[c, f] * x[b, t + k - 2, c].
        let weights: Vec<Vec<f32>> = block
            .taps
            .iter()
            .map(|t| t.weight.val().into_data().to_vec().unwrap())
            .collect();
        let bias: Vec<f32> = block.taps[0]
            .bias
            .as_ref()
            .unwrap()
            .val()
            .into_data()
            .to_vec()
            .unwrap();
        let filters = bias.len();
        let mut direct = vec![0.0f32; batch * len * filters];
        for b in 0..batch {
            for t in 0..len {
                for f in 0..filters {
                    let mut acc = bias[f];
                    for (k, w) in weights.iter().enumerate() {
                        let Some(src) = (t + k).checked_sub(2).filter(|&s| s < len) else {
                            continue;
                        };
                        for c in 0..channels {
                            acc += w[c * filters + f] * values[(b * len + src) * channels + c];
                        }
                    }
                    direct[(b * len + t) * filters + f] = acc;
                }
            }
        }
        for unfold in [true, false] {
            let got = out(unfold);
            assert_eq!(got.len(), direct.len(), "unfold {unfold}: output size");
            for (got, want) in got.iter().zip(&direct) {
                assert!(
                    (got - want).abs() < 1e-4,
                    "unfold {unfold}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn the_seed_network_has_about_560k_parameters_and_the_right_shapes() {
        let dev = device();
        let config = CnnConfig::new(162, 1, 4);
        let model: Cnn<Backend> = config.init(&dev);
        assert!(
            (540_000..580_000).contains(&model.num_params()),
            "{} parameters",
            model.num_params()
        );
        let logits = model.forward(Tensor::zeros([3, 162, 1], &dev));
        assert_eq!(logits.dims(), [3, 4]);
        let seq: Cnn<Backend> = CnnConfig::new(300, 40, 4).with_global_pool(true).init(&dev);
        assert_eq!(
            seq.forward(Tensor::zeros([2, 300, 40], &dev)).dims(),
            [2, 4]
        );
    }
}
