//! Reads one contour per line (whitespace-separated numbers) on stdin and prints what the
//! peak functional makes of it: `peaks;meanRising;stddevRising;meanFalling;stddevFalling`.
//! A development tool: it lets the peak selection be compared with openSMILE's functional on
//! the same contours.

use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let x: Vec<f64> = line
            .split_whitespace()
            .map(|v| v.parse().expect("a number"))
            .collect();
        if std::env::var_os("EXTREMES").is_some() {
            let e = serlab_egemaps::peaks::selected_extremes(&x);
            let cells: Vec<String> = e
                .iter()
                .map(|(i, m)| format!("{i}{}", if *m { 'M' } else { 'm' }))
                .collect();
            println!("{}", cells.join(" "));
            continue;
        }
        let p = serlab_egemaps::peaks::peaks(&x);
        println!(
            "{};{};{};{};{}",
            p.peaks,
            p.rising.mean(),
            p.rising.stddev(),
            p.falling.mean(),
            p.falling.stddev()
        );
    }
}
