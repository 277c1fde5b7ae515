//! Band-limited resampling of a whole mono buffer with rubato's FFT resampler (exact rational
//! ratio, no linear interpolation), compensating its delay so the output is aligned with the input.

use rubato::{
    FftFixedIn, Resampler, SincFixedIn, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

const CHUNK: usize = 1024;

pub fn resample(input: &[f32], from_rate: u32, to_rate: u32) -> Result<Vec<f32>, String> {
    if from_rate == to_rate || input.is_empty() {
        return Ok(input.to_vec());
    }
    // One call must cover at least one whole FFT block (from_rate / gcd input frames), or the
    // resampler returns nothing for many calls.
    let block = (from_rate / gcd(from_rate, to_rate)) as usize;
    let chunk = CHUNK.max(block);
    let mut resampler = FftFixedIn::<f32>::new(from_rate as usize, to_rate as usize, chunk, 1, 1)
        .map_err(|e| e.to_string())?;
    let expected_len =
        ((input.len() as u128 * u128::from(to_rate)).div_ceil(u128::from(from_rate))) as usize;
    run_whole(&mut resampler, input, expected_len)
}

/// Resamples by an arbitrary (irrational) ratio, output length = input length x `ratio`, with
/// rubato's windowed-sinc resampler. Used by pitch shifting, where the ratio is 2^(n/12).
pub fn resample_by_ratio(input: &[f32], ratio: f64) -> Result<Vec<f32>, String> {
    if input.is_empty() || (ratio - 1.0).abs() < 1e-12 {
        return Ok(input.to_vec());
    }
    let params = SincInterpolationParameters {
        sinc_len: 64,
        f_cutoff: 0.95,
        interpolation: SincInterpolationType::Linear,
        oversampling_factor: 128,
        window: WindowFunction::BlackmanHarris2,
    };
    let mut resampler =
        SincFixedIn::<f32>::new(ratio, 1.0, params, CHUNK, 1).map_err(|e| e.to_string())?;
    let expected_len = (input.len() as f64 * ratio).round() as usize;
    run_whole(&mut resampler, input, expected_len)
}

/// Feeds a whole buffer through a resampler, flushes it, and drops its delay so the output is
/// aligned with the input and exactly `expected_len` long (or shorter if the resampler stalls).
fn run_whole<R: Resampler<f32>>(
    resampler: &mut R,
    input: &[f32],
    expected_len: usize,
) -> Result<Vec<f32>, String> {
    let delay = resampler.output_delay();
    let mut output = Vec::with_capacity(expected_len + delay + 4 * CHUNK);
    let mut pos = 0;
    while pos < input.len() {
        let needed = resampler.input_frames_next();
        let end = (pos + needed).min(input.len());
        let chunk = [&input[pos..end]];
        let out = if end - pos == needed {
            resampler.process(&chunk, None)
        } else {
            resampler.process_partial(Some(&chunk), None)
        }
        .map_err(|e| e.to_string())?;
        output.extend_from_slice(&out[0]);
        pos = end;
    }
    // The FFT resampler buffers input until it has a whole FFT block, so a call may return
    // nothing; give up only after several empty calls in a row.
    let mut empty_calls = 0;
    while output.len() < expected_len + delay && empty_calls < 8 {
        let out = resampler
            .process_partial::<&[f32]>(None, None)
            .map_err(|e| e.to_string())?;
        empty_calls = if out[0].is_empty() {
            empty_calls + 1
        } else {
            0
        };
        output.extend_from_slice(&out[0]);
    }
    let end = (delay + expected_len).min(output.len());
    Ok(output[delay.min(end)..end].to_vec())
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    /// Least-squares fit of `A sin(w i + phi)` with known frequency: (A, phi).
    fn fit_sine(samples: &[f32], freq: f64, rate: u32) -> (f64, f64) {
        let w = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
        let (mut ss, mut sc, mut cc, mut ys, mut yc) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, &y) in samples.iter().enumerate() {
            let (s, c) = (w * i as f64).sin_cos();
            ss += s * s;
            sc += s * c;
            cc += c * c;
            ys += f64::from(y) * s;
            yc += f64::from(y) * c;
        }
        let det = ss * cc - sc * sc;
        let a = (ys * cc - yc * sc) / det;
        let b = (yc * ss - ys * sc) / det;
        ((a * a + b * b).sqrt(), b.atan2(a))
    }

    #[test]
    fn keeps_length_amplitude_and_timing_of_a_tone() {
        use std::f64::consts::PI;
        for (from, to) in [
            (48_000, 16_000),
            (22_050, 16_000),
            (16_000, 44_100),
            (24_414, 16_000),
        ] {
            let input = sine(440.0, from, 1.0);
            let out = resample(&input, from, to).unwrap();
            assert!(
                (out.len() as i64 - to as i64).abs() <= 1,
                "{from}->{to}: {} samples",
                out.len()
            );
            // Fit the middle, away from the resampler's edge transients.
            let start = out.len() / 4;
            let (amplitude, phase) = fit_sine(&out[start..3 * out.len() / 4], 440.0, to);
            assert!(
                (amplitude - 0.5).abs() < 0.005,
                "{from}->{to}: amplitude {amplitude}"
            );
            let expected_phase = 2.0 * PI * 440.0 * start as f64 / f64::from(to);
            let lag = (expected_phase - phase + PI).rem_euclid(2.0 * PI) - PI;
            let delay_s = lag / (2.0 * PI * 440.0);
            // Aligned with the input to within one output sample.
            assert!(
                delay_s.abs() < 1.0 / f64::from(to),
                "{from}->{to}: delay {delay_s} s"
            );
        }
    }

    #[test]
    fn removes_content_above_the_new_nyquist() {
        // 7 kHz at 48 kHz cannot survive at 8 kHz (Nyquist 4 kHz); linear interpolation would alias it.
        let input = sine(7_000.0, 48_000, 0.5);
        let out = resample(&input, 48_000, 8_000).unwrap();
        let mid = &out[out.len() / 4..3 * out.len() / 4];
        let rms = (mid.iter().map(|x| x * x).sum::<f32>() / mid.len() as f32).sqrt();
        assert!(rms < 0.01, "aliased energy left: rms {rms}");
    }
}
