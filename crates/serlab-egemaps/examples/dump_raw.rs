//! Development aid: per-frame raw (unsmoothed) F0, formants and harmonic differences of a clip,
//! `frame;f0;F1;F2;F3;B1;B2;B3;h1_h2;h1_a3;hnr;jitter;shimmer`.

mod common;

fn main() {
    let path = std::env::args().nth(1).expect("a WAV path");
    let (samples, rate) = common::read_clip(path);
    let raw = serlab_egemaps::pipeline::raw_lld(
        &samples,
        rate,
        serlab_egemaps::formants::FormantMethod::OpenSmile,
        serlab_egemaps::pipeline::FormantFrames::Every,
    );
    for k in 0..raw.f0.len() {
        let f = &raw.formants[k];
        let h = &raw.harmonics[k];
        println!(
            "{k};{};{};{};{};{};{};{};{};{};{};{};{}",
            raw.f0[k],
            f.frequency[0],
            f.frequency[1],
            f.frequency[2],
            f.bandwidth[0],
            f.bandwidth[1],
            f.bandwidth[2],
            h.h1_h2,
            h.h1_a3,
            raw.hnr[k],
            raw.jitter[k],
            raw.shimmer[k]
        );
    }
}
