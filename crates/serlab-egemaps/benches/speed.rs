//! Audio-seconds per CPU-second on one thread: `egemaps` next to openSMILE 3.0.1 on the same
//! audio (the 33 reference clips), measured in the same run (process CPU time, so threads
//! openSMILE might start are counted). openSMILE runs through the
//! `smileapi` bridge when `SERLAB_SMILEAPI_LIB` and `SERLAB_SMILEAPI_CONFIG` point at it.
//! `cargo bench -p serlab-egemaps --bench speed`

use std::path::{Path, PathBuf};

fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out pointer for a clock every Linux has.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn clips() -> Option<Vec<(Vec<f32>, u32)>> {
    let dir = std::env::var_os("SERLAB_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
        .join("reference/egemaps/clips");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    Some(
        paths
            .iter()
            .map(|p| {
                let mut r = hound::WavReader::open(p).unwrap();
                let rate = r.spec().sample_rate;
                let s = r
                    .samples::<i16>()
                    .map(|s| f32::from(s.unwrap()) / 32768.0)
                    .collect();
                (s, rate)
            })
            .collect(),
    )
}

fn measure(clips: &[(Vec<f32>, u32)], rounds: usize, mut f: impl FnMut(&[f32], u32)) -> f64 {
    let audio: f64 = clips
        .iter()
        .map(|(s, r)| s.len() as f64 / f64::from(*r))
        .sum();
    let start = cpu_seconds();
    for _ in 0..rounds {
        for (s, r) in clips {
            f(s, *r);
        }
    }
    audio * rounds as f64 / (cpu_seconds() - start)
}

fn main() {
    let Some(clips) = clips() else {
        println!("skipped: ../shared/reference/egemaps/clips not found");
        return;
    };
    let audio: f64 = clips
        .iter()
        .map(|(s, r)| s.len() as f64 / f64::from(*r))
        .sum();
    println!(
        "eGeMAPSv02 functionals, {} clips, {audio:.1} s of audio, one thread",
        clips.len()
    );
    println!("{:<34} {:>22}", "extractor", "audio-s per CPU-s");
    let ours = measure(&clips, 3, |s, r| {
        std::hint::black_box(serlab_egemaps::egemaps_functionals(s, r));
    });
    println!("{:<34} {:>22.0}", "serlab egemaps", ours);
    match serlab_plugin_smileapi::api::Settings::from_env()
        .and_then(serlab_plugin_smileapi::api::Bridge::open)
    {
        Ok(bridge) => {
            let theirs = measure(&clips, 1, |s, r| {
                std::hint::black_box(bridge.run(s, r).unwrap());
            });
            println!("{:<34} {:>22.0}", "openSMILE 3.0.1 (libSMILEapi)", theirs);
            println!("{:<34} {:>21.1}x", "ratio", ours / theirs);
        }
        Err(e) => println!("openSMILE not measured: {e}"),
    }
}
