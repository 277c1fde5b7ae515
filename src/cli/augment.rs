//! `serlab augment IN OUT`: apply augmentations to one file and write the result.

use crate::audio::{decode_mono, write_wav_i16};
use crate::augment::{apply_steps, Steps};
use anyhow::{bail, Context};
use std::path::Path;

pub fn run(input: &Path, output: &Path, steps: &Steps) -> anyhow::Result<()> {
    if let Some(rate) = steps.stretch_rate {
        if !(0.25..=4.0).contains(&rate) {
            bail!("--stretch {rate} is outside 0.25..4");
        }
    }
    if let Some(semitones) = steps.pitch_semitones {
        if !(-24.0..=24.0).contains(&semitones) {
            bail!("--pitch {semitones} is outside -24..24 semitones");
        }
    }
    if let Some(snr) = steps.noise_snr_db {
        if !snr.is_finite() {
            bail!("--noise-snr must be a number of dB");
        }
    }
    let audio = decode_mono(input)?;
    let applied = apply_steps(&audio.samples, audio.sample_rate, steps);
    if let Some(warning) = &applied.warning {
        eprintln!("serlab: warning: {warning}");
    }
    write_wav_i16(output, &applied.samples, audio.sample_rate)
        .with_context(|| format!("{}: cannot write", output.display()))?;
    println!(
        "wrote {} ({:.2} s at {} Hz; {})",
        output.display(),
        applied.samples.len() as f64 / f64::from(audio.sample_rate),
        audio.sample_rate,
        applied.key
    );
    Ok(())
}
