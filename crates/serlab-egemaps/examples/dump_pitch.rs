//! Development aid: the SHS candidates and the Viterbi-smoothed F0 of one clip, one frame per
//! line (`frame;f0;cand f0,voicing;...`), for comparing the pitch stage with openSMILE's.
//! With a second argument, a file of candidates (`f0_1..f0_6 voicing_1..voicing_6` per line,
//! whitespace-separated) replaces ours as the smoother's input, so the smoother can be checked
//! on its own.
//! `cargo run --release -p serlab-egemaps --example dump_pitch -- CLIP.wav [CANDIDATES.txt]`

mod common;

use serlab_egemaps::pitch::{Candidate, PitchFrame, Shs, MAX_CANDIDATES};

fn main() {
    let mut args = std::env::args().skip(1);
    let clip = args
        .next()
        .expect("usage: dump_pitch CLIP.wav [CANDIDATES.txt]");
    let frames = match args.next() {
        Some(path) => read_candidates(&path),
        None => our_candidates(&clip),
    };
    let f0 = serlab_egemaps::viterbi::smooth(&frames);
    for (k, (frame, f)) in frames.iter().zip(&f0).enumerate() {
        let cands: Vec<String> = frame.candidates[..frame.len]
            .iter()
            .map(|c| format!("{:.4},{:.5}", c.f0, c.voicing))
            .collect();
        println!("{k};{f:.4};{}", cands.join(";"));
    }
}

fn our_candidates(clip: &str) -> Vec<PitchFrame> {
    let (samples, rate) = common::read_clip(clip);
    let len = serlab_egemaps::frames::frame_len(rate, 0.060);
    let hop = serlab_egemaps::frames::hop(rate);
    let mut fft = serlab_egemaps::fft::WindowedFft::new(serlab_egemaps::frames::gaussian(len));
    let mut shs = Shs::new(rate, fft.bins());
    let mut magnitude = vec![0.0; fft.bins()];
    let n = serlab_egemaps::pipeline::frame_count(samples.len(), rate);
    (0..n)
        .map(|k| {
            let mut frame: Vec<f32> = samples[(k * hop).min(samples.len())..]
                .iter()
                .take(len)
                .copied()
                .collect();
            frame.resize(len, 0.0);
            fft.magnitudes(&frame, &mut magnitude);
            let candidates = shs.analyse(&magnitude);
            if std::env::var("DUMP_SCALED").is_ok_and(|f| f == k.to_string() || f == "all") {
                let points: Vec<String> = shs.scaled().iter().map(|v| format!("{v:e}")).collect();
                eprintln!("{}", points.join(" "));
            }
            candidates
        })
        .collect()
}

fn read_candidates(path: &str) -> Vec<PitchFrame> {
    std::fs::read_to_string(path)
        .expect("candidates file")
        .lines()
        .map(|line| {
            let v: Vec<f64> = line
                .split_whitespace()
                .map(|x| x.parse().expect("number"))
                .collect();
            let mut frame = PitchFrame::default();
            for i in 0..MAX_CANDIDATES {
                if v[i] > 0.0 {
                    frame.candidates[frame.len] = Candidate {
                        f0: v[i],
                        voicing: v[MAX_CANDIDATES + i],
                    };
                    frame.len += 1;
                }
            }
            frame
        })
        .collect()
}
