//! Per-channel operations on [rows, channels] tensors, arranged for candle's CPU backend while
//! training. burn differentiates a broadcast by summing the gradient over the broadcast axis, and
//! candle sums along the first axis of a [rows, channels] tensor slowly; a product with a column
//! of ones spreads a row as fast, and its gradient is a product too. At inference (no gradients)
//! the plain broadcasts are cheaper.

use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

fn spread<B: Backend>(row: Tensor<B, 2>, rows: usize) -> Tensor<B, 2> {
    Tensor::<B, 2>::ones([rows, 1], &row.device()).matmul(row)
}

/// `x + row` for every row of `x` (`row`: [1, channels]).
pub fn add_row<B: Backend>(x: Tensor<B, 2>, row: Tensor<B, 2>) -> Tensor<B, 2> {
    if B::ad_enabled(&x.device()) {
        let rows = x.dims()[0];
        x + spread(row, rows)
    } else {
        x + row
    }
}

/// `x * row` for every row of `x` (`row`: [1, channels]).
pub fn mul_row<B: Backend>(x: Tensor<B, 2>, row: Tensor<B, 2>) -> Tensor<B, 2> {
    if B::ad_enabled(&x.device()) {
        let rows = x.dims()[0];
        x * spread(row, rows)
    } else {
        x * row
    }
}

/// The mean of each column, [1, channels], as a product with a row of 1/rows.
pub fn column_mean<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    let rows = x.dims()[0];
    Tensor::<B, 2>::full([1, rows], 1.0 / rows as f64, &x.device()).matmul(x)
}
