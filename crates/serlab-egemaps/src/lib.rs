//! `egemaps`: the extended Geneva Minimalistic Acoustic Parameter Set (eGeMAPSv02, 88
//! functionals over 25 low-level descriptors), implemented from the published definition (Eyben
//! et al., IEEE Trans. Affective Computing 7(2), 2016) and a clean-room description of how
//! openSMILE 3.0.1 computes it, and checked against openSMILE's own outputs. No openSMILE code or
//! configuration is used.

pub mod autocorrelation;
pub mod extended;
pub mod fft;
pub mod formants;
pub mod frames;
pub mod functionals;
pub mod harmonics;
pub mod names;
pub mod peaks;
pub mod pipeline;
pub mod pitch;
pub mod smooth;
pub mod spectral;
pub mod spline;
pub mod vertex;
pub mod viterbi;
pub mod voice;

use serlab_plugin_api::ExtractError;

pub const FUNCTIONAL_COUNT: usize = 88;
/// The shortest input worth analysing: one 20 ms frame.
const MIN_SECONDS: f64 = 0.020;

/// Checks shared by both plugins.
pub fn check_input(samples: &[f32], sample_rate: u32) -> Result<(), ExtractError> {
    if sample_rate < 8000 {
        return Err(ExtractError::InvalidInput(format!(
            "sample rate {sample_rate} Hz is too low for eGeMAPS (8 kHz at least; 16 kHz is the reference)"
        )));
    }
    if (samples.len() as f64) < MIN_SECONDS * f64::from(sample_rate) {
        return Err(ExtractError::InvalidInput(format!(
            "{} samples is shorter than one 20 ms frame",
            samples.len()
        )));
    }
    Ok(())
}

/// The 88 eGeMAPSv02 functionals of a clip (one segment), in openSMILE's order.
pub fn egemaps_functionals(samples: &[f32], sample_rate: u32) -> Vec<f64> {
    functionals::functionals(&pipeline::contours_with(
        samples,
        sample_rate,
        formants::FormantMethod::OpenSmile,
        pipeline::FormantFrames::Voiced,
    ))
}

/// What the unit tests share.
#[cfg(test)]
mod testing {
    /// A small deterministic generator of numbers in [0, 1) (a 64-bit LCG's high bits), for
    /// tests that run many generated inputs and must fail the same way every time.
    pub struct Uniform(u64);

    impl Uniform {
        pub fn new(seed: u64) -> Self {
            Self(seed)
        }

        pub fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as f64 / (1u64 << 31) as f64
        }
    }
}
