//! Natural cubic spline through points with a fixed abscissa, so the tridiagonal factors are
//! computed once and each frame costs two linear sweeps.

pub struct Spline {
    /// Forward-elimination factors of the tridiagonal system for the second derivatives.
    h: Vec<f64>,
    diag: Vec<f64>,
    second: Vec<f64>,
    rhs: Vec<f64>,
}

impl Spline {
    pub fn new(x: &[f64]) -> Self {
        let n = x.len();
        let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        // Thomas algorithm on the interior equations, natural ends (second derivative 0).
        let mut diag = vec![0.0; n];
        for i in 1..n - 1 {
            let d = 2.0 * (h[i - 1] + h[i]);
            diag[i] = if i == 1 {
                d
            } else {
                d - h[i - 1] * h[i - 1] / diag[i - 1]
            };
        }
        Self {
            h,
            diag,
            second: vec![0.0; n],
            rhs: vec![0.0; n],
        }
    }

    /// Evaluates the spline through `(x, y)` at the sorted points `at`.
    pub fn interpolate(&mut self, x: &[f64], y: &[f64], at: &[f64], out: &mut [f64]) {
        let n = x.len();
        let h = &self.h;
        for i in 1..n - 1 {
            self.rhs[i] = 6.0 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1]);
            if i > 1 {
                self.rhs[i] -= h[i - 1] / self.diag[i - 1] * self.rhs[i - 1];
            }
        }
        self.second[0] = 0.0;
        self.second[n - 1] = 0.0;
        for i in (1..n - 1).rev() {
            let next = if i + 1 < n - 1 {
                self.second[i + 1]
            } else {
                0.0
            };
            self.second[i] = (self.rhs[i] - h[i] * next) / self.diag[i];
        }
        let mut seg = 0;
        for (o, &t) in out.iter_mut().zip(at) {
            while seg + 2 < n && t > x[seg + 1] {
                seg += 1;
            }
            let (x0, x1) = (x[seg], x[seg + 1]);
            let hh = x1 - x0;
            let a = (x1 - t) / hh;
            let b = (t - x0) / hh;
            *o = a * y[seg]
                + b * y[seg + 1]
                + ((a * a * a - a) * self.second[seg] + (b * b * b - b) * self.second[seg + 1])
                    * hh
                    * hh
                    / 6.0;
        }
    }
}
