//! Training and inference throughput of the seed CNN at batch 64, on the (162, 1) vector input
//! and on a 300 x 40 sequence input, next to the Keras/TensorFlow-CPU figures of
//! seed-recipe.md (measured on this machine). Prints a table.

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

fn main() {
    // As `serlab train` does.
    serlab::util::memory::keep_freed_memory();
    println!(
        "seed CNN (filters 256-256-128-64, kernel 5), batch {BATCH}, median of {STEPS} steps after 2 warm-up steps, device {}\n",
        serlab::model::device_name()
    );
    println!("| input | serlab train samples/s | Keras train samples/s | serlab inference samples/s | Keras inference samples/s |");
    println!("|---|---|---|---|---|");
    let vector = CnnConfig::new(162, 1, 4);
    let (train, infer) = measure(&vector);
    println!("| (162, 1) | {train:.0} | 458 | {infer:.0} | 970 |");
    let sequence = CnnConfig::new(300, 40, 4).with_global_pool(true);
    let (train, infer) = measure(&sequence);
    println!("| (300, 40) | {train:.0} | 284 | {infer:.0} | 896 |");
    // Not the seed's arrangement: serlab's default for vectors, egemaps_ext's 818 values as the
    // channels of one position (no Keras figure exists for it).
    let channels = CnnConfig::new(1, 818, 4).with_kernel(1);
    let (train, infer) = measure(&channels);
    println!("| (1, 818), serlab's default vector layout | {train:.0} | - | {infer:.0} | - |");
}
