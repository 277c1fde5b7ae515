use std::path::PathBuf;

/// Everything that can be wrong with an audio file, each message naming the file and the cause.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{}: cannot read: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}: not a WAV file ({detail})", path.display())]
    NotWav { path: PathBuf, detail: String },
    #[error("{}: truncated: {detail}", path.display())]
    Truncated { path: PathBuf, detail: String },
    #[error("{}: empty: the data chunk holds no samples", path.display())]
    Empty { path: PathBuf },
    #[error("{}: {seconds:.0} s long; serlab decodes clips of up to {limit:.0} s (emotional-speech clips last seconds): cut it into clips first (e.g. `sox in.wav out.wav trim 0 10 : newfile : restart`)", path.display())]
    TooLong {
        path: PathBuf,
        seconds: f64,
        limit: f64,
    },
    #[error("{}: compressed codec `{codec}` (format tag 0x{tag:04x}) is not supported; convert it to PCM WAV (e.g. `sox in.wav -e signed-integer out.wav`)", path.display())]
    UnsupportedCodec {
        path: PathBuf,
        tag: u16,
        codec: &'static str,
    },
    #[error("{}: invalid format: {detail}", path.display())]
    BadFormat { path: PathBuf, detail: String },
    #[error("{}: decoding failed: {detail}", path.display())]
    Decode { path: PathBuf, detail: String },
    #[error("{}: resampling failed: {detail}", path.display())]
    Resample { path: PathBuf, detail: String },
}
