//! Natural cubic spline through points with a fixed abscissa, evaluated at fixed points: the
//! tridiagonal factors and every evaluation point's segment and weights are computed once, so
//! each frame costs two linear sweeps and four products per output point.

pub struct Spline {
    /// `1 / h[i]` for each interval.
    inv_h: Vec<f64>,
    /// Forward-elimination multipliers `h[i-1] / diag[i-1]` and `1 / diag[i]` of the Thomas
    /// algorithm for the second derivatives (natural ends).
    elimination: Vec<f64>,
    inv_diag: Vec<f64>,
    h: Vec<f64>,
    /// For each evaluation point: its segment and the weights of `y[seg]`, `y[seg+1]`,
    /// `second[seg]`, `second[seg+1]`.
    at: Vec<(usize, [f64; 4])>,
    second: Vec<f64>,
    rhs: Vec<f64>,
}

impl Spline {
    /// A spline through points at `x` (strictly increasing, at least 3), evaluated at the sorted
    /// points `at`.
    pub fn new(x: &[f64], at: &[f64]) -> Self {
        let n = x.len();
        let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let mut diag = vec![1.0; n];
        let mut elimination = vec![0.0; n];
        for i in 1..n - 1 {
            let d = 2.0 * (h[i - 1] + h[i]);
            if i == 1 {
                diag[i] = d;
            } else {
                elimination[i] = h[i - 1] / diag[i - 1];
                diag[i] = d - h[i - 1] * elimination[i];
            }
        }
        let mut seg = 0;
        let points = at
            .iter()
            .map(|&t| {
                while seg + 2 < n && t > x[seg + 1] {
                    seg += 1;
                }
                let hh = h[seg];
                let a = (x[seg + 1] - t) / hh;
                let b = (t - x[seg]) / hh;
                let k = hh * hh / 6.0;
                (seg, [a, b, (a * a * a - a) * k, (b * b * b - b) * k])
            })
            .collect();
        Self {
            inv_h: h.iter().map(|v| 1.0 / v).collect(),
            elimination,
            inv_diag: diag.iter().map(|v| 1.0 / v).collect(),
            h,
            at: points,
            second: vec![0.0; n],
            rhs: vec![0.0; n],
        }
    }

    /// Evaluates the spline through `y` (one value per abscissa) at the evaluation points.
    pub fn interpolate(&mut self, y: &[f64], out: &mut [f64]) {
        let n = y.len();
        let mut prev_rhs = 0.0;
        for i in 1..n - 1 {
            let slope_change =
                (y[i + 1] - y[i]) * self.inv_h[i] - (y[i] - y[i - 1]) * self.inv_h[i - 1];
            let r = 6.0 * slope_change - self.elimination[i] * prev_rhs;
            self.rhs[i] = r;
            prev_rhs = r;
        }
        self.second[0] = 0.0;
        self.second[n - 1] = 0.0;
        let mut next = 0.0;
        for i in (1..n - 1).rev() {
            next = (self.rhs[i] - self.h[i] * next) * self.inv_diag[i];
            self.second[i] = next;
        }
        for (o, (seg, w)) in out.iter_mut().zip(&self.at) {
            *o = w[0] * y[*seg]
                + w[1] * y[seg + 1]
                + w[2] * self.second[*seg]
                + w[3] * self.second[seg + 1];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_a_cubic_inside_and_lines_exactly() {
        let x: Vec<f64> = (0..20).map(|i| i as f64 * 0.5).collect();
        let at: Vec<f64> = (0..50).map(|i| 0.1 + i as f64 * 0.18).collect();
        let mut spline = Spline::new(&x, &at);
        let mut out = vec![0.0; at.len()];
        // A straight line is reproduced exactly (its second derivatives are 0).
        let line: Vec<f64> = x.iter().map(|v| 3.0 * v - 1.0).collect();
        spline.interpolate(&line, &mut out);
        for (o, t) in out.iter().zip(&at) {
            assert!((o - (3.0 * t - 1.0)).abs() < 1e-9, "{o} at {t}");
        }
        // A smooth curve is followed closely away from the natural ends.
        let sine: Vec<f64> = x.iter().map(|v| (v * 0.7).sin()).collect();
        spline.interpolate(&sine, &mut out);
        for (o, t) in out.iter().zip(&at) {
            if *t > 1.5 && *t < 8.0 {
                assert!(
                    (o - (t * 0.7).sin()).abs() < 2e-3,
                    "{o} vs {} at {t}",
                    (t * 0.7).sin()
                );
            }
        }
    }
}
