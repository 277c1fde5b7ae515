//! An energy voice activity detector for a stream: 20 ms frames, a threshold a margin above the
//! noise floor (the quietest frame of the last few seconds: speech always has dips between
//! syllables, noise does not rise above itself), an onset of a few loud frames, a
//! hangover of quiet frames before an utterance ends, a minimum length below which a blip is
//! dropped, and a maximum length at which long speech is cut into parts. Times come from sample
//! counts, never from the clock: a source may run faster than real time.

/// How the detector decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadConfig {
    pub frame_ms: f64,
    /// Speech must be this far above the noise floor...
    pub margin_db: f64,
    /// ...and at least this loud (dBFS), so digital silence does not make every breath speech.
    pub min_threshold_db: f64,
    /// Loud frames in a row that start an utterance.
    pub onset_frames: usize,
    /// Quiet time that ends one.
    pub hangover_ms: f64,
    pub min_utterance_ms: f64,
    pub max_utterance_s: f64,
    /// Audio kept from before the onset: the first syllable's attack, and the quiet a corpus
    /// recording opens with (models trained on corpus clips judge a bare utterance worse).
    pub pre_roll_ms: f64,
    /// The noise floor is the quietest frame of this long a past.
    pub floor_window_s: f64,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            frame_ms: 20.0,
            margin_db: 12.0,
            min_threshold_db: -50.0,
            onset_frames: 3,
            hangover_ms: 300.0,
            min_utterance_ms: 400.0,
            max_utterance_s: 8.0,
            pre_roll_ms: 1000.0,
            floor_window_s: 3.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadState {
    Silence,
    Speech,
}

impl VadState {
    pub fn as_str(self) -> &'static str {
        match self {
            VadState::Silence => "silence",
            VadState::Speech => "speech",
        }
    }
}

/// One utterance: where its speech starts and ends in the stream, and its samples with their
/// context (the pre-roll before, the hangover after).
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// Stream position of `samples[0]`.
    pub start_sample: u64,
    pub samples: Vec<f32>,
    /// The first loud frame (the onset) and the end of the last one.
    pub speech_start: u64,
    pub speech_end: u64,
    /// Cut at the maximum length: the speech goes on in the next one.
    pub cut: bool,
}

impl Utterance {
    pub fn end_sample(&self) -> u64 {
        self.start_sample + self.samples.len() as u64
    }
}

pub struct Vad {
    config: VadConfig,
    frame_len: usize,
    /// Samples not yet a whole frame.
    pending: Vec<f32>,
    /// Samples before `pending` (the stream position of `pending[0]`).
    position: u64,
    /// Frame levels of the floor window, oldest first.
    levels: std::collections::VecDeque<f64>,
    floor_db: f64,
    level_db: f64,
    state: VadState,
    /// Recent frames while silent (pre-roll, and the onset frames themselves).
    recent: std::collections::VecDeque<f32>,
    loud_run: usize,
    quiet_run: usize,
    /// The utterance being heard.
    current: Vec<f32>,
    current_start: u64,
    /// Samples of `current` before its first loud frame, and up to its last one.
    first_loud: usize,
    last_loud: usize,
}

fn frame_db(frame: &[f32]) -> f64 {
    let power = frame
        .iter()
        .map(|&s| f64::from(s) * f64::from(s))
        .sum::<f64>()
        / frame.len().max(1) as f64;
    (10.0 * power.max(1e-10).log10()).max(-100.0)
}

impl Vad {
    pub fn new(config: VadConfig, sample_rate: u32) -> Self {
        let frame_len =
            ((f64::from(sample_rate) * config.frame_ms / 1000.0).round() as usize).max(1);
        Self {
            config,
            frame_len,
            pending: Vec::new(),
            position: 0,
            levels: std::collections::VecDeque::new(),
            floor_db: -100.0,
            level_db: -100.0,
            state: VadState::Silence,
            recent: std::collections::VecDeque::new(),
            loud_run: 0,
            quiet_run: 0,
            current: Vec::new(),
            current_start: 0,
            first_loud: 0,
            last_loud: 0,
        }
    }

    pub fn state(&self) -> VadState {
        self.state
    }

    /// The last frame's level, dBFS.
    pub fn level_db(&self) -> f64 {
        self.level_db
    }

    pub fn threshold_db(&self) -> f64 {
        (self.floor_db + self.config.margin_db).max(self.config.min_threshold_db)
    }

    fn frames_of(&self, ms: f64) -> usize {
        ((ms / self.config.frame_ms).ceil() as usize).max(1)
    }

    /// Feeds samples; returns the utterances that ended in them.
    pub fn push(&mut self, samples: &[f32]) -> Vec<Utterance> {
        self.pending.extend_from_slice(samples);
        let mut done = Vec::new();
        let mut offset = 0;
        while self.pending.len() - offset >= self.frame_len {
            let frame: Vec<f32> = self.pending[offset..offset + self.frame_len].to_vec();
            let frame_start = self.position + offset as u64;
            offset += self.frame_len;
            if let Some(utterance) = self.frame(&frame, frame_start) {
                done.push(utterance);
            }
        }
        self.pending.drain(..offset);
        self.position += offset as u64;
        done
    }

    /// The end of the stream: the utterance in progress, if long enough.
    pub fn finish(&mut self) -> Option<Utterance> {
        if self.state != VadState::Speech {
            return None;
        }
        self.state = VadState::Silence;
        self.close(false)
    }

    fn frame(&mut self, frame: &[f32], frame_start: u64) -> Option<Utterance> {
        let db = frame_db(frame);
        self.level_db = db;
        let window = self.frames_of(self.config.floor_window_s * 1000.0);
        self.levels.push_back(db);
        while self.levels.len() > window {
            self.levels.pop_front();
        }
        self.floor_db = self.levels.iter().copied().fold(f64::INFINITY, f64::min);
        let loud = db > self.threshold_db();
        match self.state {
            VadState::Silence => {
                if loud {
                    self.loud_run += 1;
                } else {
                    self.loud_run = 0;
                }
                let keep = (self.frames_of(self.config.pre_roll_ms) + self.config.onset_frames)
                    * self.frame_len;
                self.recent.extend(frame.iter().copied());
                while self.recent.len() > keep {
                    self.recent.pop_front();
                }
                if self.loud_run >= self.config.onset_frames {
                    self.state = VadState::Speech;
                    self.current = self.recent.drain(..).collect();
                    self.current_start =
                        frame_start + frame.len() as u64 - self.current.len() as u64;
                    self.first_loud =
                        self.current.len() - self.config.onset_frames * self.frame_len;
                    self.last_loud = self.current.len();
                    self.quiet_run = 0;
                    self.loud_run = 0;
                }
                None
            }
            VadState::Speech => {
                self.current.extend_from_slice(frame);
                if loud {
                    self.quiet_run = 0;
                    self.last_loud = self.current.len();
                } else {
                    self.quiet_run += 1;
                }
                let max = (self.config.max_utterance_s * 1000.0 / self.config.frame_ms) as usize
                    * self.frame_len;
                if self.quiet_run >= self.frames_of(self.config.hangover_ms) {
                    self.state = VadState::Silence;
                    self.close(false)
                } else if self.current.len() >= max {
                    // Long speech: this part ends here, the next starts at once.
                    let part = self.close(true);
                    self.current_start = frame_start + frame.len() as u64;
                    self.first_loud = 0;
                    self.last_loud = 0;
                    part
                } else {
                    None
                }
            }
        }
    }

    /// Ends the current utterance (its hangover kept as context); drops one whose speech is
    /// shorter than the minimum.
    fn close(&mut self, cut: bool) -> Option<Utterance> {
        let samples = std::mem::take(&mut self.current);
        self.quiet_run = 0;
        let min = self.frames_of(self.config.min_utterance_ms) * self.frame_len;
        let speech = self.last_loud.saturating_sub(self.first_loud);
        let end = if cut { samples.len() } else { self.last_loud };
        (speech >= min).then(|| Utterance {
            start_sample: self.current_start,
            speech_start: self.current_start + self.first_loud as u64,
            speech_end: self.current_start + end as u64,
            samples,
            cut,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 16_000;

    fn tone(seconds: f64, amplitude: f32) -> Vec<f32> {
        (0..(seconds * f64::from(RATE)) as usize)
            .map(|i| amplitude * (i as f32 * 0.07).sin())
            .collect()
    }

    /// Speech-like: syllables at 4 per second, dipping between them (a steady tone has no
    /// quiet moment, and the floor would rise to it).
    fn syllables(seconds: f64, amplitude: f32) -> Vec<f32> {
        tone(seconds, amplitude)
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let phase = (i as f32 / RATE as f32 * 4.0).fract();
                s * (0.05 + 0.95 * (std::f32::consts::PI * phase).sin().powi(2))
            })
            .collect()
    }

    fn silence(seconds: f64) -> Vec<f32> {
        vec![0.0; (seconds * f64::from(RATE)) as usize]
    }

    /// Runs a stream through in chunks of `chunk` samples.
    fn detect(stream: &[f32], chunk: usize, config: VadConfig) -> Vec<Utterance> {
        let mut vad = Vad::new(config, RATE);
        let mut found: Vec<Utterance> = stream.chunks(chunk).flat_map(|c| vad.push(c)).collect();
        found.extend(vad.finish());
        found
    }

    #[test]
    fn utterances_between_pauses_are_found_with_their_boundaries() {
        let mut stream = silence(1.0);
        stream.extend(tone(1.5, 0.3));
        stream.extend(silence(1.0));
        stream.extend(tone(2.0, 0.1));
        stream.extend(silence(0.8));
        for chunk in [7, 320, 4096] {
            let found = detect(&stream, chunk, VadConfig::default());
            assert_eq!(found.len(), 2, "chunk {chunk}");
            let secs = |s: u64| s as f64 / f64::from(RATE);
            // Onset within a frame or two of the truth (the pre-roll starts 0.1 s before).
            assert!(
                (secs(found[0].speech_start) - 1.0).abs() < 0.03,
                "{}",
                secs(found[0].speech_start)
            );
            assert!(
                (secs(found[0].speech_end) - 2.5).abs() < 0.03,
                "{}",
                secs(found[0].speech_end)
            );
            assert!((secs(found[1].speech_start) - 3.5).abs() < 0.03);
            assert!((secs(found[1].speech_end) - 5.5).abs() < 0.03);
            // The samples are the stream's, at their place, with context before (a second, or
            // what there is since the last utterance's hangover) and the hangover after.
            let at = found[1].start_sample as usize;
            assert_eq!(found[1].samples[..100], stream[at..at + 100]);
            assert!((secs(found[0].speech_start - found[0].start_sample) - 1.0).abs() < 0.03);
            let context = secs(found[1].speech_start - found[1].start_sample);
            assert!((0.6..=1.0).contains(&context), "{context}");
            assert!(found[1].end_sample() > found[1].speech_end);
        }
    }

    #[test]
    fn the_threshold_follows_the_noise_floor() {
        // Noise at -40 dBFS throughout: speech 25 dB above it is found, the noise itself is not.
        let noise: Vec<f32> = (0..5 * RATE as usize)
            .map(|i| 0.0141 * (((i * 7919) % 1000) as f32 / 500.0 - 1.0))
            .collect();
        let mut stream = noise.clone();
        for (s, t) in stream[2 * RATE as usize..3 * RATE as usize]
            .iter_mut()
            .zip(tone(1.0, 0.25))
        {
            *s += t;
        }
        let found = detect(&stream, 1024, VadConfig::default());
        assert_eq!(
            found.len(),
            1,
            "{:?}",
            found.iter().map(|u| u.start_sample).collect::<Vec<_>>()
        );
        let mut vad = Vad::new(VadConfig::default(), RATE);
        vad.push(&noise[..RATE as usize]);
        assert!(vad.threshold_db() > -40.0, "{}", vad.threshold_db());
    }

    #[test]
    fn blips_are_dropped_and_long_speech_is_cut_into_parts() {
        let mut stream = silence(0.5);
        stream.extend(tone(0.2, 0.3)); // a click, shorter than the minimum
        stream.extend(silence(1.0));
        stream.extend(syllables(9.5, 0.3)); // longer than the maximum of 8 s
        stream.extend(silence(1.0));
        let found = detect(&stream, 1000, VadConfig::default());
        assert_eq!(
            found.len(),
            2,
            "{:?}",
            found
                .iter()
                .map(|u| (u.start_sample, u.samples.len()))
                .collect::<Vec<_>>()
        );
        assert!(found[0].cut && !found[1].cut);
        assert_eq!(found[0].speech_end, found[1].speech_start, "the parts join");
        let first = (found[0].speech_end - found[0].speech_start) as f64 / f64::from(RATE);
        assert!(first <= 8.0 && first > 6.5, "{first}");
    }

    #[test]
    fn speech_still_going_at_the_end_is_finished() {
        let mut stream = silence(0.5);
        stream.extend(tone(1.0, 0.3));
        let found = detect(&stream, 512, VadConfig::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].speech_end,
            stream.len() as u64 - (stream.len() % 320) as u64
        );
    }
}
