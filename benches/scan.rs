//! Scanning a corpus: 12 000 clips' names parsed and headers probed (RAVDESS-style files with a
//! 4 KB `FLLR` chunk before `data`). Prints a table; the goal is under one second.

use serlab::config::LabelMap;
use serlab::corpus::{Catalog, CorpusKind, CorpusRoot};
use std::time::Instant;

const CLIPS: usize = 12_000;
const RUNS: usize = 5;

fn clip_bytes() -> Vec<u8> {
    let data: Vec<u8> = (0..1600u32)
        .flat_map(|i| (((i * 37) % 200) as i16).to_le_bytes())
        .collect();
    let mut fmt = Vec::new();
    for v in [1u16, 1] {
        fmt.extend_from_slice(&v.to_le_bytes());
    }
    fmt.extend_from_slice(&16_000u32.to_le_bytes());
    fmt.extend_from_slice(&32_000u32.to_le_bytes());
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    let mut body = b"WAVE".to_vec();
    for (id, chunk) in [(b"fmt ", fmt), (b"FLLR", vec![0u8; 4044]), (b"data", data)] {
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        body.extend_from_slice(&chunk);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = clip_bytes();
    let sentences = [
        "IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI",
    ];
    let emotions = ["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"];
    let mut written = 0;
    'outer: for level in ["XX", "LO", "MD", "HI"] {
        for speaker in 1001..=1091 {
            for sentence in sentences {
                for emotion in emotions {
                    let path = dir
                        .path()
                        .join(format!("{speaker}_{sentence}_{emotion}_{level}.wav"));
                    std::fs::write(path, &bytes).expect("write clip");
                    written += 1;
                    if written == CLIPS {
                        break 'outer;
                    }
                }
            }
        }
    }
    let roots = [CorpusRoot {
        kind: CorpusKind::CremaD,
        path: dir.path().to_path_buf(),
    }];
    let labels = LabelMap::default();
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let catalog = Catalog::scan(&roots, &labels, 16_000);
        times.push(start.elapsed().as_secs_f64());
        assert_eq!(catalog.clips.len(), CLIPS);
        assert!(catalog.problems.is_empty());
    }
    times.sort_by(f64::total_cmp);
    let median = times[RUNS / 2];
    println!("| benchmark | clips | runs | median s | min s | clips/s | goal |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| scan (parse names + probe headers, {} threads) | {CLIPS} | {RUNS} | {median:.3} | {:.3} | {:.0} | < 1 s: {} |",
        rayon::current_num_threads(),
        times[0],
        CLIPS as f64 / median,
        if median < 1.0 { "met" } else { "MISSED" }
    );
}
