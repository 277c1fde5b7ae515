//! Viterbi smoothing of the F0 candidates: each frame chooses one of its candidates or
//! "unvoiced", minimising local costs (weak voicing) plus transition costs (F0 jumps, voicing
//! changes). Decisions are taken with a 40-frame look-ahead, as openSMILE's smoother does.

use crate::pitch::{PitchFrame, MAX_CANDIDATES};

const BUFFER: usize = 40;
const VOICING_THRESHOLD: f64 = 0.7;
const W_LOCAL: f64 = 2.0;
const W_TVV: f64 = 10.0;
const W_TVVD: f64 = 5.0;
const W_TVUV: f64 = 10.0;
const W_THR: f64 = 4.0;
/// Unvoiced to unvoiced: openSMILE's intended weight (0) is never applied; the cost is 1.
const T_UU: f64 = 1.0;
const STATES: usize = MAX_CANDIDATES + 1;
const UNVOICED: usize = MAX_CANDIDATES;

/// F0 (Hz, 0 = unvoiced) per frame.
pub fn smooth(frames: &[PitchFrame]) -> Vec<f64> {
    let n = frames.len();
    let mut out = vec![0.0; n];
    if n == 0 {
        return out;
    }
    let f0_of = |t: usize, s: usize| -> f64 {
        if s < frames[t].len {
            frames[t].candidates[s].f0
        } else {
            0.0
        }
    };
    let mut back = vec![[0u8; STATES]; n];
    let mut cost = [0.0f64; STATES];
    let mut last_change = 0.0f64;

    let mut decided = 0;
    for t in 0..n {
        let local = local_costs(&frames[t]);
        if t == 0 {
            cost = local;
        } else {
            let mut next = [f64::INFINITY; STATES];
            let mut arg = [0u8; STATES];
            let mut path_change = [0.0f64; STATES];
            for j in 0..STATES {
                #[allow(clippy::needless_range_loop)] // i is a state number, used beyond indexing
                for i in 0..STATES {
                    let trans = if i == UNVOICED && j == UNVOICED {
                        T_UU
                    } else if i == UNVOICED || j == UNVOICED {
                        W_TVUV
                    } else {
                        let (f_prev, f_cur) = (f0_of(t - 1, i), f0_of(t, j));
                        if f_prev <= 0.0 || f_cur <= 0.0 {
                            999.0
                        } else {
                            // The previous change is one value per frame (that of the best path
                            // so far), not per path: measured to match openSMILE best.
                            let change = (f_cur / f_prev).ln();
                            W_TVV * change.abs() + W_TVVD * (change - last_change).abs()
                        }
                    };
                    let total = cost[i] + trans;
                    if total < next[j] {
                        next[j] = total;
                        arg[j] = i as u8;
                        path_change[j] = if i != UNVOICED
                            && j != UNVOICED
                            && f0_of(t - 1, i) > 0.0
                            && f0_of(t, j) > 0.0
                        {
                            (f0_of(t, j) / f0_of(t - 1, i)).ln()
                        } else {
                            0.0
                        };
                    }
                }
            }
            for j in 0..STATES {
                next[j] += local[j];
            }
            back[t] = arg;
            last_change = path_change[argmin(&next)];
            let min = next.iter().copied().fold(f64::INFINITY, f64::min);
            for (c, v) in cost.iter_mut().zip(next) {
                *c = v - min;
            }
        }
        if t >= BUFFER {
            let target = t - BUFFER;
            let state = trace(&back, argmin(&cost), t, target);
            out[target] = f0_of(target, state);
            decided = target + 1;
        }
    }
    let last = n - 1;
    let mut state = argmin(&cost);
    for t in (decided..=last).rev() {
        out[t] = f0_of(t, state);
        if t > 0 {
            state = back[t][state] as usize;
        }
    }
    out
}

fn trace(back: &[[u8; STATES]], mut state: usize, from: usize, to: usize) -> usize {
    let mut t = from;
    while t > to {
        state = back[t][state] as usize;
        t -= 1;
    }
    state
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

fn local_costs(frame: &PitchFrame) -> [f64; STATES] {
    let mut local = [0.0; STATES];
    let mut any_voiced = false;
    for (s, l) in local.iter_mut().take(MAX_CANDIDATES).enumerate() {
        let pv = if s < frame.len {
            frame.candidates[s].voicing
        } else {
            0.0
        };
        if pv >= VOICING_THRESHOLD {
            any_voiced = true;
        }
        let penalty = if pv < VOICING_THRESHOLD { W_THR } else { 0.0 };
        *l = (-pv.clamp(0.01, 1.0).ln() + penalty) * W_LOCAL;
    }
    local[UNVOICED] = if any_voiced { W_LOCAL * W_THR } else { 0.0 };
    local
}
