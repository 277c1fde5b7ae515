//! Viterbi smoothing of the F0 candidates: each frame chooses one of its candidates or
//! "unvoiced", minimising local costs (weak voicing) plus transition costs (F0 jumps, voicing
//! changes). Decisions are taken with a 40-frame look-ahead, as openSMILE's smoother does.

use crate::pitch::{PitchFrame, MAX_CANDIDATES};

const BUFFER: usize = 40;
const VOICING_THRESHOLD: f64 = 0.7;
const W_LOCAL: f64 = 2.0;
/// Weighs both the F0 change and the change of change: openSMILE's own wTvvd (5) has no
/// effect on its output (measured by varying it), the second term follows wTvv.
const W_TVV: f64 = 10.0;
const W_TVUV: f64 = 10.0;
const W_THR: f64 = 4.0;
/// Unvoiced to unvoiced: openSMILE's intended weight (0) is never applied; the cost is 1.
const T_UU: f64 = 1.0;
const STATES: usize = MAX_CANDIDATES + 1;
const UNVOICED: usize = MAX_CANDIDATES;

/// F0 (Hz, 0 = unvoiced) per frame.
pub fn smooth(frames: &[PitchFrame]) -> Vec<f64> {
    smooth_with_threshold(frames, VOICING_THRESHOLD)
}

/// As [`smooth`], with another voicing threshold: the probes of openSMILE's smoother that the
/// tests reproduce ran with its threshold at 0.
fn smooth_with_threshold(frames: &[PitchFrame], voicing_threshold: f64) -> Vec<f64> {
    run(Smoother::with_threshold(voicing_threshold), frames)
}

/// Every frame through `smoother`, F0 per frame.
fn run(mut smoother: Smoother, frames: &[PitchFrame]) -> Vec<f64> {
    let mut out = vec![0.0; frames.len()];
    for frame in frames {
        if let Some((t, f0)) = smoother.push(frame.clone()) {
            out[t] = f0;
        }
    }
    for (t, f0) in smoother.finish() {
        out[t] = f0;
    }
    out
}

/// The smoother frame by frame: each frame pushed in may settle the F0 of the frame
/// [`DECISION_DELAY`] frames earlier, so work that needs the final F0 can follow the analysis
/// closely instead of waiting for the whole clip.
pub struct Smoother {
    threshold: f64,
    /// The last [`HISTORY`] frames' candidates and back-pointers, at `t % HISTORY`: settling
    /// a frame traces back at most [`BUFFER`] steps, so nothing older is read again.
    frames: Vec<PitchFrame>,
    back: Vec<[u8; STATES]>,
    /// Frames pushed so far.
    pushed: usize,
    /// How many frames are kept ([`HISTORY`]; the tests compare with keeping them all).
    history: usize,
    cost: [f64; STATES],
    decided: usize,
}

const HISTORY: usize = BUFFER + 1;

/// How many frames behind the newest one the smoother settles a frame.
pub const DECISION_DELAY: usize = BUFFER;

impl Default for Smoother {
    fn default() -> Self {
        Self::with_threshold(VOICING_THRESHOLD)
    }
}

impl Smoother {
    fn with_threshold(threshold: f64) -> Self {
        Self::with_history(threshold, HISTORY)
    }

    fn with_history(threshold: f64, history: usize) -> Self {
        Self {
            threshold,
            frames: vec![PitchFrame::default(); history],
            back: vec![[0; STATES]; history],
            pushed: 0,
            history,
            cost: [0.0; STATES],
            decided: 0,
        }
    }

    fn f0_of(&self, t: usize, s: usize) -> f64 {
        let frame = &self.frames[t % self.history];
        if s < frame.len {
            frame.candidates[s].f0
        } else {
            0.0
        }
    }

    /// Adds the next frame's candidates; returns `(frame, F0)` when that settles an earlier
    /// frame.
    pub fn push(&mut self, frame: PitchFrame) -> Option<(usize, f64)> {
        let local = local_costs(&frame, self.threshold);
        let t = self.pushed;
        self.pushed += 1;
        self.frames[t % self.history] = frame;
        if t == 0 {
            self.cost = local;
            self.back[0] = [0; STATES];
        } else {
            let mut next = [f64::INFINITY; STATES];
            let mut arg = [0u8; STATES];
            for j in 0..STATES {
                // openSMILE keeps the "previous change" in one variable that every voiced pair
                // overwrites, so a pair is compared with the pair evaluated just before it (the
                // previous source into the same target), not with its own path's history.
                let mut last_change = 0.0f64;
                #[allow(clippy::needless_range_loop)] // i is a state number, used beyond indexing
                for i in 0..STATES {
                    let trans = if i == UNVOICED && j == UNVOICED {
                        T_UU
                    } else if i == UNVOICED || j == UNVOICED {
                        W_TVUV
                    } else {
                        let (f_prev, f_cur) = (self.f0_of(t - 1, i), self.f0_of(t, j));
                        if f_prev <= 0.0 || f_cur <= 0.0 {
                            999.0
                        } else {
                            let change = (f_cur / f_prev).ln();
                            let cost = W_TVV * change.abs() + W_TVV * (change - last_change).abs();
                            last_change = change;
                            cost
                        }
                    };
                    let total = self.cost[i] + trans;
                    if total < next[j] {
                        next[j] = total;
                        arg[j] = i as u8;
                    }
                }
            }
            for j in 0..STATES {
                next[j] += local[j];
            }
            self.back[t % self.history] = arg;
            let min = next.iter().copied().fold(f64::INFINITY, f64::min);
            for (c, v) in self.cost.iter_mut().zip(next) {
                *c = v - min;
            }
        }
        if t >= BUFFER {
            let target = t - BUFFER;
            let state = self.trace(argmin(&self.cost), t, target);
            self.decided = target + 1;
            return Some((target, self.f0_of(target, state)));
        }
        None
    }

    /// The state at frame `to` on the path that is in `state` at frame `from`.
    fn trace(&self, mut state: usize, from: usize, to: usize) -> usize {
        let mut t = from;
        while t > to {
            state = self.back[t % self.history][state] as usize;
            t -= 1;
        }
        state
    }

    /// The frames not settled yet, along the best path from the last frame, in order.
    pub fn finish(self) -> Vec<(usize, f64)> {
        let Some(last) = self.pushed.checked_sub(1) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(last + 1 - self.decided);
        let mut state = argmin(&self.cost);
        for t in (self.decided..=last).rev() {
            out.push((t, self.f0_of(t, state)));
            if t > 0 {
                state = self.back[t % self.history][state] as usize;
            }
        }
        out.reverse();
        out
    }
}

fn argmin(cost: &[f64; STATES]) -> usize {
    let mut best = 0;
    for (i, c) in cost.iter().enumerate() {
        if *c < cost[best] {
            best = i;
        }
    }
    best
}

fn local_costs(frame: &PitchFrame, threshold: f64) -> [f64; STATES] {
    let mut local = [0.0; STATES];
    let mut any_voiced = false;
    for (s, l) in local.iter_mut().take(MAX_CANDIDATES).enumerate() {
        let pv = if s < frame.len {
            frame.candidates[s].voicing
        } else {
            0.0
        };
        if pv >= threshold {
            any_voiced = true;
        }
        let penalty = if pv < threshold { W_THR } else { 0.0 };
        *l = (-pv.clamp(0.01, 1.0).ln() + penalty) * W_LOCAL;
    }
    local[UNVOICED] = if any_voiced { W_LOCAL * W_THR } else { 0.0 };
    local
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pitch::Candidate;

    /// 110 frames of fixed candidates (Hz); the first is favoured (voicing 0.9) except in frames
    /// 60..60+len, where `target` is favoured and the first drops to `dip`. Others stay at 0.3.
    fn dip(f0s: &[f64], target: usize, len: usize, dip: f64) -> Vec<PitchFrame> {
        (0..110)
            .map(|t| {
                let inside = (60..60 + len).contains(&t);
                let mut frame = PitchFrame::default();
                for (k, &f0) in f0s.iter().enumerate() {
                    let voicing = match (k == 0, k == target, inside) {
                        (true, _, false) | (false, true, true) => 0.9,
                        (true, _, true) | (false, true, false) => dip,
                        _ => 0.3,
                    };
                    frame.candidates[k] = Candidate { f0, voicing };
                }
                frame.len = f0s.len();
                frame
            })
            .collect()
    }

    /// The smoother's output when it keeps `history` frames.
    fn smooth_keeping(frames: &[PitchFrame], history: usize) -> Vec<f64> {
        run(Smoother::with_history(VOICING_THRESHOLD, history), frames)
    }

    #[test]
    fn keeping_the_last_frames_only_decides_as_keeping_them_all() {
        let mut random = crate::testing::Uniform::new(99);
        let mut next = || random.next();
        let mut shorter_differs = false;
        for _ in 0..40 {
            // Random candidate lists: tracks that wander, with weak and missing frames.
            let frames: Vec<PitchFrame> = (0..300)
                .map(|_| {
                    let mut frame = PitchFrame {
                        len: (next() * 7.0) as usize,
                        ..Default::default()
                    };
                    for c in &mut frame.candidates[..frame.len] {
                        *c = Candidate {
                            f0: 80.0 + next() * 300.0,
                            voicing: next(),
                        };
                    }
                    frame
                })
                .collect();
            let all = smooth_keeping(&frames, frames.len());
            assert_eq!(smooth(&frames), all);
            shorter_differs |= smooth_keeping(&frames, HISTORY - 1) != all;
        }
        // The check can fail: one frame less of history changes decisions.
        assert!(shorter_differs);
    }

    fn frames_on(f0: &[f64], hz: f64) -> usize {
        f0.iter().filter(|&&f| (f - hz).abs() < 1e-9).count()
    }

    // The edges below were measured by feeding these candidates to openSMILE's
    // cPitchSmootherViterbi: with 200 and 220 Hz over 4 frames it moves to 220 Hz once the first
    // candidate's voicing falls below 0.392; with 200, 210 and 220 Hz (to the third) below 0.497.
    // Comparing each change with the best path's last change at weight 5 (this smoother before)
    // moves at 0.63 in both; comparing with the change along the candidate's own path, at 0.59;
    // leaving the change of change out, at 0.71.

    #[test]
    fn a_short_better_candidate_a_tenth_higher_is_taken_only_past_the_measured_edge() {
        let f0 = smooth_with_threshold(&dip(&[200.0, 220.0], 1, 4, 0.37), 0.0);
        assert_eq!(frames_on(&f0, 220.0), 4);
        let f0 = smooth_with_threshold(&dip(&[200.0, 220.0], 1, 4, 0.42), 0.0);
        assert_eq!(frames_on(&f0, 220.0), 0);
    }

    #[test]
    fn a_change_is_compared_with_the_previous_source_into_the_same_target() {
        let f0s = [200.0, 210.0, 220.0];
        let f0 = smooth_with_threshold(&dip(&f0s, 2, 4, 0.47), 0.0);
        assert_eq!(frames_on(&f0, 220.0), 4);
        let f0 = smooth_with_threshold(&dip(&f0s, 2, 4, 0.52), 0.0);
        assert_eq!(frames_on(&f0, 220.0), 0);
    }

    #[test]
    fn weak_frames_between_voiced_ones_stay_voiced_when_cheaper_than_two_voicing_changes() {
        let frames = dip(&[150.0], 0, 1, 0.6);
        let f0 = smooth(&frames);
        assert!(f0.iter().all(|&f| f == 150.0), "{f0:?}");
    }
}
