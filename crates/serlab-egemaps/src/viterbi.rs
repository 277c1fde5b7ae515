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
/// Weight of the F0 range cost (openSMILE's wRange; eGeMAPS leaves it at 1).
const W_RANGE: f64 = 1.0;
/// The F0 range (Hz) outside which a voiced state pays the log distance to the range, times
/// [`W_RANGE`]. Measured, not specified (the specification says the term is always 0): openSMILE's
/// smoother, run through its C API on its own candidates for the 33 reference clips, changes
/// its output when wRange changes; with this cost our smoother reproduces all 11 516 of its
/// frames (12 differed without it) and halves the differences on 80 RAVDESS clips (45 to 23).
/// Its exact form is not known: on pulse trains at 340 and 360 Hz openSMILE keeps F0 even at
/// wRange = 200, so the upper edge is an approximation that fits speech.
const RANGE_HZ: (f64, f64) = (100.0, 300.0);
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
            // The path starts from "unvoiced" (measured: openSMILE leaves a first frame
            // unvoiced where starting voiced would cost less than a voicing change).
            for (s, (c, l)) in self.cost.iter_mut().zip(local).enumerate() {
                *c = l + if s == UNVOICED { T_UU } else { W_TVUV };
            }
            self.back[0] = [UNVOICED as u8; STATES];
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

/// How far (log) an F0 lies outside [`RANGE_HZ`], 0 inside.
fn range_cost(f0: f64) -> f64 {
    let (low, high) = RANGE_HZ;
    if f0 < low {
        (low / f0).ln()
    } else if f0 > high {
        (f0 / high).ln()
    } else {
        0.0
    }
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
        if s < frame.len {
            *l += W_RANGE * range_cost(frame.candidates[s].f0);
        }
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

    fn frames_of(lists: &[&[(f64, f64)]]) -> Vec<PitchFrame> {
        lists
            .iter()
            .map(|list| {
                let mut frame = PitchFrame {
                    len: list.len(),
                    ..Default::default()
                };
                for (c, &(f0, voicing)) in frame.candidates.iter_mut().zip(list.iter()) {
                    *c = Candidate { f0, voicing };
                }
                frame
            })
            .collect()
    }

    #[test]
    fn a_clip_starts_unvoiced_so_two_voiced_first_frames_do_not_pay_for_a_voicing_change() {
        // edge_short_0p3s opens like this; openSMILE leaves its first frames unvoiced.
        let mut lists: Vec<&[(f64, f64)]> = vec![&[(230.0, 0.806)], &[(230.0, 0.738)]];
        lists.extend(std::iter::repeat_n(&[(230.0, 0.6)][..], 10));
        let f0 = smooth(&frames_of(&lists));
        assert!(f0.iter().all(|&f| f == 0.0), "{f0:?}");
    }

    #[test]
    fn a_low_voice_fading_out_turns_unvoiced_where_opensmile_does() {
        // openSMILE's own SHS candidates for frames 250-265 of the reference clip
        // espeak_11_en_klatt_p55_s165 (F0 below 100 Hz). Its smoother keeps frames 253-255
        // voiced and 256-259 unvoiced; without the range cost they stay voiced.
        let lists: [&[(f64, f64)]; 16] = [
            &[
                (91.0705, 0.68143),
                (105.8334, 0.64000),
                (182.5554, 0.59769),
                (75.2997, 0.59468),
                (130.2865, 0.59285),
                (65.3971, 0.55119),
            ],
            &[
                (90.1826, 0.64329),
                (106.8583, 0.64225),
                (75.4173, 0.61353),
                (155.8774, 0.60383),
                (55.2041, 0.57770),
                (219.5175, 0.54216),
            ],
            &[
                (89.2677, 0.66974),
                (76.0392, 0.63064),
                (155.4314, 0.59450),
                (55.2747, 0.59390),
                (59.6069, 0.58994),
            ],
            &[(88.0717, 0.72534), (59.4614, 0.63258), (175.2769, 0.62364)],
            &[(87.0893, 0.76280), (173.8912, 0.66854), (58.8596, 0.63928)],
            &[
                (86.6600, 0.74099),
                (173.6535, 0.62865),
                (55.7344, 0.62658),
                (257.8359, 0.37954),
            ],
            &[
                (85.6942, 0.69825),
                (55.1938, 0.60587),
                (169.5524, 0.56765),
                (174.2884, 0.56673),
            ],
            &[(84.0714, 0.69691), (58.1365, 0.58764), (167.8536, 0.58227)],
            &[(82.8933, 0.72139), (164.8761, 0.61324), (58.4175, 0.58683)],
            &[(81.6768, 0.72904), (162.8897, 0.60744)],
            &[
                (81.1058, 0.68933),
                (57.1773, 0.63913),
                (162.0338, 0.53121),
                (123.5901, 0.48006),
            ],
            &[(80.8221, 0.63512), (124.7675, 0.51719), (162.4255, 0.39389)],
            &[(180.6463, 0.66311), (67.0910, 0.64010), (90.8436, 0.59244)],
            &[(211.9025, 0.67118), (57.9361, 0.65984), (191.3459, 0.64306)],
            &[],
            &[],
        ];
        let f0 = smooth(&frames_of(&lists));
        let voiced: Vec<bool> = f0.iter().map(|&f| f > 0.0).collect();
        let expected: Vec<bool> = (0..16).map(|t| (3..6).contains(&t)).collect();
        assert_eq!(voiced, expected, "{f0:?}");
    }

    #[test]
    fn the_range_cost_is_zero_inside_and_grows_with_the_log_distance_outside() {
        assert_eq!(range_cost(100.0), 0.0);
        assert_eq!(range_cost(250.0), 0.0);
        assert!((range_cost(50.0) - 2f64.ln()).abs() < 1e-12);
        assert!((range_cost(600.0) - 2f64.ln()).abs() < 1e-12);
    }
}
