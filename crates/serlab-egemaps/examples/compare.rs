//! Development aid: compare the LLD columns with openSMILE's table, for one clip (detail) or all.
//! `cargo run --release -p serlab-egemaps --example compare -- [CLIP]`

use std::io::Read;

mod common;

const DIR: &str = "../shared/reference/egemaps";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(format!("{DIR}/egemaps_v02_lld.csv.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .skip(3)
        .map(String::from)
        .collect();
    let mut table: std::collections::BTreeMap<String, Vec<Vec<f64>>> = Default::default();
    for l in lines {
        let mut parts = l.split(',');
        let clip = parts.next().unwrap().to_string();
        table
            .entry(clip)
            .or_default()
            .push(parts.skip(2).map(|v| v.parse().unwrap()).collect());
    }
    let clips: Vec<String> = match args.get(1) {
        Some(c) => vec![c.clone()],
        None => table.keys().cloned().collect(),
    };
    let detail = clips.len() == 1;
    let mut col_err = vec![0.0; header.len()];
    let mut col_ref = vec![0.0; header.len()];
    let mut col_ours = vec![0.0; header.len()];
    for clip in &clips {
        let rows = &table[clip];
        let (samples, rate) = common::read_clip(format!("{DIR}/clips/{clip}"));
        let ours = serlab_egemaps::pipeline::lld_table(&samples, rate);
        let n = rows.len().min(ours.len());
        let agree = (0..n)
            .filter(|&t| (rows[t][10] > 0.0) == (ours[t][10] > 0.0))
            .count();
        let both: Vec<usize> = (0..n)
            .filter(|&t| rows[t][10] > 0.0 && ours[t][10] > 0.0)
            .collect();
        let f0_err = both
            .iter()
            .map(|&t| (rows[t][10] - ours[t][10]).abs())
            .sum::<f64>()
            / both.len().max(1) as f64;
        let near = both
            .iter()
            .filter(|&&t| (rows[t][10] - ours[t][10]).abs() < 0.1)
            .count();
        println!(
            "{clip:40} rows {}/{} voicing {agree}/{n} ({:.1}%) f0 |err| {f0_err:.3} st, within 0.1 st {near}/{}",
            rows.len(),
            ours.len(),
            100.0 * agree as f64 / n as f64,
            both.len()
        );
        if detail && std::env::var("F0").is_ok() {
            for t in 0..n {
                println!(
                    "  f0 {t:4} ref {:8.3} ours {:8.3}",
                    rows[t][10], ours[t][10]
                );
            }
        }
        if let (true, Ok(cols)) = (detail, std::env::var("COLS")) {
            // Per-frame dump of the named column indices: `COLS=16,17`.
            let cols: Vec<usize> = cols.split(',').filter_map(|c| c.parse().ok()).collect();
            for t in 0..n {
                let cells: Vec<String> = cols
                    .iter()
                    .map(|&c| {
                        let precision = if rows[t][c].abs() < 1.0 { 5 } else { 2 };
                        format!("{:>9.precision$} {:>9.precision$}", rows[t][c], ours[t][c])
                    })
                    .collect();
                println!("  {t:4} {}", cells.join(" | "));
            }
        }
        for (c, name) in header.iter().enumerate() {
            let (mut err, mut refsum, mut worst, mut worst_at) = (0.0, 0.0, 0.0f64, 0);
            for t in 0..n {
                let d = (ours[t][c] - rows[t][c]).abs();
                err += d;
                refsum += rows[t][c].abs();
                if d > worst {
                    worst = d;
                    worst_at = t;
                }
            }
            col_err[c] += err / n as f64;
            col_ref[c] += refsum / n as f64;
            col_ours[c] += (0..n).map(|t| ours[t][c].abs()).sum::<f64>() / n as f64;
            if detail {
                println!(
                    "  {name:30} mean|ref| {:10.4} mean|err| {:10.5} worst {:10.4} at {worst_at} (ref {:.4} ours {:.4})",
                    refsum / n as f64,
                    err / n as f64,
                    worst,
                    rows[worst_at][c],
                    ours[worst_at][c]
                );
            }
        }
    }
    if !detail {
        for (c, name) in header.iter().enumerate() {
            println!(
                "{name:32} mean|err|/mean|ref| {:.5}  mean|ours|/mean|ref| {:.3}",
                col_err[c] / col_ref[c].max(1e-12),
                col_ours[c] / col_ref[c].max(1e-12)
            );
        }
    }
}
