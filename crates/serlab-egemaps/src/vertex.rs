//! Sub-bin refinement of a discrete peak: the vertex of the parabola through it and its two
//! neighbours (used for SHS pitch candidates and harmonic frequencies).

/// The vertex of the parabola through three equally spaced values: its offset from the middle
/// one (in bins) and its height. A flat triple gives the middle value itself.
pub fn parabola_vertex(left: f64, mid: f64, right: f64) -> (f64, f64) {
    let curvature = left - 2.0 * mid + right;
    let offset = if curvature != 0.0 {
        0.5 * (left - right) / curvature
    } else {
        0.0
    };
    (offset, mid - 0.25 * (left - right) * offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vertex_of_a_sampled_parabola_is_exact() {
        // y = 5 - 2 (x - 0.3)^2 sampled at -1, 0, 1.
        let y = |x: f64| 5.0 - 2.0 * (x - 0.3).powi(2);
        let (offset, height) = parabola_vertex(y(-1.0), y(0.0), y(1.0));
        assert!((offset - 0.3).abs() < 1e-12 && (height - 5.0).abs() < 1e-12);
        assert_eq!(parabola_vertex(2.0, 2.0, 2.0), (0.0, 2.0));
    }
}
