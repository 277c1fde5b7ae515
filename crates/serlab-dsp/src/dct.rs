//! Orthonormal DCT-II (scipy's `dct(type=2, norm='ortho')`), as a precomputed matrix: the inputs
//! are short (mel bands), so a matrix product is simplest and fast.

pub struct Dct {
    n_in: usize,
    matrix: Vec<f64>,
}

impl Dct {
    /// The first `n_out` coefficients of an `n_in`-point transform.
    pub fn new(n_in: usize, n_out: usize) -> Self {
        let mut matrix = Vec::with_capacity(n_in * n_out);
        for k in 0..n_out {
            let scale = if k == 0 {
                (1.0 / n_in as f64).sqrt()
            } else {
                (2.0 / n_in as f64).sqrt()
            };
            for n in 0..n_in {
                let angle =
                    std::f64::consts::PI * k as f64 * (2 * n + 1) as f64 / (2 * n_in) as f64;
                matrix.push(scale * angle.cos());
            }
        }
        Self { n_in, matrix }
    }

    pub fn apply(&self, input: &[f64], out: &mut [f64]) {
        for (k, o) in out.iter_mut().enumerate() {
            let row = &self.matrix[k * self.n_in..(k + 1) * self.n_in];
            *o = row.iter().zip(input).map(|(a, b)| a * b).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthonormal_transform_preserves_energy() {
        let input: Vec<f64> = (0..16).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
        let dct = Dct::new(16, 16);
        let mut out = vec![0.0; 16];
        dct.apply(&input, &mut out);
        let e_in: f64 = input.iter().map(|x| x * x).sum();
        let e_out: f64 = out.iter().map(|x| x * x).sum();
        assert!((e_in - e_out).abs() < 1e-9);
        // DC coefficient of a constant is sqrt(N) * value.
        let mut dc = vec![0.0; 1];
        Dct::new(4, 1).apply(&[1.0; 4], &mut dc);
        assert!((dc[0] - 2.0).abs() < 1e-12);
    }
}
