//! The pipe protocol between serlab and a plugin worker process. A message is a JSON header and a
//! payload of little-endian `f32` values (samples in, features out), each preceded by its length.
//! Both sides check the lengths before allocating, so a garbled stream is an error, not an abort.

use super::super::{FeatureKind, ParamInfo, PluginError};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::io::{self, Read, Write};

/// Headers are small (feature names at most); anything larger is a broken stream.
const MAX_HEADER_BYTES: u32 = 64 << 20;
/// The largest payload either side accepts: the host's own cap on a plugin's output.
const MAX_PAYLOAD_FLOATS: u64 = 256 << 20;

/// What a plugin says about itself: the validated descriptor, without its function pointers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub kind: FeatureKind,
    pub feature_names: Vec<String>,
    pub params: Vec<ParamInfo>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Layout {
        params: Vec<f64>,
        sample_rate: u32,
        samples: u64,
    },
    /// The samples follow as the payload.
    Extract { params: Vec<f64>, sample_rate: u32 },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// The first message of a worker (or the only one of a probe): the library loaded.
    Ready(PluginInfo),
    Layout {
        names: Vec<String>,
        frames: u64,
    },
    /// The values follow as the payload, `frames` rows of `names.len()`.
    Features {
        names: Vec<String>,
        frames: u64,
    },
    Failed(PluginError),
}

pub fn write_message(
    out: &mut impl Write,
    header: &impl Serialize,
    payload: &[f32],
) -> io::Result<()> {
    let header = serde_json::to_vec(header).map_err(io::Error::other)?;
    let mut bytes = Vec::with_capacity(12 + header.len() + payload.len() * 4);
    bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    for value in payload {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    out.write_all(&bytes)?;
    out.flush()
}

/// Reads one message; `Ok(None)` at a clean end of the stream (before any byte of a message).
pub fn read_message<T: DeserializeOwned>(
    input: &mut impl Read,
) -> io::Result<Option<(T, Vec<f32>)>> {
    let mut len = [0u8; 4];
    match input.read(&mut len[..1])? {
        0 => return Ok(None),
        _ => input.read_exact(&mut len[1..])?,
    }
    let header_len = u32::from_le_bytes(len);
    if header_len > MAX_HEADER_BYTES {
        return Err(broken(format!("a header of {header_len} bytes")));
    }
    let mut header = vec![0u8; header_len as usize];
    input.read_exact(&mut header)?;
    let header: T = serde_json::from_slice(&header)
        .map_err(|e| broken(format!("an unreadable header ({e})")))?;
    let mut count = [0u8; 8];
    input.read_exact(&mut count)?;
    let count = u64::from_le_bytes(count);
    if count > MAX_PAYLOAD_FLOATS {
        return Err(broken(format!("a payload of {count} values")));
    }
    let mut bytes = vec![0u8; count as usize * 4];
    input.read_exact(&mut bytes)?;
    let payload = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok(Some((header, payload)))
}

fn broken(what: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the worker stream carries {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_round_trips_and_a_stream_ends_cleanly() {
        let mut buffer = Vec::new();
        let request = Request::Extract {
            params: vec![1.0, 2.5],
            sample_rate: 16_000,
        };
        write_message(&mut buffer, &request, &[0.5, -1.0, f32::MIN_POSITIVE]).unwrap();
        let mut input = buffer.as_slice();
        let (back, payload): (Request, Vec<f32>) = read_message(&mut input).unwrap().unwrap();
        assert!(
            matches!(back, Request::Extract { sample_rate: 16_000, ref params } if params == &[1.0, 2.5])
        );
        assert_eq!(payload, vec![0.5, -1.0, f32::MIN_POSITIVE]);
        assert!(read_message::<Request>(&mut input).unwrap().is_none());
    }

    #[test]
    fn garbled_streams_are_errors_not_allocations() {
        let mut huge = (u32::MAX).to_le_bytes().to_vec();
        huge.extend_from_slice(b"{}");
        let err = read_message::<Reply>(&mut huge.as_slice()).unwrap_err();
        assert!(err.to_string().contains("header of"), "{err}");
        let mut cut = Vec::new();
        write_message(
            &mut cut,
            &Request::Layout {
                params: vec![],
                sample_rate: 1,
                samples: 2,
            },
            &[1.0; 8],
        )
        .unwrap();
        cut.truncate(cut.len() - 3);
        assert!(read_message::<Request>(&mut cut.as_slice()).is_err());
        let mut lying = Vec::new();
        write_message(
            &mut lying,
            &Request::Layout {
                params: vec![],
                sample_rate: 1,
                samples: 2,
            },
            &[],
        )
        .unwrap();
        let n = lying.len();
        lying[n - 8..].copy_from_slice(&u64::MAX.to_le_bytes());
        let err = read_message::<Request>(&mut lying.as_slice()).unwrap_err();
        assert!(err.to_string().contains("payload of"), "{err}");
    }
}
