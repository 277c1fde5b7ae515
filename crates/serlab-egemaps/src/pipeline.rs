//! From samples to the 25 low-level descriptors, frame by frame: the raw values, then the
//! smoothed LLD table and the voiced / unvoiced selections the functionals read.

use crate::autocorrelation::FrameAutocorrelation;
use crate::fft::WindowedFft;
use crate::formants::{FormantMethod, FormantTracker, Formants};
use crate::frames::{frame_len, gaussian, hamming, hop};
use crate::harmonics::{harmonics, hnr_db, Harmonics};
use crate::pitch::{Shs, LANES};
use crate::smooth::{sma3, sma3nz};
use crate::spectral::{SpectralDescriptors, SpectralFrame};
use crate::viterbi::{Smoother, DECISION_DELAY};
use crate::voice::VoiceQuality;
use realfft::num_complex::Complex;

pub const LLD_COUNT: usize = 25;

/// RMS of the windowed 60 ms frame at or below which a frame is unvoiced whatever its pitch.
const ENERGY_GATE: f64 = 0.001;

/// Unsmoothed descriptors, one entry per output frame.
pub struct RawLld {
    pub sample_rate: u32,
    /// One per 20 ms frame ([`frame_count_20ms`]); the other fields have one per output frame.
    pub spectral: Vec<SpectralFrame>,
    /// Mean power of the unwindowed 20 ms frames (for the equivalent sound level), one per 20 ms
    /// frame.
    pub frame_energy: Vec<f64>,
    /// F0 in Hz after Viterbi smoothing and the energy gate (0 = unvoiced).
    pub f0: Vec<f64>,
    pub formants: Vec<Formants>,
    pub harmonics: Vec<Harmonics>,
    pub hnr: Vec<f64>,
    pub jitter: Vec<f64>,
    pub shimmer: Vec<f64>,
}

/// Output frames: one per 10 ms while a 60 ms window starts inside the signal, plus one whose
/// window runs up to 10 ms past the end (zero-padded), as openSMILE writes them.
pub fn frame_count(samples: usize, sample_rate: u32) -> usize {
    let len60 = frame_len(sample_rate, 0.060);
    let hop = hop(sample_rate);
    if samples == 0 {
        0
    } else if samples < len60 {
        1
    } else {
        (samples - len60) / hop + 2
    }
}

/// Frames of the 20 ms analysis stream: one per 10 ms while a whole 20 ms frame fits. openSMILE's
/// LLD table stops with the 60 ms stream, three frames earlier, but the functionals of the
/// 20 ms descriptors (loudness, flux, MFCC, the sound level) run over all of these (measured:
/// loudness peaks per second divide by this count times 10 ms, and the last falling slope ends
/// on its last frame).
pub fn frame_count_20ms(samples: usize, sample_rate: u32) -> usize {
    let len20 = frame_len(sample_rate, 0.020);
    let hop = hop(sample_rate);
    if samples < len20 {
        frame_count(samples, sample_rate)
    } else {
        ((samples - len20) / hop + 1).max(frame_count(samples, sample_rate))
    }
}

/// Copies `len` samples from `start` into `buf`, zero-padding past the end of the signal.
fn padded<'a>(samples: &'a [f32], start: usize, len: usize, buf: &'a mut Vec<f32>) -> &'a [f32] {
    if start + len <= samples.len() {
        return &samples[start..start + len];
    }
    buf.clear();
    buf.extend_from_slice(&samples[start.min(samples.len())..]);
    buf.resize(len, 0.0);
    buf
}

/// Which frames get formants. The functionals read them in voiced frames only (gated before
/// smoothing); the LLD table shows them in every frame, as openSMILE's does. The root search is
/// a fifth of the extraction time, so the functionals skip it where it is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormantFrames {
    Every,
    Voiced,
}

/// Frames whose spectra are kept for the work that waits on the smoother. When frame `k` has
/// been analysed, the pitch analysis has taken frames up to `k` (it runs up to [`LANES`] - 1
/// frames behind) and the smoother settles frames down to `k - (LANES - 1) - DECISION_DELAY`:
/// the ring holds exactly those `DECISION_DELAY + LANES` frames.
const RING: usize = DECISION_DELAY + LANES;

/// The samples as 16-bit PCM carries them (borrowed when they already are, as from any 16-bit
/// WAV). openSMILE analyses 16-bit samples, and eGeMAPS's floors are set on that scale (the MFCC
/// mel floor of 1 after HTK's 32767² scaling, the voicing gate's RMS of 0.001): given resampled
/// float audio, values below one 16-bit step that openSMILE never sees would otherwise lift the
/// MFCCs of near-silent frames (measured on RAVDESS resampled to 16 kHz: MFCC means off by up to
/// 8 %, against openSMILE fed the same samples through the `smileapi` bridge, which hands it
/// 16-bit PCM the same way: scaled by 32768, truncated toward zero).
fn as_16_bit_pcm(samples: &[f32]) -> std::borrow::Cow<'_, [f32]> {
    // `as i16` truncates toward zero and saturates, as the bridge's conversion does.
    let step = |x: f32| f32::from((x * 32768.0) as i16) / 32768.0;
    if crate::frames::on_16_bit_grid(samples) {
        std::borrow::Cow::Borrowed(samples)
    } else {
        std::borrow::Cow::Owned(samples.iter().map(|&x| step(x)).collect())
    }
}

pub fn raw_lld(
    samples: &[f32],
    sample_rate: u32,
    method: FormantMethod,
    formant_frames: FormantFrames,
) -> RawLld {
    let quantised = as_16_bit_pcm(samples);
    let samples: &[f32] = &quantised;
    let n = frame_count(samples.len(), sample_rate);
    let hop = hop(sample_rate);
    let len20 = frame_len(sample_rate, 0.020);
    let len60 = frame_len(sample_rate, 0.060);
    let mut pad = Vec::new();

    let mut fft20 = WindowedFft::new(hamming(len20));
    let mut spectral_state = SpectralDescriptors::new(sample_rate, fft20.n_fft());
    let mut magnitude20 = vec![0.0; fft20.bins()];
    let window60 = gaussian(len60);
    let mut fft60 = WindowedFft::new(window60.clone());
    let mut shs = Shs::new(sample_rate, fft60.bins());
    let mut smoother = Smoother::default();
    let mut voiced = VoicedFrames::new(
        n,
        sample_rate,
        FormantTracker::new(sample_rate, len20, fft20.n_fft(), method),
        FrameAutocorrelation::new(fft60.n_fft()),
        window60.clone(),
    );
    // The last RING frames' 60 ms magnitudes (and 20 ms spectra, where formants wait for the
    // F0 too), indexed by frame modulo RING.
    let mut ring60 = vec![vec![0.0; fft60.bins()]; RING];
    let mut ring20 = match formant_frames {
        FormantFrames::Every => Vec::new(),
        FormantFrames::Voiced => vec![vec![Complex::default(); fft20.bins()]; RING],
    };
    // Frames whose magnitudes wait for the pitch analysis (it takes LANES at a time).
    let mut pending = 0;

    let mut spectral = Vec::with_capacity(n);
    let mut frame_energy = Vec::with_capacity(n);
    let mut rms60 = Vec::with_capacity(n);
    let n20 = frame_count_20ms(samples.len(), sample_rate);
    for k in 0..n20 {
        let frame = padded(samples, k * hop, len20, &mut pad);
        fft20.magnitudes(frame, &mut magnitude20);
        spectral.push(spectral_state.frame(&magnitude20));
        frame_energy.push(crate::frames::sum_of_squares(frame, None) / len20 as f64);
        if k >= n {
            continue;
        }
        match formant_frames {
            FormantFrames::Every => voiced.formants[k] = voiced.tracker.analyse(fft20.spectrum()),
            FormantFrames::Voiced => ring20[k % RING].copy_from_slice(fft20.spectrum()),
        }

        let frame = padded(samples, k * hop, len60, &mut pad);
        fft60.magnitudes(frame, &mut ring60[k % RING]);
        let power = crate::frames::sum_of_squares(frame, Some(&window60));
        rms60.push((power / len60 as f64).sqrt());
        pending += 1;
        if pending == LANES || k + 1 == n {
            let first = k + 1 - pending;
            let mut lanes: [&[f64]; LANES] = [&[]; LANES];
            for (lane, t) in lanes.iter_mut().zip(first..=k) {
                *lane = &ring60[t % RING];
            }
            let frames = shs.analyse_lanes(&lanes[..pending]);
            for frame in frames.into_iter().take(pending) {
                if let Some((t, f0)) = smoother.push(frame) {
                    let frame60 = padded(samples, t * hop, len60, &mut pad);
                    let spectra = (ring60[t % RING].as_slice(), spectrum20(&ring20, t));
                    voiced.settle(t, f0, rms60[t], frame60, spectra);
                }
            }
            pending = 0;
        }
    }
    for (t, f0) in smoother.finish() {
        let frame60 = padded(samples, t * hop, len60, &mut pad);
        let spectra = (ring60[t % RING].as_slice(), spectrum20(&ring20, t));
        voiced.settle(t, f0, rms60[t], frame60, spectra);
    }
    let (jitter, shimmer) = VoiceQuality::new(sample_rate).analyse(samples, &voiced.f0);
    RawLld {
        sample_rate,
        spectral,
        frame_energy,
        f0: voiced.f0,
        formants: voiced.formants,
        harmonics: voiced.harmonics,
        hnr: voiced.hnr,
        jitter,
        shimmer,
    }
}

/// Frame `t`'s 20 ms spectrum where it was kept (formants measured in voiced frames only).
fn spectrum20(ring20: &[Vec<Complex<f64>>], t: usize) -> Option<&[Complex<f64>]> {
    ring20.get(t % RING).map(Vec::as_slice)
}

/// The descriptors that need a frame's final F0, filled in as the smoother settles frames.
struct VoicedFrames {
    f0: Vec<f64>,
    formants: Vec<Formants>,
    harmonics: Vec<Harmonics>,
    hnr: Vec<f64>,
    tracker: FormantTracker,
    /// The 60 ms frame's autocorrelation (HNR), and the window that frame is taken with.
    acf: FrameAutocorrelation,
    window60: Vec<f64>,
    sample_rate: u32,
}

impl VoicedFrames {
    fn new(
        n: usize,
        sample_rate: u32,
        tracker: FormantTracker,
        acf: FrameAutocorrelation,
        window60: Vec<f64>,
    ) -> Self {
        Self {
            f0: vec![0.0; n],
            formants: vec![Formants::default(); n],
            harmonics: vec![Harmonics::unvoiced(); n],
            hnr: vec![0.0; n],
            tracker,
            acf,
            window60,
            sample_rate,
        }
    }

    /// Frame `t` has F0 `f0` from the smoother (0 = unvoiced); a frame at or under the energy
    /// gate is unvoiced whatever its pitch. `frame60` is its 60 ms of samples; `spectra` its
    /// 60 ms magnitudes and, where formants are measured in voiced frames only, its 20 ms
    /// spectrum.
    fn settle(
        &mut self,
        t: usize,
        f0: f64,
        rms60: f64,
        frame60: &[f32],
        spectra: (&[f64], Option<&[Complex<f64>]>),
    ) {
        let (magnitude60, spectrum20) = spectra;
        let f0 = if rms60 <= ENERGY_GATE { 0.0 } else { f0 };
        self.f0[t] = f0;
        if f0 <= 0.0 {
            return;
        }
        if let Some(spectrum) = spectrum20 {
            self.formants[t] = self.tracker.analyse(spectrum);
        }
        let bin_hz = f64::from(self.sample_rate) / (2 * (magnitude60.len() - 1)) as f64;
        self.harmonics[t] = harmonics(magnitude60, bin_hz, f0, &self.formants[t]);
        self.acf.load(frame60, &self.window60);
        let lags = self.acf.len();
        self.hnr[t] = hnr_db(|lag| self.acf.at(lag), lags, self.sample_rate, f0);
    }
}

/// Semitones above 27.5 Hz; 0 for unvoiced, at least 1 for voiced.
pub fn semitone(f0: f64) -> f64 {
    if f0 <= 0.0 {
        0.0
    } else {
        (12.0 * (f0 / 27.5).log2()).max(1.0)
    }
}

/// Every contour the LLD table and the functionals need, smoothed as openSMILE smooths them.
pub struct Contours {
    pub frames: usize,
    /// Unsmoothed semitone F0 (the voicing decision).
    pub f0_raw: Vec<f64>,
    /// The 25 LLD columns in openSMILE's order. The first ten (the 20 ms descriptors) run over
    /// every 20 ms frame, the rest over the `frames` output frames.
    pub lld: Vec<Vec<f64>>,
    /// Voiced-only spectral contours (alpha, Hammarberg, slope 0-500, slope 500-1500, flux,
    /// mfcc1-4), `sma3nz`.
    pub voiced_spectral: Vec<Vec<f64>>,
    /// Unvoiced-only (alpha, Hammarberg, slopes, flux), `sma3nz`.
    pub unvoiced_spectral: Vec<Vec<f64>>,
    /// F1-F3 frequency, bandwidth and amplitude gated by voicing, `sma3nz` (functionals input).
    pub voiced_formants: Vec<Vec<f64>>,
    pub frame_energy: Vec<f64>,
}

/// The eGeMAPS contours with openSMILE's formants, formants in every frame.
pub fn contours(samples: &[f32], sample_rate: u32) -> Contours {
    contours_with(
        samples,
        sample_rate,
        FormantMethod::OpenSmile,
        FormantFrames::Every,
    )
}

pub fn contours_with(
    samples: &[f32],
    sample_rate: u32,
    method: FormantMethod,
    formant_frames: FormantFrames,
) -> Contours {
    let raw = raw_lld(samples, sample_rate, method, formant_frames);
    let n = raw.f0.len();
    let spectral_fields: [fn(&SpectralFrame) -> f64; 10] = [
        |s| s.loudness,
        |s| s.alpha_ratio,
        |s| s.hammarberg,
        |s| s.slope_0_500,
        |s| s.slope_500_1500,
        |s| s.flux,
        |s| s.mfcc[0],
        |s| s.mfcc[1],
        |s| s.mfcc[2],
        |s| s.mfcc[3],
    ];
    let raw_spectral: Vec<Vec<f64>> = spectral_fields
        .iter()
        .map(|f| raw.spectral.iter().map(f).collect())
        .collect();
    let f0_raw: Vec<f64> = raw.f0.iter().map(|&f| semitone(f)).collect();
    let voiced: Vec<bool> = f0_raw.iter().map(|&s| s > 1e-6).collect();

    let mut lld: Vec<Vec<f64>> = raw_spectral.iter().map(|c| sma3(c)).collect();
    lld.push(sma3nz(&f0_raw));
    lld.push(sma3nz(&raw.jitter));
    lld.push(sma3nz(&raw.shimmer));
    lld.push(sma3nz(&raw.hnr));
    lld.push(sma3nz(
        &raw.harmonics.iter().map(|h| h.h1_h2).collect::<Vec<_>>(),
    ));
    lld.push(sma3nz(
        &raw.harmonics.iter().map(|h| h.h1_a3).collect::<Vec<_>>(),
    ));
    let mut formant_columns = Vec::new();
    for i in 0..3 {
        formant_columns.push(
            raw.formants
                .iter()
                .map(|f| f.frequency[i])
                .collect::<Vec<_>>(),
        );
        formant_columns.push(
            raw.formants
                .iter()
                .map(|f| f.bandwidth[i])
                .collect::<Vec<_>>(),
        );
        formant_columns.push(
            raw.harmonics
                .iter()
                .map(|h| h.formant_amplitude[i])
                .collect::<Vec<_>>(),
        );
    }
    for c in &formant_columns {
        lld.push(sma3nz(c));
    }

    // The voiced/unvoiced selections pair each 20 ms frame with its F0, so they end with the F0.
    let gate = |c: &[f64], keep_voiced: bool| -> Vec<f64> {
        c.iter()
            .zip(&voiced)
            .map(|(&v, &is_voiced)| if is_voiced == keep_voiced { v } else { 0.0 })
            .collect()
    };
    let voiced_spectral = raw_spectral[1..]
        .iter()
        .map(|c| sma3nz(&gate(c, true)))
        .collect();
    let unvoiced_spectral = raw_spectral[1..6]
        .iter()
        .map(|c| sma3nz(&gate(c, false)))
        .collect();
    // Frequencies and bandwidths are gated by voicing before smoothing; the amplitudes are not
    // (their unvoiced value, -201, is non-zero and enters the functionals, as in openSMILE).
    let voiced_formants = formant_columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i % 3 == 2 {
                sma3nz(c)
            } else {
                sma3nz(&gate(c, true))
            }
        })
        .collect();
    Contours {
        frames: n,
        f0_raw,
        lld,
        voiced_spectral,
        unvoiced_spectral,
        voiced_formants,
        frame_energy: raw.frame_energy,
    }
}

/// The 25 smoothed LLD columns of openSMILE's eGeMAPSv02 LLD output, one row per frame.
pub fn lld_table(samples: &[f32], sample_rate: u32) -> Vec<[f64; LLD_COUNT]> {
    let c = contours(samples, sample_rate);
    (0..c.frames)
        .map(|t| {
            let mut row = [0.0; LLD_COUNT];
            // Zipping stops at the shorter of the row and the column; every column has at
            // least `frames` values.
            for (r, col) in row.iter_mut().zip(&c.lld) {
                *r = col[t];
            }
            row
        })
        .collect()
}
