//! A YIN fundamental-frequency estimator (de Cheveigné & Kawahara 2002): cumulative mean
//! normalised difference, absolute threshold, parabolic interpolation. Used to check that
//! augmentations move pitch exactly as asked, and to report pitch in the UI.

/// F0 per frame (0.0 where unvoiced), frames of 40 ms every 10 ms, searching `fmin..fmax` Hz.
pub fn yin_track(samples: &[f32], sample_rate: u32, fmin: f64, fmax: f64) -> Vec<f64> {
    let rate = f64::from(sample_rate);
    let window = (0.04 * rate) as usize;
    let hop = (0.01 * rate) as usize;
    let max_lag = ((rate / fmin).ceil() as usize).min(window);
    let min_lag = ((rate / fmax).floor() as usize).max(2);
    if samples.len() < window + max_lag || min_lag >= max_lag {
        return Vec::new();
    }
    let mut diff = vec![0.0f64; max_lag + 1];
    let mut track = Vec::new();
    let mut start = 0;
    while start + window + max_lag <= samples.len() {
        let frame = &samples[start..start + window + max_lag];
        let energy: f64 = frame[..window]
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum();
        if energy / (window as f64) < 1e-7 {
            track.push(0.0);
            start += hop;
            continue;
        }
        for (lag, d) in diff.iter_mut().enumerate().skip(1) {
            *d = (0..window)
                .map(|i| {
                    let e = f64::from(frame[i]) - f64::from(frame[i + lag]);
                    e * e
                })
                .sum();
        }
        // Cumulative mean normalised difference.
        let mut running = 0.0;
        let mut cmnd = vec![1.0; max_lag + 1];
        for lag in 1..=max_lag {
            running += diff[lag];
            cmnd[lag] = if running > 0.0 {
                diff[lag] * lag as f64 / running
            } else {
                1.0
            };
        }
        let mut chosen = None;
        let mut lag = min_lag;
        while lag < max_lag {
            if cmnd[lag] < 0.15 {
                while lag + 1 < max_lag && cmnd[lag + 1] < cmnd[lag] {
                    lag += 1;
                }
                chosen = Some(lag);
                break;
            }
            lag += 1;
        }
        let f0 = match chosen {
            Some(l) if l > min_lag && l < max_lag => {
                let (a, b, c) = (cmnd[l - 1], cmnd[l], cmnd[l + 1]);
                let denom = a - 2.0 * b + c;
                let shift = if denom.abs() > 1e-12 {
                    0.5 * (a - c) / denom
                } else {
                    0.0
                };
                rate / (l as f64 + shift.clamp(-1.0, 1.0))
            }
            Some(l) => rate / l as f64,
            None => 0.0,
        };
        track.push(f0);
        start += hop;
    }
    track
}

/// Median F0 over voiced frames, if any.
pub fn median_f0(samples: &[f32], sample_rate: u32, fmin: f64, fmax: f64) -> Option<f64> {
    let mut voiced: Vec<f64> = yin_track(samples, sample_rate, fmin, fmax)
        .into_iter()
        .filter(|&f| f > 0.0)
        .collect();
    if voiced.is_empty() {
        return None;
    }
    voiced.sort_by(f64::total_cmp);
    Some(voiced[voiced.len() / 2])
}

/// Median F0 ratio `after / before` over frames voiced in both tracks (frames must be aligned,
/// e.g. before and after a duration-keeping pitch shift), with how many frames it used.
pub fn paired_median_ratio(before: &[f64], after: &[f64]) -> Option<(f64, usize)> {
    let mut ratios: Vec<f64> = before
        .iter()
        .zip(after)
        .filter(|(a, b)| **a > 0.0 && **b > 0.0)
        .map(|(a, b)| b / a)
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    Some((ratios[ratios.len() / 2], ratios.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_pitch_of_a_harmonic_tone() {
        for f0 in [90.0, 155.5, 310.0] {
            let samples: Vec<f32> = (0..16_000)
                .map(|i| {
                    let t = i as f64 / 16_000.0;
                    (1..6)
                        .map(|k| (2.0 * std::f64::consts::PI * f0 * k as f64 * t).sin() / k as f64)
                        .sum::<f64>() as f32
                        * 0.3
                })
                .collect();
            let measured = median_f0(&samples, 16_000, 60.0, 500.0).unwrap();
            assert!((measured / f0 - 1.0).abs() < 0.002, "{f0} -> {measured}");
        }
        assert_eq!(median_f0(&vec![0.0; 16_000], 16_000, 60.0, 500.0), None);
        assert_eq!(
            paired_median_ratio(&[100.0, 0.0, 200.0, 150.0], &[110.0, 120.0, 0.0, 180.0]),
            Some((1.2, 2))
        );
        assert_eq!(paired_median_ratio(&[0.0], &[1.0]), None);
    }
}
