//! Natural cubic spline through points with a fixed abscissa, evaluated at fixed points: the
//! tridiagonal factors and every evaluation point's segment and weights are computed once, so
//! each frame costs two linear sweeps and four products per output point.
//!
//! The sweeps are recurrences (each step waits for the one before), so one curve at a time
//! leaves the processor idle; `L` independent curves (lanes) go through them side by side, each
//! with exactly the arithmetic it would get alone.

pub struct Spline<const L: usize> {
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
    second: Vec<[f64; L]>,
    rhs: Vec<[f64; L]>,
}

impl<const L: usize> Spline<L> {
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
            second: vec![[0.0; L]; n],
            rhs: vec![[0.0; L]; n],
        }
    }

    /// Evaluates the splines through `y` (one value per abscissa and lane) at the evaluation
    /// points.
    pub fn interpolate(&mut self, y: &[[f64; L]], out: &mut [[f64; L]]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the processor has AVX (just checked).
            return unsafe { self.interpolate_avx(y, out) };
        }
        self.interpolate_portable(y, out);
    }

    /// The same code compiled for AVX (four lanes per register; results are identical, as
    /// no multiply and add are fused).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    unsafe fn interpolate_avx(&mut self, y: &[[f64; L]], out: &mut [[f64; L]]) {
        self.interpolate_portable(y, out);
    }

    #[inline(always)]
    fn interpolate_portable(&mut self, y: &[[f64; L]], out: &mut [[f64; L]]) {
        let n = y.len();
        let mut prev_rhs = [0.0; L];
        for i in 1..n - 1 {
            let (before, here, after) = (&y[i - 1], &y[i], &y[i + 1]);
            for (l, r) in prev_rhs.iter_mut().enumerate() {
                let slope_change = (after[l] - here[l]) * self.inv_h[i]
                    - (here[l] - before[l]) * self.inv_h[i - 1];
                *r = 6.0 * slope_change - self.elimination[i] * *r;
            }
            self.rhs[i] = prev_rhs;
        }
        self.second[0] = [0.0; L];
        self.second[n - 1] = [0.0; L];
        let mut next = [0.0; L];
        for i in (1..n - 1).rev() {
            for (s, r) in next.iter_mut().zip(&self.rhs[i]) {
                *s = (r - self.h[i] * *s) * self.inv_diag[i];
            }
            self.second[i] = next;
        }
        for (o, (seg, w)) in out.iter_mut().zip(&self.at) {
            let (y0, y1) = (&y[*seg], &y[seg + 1]);
            let (s0, s1) = (&self.second[*seg], &self.second[seg + 1]);
            for (l, value) in o.iter_mut().enumerate() {
                *value = w[0] * y0[l] + w[1] * y1[l] + w[2] * s0[l] + w[3] * s1[l];
            }
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
        let mut spline = Spline::<1>::new(&x, &at);
        let mut out = vec![[0.0]; at.len()];
        // A straight line is reproduced exactly (its second derivatives are 0).
        let line: Vec<[f64; 1]> = x.iter().map(|v| [3.0 * v - 1.0]).collect();
        spline.interpolate(&line, &mut out);
        for ([o], t) in out.iter().zip(&at) {
            assert!((o - (3.0 * t - 1.0)).abs() < 1e-9, "{o} at {t}");
        }
        // A smooth curve is followed closely away from the natural ends.
        let sine: Vec<[f64; 1]> = x.iter().map(|v| [(v * 0.7).sin()]).collect();
        spline.interpolate(&sine, &mut out);
        for ([o], t) in out.iter().zip(&at) {
            if *t > 1.5 && *t < 8.0 {
                assert!(
                    (o - (t * 0.7).sin()).abs() < 2e-3,
                    "{o} vs {} at {t}",
                    (t * 0.7).sin()
                );
            }
        }
    }

    #[test]
    fn lanes_are_independent_and_each_matches_a_single_curve() {
        let x: Vec<f64> = (0..30).map(|i| (1.0 + i as f64).log2()).collect();
        let at: Vec<f64> = (0..40)
            .map(|i| x[0] + i as f64 * (x[29] - x[0]) / 39.0)
            .collect();
        let curves: Vec<Vec<f64>> = (0..3)
            .map(|c| x.iter().map(|v| (v * (1.0 + c as f64)).cos()).collect())
            .collect();
        let mut three = Spline::<3>::new(&x, &at);
        let y: Vec<[f64; 3]> = (0..x.len())
            .map(|i| [curves[0][i], curves[1][i], curves[2][i]])
            .collect();
        let mut out = vec![[0.0; 3]; at.len()];
        three.interpolate(&y, &mut out);
        let mut one = Spline::<1>::new(&x, &at);
        for (c, curve) in curves.iter().enumerate() {
            let y: Vec<[f64; 1]> = curve.iter().map(|&v| [v]).collect();
            let mut single = vec![[0.0]; at.len()];
            one.interpolate(&y, &mut single);
            for (lane, [alone]) in out.iter().zip(&single) {
                assert_eq!(lane[c].to_bits(), alone.to_bits());
            }
        }
    }
}
