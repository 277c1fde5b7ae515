//! Development aid: every output of the extractor on a folder of clips, at full precision, so a
//! change meant to keep the numbers (a speed-up, a refactor) can be checked by comparing two
//! snapshots. One line per clip and output: `clip functionals v1 .. v88`, then
//! `clip lld FRAME v1 .. v25` per LLD row.
//! `cargo run --release -p serlab-egemaps --example snapshot [DIR] > before.txt`

mod common;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/reference/egemaps/clips".to_string());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".wav"))
        .collect();
    names.sort();
    let line = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:e}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for name in names {
        let (samples, rate) = common::read_clip(format!("{dir}/{name}"));
        let functionals = serlab_egemaps::egemaps_functionals(&samples, rate);
        println!("{name} functionals {}", line(&functionals));
        for (t, row) in serlab_egemaps::pipeline::lld_table(&samples, rate)
            .iter()
            .enumerate()
        {
            println!("{name} lld {t} {}", line(row));
        }
    }
}
