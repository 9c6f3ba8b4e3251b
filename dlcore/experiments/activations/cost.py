"""Part 3, why ReLU (1 of 3), cost: the time of a forward and backward pass, and of the activation alone.

Timings are live measurements, not a pure function of the config: the
``trial`` field exists so that a page can ask for a fresh measurement.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.device import describe_device, tf
from dlcore.limits import Settings, integer, number
from dlcore.models import MLPSpec, build_mlp

COST_WIDTHS = (16, 64, 256, 512)
ELEMENTWISE_SIZE = 1 << 20


@dataclass(frozen=True)
class CostConfig(Settings):
    num_hidden_layers: int = integer(4, 1, 10)
    batch_size: int = integer(256, 1, 2048)
    seconds_per_cell: float = number(0.15, 0.01, 5.0)
    trial: int = integer(0, 0, 1_000_000)  # bump to measure again (timings are live, not cached forever)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class CostResult:
    config: CostConfig
    passes: pd.DataFrame  # width, activation, ms (median per forward+backward pass), repeats
    elementwise: pd.DataFrame  # activation, ms (the activation and its gradient alone on one big tensor)
    elementwise_size: int
    device: str


def _timed_median(functions: dict, argument, seconds: float, minimum: int = 5) -> dict[str, tuple[float, int]]:
    """Median wall time per call of each function, calls interleaved so that drift hits all alike."""
    for function in functions.values():
        function(argument)  # trace and warm up
        function(argument)
    times = {name: [] for name in functions}
    deadline = time.perf_counter() + seconds * len(functions)
    while min(len(t) for t in times.values()) < minimum or time.perf_counter() < deadline:
        for name, function in functions.items():
            start = time.perf_counter()
            np.asarray(function(argument))
            times[name].append(time.perf_counter() - start)
        if min(len(t) for t in times.values()) >= 500:
            break
    return {name: (1000.0 * float(np.median(t)), len(t)) for name, t in times.items()}


def _pass_function(model):
    @tf.function
    def forward_backward(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True)))
        gradients = tape.gradient(loss, model.trainable_variables)
        return tf.add_n([tf.reduce_sum(g) for g in gradients])

    return forward_backward


def _elementwise_function(activation):
    @tf.function
    def value_and_slope(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = activation(x)
        return tf.reduce_sum(tape.gradient(y, x)) + tf.reduce_sum(y)

    return value_and_slope


def relu_cost(config: CostConfig, progress=None) -> CostResult:
    """Median times of sigmoid and ReLU networks of growing width, and of the two functions on a million numbers."""
    config.validate()
    rows = []
    rng = np.random.default_rng(config.seed)
    for index, width in enumerate(COST_WIDTHS):
        x = tf.constant(rng.normal(size=(config.batch_size, width)).astype(np.float32))
        functions = {}
        for activation in ("sigmoid", "relu"):
            spec = MLPSpec(num_inputs=width, num_hidden_layers=config.num_hidden_layers, units=width, activation=activation, seed=config.seed)
            functions[activation] = _pass_function(build_mlp(spec))
        for activation, (ms, repeats) in _timed_median(functions, x, config.seconds_per_cell).items():
            rows.append(dict(width=width, activation=activation, ms=ms, repeats=repeats))
        if progress is not None:
            progress(engine.ProgressInfo(index + 1, len(COST_WIDTHS) + 1, label="Timing forward + backward passes"))
    big = tf.constant(rng.normal(size=(ELEMENTWISE_SIZE,)).astype(np.float32))
    timed = _timed_median({"sigmoid": _elementwise_function(tf.sigmoid), "relu": _elementwise_function(tf.nn.relu)}, big, config.seconds_per_cell)
    elementwise = pd.DataFrame([dict(activation=name, ms=ms, repeats=repeats) for name, (ms, repeats) in timed.items()])
    return CostResult(config, pd.DataFrame(rows), elementwise, ELEMENTWISE_SIZE, describe_device().label)
