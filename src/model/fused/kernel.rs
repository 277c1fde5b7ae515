//! One convolution block of the seed CNN, computed on plain slices: 'same' convolution (zero
//! padding), ReLU, batch normalisation, max pooling (window 5, stride 2, Keras 'same' padding),
//! and its gradients. Channels-last layout: the input is [batch, len, channels], row-major.
//!
//! Why by hand: the same block composed of burn tensor operations spends most of its time on
//! candle's copies, broadcasts and autodiff bookkeeping around the matrix products. Here the
//! block is three matrix products (one forward, two backward) on the `gemm` crate that candle
//! itself uses, and a few passes over memory, spread over the cores by rayon.

use rayon::prelude::*;

/// Values in one chunk of the unfolded input (whole batch items at a time): a chunk stays in
/// the caches between being written and multiplied, and the full unfolded batch (tens of MB for
/// a sequence model) is never allocated.
const UNFOLD_CHUNK: usize = 1 << 20;

/// Max pooling window and stride (the seed network's MaxPool1D(5, strides 2, same)).
const POOL: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    pub batch: usize,
    pub len: usize,
    pub channels: usize,
    pub filters: usize,
    pub kernel: usize,
}

impl Dims {
    /// Positions over the whole batch: the rows of every [rows, ...] matrix below.
    pub fn rows(&self) -> usize {
        self.batch * self.len
    }

    /// Values per row of the unfolded input: every tap's channels, tap after tap.
    pub fn width(&self) -> usize {
        self.kernel * self.channels
    }

    /// Batch items per chunk of the unfolded input.
    fn chunk_items(&self) -> usize {
        (UNFOLD_CHUNK / (self.len * self.width()).max(1)).clamp(1, self.batch.max(1))
    }

    /// The same block over `batch` items.
    fn with_batch(&self, batch: usize) -> Dims {
        Dims { batch, ..*self }
    }

    /// Length after pooling (halves, rounding up).
    pub fn pooled(&self) -> usize {
        self.len.div_ceil(2)
    }

    /// Positions of zero padding before the first input position (the rest go after it).
    fn conv_left(&self) -> usize {
        (self.kernel - 1) / 2
    }

    /// Input positions [from, to) of pooling window `i`: Keras pads (2*(out-1) + 5 - len)
    /// positions, one fewer on the left, and a window never reaches past the padding.
    fn pool_window(&self, i: usize) -> (usize, usize) {
        let pad = (2 * (self.pooled() - 1) + POOL).saturating_sub(self.len);
        let start = (2 * i) as isize - (pad / 2) as isize;
        let from = start.max(0) as usize;
        let to = ((start + POOL as isize) as usize).min(self.len);
        (from, to)
    }
}

/// The block's parameters. `weight` is [kernel * channels, filters]: row `k * channels + c`
/// holds tap k's weights for input channel c.
pub struct Params<'a> {
    pub weight: &'a [f32],
    pub bias: &'a [f32],
    pub gamma: &'a [f32],
    pub beta: &'a [f32],
    pub epsilon: f32,
}

/// Which statistics normalise: the batch's own (training) or running averages (inference).
pub enum Statistics<'a> {
    Batch,
    Running { mean: &'a [f32], var: &'a [f32] },
}

pub struct Forward {
    /// [batch, pooled, filters]
    pub out: Vec<f32>,
    /// The per-filter mean and (biased) variance that normalised.
    pub mean: Vec<f32>,
    pub var: Vec<f32>,
    /// What the backward pass needs: only after normalising with the batch's statistics
    /// (training); inference keeps nothing.
    pub saved: Option<Saved>,
}

pub struct Saved {
    mean: Vec<f32>,
    /// The input, [rows, channels].
    x: Vec<f32>,
    /// After the ReLU, before normalisation: [rows, filters].
    activated: Vec<f32>,
    inv_std: Vec<f32>,
    /// The input position each pooled value came from: [batch, pooled, filters].
    argmax: Vec<u32>,
}

pub struct Grads {
    /// None when the caller did not ask for it (the network's input needs no gradient).
    pub x: Option<Vec<f32>>,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

pub fn forward(dims: Dims, params: &Params, x: &[f32], statistics: Statistics) -> Forward {
    let Dims { len, filters, .. } = dims;
    assert_eq!(x.len(), dims.rows() * dims.channels, "input size");
    assert_eq!(params.weight.len(), dims.width() * filters, "weight size");
    let mut activated = vec![0.0f32; dims.rows() * filters];
    let items = dims.chunk_items();
    let mut unfolded = vec![0.0f32; items * len * dims.width()];
    for (x, activated) in x
        .chunks(items * len * dims.channels)
        .zip(activated.chunks_mut(items * len * filters))
    {
        let chunk = dims.with_batch(x.len() / (len * dims.channels));
        let unfolded = &mut unfolded[..chunk.rows() * dims.width()];
        unfold(chunk, x, unfolded);
        product(
            Matrix::out(activated, chunk.rows(), filters),
            Matrix::rows(unfolded, dims.width()),
            Matrix::rows(params.weight, filters),
            dims.width(),
            false,
        );
    }
    activated.par_chunks_mut(filters).for_each(|row| {
        for (value, bias) in row.iter_mut().zip(params.bias) {
            *value = (*value + bias).max(0.0);
        }
    });
    let training = matches!(statistics, Statistics::Batch);
    let (mean, var) = match statistics {
        Statistics::Batch => column_moments(dims, &activated),
        Statistics::Running { mean, var } => (mean.to_vec(), var.to_vec()),
    };
    let inv_std: Vec<f32> = var
        .iter()
        .map(|v| 1.0 / (v + params.epsilon).sqrt())
        .collect();
    let scale: Vec<f32> = params
        .gamma
        .iter()
        .zip(&inv_std)
        .map(|(g, s)| g * s)
        .collect();
    let shift: Vec<f32> = (0..filters)
        .map(|f| params.beta[f] - mean[f] * scale[f])
        .collect();

    let pooled = dims.pooled();
    let mut out = vec![f32::NEG_INFINITY; dims.batch * pooled * filters];
    let mut argmax = vec![0u32; out.len()];
    out.par_chunks_mut(pooled * filters)
        .zip(argmax.par_chunks_mut(pooled * filters))
        .zip(activated.par_chunks(len * filters))
        .for_each(|((out, argmax), activated)| {
            for i in 0..pooled {
                let (from, to) = dims.pool_window(i);
                let out = &mut out[i * filters..(i + 1) * filters];
                let argmax = &mut argmax[i * filters..(i + 1) * filters];
                for t in from..to {
                    let row = &activated[t * filters..(t + 1) * filters];
                    let parameters = scale.iter().zip(&shift);
                    for ((out, argmax), (&a, (&scale, &shift))) in out
                        .iter_mut()
                        .zip(argmax.iter_mut())
                        .zip(row.iter().zip(parameters))
                    {
                        let y = a * scale + shift;
                        // Strictly greater: the first maximum wins a tie, as in Keras.
                        let better = y > *out;
                        *out = if better { y } else { *out };
                        *argmax = if better { t as u32 } else { *argmax };
                    }
                }
            }
        });
    Forward {
        out,
        saved: training.then(|| Saved {
            mean: mean.clone(),
            x: x.to_vec(),
            activated,
            inv_std,
            argmax,
        }),
        mean,
        var,
    }
}

/// Gradients of the loss with respect to the input (when `input_grad`) and every parameter
/// (`weight` and `gamma` as in [`Params`]), given its gradient with respect to the output. The forward pass must have normalised with
/// the batch's statistics (training), whose dependence on the input is differentiated too.
pub fn backward(
    dims: Dims,
    weight: &[f32],
    gamma: &[f32],
    forward: &Saved,
    d_out: &[f32],
    input_grad: bool,
) -> Grads {
    let mean = &forward.mean;
    let Dims { len, filters, .. } = dims;
    let pooled = dims.pooled();
    let rows = dims.rows() as f64;
    assert_eq!(d_out.len(), dims.batch * pooled * filters, "gradient size");

    // Each pooled value's gradient goes to the position it was taken from.
    let mut grad = vec![0.0f32; dims.rows() * filters];
    grad.par_chunks_mut(len * filters)
        .zip(forward.argmax.par_chunks(pooled * filters))
        .zip(d_out.par_chunks(pooled * filters))
        .for_each(|((grad, argmax), d_out)| {
            for (j, (&t, &g)) in argmax.iter().zip(d_out).enumerate() {
                grad[t as usize * filters + j % filters] += g;
            }
        });

    // Batch normalisation: with xhat = (a - mean) * inv_std and y = gamma * xhat + beta,
    // d_beta = sum(dy), d_gamma = sum(dy * xhat), and
    // da = gamma * inv_std * (dy - d_beta / rows - xhat * d_gamma / rows).
    let (d_beta, sum_grad_activated) = column_sums(dims, &grad, &forward.activated);
    let d_gamma: Vec<f64> = (0..filters)
        .map(|f| (sum_grad_activated[f] - mean[f] as f64 * d_beta[f]) * forward.inv_std[f] as f64)
        .collect();
    // da = c_grad * dy + c_activated * a + c_constant per filter, by expanding the above.
    let mut c_grad = vec![0.0f32; filters];
    let mut c_activated = vec![0.0f32; filters];
    let mut c_constant = vec![0.0f32; filters];
    for f in 0..filters {
        let inv_std = forward.inv_std[f] as f64;
        let gain = gamma[f] as f64 * inv_std;
        let d_gamma_mean = d_gamma[f] / rows;
        c_grad[f] = gain as f32;
        c_activated[f] = (-gain * inv_std * d_gamma_mean) as f32;
        c_constant[f] =
            (-gain * (d_beta[f] / rows) + gain * inv_std * d_gamma_mean * mean[f] as f64) as f32;
    }
    grad.par_chunks_mut(len * filters)
        .zip(forward.activated.par_chunks(len * filters))
        .for_each(|(grad, activated)| {
            for (grad, activated) in grad
                .chunks_exact_mut(filters)
                .zip(activated.chunks_exact(filters))
            {
                let coefficients = c_grad.iter().zip(&c_activated).zip(&c_constant);
                for ((g, &a), ((&cg, &ca), &cc)) in grad.iter_mut().zip(activated).zip(coefficients)
                {
                    // The ReLU passes gradient only where it passed the value.
                    *g = if a > 0.0 { cg * *g + ca * a + cc } else { 0.0 };
                }
            }
        });
    // `grad` now holds the gradient of the convolution's output.
    let (d_bias, _) = column_sums(dims, &grad, &grad);

    let width = dims.width();
    let channels = dims.channels;
    let items = dims.chunk_items();
    let mut unfolded = vec![0.0f32; items * len * width];
    let mut d_unfolded = vec![0.0f32; if input_grad { unfolded.len() } else { 0 }];
    let mut d_x = vec![
        0.0f32;
        if input_grad {
            dims.rows() * channels
        } else {
            0
        }
    ];
    let mut d_weight = vec![0.0f32; width * filters];
    for (i, (x, grad)) in forward
        .x
        .chunks(items * len * channels)
        .zip(grad.chunks(items * len * filters))
        .enumerate()
    {
        let chunk = dims.with_batch(x.len() / (len * channels));
        let unfolded = &mut unfolded[..chunk.rows() * width];
        unfold(chunk, x, unfolded);
        product(
            Matrix::out(&mut d_weight, width, filters),
            Matrix::transposed(unfolded, width),
            Matrix::rows(grad, filters),
            chunk.rows(),
            i > 0,
        );
        if input_grad {
            let d_unfolded = &mut d_unfolded[..chunk.rows() * width];
            product(
                Matrix::out(d_unfolded, chunk.rows(), width),
                Matrix::rows(grad, filters),
                Matrix::transposed(weight, filters),
                filters,
                false,
            );
            let at = i * items * len * channels;
            fold(chunk, d_unfolded, &mut d_x[at..at + x.len()]);
        }
    }
    Grads {
        x: input_grad.then_some(d_x),
        weight: d_weight,
        bias: d_bias.into_iter().map(|s| s as f32).collect(),
        gamma: d_gamma.into_iter().map(|s| s as f32).collect(),
        beta: d_beta.into_iter().map(|s| s as f32).collect(),
    }
}

/// Writes the unfolded input, [rows, width]: row (b, t) holds x[b, t + k - left, ..] for each
/// tap k. Positions past the ends are left as they are: zero in a buffer that starts zeroed and
/// is only ever refilled for the same length.
fn unfold(dims: Dims, x: &[f32], unfolded: &mut [f32]) {
    let Dims { len, channels, .. } = dims;
    let width = dims.width();
    let left = dims.conv_left();
    unfolded
        .par_chunks_mut(len * width)
        .zip(x.par_chunks(len * channels))
        .for_each(|(unfolded, x)| {
            for t in 0..len {
                for k in 0..dims.kernel {
                    if let Some(source) = (t + k).checked_sub(left).filter(|&s| s < len) {
                        let at = t * width + k * channels;
                        unfolded[at..at + channels]
                            .copy_from_slice(&x[source * channels..(source + 1) * channels]);
                    }
                }
            }
        });
}

/// The adjoint of [`unfold`]: each input position collects the gradient of every unfolded copy
/// (`d_x` starts zeroed).
fn fold(dims: Dims, d_unfolded: &[f32], d_x: &mut [f32]) {
    let Dims { len, channels, .. } = dims;
    let width = dims.width();
    let left = dims.conv_left();
    d_x.par_chunks_mut(len * channels)
        .zip(d_unfolded.par_chunks(len * width))
        .for_each(|(d_x, d_unfolded)| {
            for t in 0..len {
                for k in 0..dims.kernel {
                    if let Some(source) = (t + k).checked_sub(left).filter(|&s| s < len) {
                        let from = &d_unfolded[t * width + k * channels..][..channels];
                        for (d, g) in d_x[source * channels..][..channels].iter_mut().zip(from) {
                            *d += g;
                        }
                    }
                }
            }
        });
}

/// Per-filter mean and biased variance over all rows.
fn column_moments(dims: Dims, values: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let (sum, sum_sq) = column_sums(dims, values, values);
    let rows = dims.rows() as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / rows).collect();
    let var = sum_sq
        .iter()
        .zip(&mean)
        .map(|(s, m)| (s / rows - m * m).max(0.0) as f32)
        .collect();
    (mean.into_iter().map(|m| m as f32).collect(), var)
}

/// Per-filter sums over all rows of two [rows, filters] matrices: sum(u) and sum(u * v). Each
/// batch item is summed in f32 (a few hundred rows) on its own core, the items in f64.
fn column_sums(dims: Dims, u: &[f32], v: &[f32]) -> (Vec<f64>, Vec<f64>) {
    let Dims { len, filters, .. } = dims;
    u.par_chunks(len * filters)
        .zip(v.par_chunks(len * filters))
        .map(|(u, v)| {
            let mut sum = vec![0.0f32; filters];
            let mut sum_product = vec![0.0f32; filters];
            for (u, v) in u.chunks_exact(filters).zip(v.chunks_exact(filters)) {
                for ((s, p), (&x, &y)) in sum.iter_mut().zip(&mut sum_product).zip(u.iter().zip(v))
                {
                    *s += x;
                    *p += x * y;
                }
            }
            (sum, sum_product)
        })
        .fold(
            || (vec![0.0f64; filters], vec![0.0f64; filters]),
            |(mut a, mut b), (c, d)| {
                a.iter_mut().zip(c).for_each(|(x, y)| *x += y as f64);
                b.iter_mut().zip(d).for_each(|(x, y)| *x += y as f64);
                (a, b)
            },
        )
        .reduce(
            || (vec![0.0; filters], vec![0.0; filters]),
            |(mut a, mut b), (c, d)| {
                a.iter_mut().zip(c).for_each(|(x, y)| *x += y);
                b.iter_mut().zip(d).for_each(|(x, y)| *x += y);
                (a, b)
            },
        )
}

/// A matrix in a slice, with its row and column strides.
struct Matrix<T> {
    data: T,
    rows: usize,
    row_stride: isize,
    col_stride: isize,
}

impl<'a> Matrix<&'a [f32]> {
    /// Row-major with `cols` columns.
    fn rows(data: &'a [f32], cols: usize) -> Self {
        Matrix {
            rows: data.len() / cols,
            data,
            row_stride: cols as isize,
            col_stride: 1,
        }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    fn transposed(data: &'a [f32], cols: usize) -> Self {
        Matrix {
            rows: cols,
            data,
            row_stride: 1,
            col_stride: cols as isize,
        }
    }
}

impl<'a> Matrix<&'a mut [f32]> {
    fn out(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(data.len(), rows * cols, "output size");
        Matrix {
            data,
            rows,
            row_stride: cols as isize,
            col_stride: 1,
        }
    }
}

/// dst = lhs · rhs (or dst += lhs · rhs when `accumulate`), with `inner` the shared dimension,
/// on every core.
fn product(
    dst: Matrix<&mut [f32]>,
    lhs: Matrix<&[f32]>,
    rhs: Matrix<&[f32]>,
    inner: usize,
    accumulate: bool,
) {
    if dst.rows == 0 || dst.data.is_empty() {
        return;
    }
    let cols = dst.data.len() / dst.rows;
    assert_eq!(lhs.rows, dst.rows, "product rows");
    if inner == 0 {
        if !accumulate {
            dst.data.fill(0.0);
        }
        return;
    }
    // The last element each operand is read at must lie inside its slice.
    let last = |m: &Matrix<&[f32]>, rows: usize, cols: usize| {
        (rows - 1) as isize * m.row_stride + (cols - 1) as isize * m.col_stride
    };
    assert!(
        last(&lhs, dst.rows, inner) < lhs.data.len() as isize,
        "lhs bounds"
    );
    assert!(
        last(&rhs, inner, cols) < rhs.data.len() as isize,
        "rhs bounds"
    );
    // SAFETY: every index the product reads or writes lies inside its slice (checked above;
    // dst is contiguous [rows, cols]), and dst does not alias the operands (&mut).
    unsafe {
        gemm::gemm(
            dst.rows,
            cols,
            inner,
            dst.data.as_mut_ptr(),
            dst.col_stride,
            dst.row_stride,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride,
            lhs.row_stride,
            rhs.data.as_ptr(),
            rhs.col_stride,
            rhs.row_stride,
            // dst = alpha * dst + beta * lhs * rhs (alpha is only read when accumulating).
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::Rayon(rayon::current_num_threads()),
        );
    }
}
