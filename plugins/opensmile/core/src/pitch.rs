//! F0 by subharmonic summation (Hermes 1988) on an octave-scaled spectrum, with candidates for
//! the Viterbi smoother in [`crate::viterbi`].

use crate::vertex::parabola_vertex;

pub const MAX_CANDIDATES: usize = 6;
const N_HARMONICS: usize = 15;
const COMPRESSION: f64 = 0.85;
const MIN_F0: f64 = 55.0;
const MAX_F0: f64 = 1000.0;
const SCALE_MIN_HZ: f64 = 25.0;

#[derive(Debug, Clone, Copy, Default)]
pub struct Candidate {
    pub f0: f64,
    pub voicing: f64,
}

#[derive(Debug, Clone, Default)]
pub struct PitchFrame {
    /// Best first; `len` of them are valid.
    pub candidates: [Candidate; MAX_CANDIDATES],
    pub len: usize,
}

/// Octave-axis spectrum and subharmonic sum, with all buffers and tables made once.
pub struct Shs {
    /// Log2 frequency of each output point.
    target_x: Vec<f64>,
    /// Points per octave of the output axis, for refining peak positions.
    axis_per_octave: f64,
    auditory_weight: Vec<f64>,
    harmonic_offsets: Vec<(usize, f64)>,
    /// How much each scaled point adds to the sum over all points of the subharmonic sum (1 for
    /// itself plus the weight of every harmonic that reaches it), for its mean.
    total_weight: Vec<f64>,
    /// Output points whose frequency lies in the F0 search range.
    search: std::ops::Range<usize>,
    enhanced: Vec<f64>,
    smoothed: Vec<f64>,
    spline: crate::spline::Spline,
    scaled: Vec<f64>,
    sum: Vec<f64>,
}

impl Shs {
    pub fn new(sample_rate: u32, bins: usize) -> Self {
        let n_fft = (bins - 1) * 2;
        let bin_hz = f64::from(sample_rate) / n_fft as f64;
        let mut source_x: Vec<f64> = (0..bins).map(|k| (k as f64 * bin_hz).log2()).collect();
        source_x[0] = 2.0 * source_x[1] - source_x[2];
        let max_hz = f64::from(sample_rate) / 2.0;
        let n_points = bins;
        let octaves = (max_hz / SCALE_MIN_HZ).log2();
        // The points span the range end to end (the last one is at Nyquist), but the auditory
        // weighting and the harmonic offsets count n points per octave range: both measured
        // against openSMILE's octave-scale spectrum.
        let per_octave = n_points as f64 / octaves;
        let axis_per_octave = (n_points - 1) as f64 / octaves;
        let lo = SCALE_MIN_HZ.log2();
        let target_x: Vec<f64> = (0..n_points)
            .map(|i| lo + i as f64 / axis_per_octave)
            .collect();
        let s = per_octave * (65.0f64 / 50.0).log2() - 1.0;
        let auditory_weight = (0..n_points)
            .map(|i| 0.5 + (3.0 * (i as f64 + 1.0 - s) / per_octave).atan() / std::f64::consts::PI)
            .collect();
        let harmonic_offsets: Vec<(usize, f64)> = (2..=N_HARMONICS)
            .map(|h| {
                (
                    (per_octave * (h as f64).log2()).floor() as usize,
                    COMPRESSION.powi(h as i32 - 1),
                )
            })
            .collect();
        let first = target_x
            .iter()
            .position(|&x| x >= MIN_F0.log2())
            .unwrap_or(n_points);
        let last = target_x
            .iter()
            .rposition(|&x| x <= MAX_F0.log2())
            .map_or(first, |p| p + 1);
        let total_weight = (0..n_points)
            .map(|i| {
                1.0 + harmonic_offsets
                    .iter()
                    .filter(|(offset, _)| *offset <= i)
                    .map(|(_, w)| w)
                    .sum::<f64>()
            })
            .collect();
        Self {
            total_weight,
            spline: crate::spline::Spline::new(&source_x, &target_x),
            target_x,
            axis_per_octave,
            auditory_weight,
            harmonic_offsets,
            search: first..last,
            enhanced: vec![0.0; bins],
            smoothed: vec![0.0; bins],
            scaled: vec![0.0; n_points],
            sum: vec![0.0; n_points],
        }
    }

    pub fn analyse(&mut self, magnitude: &[f64]) -> PitchFrame {
        enhance_peaks(magnitude, &mut self.enhanced);
        smooth_hanning(&self.enhanced, &mut self.smoothed);
        self.spline.interpolate(&self.smoothed, &mut self.scaled);
        for (v, w) in self.scaled.iter_mut().zip(&self.auditory_weight) {
            *v = (*v * w).max(0.0);
        }
        // The sum is only needed around the F0 search range; its mean over every point (the
        // voicing reference) follows from the scaled spectrum directly, since every term is
        // non-negative.
        let n = self.scaled.len();
        let total: f64 = self
            .scaled
            .iter()
            .zip(&self.total_weight)
            .map(|(v, w)| v * w)
            .sum();
        let mean = total / N_HARMONICS as f64 / n as f64;
        let (lo, hi) = self.window();
        // Harmonic by harmonic over contiguous points (vectorises), rather than point by point.
        self.sum[lo..hi].copy_from_slice(&self.scaled[lo..hi]);
        for &(offset, weight) in &self.harmonic_offsets {
            let end = hi.min(n.saturating_sub(offset));
            if end <= lo {
                break;
            }
            for (acc, &v) in self.sum[lo..end]
                .iter_mut()
                .zip(&self.scaled[lo + offset..end + offset])
            {
                *acc += weight * v;
            }
        }
        for v in &mut self.sum[lo..hi] {
            *v /= N_HARMONICS as f64;
        }
        self.candidates(mean)
    }

    /// The auditory-weighted octave-axis spectrum of the last analysed frame, for comparing this
    /// stage with other implementations.
    pub fn scaled(&self) -> &[f64] {
        &self.scaled
    }

    /// The points of the sum that the peak search reads: the search range and one either side.
    fn window(&self) -> (usize, usize) {
        let n = self.sum.len();
        let lo = self.search.start.max(1) - 1;
        let hi = (self.search.end.min(n - 1) + 1).min(n);
        (lo, hi)
    }

    fn candidates(&self, mean: f64) -> PitchFrame {
        let ss = &self.sum;
        let mut peaks: Vec<(f64, f64)> = Vec::with_capacity(16);
        let lo = self.search.start.max(1);
        let hi = self.search.end.min(ss.len() - 1);
        for j in lo..hi {
            if ss[j] > ss[j - 1] && ss[j] >= ss[j + 1] {
                let (delta, score) = parabola_vertex(ss[j - 1], ss[j], ss[j + 1]);
                let x = self.target_x[j] + delta / self.axis_per_octave;
                peaks.push((score, x.exp2()));
            }
        }
        peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut frame = PitchFrame::default();
        for (slot, &(score, f0)) in frame.candidates.iter_mut().zip(&peaks) {
            let voicing = if score > mean {
                1.0 - mean / score
            } else {
                0.0
            };
            *slot = Candidate { f0, voicing };
            frame.len += 1;
        }
        frame
    }
}

/// Hermes' peak enhancement: points more than two bins away from a local maximum become 0.
fn enhance_peaks(x: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    let n = x.len();
    for i in 1..n.saturating_sub(1) {
        if x[i] > x[i - 1] && x[i] >= x[i + 1] {
            let lo = i.saturating_sub(2);
            let hi = (i + 3).min(n);
            out[lo..hi].copy_from_slice(&x[lo..hi]);
        }
    }
}

/// A 3-point Hanning filter (1/4, 1/2, 1/4).
fn smooth_hanning(x: &[f64], out: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        let prev = if i > 0 { x[i - 1] } else { 0.0 };
        let next = if i + 1 < n { x[i + 1] } else { 0.0 };
        out[i] = 0.25 * prev + 0.5 * x[i] + 0.25 * next;
    }
}
