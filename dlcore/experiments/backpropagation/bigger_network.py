"""Bigger networks: the same gradient check, layer by layer, and what each way of getting gradients costs.

On an MLP trained on the two-moons data, the gradient of every kernel comes
three ways: the engine's compiled step (:func:`dlcore.engine.gradients`, which
computes the gradient of a batch without applying it), an eager
``tf.GradientTape``, and central finite differences in float64 numpy on a
sample of weights in each layer. Each way is timed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.special

from dlcore import data, engine
from dlcore.choices import ACTIVATIONS, INITIALIZER_LABELS
from dlcore.device import tf
from dlcore.experiments.backpropagation.step_through import relative_error
from dlcore.limits import Settings, choice, integer
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep, loss_and_accuracy

CHECK_FINITE_DIFFERENCE_STEP = 1e-6  # central differences in float64
CHECK_UNITS = (2, 4, 8, 16, 32, 64)
CHECK_TRAINING_SET_SIZES = (40, 100, 200, 400, 1000, 2000)


@dataclass(frozen=True)
class GradientCheckConfig(Settings):
    num_hidden_layers: int = integer(4, 1, 10, cap="depth")
    units: int = integer(16, options=CHECK_UNITS, cap="width")
    activation: str = choice("tanh", ACTIVATIONS)
    initializer: str = choice("glorot", INITIALIZER_LABELS)
    num_samples: int = integer(200, options=CHECK_TRAINING_SET_SIZES, cap="samples")
    weights_per_layer: int = integer(5, 1, 50)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class CheckProgress:
    """What the page's progress bar shows between the parts of the check."""

    fraction: float
    message: str


@dataclass(frozen=True)
class GradientCheckResult:
    config: GradientCheckConfig
    layers: pd.DataFrame  # one row per layer: weights, sampled, gradient norm, worst relative errors
    samples: pd.DataFrame  # one row per sampled weight: layer, row, column, tape, engine, finite difference, errors
    timings: pd.DataFrame  # method, computes, forward_passes, seconds
    num_parameters: int
    loss: float


_NUMPY_ACTIVATIONS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.2 * z),  # Keras' default negative slope
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "gelu": lambda z: 0.5 * z * (1.0 + scipy.special.erf(z / np.sqrt(2.0))),  # Keras' exact (erf) form
    "selu": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0.0))),
    "silu": lambda z: z / (1.0 + np.exp(-z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "linear": lambda z: z,
}


def numpy_binary_loss(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, activation: str) -> float:
    """Mean binary cross-entropy of the MLP in float64 numpy, independent of TensorFlow."""
    act = _NUMPY_ACTIVATIONS[activation]
    h = x.astype(np.float64)
    for index in range(0, len(weights) - 2, 2):
        h = act(h @ weights[index] + weights[index + 1])
    logits = (h @ weights[-2] + weights[-1])[:, 0]
    return float(np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))


def _sampled_positions(shape, count: int, rng) -> list[tuple[int, int]]:
    flat = rng.choice(int(np.prod(shape)), size=min(count, int(np.prod(shape))), replace=False)
    return [tuple(int(i) for i in np.unravel_index(f, shape)) for f in sorted(flat)]


def check_bigger_network(config: GradientCheckConfig = GradientCheckConfig(), progress=None) -> GradientCheckResult:
    """Every kernel's gradient from the engine and from the tape, a sample of them from finite differences, each timed."""
    config.validate()
    split = data.toy_dataset("moons", num_samples=config.num_samples, noise=0.2, validation_fraction=0.3, seed=config.seed)
    x, y = split.x_train, split.y_train
    spec = MLPSpec(num_hidden_layers=config.num_hidden_layers, units=config.units, activation=config.activation, initializer=config.initializer, seed=config.seed)
    report = progress or (lambda info: None)
    model = build_mlp(spec)
    step = SupervisedStep(model, make_optimizer("sgd", 0.1), "binary", kinds=("kernel",))  # its optimizer is never used here
    names = list(step.group_names)

    report(CheckProgress(0.05, "Backpropagation with tf.GradientTape"))
    kernels = [group.variables[0] for group in step.groups]
    _tape_kernel_gradients(model, kernels, x, y)  # the first call also builds Keras' eager functions: time the second
    started = time.perf_counter()
    loss, tape_gradients = _tape_kernel_gradients(model, kernels, x, y)
    tape_seconds = time.perf_counter() - started

    report(CheckProgress(0.2, "The engine's gradients of the whole training set, compiled"))
    started = time.perf_counter()
    engine_gradients = engine.gradients(step, (x, y))
    engine_seconds = time.perf_counter() - started
    engine_gradients = [engine_gradients[name] for name in names]

    weights64 = [w.astype(np.float64) for w in model.get_weights()]
    samples, finite_seconds = _sampled_checks(config, names, weights64, tape_gradients, engine_gradients, x, y, report)
    num_parameters = int(sum(w.size for w in weights64))
    timings = _timings(tape_seconds, engine_seconds, finite_seconds, len(samples), num_parameters)
    return GradientCheckResult(config, _layer_table(names, samples, tape_gradients), samples, timings, num_parameters, float(loss))


def _sampled_checks(config, names, weights64, tape_gradients, engine_gradients, x, y, report) -> tuple[pd.DataFrame, float]:
    """One row per sampled weight (tape, engine, finite difference and their errors), and the seconds finite differences took."""
    rng = np.random.default_rng(config.seed)
    kernel_slots = [index for index, w in enumerate(weights64) if w.ndim == 2]
    rows, finite_seconds = [], 0.0
    for number, (name, slot) in enumerate(zip(names, kernel_slots)):
        report(CheckProgress(0.4 + 0.6 * number / len(names), f"Finite differences in layer {name}"))
        started = time.perf_counter()
        for position in _sampled_positions(weights64[slot].shape, config.weights_per_layer, rng):
            estimate = _central_difference(weights64, slot, position, x, y, config.activation)
            rows.append(dict(layer=name, row=position[0], column=position[1], gradient_tape=float(tape_gradients[number][position]), engine=float(engine_gradients[number][position]), finite_difference=estimate))
        finite_seconds += time.perf_counter() - started
    samples = pd.DataFrame(rows)
    samples["relative_error_engine"] = relative_error(samples["engine"], samples["gradient_tape"])
    samples["relative_error_finite_difference"] = relative_error(samples["finite_difference"], samples["gradient_tape"])
    return samples, finite_seconds


def _layer_table(names, samples: pd.DataFrame, tape_gradients) -> pd.DataFrame:
    rows = []
    for number, name in enumerate(names):
        of_layer = samples[samples["layer"] == name]
        rows.append(
            dict(
                layer=name,
                weights=int(tape_gradients[number].size),
                sampled=len(of_layer),
                gradient_norm=float(np.linalg.norm(tape_gradients[number])),
                max_relative_error_engine=float(of_layer["relative_error_engine"].max()),
                max_relative_error_finite_difference=float(of_layer["relative_error_finite_difference"].max()),
            )
        )
    return pd.DataFrame(rows)


def _tape_kernel_gradients(model, kernels, x, y):
    with tf.GradientTape() as tape:
        loss, _ = loss_and_accuracy("binary", y, model(x, training=True))
    return loss, [g.numpy() for g in tape.gradient(loss, kernels)]


def _central_difference(weights64, slot, position, x, y, activation) -> float:
    h = CHECK_FINITE_DIFFERENCE_STEP
    losses = []
    for sign in (1.0, -1.0):
        moved = [w.copy() if i == slot else w for i, w in enumerate(weights64)]
        moved[slot][position] += sign * h
        losses.append(numpy_binary_loss(moved, x, y, activation))
    return (losses[0] - losses[1]) / (2 * h)



def _timings(tape_seconds, engine_seconds, finite_seconds, sampled, num_parameters) -> pd.DataFrame:
    per_weight = finite_seconds / max(sampled, 1)
    every = f"all {num_parameters} gradients"
    return pd.DataFrame(
        [
            dict(method="Backprop: tf.GradientTape (eager, second call)", label="tape", computes=every, forward_passes="1 forward + 1 backward", seconds=tape_seconds),
            dict(method="Backprop: engine.gradients (one compiled call, tracing included)", label="engine", computes=every, forward_passes="1 forward + 1 backward", seconds=engine_seconds),
            dict(method="Finite differences: the sampled weights", label="FD, sampled", computes=f"{sampled} gradients", forward_passes=f"{2 * sampled} forward", seconds=finite_seconds),
            dict(method="Finite differences: every weight (estimated)", label="FD, all (est.)", computes=every, forward_passes=f"{2 * num_parameters} forward", seconds=per_weight * num_parameters),
        ]
    )
