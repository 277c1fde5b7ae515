"""The seed recipe's 1D CNN in Keras (TensorFlow's CPU backend, its default threading), timed as
serlab's train_speed bench times its own: batch 64 of random inputs, the median of STEPS training
steps after 2 warm-up steps, then the median of STEPS inference batches. Prints JSON: for each
input shape, training and inference samples per second (wall time, as the Rust side measures).
Usage: keras_seed_cnn.py STEPS"""
import json, os, statistics, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras
from keras import layers

BATCH = 64

def seed_cnn(shape, classes=4):
    inputs = keras.Input(shape=shape)
    x = inputs
    for i, filters in enumerate([256, 256, 128, 64]):
        x = layers.Conv1D(filters, 5, padding="same", activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling1D(5, strides=2, padding="same")(x)
        if i == 2:
            x = layers.Dropout(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return model

def measure(shape, steps):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, *shape)).astype("float32")
    y = (np.arange(BATCH) % 4).astype("int64")
    model = seed_cnn(shape)
    for _ in range(2):
        model.train_on_batch(x, y)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - t0)
    train = BATCH / statistics.median(times)
    xi = rng.standard_normal((BATCH, *shape)).astype("float32")
    model.predict_on_batch(xi)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        model.predict_on_batch(xi)
        times.append(time.perf_counter() - t0)
    return {"train": train, "inference": BATCH / statistics.median(times)}

def main():
    steps = int(sys.argv[1])
    result = {"keras": keras.__version__}
    for name, shape in [("162x1", (162, 1)), ("300x40", (300, 40))]:
        result[name] = measure(shape, steps)
    print(json.dumps(result))

if __name__ == "__main__":
    main()
