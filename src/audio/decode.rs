//! Decode a WAV (any PCM width, 32-bit float, any channel count) into mono f32 in [-1, 1].

use super::probe::{probe_reader, SampleFormat, WavInfo};
use super::{resample, AudioError};
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

/// Clips longer than this are refused rather than decoded into memory whole: emotional-speech
/// clips last seconds, and an hour of 48 kHz audio would take hundreds of megabytes as f32.
pub const MAX_DECODE_SECONDS: f64 = 600.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Audio {
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }
}

/// Decode at the file's own rate, channels mixed down to mono.
pub fn decode_mono(path: &Path) -> Result<Audio, AudioError> {
    let io = |source| AudioError::Io {
        path: path.to_path_buf(),
        cause: source,
    };
    let file = File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    decode_mono_from(BufReader::new(file), file_len, path)
}

/// Decodes WAV bytes from any seekable source of `len` bytes; `path` names it in errors.
pub fn decode_mono_from<R: Read + Seek>(
    mut reader: R,
    len: u64,
    path: &Path,
) -> Result<Audio, AudioError> {
    let io = |source| AudioError::Io {
        path: path.to_path_buf(),
        cause: source,
    };
    // The probe rejects what hound would misread or only notice late (sizes past the end of the
    // file, compressed codecs), with a message that says so.
    let info = probe_reader(&mut reader, len, path)?;
    if info.duration_s() > MAX_DECODE_SECONDS {
        return Err(AudioError::TooLong {
            path: path.to_path_buf(),
            seconds: info.duration_s(),
            limit: MAX_DECODE_SECONDS,
        });
    }
    // hound reads the samples, but from a canonical header we build from the probe: the probe walks
    // chunks robustly (odd-sized chunks, vendor chunks before `data`), which hound does not.
    reader.seek(SeekFrom::Start(info.data_offset)).map_err(io)?;
    let whole_frames = info.frames * u64::from(info.channels) * u64::from(info.bits_per_sample / 8);
    let stream = Cursor::new(canonical_header(&info)).chain(reader.take(whole_frames));
    let decode_err = |e: hound::Error| AudioError::Decode {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let mut reader = hound::WavReader::new(stream).map_err(decode_err)?;
    let samples = match info.format {
        SampleFormat::Float => mix_to_mono(reader.samples::<f32>(), &info, 1.0, path)?,
        SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (info.bits_per_sample - 1)) as f32;
            mix_to_mono(reader.samples::<i32>(), &info, scale, path)?
        }
    };
    Ok(Audio {
        samples,
        sample_rate: info.sample_rate,
    })
}

/// A minimal RIFF header (`fmt ` + `data` chunk header) describing the probed data.
fn canonical_header(info: &WavInfo) -> Vec<u8> {
    let tag: u16 = match info.format {
        SampleFormat::Int => 1,
        SampleFormat::Float => 3,
    };
    let block_align = info.channels * (info.bits_per_sample / 8);
    // A trailing partial frame is dropped.
    let data_len = (info.frames * u64::from(block_align)) as u32;
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36u32.saturating_add(data_len)).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&tag.to_le_bytes());
    h.extend_from_slice(&info.channels.to_le_bytes());
    h.extend_from_slice(&info.sample_rate.to_le_bytes());
    h.extend_from_slice(&(info.sample_rate * u32::from(block_align)).to_le_bytes());
    h.extend_from_slice(&block_align.to_le_bytes());
    h.extend_from_slice(&info.bits_per_sample.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

/// Decode, mix to mono and resample to `target_rate`.
pub fn load_mono(path: &Path, target_rate: u32) -> Result<Audio, AudioError> {
    let audio = decode_mono(path)?;
    if audio.sample_rate == target_rate {
        return Ok(audio);
    }
    let samples = resample(&audio.samples, audio.sample_rate, target_rate).map_err(|detail| {
        AudioError::Resample {
            path: path.to_path_buf(),
            detail,
        }
    })?;
    Ok(Audio {
        samples,
        sample_rate: target_rate,
    })
}

fn mix_to_mono<S, I>(
    samples: I,
    info: &WavInfo,
    scale: f32,
    path: &Path,
) -> Result<Vec<f32>, AudioError>
where
    S: ToF32,
    I: Iterator<Item = hound::Result<S>>,
{
    let channels = usize::from(info.channels);
    let mut mono = Vec::with_capacity(info.frames as usize);
    let mut acc = 0.0f32;
    let mut in_frame = 0usize;
    let gain = scale / channels as f32;
    for sample in samples {
        let sample = sample.map_err(|e| match e {
            hound::Error::IoError(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => {
                AudioError::Truncated {
                    path: path.to_path_buf(),
                    detail: format!("samples end after {} of {} frames", mono.len(), info.frames),
                }
            }
            other => AudioError::Decode {
                path: path.to_path_buf(),
                detail: other.to_string(),
            },
        })?;
        acc += sample.to_f32();
        in_frame += 1;
        if in_frame == channels {
            let value = acc * gain;
            mono.push(if value.is_finite() { value } else { 0.0 });
            acc = 0.0;
            in_frame = 0;
        }
    }
    if mono.is_empty() {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(mono)
}

trait ToF32 {
    fn to_f32(self) -> f32;
}

impl ToF32 for i32 {
    fn to_f32(self) -> f32 {
        self as f32
    }
}

impl ToF32 for f32 {
    fn to_f32(self) -> f32 {
        self
    }
}
