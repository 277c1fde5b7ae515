//! Training and inference throughput of the seed CNN at batch 64, on the (162, 1) vector input
//! and on a 300 x 40 sequence input, next to Keras (TensorFlow's CPU backend) running the same
//! network in the same invocation (`benches/python/keras_seed_cnn.py`, with the Python that
//! SERLAB_BENCH_PYTHON names), rounds alternating. Prints a table and the ratios.

use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};
use serlab::model::{device, Backend, Cnn, CnnConfig, TrainBackend};
use std::time::Instant;

const BATCH: usize = 64;
const STEPS: usize = 12;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = serlab::util::rng::SplitMix64::new(seed);
    (0..n).map(|_| rng.gaussian() as f32).collect()
}

fn measure(config: &CnnConfig) -> (f64, f64) {
    let dev = device();
    let mut model: Cnn<TrainBackend> = config.init(&dev);
    let mut optim = AdamConfig::new().init::<TrainBackend, Cnn<TrainBackend>>();
    let x = || {
        Tensor::<TrainBackend, 3>::from_data(
            TensorData::new(
                random(BATCH * config.input_len * config.input_channels, 1),
                [BATCH, config.input_len, config.input_channels],
            ),
            &dev,
        )
    };
    let y = Tensor::<TrainBackend, 2, Int>::from_data(
        TensorData::new(
            (0..BATCH as i64).map(|i| i % 4).collect::<Vec<_>>(),
            [BATCH, 1],
        ),
        &dev,
    );
    let mut step = |model: Cnn<TrainBackend>| {
        let logits = model.forward(x());
        let loss = log_softmax(logits, 1).gather(1, y.clone()).mean().neg();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        optim.step(1e-3, model, grads)
    };
    for _ in 0..2 {
        model = step(model); // warm-up
    }
    let mut times = Vec::new();
    for _ in 0..STEPS {
        let t0 = Instant::now();
        model = step(model);
        times.push(t0.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let train = BATCH as f64 / times[STEPS / 2];
    let inference_model: Cnn<Backend> = model.valid();
    let xi = Tensor::<Backend, 3>::from_data(
        TensorData::new(
            random(BATCH * config.input_len * config.input_channels, 2),
            [BATCH, config.input_len, config.input_channels],
        ),
        &dev,
    );
    let mut times = Vec::new();
    for _ in 0..STEPS {
        let t0 = Instant::now();
        let _ = inference_model.forward(xi.clone()).into_data();
        times.push(t0.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (train, BATCH as f64 / times[STEPS / 2])
}

/// The Keras script's figures (`benches/python/keras_seed_cnn.py`) when SERLAB_BENCH_PYTHON (or
/// `python3`) has Keras with TensorFlow: {"162x1": {"train", "inference"}, "300x40": {...}}.
fn keras() -> Option<serde_json::Value> {
    let python = std::env::var("SERLAB_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/keras_seed_cnn.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(STEPS.to_string())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Rounds of serlab then Keras, alternating, so that both meet the same moments of a noisy
/// machine.
const ROUNDS: usize = 3;

fn main() {
    // As `serlab train` does.
    serlab::util::memory::keep_freed_memory();
    let shapes = [
        ("(162, 1)", "162x1", CnnConfig::new(162, 1, 4)),
        (
            "(300, 40)",
            "300x40",
            CnnConfig::new(300, 40, 4).with_global_pool(true),
        ),
    ];
    // [shape][round] -> (serlab train, serlab inference, Keras train, Keras inference)
    let mut figures = vec![Vec::new(); shapes.len()];
    let mut keras_version = None;
    for _ in 0..ROUNDS {
        let ours: Vec<(f64, f64)> = shapes.iter().map(|(_, _, c)| measure(c)).collect();
        let theirs = keras();
        if let Some(k) = &theirs {
            keras_version = k["keras"].as_str().map(str::to_string);
        }
        for (i, (_, key, _)) in shapes.iter().enumerate() {
            let k = |what: &str| {
                theirs
                    .as_ref()
                    .and_then(|t| t[key][what].as_f64())
                    .unwrap_or(f64::NAN)
            };
            figures[i].push((ours[i].0, ours[i].1, k("train"), k("inference")));
        }
    }
    println!(
        "seed CNN (filters 256-256-128-64, kernel 5), batch {BATCH}, median of {STEPS} steps after 2 warm-up steps, device {}; {ROUNDS} rounds of serlab then Keras {}, alternating, the median round\n",
        serlab::model::device_name(),
        keras_version.as_deref().unwrap_or("(not available: set SERLAB_BENCH_PYTHON to a Python with keras and tensorflow)")
    );
    println!("| input | serlab train samples/s | Keras train samples/s | serlab inference samples/s | Keras inference samples/s |");
    println!("|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for ((label, _, _), rounds) in shapes.iter().zip(&figures) {
        let col = |f: fn(&(f64, f64, f64, f64)) -> f64| median(rounds.iter().map(f).collect());
        let (st, si, kt, ki) = (col(|r| r.0), col(|r| r.1), col(|r| r.2), col(|r| r.3));
        println!("| {label} | {st:.0} | {kt:.0} | {si:.0} | {ki:.0} |");
        ratios.push((label, st / kt, si / ki, rounds.clone()));
    }
    // Not the seed's arrangement: serlab's default for vectors, egemaps_ext's 818 values as the
    // channels of one position (Keras has no run of it here).
    let channels = CnnConfig::new(1, 818, 4).with_kernel(1);
    let (train, infer) = measure(&channels);
    println!("| (1, 818), serlab's default vector layout | {train:.0} | - | {infer:.0} | - |");
    println!("\nserlab / Keras, the median rounds (and each round):");
    for (label, train, inference, rounds) in ratios {
        let each = |f: fn(&(f64, f64, f64, f64)) -> f64| {
            rounds
                .iter()
                .map(|r| format!("{:.2}", f(r)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "  {label}: training {train:.2}x ({}), inference {inference:.2}x ({})",
            each(|r| r.0 / r.2),
            each(|r| r.1 / r.3)
        );
    }
    println!("(the (300, 40) networks differ after the last block: serlab pools globally, the Keras script flattens as the recipe does)");
}
