//! `egemaps`: the extended Geneva Minimalistic Acoustic Parameter Set (eGeMAPSv02, 88
//! functionals over 25 low-level descriptors), implemented from the published definition (Eyben
//! et al., IEEE Trans. Affective Computing 7(2), 2016) and a clean-room description of how
//! openSMILE 3.0.1 computes it, and checked against openSMILE's own outputs. No openSMILE code or
//! configuration is used.

pub mod fft;
pub mod formants;
pub mod frames;
pub mod functionals;
pub mod harmonics;
pub mod pipeline;
pub mod pitch;
pub mod smooth;
pub mod spectral;
pub mod spline;
pub mod viterbi;
pub mod voice;
