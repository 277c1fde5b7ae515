//! Development aid: our 88 functionals next to openSMILE's, per clip and per feature.

mod common;

fn main() {
    let dir = "../shared/reference/egemaps";
    let text = std::fs::read_to_string(format!("{dir}/egemaps_v02_functionals.csv")).unwrap();
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .skip(3)
        .map(String::from)
        .collect();
    let only: Option<String> = std::env::args().nth(1);
    let mut within = vec![0usize; names.len()];
    let mut total = 0;
    let mut worst: Vec<Vec<(f64, String, f64, f64)>> = vec![Vec::new(); names.len()];
    for l in lines {
        let parts: Vec<&str> = l.split(',').collect();
        let clip = parts[0];
        if only.as_deref().is_some_and(|o| o != clip)
            || (only.is_none() && clip.starts_with("edge_"))
        {
            continue;
        }
        let reference: Vec<f64> = parts[3..].iter().map(|v| v.parse().unwrap()).collect();
        let (samples, rate) = common::read_clip(format!("{dir}/clips/{clip}"));
        let c = serlab_egemaps::pipeline::contours(&samples, rate);
        let ours = serlab_egemaps::functionals::functionals(&c);
        total += 1;
        let mut ok = 0;
        for (i, (o, r)) in ours.iter().zip(&reference).enumerate() {
            let err = if r.abs() < 1.0 {
                (o - r).abs()
            } else {
                (o - r).abs() / r.abs()
            };
            if err <= 0.05 {
                within[i] += 1;
                ok += 1;
            }
            worst[i].push((err, clip.to_string(), *o, *r));
            if only.is_some() {
                println!(
                    "{:45} ours {:12.5} ref {:12.5} err {:.4}",
                    names[i], o, r, err
                );
            }
        }
        println!("{clip:40} within 5%: {ok}/88");
    }
    for (i, n) in names.iter().enumerate() {
        worst[i].sort_by(|a, b| b.0.total_cmp(&a.0));
        let w = &worst[i][0];
        println!(
            "{n:45} {}/{total}  worst {:.3} {} ours {:.4} ref {:.4}",
            within[i], w.0, w.1, w.2, w.3
        );
    }
}
