"""engine_speedup_vs_fit: the compiled engine vs Keras model.fit on the same model, data and steps."""

from __future__ import annotations

import statistics
import time

import numpy as np

from dlcore import data, engine
from dlcore.choices import make_optimizer
from dlcore.models import MLPSpec, build_mlp

EPOCHS, BATCH_SIZE = 50, 32


def _points():
    split = data.toy_dataset("moons", num_samples=1000, noise=0.2, validation_fraction=0.01, seed=0)
    x = np.concatenate([split.x_train, split.x_val])
    y = np.concatenate([split.y_train, split.y_val])
    return x, y


def _engine_seconds(x, y) -> tuple[float, float, int]:
    model = build_mlp(MLPSpec(num_hidden_layers=3, units=16, activation="relu", seed=0))
    step = engine.SupervisedStep(model, make_optimizer("adam", 0.001), "binary")
    start = time.perf_counter()
    history = engine.fit(step, x, y, x[:10], y[:10], engine.TrainSpec(epochs=EPOCHS, batch_size=BATCH_SIZE))
    elapsed = time.perf_counter() - start
    assert history.gradient_norms.shape[0] == history.num_steps  # norms really recorded every step
    steady = float(history.epochs["seconds"].iloc[1:].sum())  # epochs 2..50: after the one-off compile
    return elapsed, steady, history.num_steps


def _fit_seconds(x, y) -> tuple[float, float, int]:
    import keras

    marks = []
    clock = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: marks.append(time.perf_counter()))

    model = build_mlp(MLPSpec(num_hidden_layers=3, units=16, activation="relu", seed=0))
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0, shuffle=True, callbacks=[clock])
    elapsed = time.perf_counter() - start
    return elapsed, marks[-1] - marks[0], EPOCHS * int(np.ceil(len(x) / BATCH_SIZE))


def measure(repeats: int = 5) -> dict:
    """Median of `repeats` interleaved runs each. Two views of the same runs:
    end to end (compile included, what a user waits for) and steady state (epochs 2..50)."""
    x, y = _points()
    engine_runs, fit_runs = [], []
    for _ in range(repeats):  # interleaved so both see the same machine state
        engine_runs.append(_engine_seconds(x, y))
        fit_runs.append(_fit_seconds(x, y))
    steps = engine_runs[0][2]
    assert steps == fit_runs[0][2]
    steady_steps = steps * (EPOCHS - 1) / EPOCHS
    engine_total, fit_total = (statistics.median(r[0] for r in runs) for runs in (engine_runs, fit_runs))
    engine_steady, fit_steady = (statistics.median(r[1] for r in runs) for runs in (engine_runs, fit_runs))
    return {
        "steps": steps,
        "engine_steps_per_s": round(steady_steps / engine_steady, 1),
        "fit_steps_per_s": round(steady_steps / fit_steady, 1),
        "engine_speedup_vs_fit": round(fit_steady / engine_steady, 2),
        "engine_total_s": round(engine_total, 3),
        "fit_total_s": round(fit_total, 3),
        "end_to_end_speedup_vs_fit": round(fit_total / engine_total, 2),
        "target": ">= 10",
    }
