//! Time shift: roll the clip around (with a short crossfade where its end meets its start, so the
//! seam does not click) or move it and fill with silence.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShiftMode {
    /// Samples pushed out at one end come back at the other.
    Roll,
    /// Samples pushed out are dropped; the gap is silence.
    Zero,
}

/// Shifts later in time by `shift` samples (negative: earlier).
pub fn time_shift(samples: &[f32], shift: i64, mode: ShiftMode, sample_rate: u32) -> Vec<f32> {
    let n = samples.len() as i64;
    if n == 0 {
        return Vec::new();
    }
    match mode {
        ShiftMode::Roll => {
            let s = shift.rem_euclid(n) as usize;
            if s == 0 {
                return samples.to_vec();
            }
            // Fade the clip's own end out and its start in over a few ms, then roll: the seam
            // joins two near-silent points instead of two arbitrary samples.
            let fade = ((0.005 * f64::from(sample_rate)) as usize)
                .min(samples.len() / 4)
                .max(1);
            let mut faded = samples.to_vec();
            let len = faded.len();
            for i in 0..fade {
                let g = 0.5 - 0.5 * (std::f64::consts::PI * i as f64 / fade as f64).cos();
                faded[i] *= g as f32;
                faded[len - 1 - i] *= g as f32;
            }
            faded.rotate_right(s);
            faded
        }
        ShiftMode::Zero => {
            let mut out = vec![0.0f32; samples.len()];
            for (i, o) in out.iter_mut().enumerate() {
                let src = i as i64 - shift;
                if (0..n).contains(&src) {
                    *o = samples[src as usize];
                }
            }
            out
        }
    }
}
