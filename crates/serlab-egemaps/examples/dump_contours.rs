//! Development aid: writes the loudness (every 20 ms frame) and F0 contours of every reference
//! clip as JSON lines, for working on the functionals outside Rust.
//! `cargo run --release -p serlab-egemaps --example dump_contours [DIR] > contours.jsonl`

mod common;

const DIR: &str = "../shared/reference/egemaps";

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("{DIR}/clips"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("reference clips")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    for name in names {
        let (samples, rate) = common::read_clip(format!("{dir}/{name}"));
        let c = serlab_egemaps::pipeline::contours(&samples, rate);
        let join = |v: &[f64]| {
            v.iter()
                .map(|x| format!("{x}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        println!(
            "{{\"clip\":\"{name}\",\"loudness\":[{}],\"f0\":[{}]}}",
            join(&c.lld[0]),
            join(&c.lld[10])
        );
    }
}
