"""engine_vs_fit: the compiled engine vs Keras model.fit on the same model, data, batch size and epochs.

Three models: the 3x16 ReLU MLP on 1,000 two-moons points (engine_speedup_vs_fit,
the figure DESIGN.md quotes), a small CNN on the bundled 8x8 digits, and a
character-level LSTM on Python's own help texts. The engine also records the
gradient norm of every variable group at every update and evaluates the whole
training set after every epoch, which model.fit does not: it does more work.
"""

from __future__ import annotations

import pydoc_data.topics
import statistics
import time

import numpy as np

from dlcore import data, engine
from dlcore.models import CNNSpec, MLPSpec, build_mlp, build_small_cnn
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep


def _moons():
    split = data.toy_dataset("moons", num_samples=1000, noise=0.2, validation_fraction=0.01, seed=0)
    x, y = np.concatenate([split.x_train, split.x_val]), np.concatenate([split.y_train, split.y_val])
    return lambda: build_mlp(MLPSpec(num_hidden_layers=3, units=16, activation="relu", seed=0)), "binary", x, y, 50, 32


def _digits():
    split = data.digits_dataset(seed=0, flat=False)
    return lambda: build_small_cnn(CNNSpec(filters=16, dense_units=32, seed=0)), "multiclass", split.x_train, split.y_train, 10, 32


def _characters(length: int = 40, characters: int = 20_000):
    import keras
    from keras import layers

    text = "".join(pydoc_data.topics.topics[name] for name in sorted(pydoc_data.topics.topics))[:characters]
    vocabulary = sorted(set(text))
    codes = np.array([vocabulary.index(c) for c in text], np.int32)
    starts = np.arange(0, len(codes) - length - 1, length)
    x = np.stack([codes[s : s + length] for s in starts])
    y = np.stack([codes[s + 1 : s + length + 1] for s in starts])

    def build():
        inputs = keras.Input(shape=(length,), dtype="int32")
        h = layers.Embedding(len(vocabulary), 32, embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=0), name="embedding")(inputs)
        h = layers.LSTM(128, return_sequences=True, kernel_initializer=keras.initializers.GlorotUniform(seed=1), recurrent_initializer=keras.initializers.Orthogonal(seed=2), name="lstm")(h)
        return keras.Model(inputs, layers.Dense(len(vocabulary), kernel_initializer=keras.initializers.GlorotUniform(seed=3), name="next_character")(h))

    return build, "multiclass", x, y, 4, 32


def _engine_seconds(build, task, x, y, epochs, batch_size) -> tuple[float, float, int]:
    step = SupervisedStep(build(), make_optimizer("adam", 0.001), task)
    start = time.perf_counter()
    history = engine.fit(step, (x, y), None, engine.TrainSpec(epochs=epochs, batch_size=batch_size))
    elapsed = time.perf_counter() - start
    assert history.gradient_norms.shape == (history.num_steps, len(step.groups))  # norms really recorded every step
    steady = float(history.epochs["seconds"].iloc[1:].sum())  # epochs 2..: after the one-off compile
    return elapsed, steady, history.num_steps


def _fit_seconds(build, task, x, y, epochs, batch_size, evaluate: bool = False) -> tuple[float, float, int]:
    """model.fit's time; `evaluate`: fit also measures the whole training set after every epoch (as validation data), as the engine does."""
    import keras

    marks = []
    clock = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: marks.append(time.perf_counter()))
    model = build()
    loss = keras.losses.BinaryCrossentropy(from_logits=True) if task == "binary" else keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss=loss, metrics=["accuracy"])
    start = time.perf_counter()
    extra = dict(validation_data=(x, y), validation_batch_size=engine.TrainSpec().evaluation_batch_size) if evaluate else {}
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True, callbacks=[clock], **extra)
    elapsed = time.perf_counter() - start
    return elapsed, marks[-1] - marks[0], epochs * int(np.ceil(len(x) / batch_size))


def _compare(setup, repeats: int, same_evaluation: bool = False) -> dict:
    """Median of `repeats` interleaved runs each: end to end (compile included) and steady state (epochs 2..).

    With `same_evaluation`, a third contender: model.fit that also evaluates the training set after every
    epoch, as the engine does (the like-for-like figure; plain fit skips that pass)."""
    build, task, x, y, epochs, batch_size = setup
    engine_runs, fit_runs, evaluating_runs = [], [], []
    for _ in range(repeats):  # interleaved so all see the same machine state
        engine_runs.append(_engine_seconds(build, task, x, y, epochs, batch_size))
        fit_runs.append(_fit_seconds(build, task, x, y, epochs, batch_size))
        if same_evaluation:
            evaluating_runs.append(_fit_seconds(build, task, x, y, epochs, batch_size, evaluate=True))
    steps = engine_runs[0][2]
    assert steps == fit_runs[0][2]
    steady_steps = steps * (epochs - 1) / epochs
    engine_total, fit_total = (statistics.median(r[0] for r in runs) for runs in (engine_runs, fit_runs))
    engine_steady, fit_steady = (statistics.median(r[1] for r in runs) for runs in (engine_runs, fit_runs))
    extra = {}
    if same_evaluation:
        evaluating_steady = statistics.median(r[1] for r in evaluating_runs)
        extra = {"fit_evaluating_steps_per_s": round(steady_steps / evaluating_steady, 1), "speedup_same_evaluation": round(evaluating_steady / engine_steady, 2)}
    return {
        **extra,
        "steps": steps,
        "engine_steps_per_s": round(steady_steps / engine_steady, 1),
        "fit_steps_per_s": round(steady_steps / fit_steady, 1),
        "speedup": round(fit_steady / engine_steady, 2),
        "engine_total_s": round(engine_total, 3),
        "fit_total_s": round(fit_total, 3),
        "end_to_end_speedup": round(fit_total / engine_total, 2),
    }


def measure(repeats: int = 5) -> dict:
    mlp = _compare(_moons(), repeats)
    return {
        "engine_speedup_vs_fit": mlp["speedup"],
        "target": ">= 10 (MLP); >= 1.0 (CNN, LSTM)",
        "mlp": mlp,
        "cnn": _compare(_digits(), max(3, repeats // 2), same_evaluation=True),
        "lstm": _compare(_characters(), max(3, repeats // 2), same_evaluation=True),
    }
