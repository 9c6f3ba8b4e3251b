"""Bigger networks: the same gradient check, layer by layer, and what each way of getting gradients costs.

On an MLP trained on the two-moons data, the gradient of every kernel comes
four ways: the engine's compiled step (:func:`dlcore.engine.gradients`, which
computes the gradient of a batch without applying it) and an eager
``tf.GradientTape``, both in the model's float32; the same tape on a float64
copy of the network (the reference); and central finite differences in float64
numpy on a sample of weights in each layer. Each way is timed.

Errors are measured per layer as norms, ||a - b|| / ||b||, so that one tiny
gradient whose digits cancel cannot dominate a layer. A float32 gradient can
only agree with the float64 one to float32 precision (about 1e-7 per number,
more after the sums of a backward pass); a finite difference has an absolute
rounding error of about eps * L / h, so it cannot check a gradient smaller than
that, which is what vanishing gradients are.
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
TIMING_REPEATS = 3  # backprop is timed as the fastest of this many calls
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
    finite_difference_noise: float  # about eps * L / h: the smallest gradient a finite difference can resolve
    tracing_seconds: float  # the one-off cost of tracing the engine's graph, kept out of the timings

    @property
    def worst(self) -> dict[str, float]:
        """The worst layer's error of each comparison."""
        return {column: float(self.layers[column].max()) for column in ERROR_COLUMNS}

    def unresolved_layers(self) -> list[str]:
        """Layers where finite differences miss the float64 gradient by more than FINITE_DIFFERENCE_AGREEMENT."""
        return list(self.layers.loc[self.layers["relative_error_finite_difference"] > FINITE_DIFFERENCE_AGREEMENT, "layer"])

    def caption(self) -> str:
        """What this run's comparisons show, in sentences chosen and filled in from its numbers."""
        worst = self.worst
        engine = worst["relative_error_engine"]
        sentences = [
            "the engine's compiled gradients equal the eager tape's bit for bit in every layer"
            if engine == 0
            else f"the engine's compiled gradients and the eager tape (the same float32 arithmetic, summed in another order) agree to {engine:.0e} at worst",
            f"both are float32, so against the float64 tape they agree only to float32 precision: {worst['relative_error_float32']:.0e} at worst "
            "(one float32 number holds about 7 digits; the sums of a backward pass lose a little more)",
        ]
        missed = self.unresolved_layers()
        good = self.layers.loc[~self.layers["layer"].isin(missed), "relative_error_finite_difference"]
        if not missed:
            sentences.append(f"finite differences agree with the float64 tape to {good.max():.0e} or better in every layer")
        else:
            of_missed = self.layers[self.layers["layer"].isin(missed)]
            agree = f"agree to {good.max():.0e} in the other layers, but " if len(good) else ""
            sentences.append(
                f"finite differences {agree}miss by up to {of_missed['relative_error_finite_difference'].max():.0e} in {_layer_span(missed)}: "
                f"gradients there are as small as {of_missed['sampled_gradient_rms'].min():.0e}, too close to a finite difference's rounding noise "
                f"(about ε·L/h = {self.finite_difference_noise:.0e}, the dotted line) to be measured. Backprop has no such floor: it checks vanishing gradients that finite differences cannot"
            )
        return "; ".join(sentences) + "."


FINITE_DIFFERENCE_AGREEMENT = 1e-4  # a layer whose finite differences are further off than this is named in the caption


def _layer_span(names: list[str]) -> str:
    return names[0] if len(names) == 1 else (" and ".join(names) if len(names) == 2 else f"{len(names)} layers ({names[0]} … {names[-1]})")


ERROR_COLUMNS = ("relative_error_engine", "relative_error_float32", "relative_error_finite_difference")


def finite_difference_noise(loss: float) -> float:
    """Rounding error of a central difference: each loss carries about eps * |L|, divided by the step 2h (times two losses)."""
    return float(np.finfo(np.float64).eps * max(abs(loss), 1e-3) / CHECK_FINITE_DIFFERENCE_STEP)


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


def float64_kernel_gradients(weights64: list[np.ndarray], x: np.ndarray, y: np.ndarray, activation: str) -> tuple[float, list[np.ndarray]]:
    """Loss and kernel gradients of the same MLP in float64, by tf.GradientTape on a functional copy of its forward pass."""
    import keras

    identifier = ACTIVATIONS[activation]
    act = keras.activations.get(identifier) if identifier is not None else (lambda z: z)
    variables = [tf.Variable(w, dtype=tf.float64) for w in weights64]
    with tf.GradientTape() as tape:
        h = tf.constant(x, dtype=tf.float64)
        for index in range(0, len(variables) - 2, 2):
            h = act(h @ variables[index] + variables[index + 1])
        logits = (h @ variables[-2] + variables[-1])[:, 0]
        labels = tf.constant(np.asarray(y, dtype=np.float64).reshape(-1))
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
    return float(loss), [g.numpy() for g in tape.gradient(loss, variables[0::2])]


def norm_relative_error(a, b) -> float:
    """||a - b|| / ||b||; 0 when both are zero, 1 when only b is."""
    difference = float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))
    reference = float(np.linalg.norm(np.asarray(b, dtype=np.float64)))
    if reference == 0.0:
        return 0.0 if difference == 0.0 else 1.0
    return difference / reference


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
    _tape_kernel_gradients(model, kernels, x, y)  # the first call also builds Keras' eager functions: time the next ones
    tape_seconds = float("inf")
    for _ in range(TIMING_REPEATS):  # the fastest of a few calls: the least disturbed by other work on the machine
        started = time.perf_counter()
        loss, tape_gradients = _tape_kernel_gradients(model, kernels, x, y)
        tape_seconds = min(tape_seconds, time.perf_counter() - started)

    report(CheckProgress(0.2, "The engine's gradients of the whole training set, compiled"))
    started = time.perf_counter()
    engine_gradients = engine.gradients(step, (x, y))  # traces a graph, then runs it once
    engine_seconds = time.perf_counter() - started
    engine_gradients = [engine_gradients[name] for name in names]
    compiled = tf.function(step.gradients, autograph=False)  # the same compiled step, traced once more and then timed on its second call
    tensors = (tf.constant(x), tf.constant(y))
    compiled(*tensors)
    compiled_seconds = float("inf")
    for _ in range(TIMING_REPEATS):
        started = time.perf_counter()
        tf.nest.map_structure(lambda t: t.numpy(), compiled(*tensors))
        compiled_seconds = min(compiled_seconds, time.perf_counter() - started)

    report(CheckProgress(0.3, "The float64 reference"))
    weights64 = [w.astype(np.float64) for w in model.get_weights()]
    _, exact_gradients = float64_kernel_gradients(weights64, x, y, config.activation)
    samples, finite_seconds = _sampled_checks(config, names, weights64, tape_gradients, engine_gradients, exact_gradients, x, y, report)
    num_parameters = int(sum(w.size for w in weights64))
    timings = _timings(tape_seconds, compiled_seconds, finite_seconds, len(samples), num_parameters)
    tracing_seconds = max(engine_seconds - compiled_seconds, 0.0)  # engine.gradients traced and ran once; the run alone is compiled_seconds
    layers = _layer_table(names, samples, tape_gradients, engine_gradients, exact_gradients)
    return GradientCheckResult(config, layers, samples, timings, num_parameters, float(loss), finite_difference_noise(float(loss)), tracing_seconds)


def _sampled_checks(config, names, weights64, tape_gradients, engine_gradients, exact_gradients, x, y, report) -> tuple[pd.DataFrame, float]:
    """One row per sampled weight (tape, engine, finite difference and their errors), and the seconds finite differences took."""
    rng = np.random.default_rng(config.seed)
    kernel_slots = [index for index, w in enumerate(weights64) if w.ndim == 2]
    rows, finite_seconds = [], 0.0
    for number, (name, slot) in enumerate(zip(names, kernel_slots)):
        report(CheckProgress(0.4 + 0.6 * number / len(names), f"Finite differences in layer {name}"))
        started = time.perf_counter()
        for position in _sampled_positions(weights64[slot].shape, config.weights_per_layer, rng):
            estimate = _central_difference(weights64, slot, position, x, y, config.activation)
            rows.append(
                dict(
                    layer=name, row=position[0], column=position[1], float64=float(exact_gradients[number][position]),
                    gradient_tape=float(tape_gradients[number][position]), engine=float(engine_gradients[number][position]), finite_difference=estimate,
                )
            )
        finite_seconds += time.perf_counter() - started
    samples = pd.DataFrame(rows)
    samples["relative_error_engine"] = relative_error(samples["engine"], samples["gradient_tape"])
    samples["relative_error_float32"] = relative_error(samples["gradient_tape"], samples["float64"])
    samples["relative_error_finite_difference"] = relative_error(samples["finite_difference"], samples["float64"])
    return samples, finite_seconds


def _layer_table(names, samples: pd.DataFrame, tape_gradients, engine_gradients, exact_gradients) -> pd.DataFrame:
    """Per layer: size, gradient norm (float64) and the norm-relative error of each comparison."""
    rows = []
    for number, name in enumerate(names):
        of_layer = samples[samples["layer"] == name]
        rows.append(
            dict(
                layer=name,
                weights=int(exact_gradients[number].size),
                sampled=len(of_layer),
                gradient_norm=float(np.linalg.norm(exact_gradients[number])),
                sampled_gradient_rms=float(np.sqrt(np.mean(np.square(of_layer["float64"])))),
                relative_error_engine=norm_relative_error(engine_gradients[number], tape_gradients[number]),  # every weight of the layer
                relative_error_float32=norm_relative_error(tape_gradients[number], exact_gradients[number]),  # every weight of the layer
                relative_error_finite_difference=norm_relative_error(of_layer["finite_difference"], of_layer["float64"]),  # the sampled weights
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



def _timings(tape_seconds, compiled_seconds, finite_seconds, sampled, num_parameters) -> pd.DataFrame:
    """Seconds of each way to the gradients (tracing excluded: it is reported apart)."""
    per_weight = finite_seconds / max(sampled, 1)
    every = f"all {num_parameters} gradients"
    return pd.DataFrame(
        [
            dict(method="Backprop: tf.GradientTape (eager, fastest of 3 calls after a first one)", label="tape", computes=every, forward_passes="1 forward + 1 backward", seconds=tape_seconds),
            dict(method="Backprop: the engine's compiled step (fastest of 3 calls after the tracing one)", label="compiled", computes=every, forward_passes="1 forward + 1 backward", seconds=compiled_seconds),
            dict(method="Finite differences: the sampled weights", label="FD, sampled", computes=f"{sampled} gradients", forward_passes=f"{2 * sampled} forward", seconds=finite_seconds),
            dict(method="Finite differences: every weight (estimated)", label="FD, all (est.)", computes=every, forward_passes=f"{2 * num_parameters} forward", seconds=per_weight * num_parameters),
        ]
    )
