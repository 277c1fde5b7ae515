//! Spectral building blocks shared by serlab's feature plugins and its spectrogram view. The
//! definitions follow librosa 0.11's documented defaults (Slaney mel scale and normalisation,
//! periodic Hann window, centred frames with zero padding, orthonormal DCT-II), so features can be
//! compared with librosa's numbers.

pub mod chroma;
pub mod dct;
pub mod logmel;
pub mod mel;
pub mod stft;

/// `10 log10(max(x, amin))` relative to `ref = 1`, then floored at `max - top_db` over the whole
/// matrix, as librosa's `power_to_db` does.
pub fn power_to_db_in_place(values: &mut [f64], amin: f64, top_db: Option<f64>) {
    let mut max = f64::NEG_INFINITY;
    for v in values.iter_mut() {
        *v = 10.0 * v.max(amin).log10();
        max = max.max(*v);
    }
    if let Some(top) = top_db {
        let floor = max - top;
        for v in values.iter_mut() {
            *v = v.max(floor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_to_db_clamps_to_top_db() {
        let mut v = vec![1.0, 1e-3, 0.0, 100.0];
        power_to_db_in_place(&mut v, 1e-10, Some(80.0));
        assert_eq!(v, vec![0.0, -30.0, -60.0, 20.0]);
        let mut w = vec![0.0];
        power_to_db_in_place(&mut w, 1e-10, None);
        assert_eq!(w, vec![-100.0]);
    }
}
