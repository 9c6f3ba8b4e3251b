"""Part 5: loss landscapes around the trained weights (Li et al. 2018), plain against residual.

Two random directions in weight space, one entry per weight, drawn from a
seeded normal distribution and then *filter-normalised*: each filter of the
direction (a Dense unit's incoming weights, a convolution's output channel)
is rescaled to the norm of the same filter of the trained weights. Biases
and batch-norm parameters get no direction (Li et al.'s choice). Moving by
α along such a direction changes every filter by the same fraction of its
own size, so the pictures of two networks are comparable even though their
weights have different scales. The training loss is evaluated at
``w* + α·d₁ + β·d₂`` on a grid whose centre is exactly the trained network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.device import tf
from dlcore.experiments.resnet.blocks import build_network
from dlcore.experiments.resnet.common import (
    BATCH_SIZES,
    EVALUATION_BATCH,
    NETWORK_KINDS,
    OPTIMIZERS,
    RESNET_LEARNING_RATES,
    TOY_SETS,
    load_task,
    make_decaying_optimizer,
    memory_problem,
    network_label,
    spec_for,
    total_steps,
)
from dlcore.experiments.resnet.side_by_side import SideBySideStep, network_table
from dlcore.limits import Settings, choice, flag, integer, number
from dlcore.steps import loss_and_accuracy

RESOLUTIONS = tuple(range(5, 52, 2))  # odd, so that the grid's centre is the trained weights exactly
SPANS = (0.25, 0.5, 1.0, 1.5, 2.0)


@dataclass(frozen=True)
class Config(Settings):
    network: str = choice("mlp", NETWORK_KINDS)
    dataset: str = choice("spiral", TOY_SETS)
    blocks: int = integer(8, 1, 40, cap="depth")
    width: int = integer(16, 4, cap="width")
    batch_norm: bool = flag(False)
    optimizer: str = choice("adam", OPTIMIZERS)
    learning_rate: float = number(0.01, options=RESNET_LEARNING_RATES)
    epochs: int = integer(20, 1, 200, cap="epochs")
    batch_size: int = integer(64, options=BATCH_SIZES)
    resolution: int = integer(21, options=RESOLUTIONS)
    span: float = number(1.0, options=SPANS)
    direction_seed: int = integer(0, 0, 10_000)
    seed: int = integer(0, 0, 10_000)

    def cross_checks(self) -> list[str]:
        memory = memory_problem(self.network, 2 * self.blocks, self.width, self.batch_size, self.batch_norm)
        return [memory] if memory else []


def filter_normalized_direction(weights: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """A random direction shaped like `weights`, each filter rescaled to its weight filter's norm; zero for 1-D weights.

    A filter is everything feeding one output unit or channel: ``kernel[..., j]``
    for a Dense kernel (inputs, units) and a Conv2D kernel (h, w, in, out) alike.
    """
    direction = []
    for weight in weights:
        weight = np.asarray(weight, dtype=np.float64)
        if weight.ndim < 2:
            direction.append(np.zeros_like(weight))
            continue
        random = rng.standard_normal(weight.shape)
        axes = tuple(range(weight.ndim - 1))
        weight_norms = np.sqrt(np.sum(weight**2, axis=axes, keepdims=True))
        random_norms = np.sqrt(np.sum(random**2, axis=axes, keepdims=True))
        direction.append(random * weight_norms / np.maximum(random_norms, 1e-12))
    return direction


def grid_values(resolution: int, span: float) -> np.ndarray:
    """`resolution` (odd) evenly spaced values in [-span, span] whose middle one is exactly 0."""
    half = resolution // 2
    return span * (np.arange(resolution) - half) / half


@dataclass(frozen=True)
class Slice:
    label: str
    residual: bool
    trained_loss: float  # the engine's training loss after the last epoch
    line: np.ndarray  # (resolution,) loss along direction 1 (β = 0)
    surface: np.ndarray  # (resolution, resolution): surface[i, j] is the loss at (alphas[j], betas[i])
    epochs: pd.DataFrame

    @property
    def centre(self) -> float:
        middle = len(self.line) // 2
        return float(self.surface[middle, middle])

    @property
    def local_minima(self) -> int:
        """Grid points lower than all their (up to 8) neighbours: 1 for a single bowl, more for a rugged surface."""
        values = np.pad(self.surface, 1, constant_values=np.inf)
        centre = values[1:-1, 1:-1]
        lower = np.ones_like(centre, dtype=bool)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                if di or dj:
                    lower &= centre < values[1 + di : values.shape[0] - 1 + di, 1 + dj : values.shape[1] - 1 + dj]
        return int(lower.sum())

    @property
    def edge_rise(self) -> float:
        """Mean loss on the grid's border divided by the loss at the centre."""
        border = np.concatenate([self.surface[0], self.surface[-1], self.surface[1:-1, 0], self.surface[1:-1, -1]])
        return float(np.mean(border) / max(self.centre, 1e-12))


@dataclass(frozen=True)
class Result:
    config: Config
    alphas: np.ndarray
    betas: np.ndarray
    plain: Slice
    residual: Slice
    seconds: float

    @property
    def slices(self) -> tuple[Slice, Slice]:
        return (self.plain, self.residual)


def landscape(network, x: np.ndarray, y: np.ndarray, task: str, alphas: np.ndarray, betas: np.ndarray, direction_seed: int, progress=None) -> np.ndarray:
    """(len(betas), len(alphas)) training losses of `network` at w* + α d₁ + β d₂; the weights are put back afterwards.

    One compiled call per row of the grid, looping over the row in the graph.
    """
    variables = network.trainable_variables
    trained = [v.numpy() for v in variables]
    rng = np.random.default_rng([direction_seed, 7])
    first, second = filter_normalized_direction(trained, rng), filter_normalized_direction(trained, rng)
    base = [tf.constant(w) for w in trained]
    d1 = [tf.constant(d.astype(np.float32)) for d in first]
    d2 = [tf.constant(d.astype(np.float32)) for d in second]
    x_tensor, y_tensor = tf.constant(x), tf.constant(y)

    def row(row_alphas, beta):
        def body(index, losses):
            alpha = row_alphas[index]
            assigned = [v.assign(w + alpha * a + beta * b) for v, w, a, b in zip(variables, base, d1, d2)]
            with tf.control_dependencies(assigned):
                loss = loss_and_accuracy(task, y_tensor, network(x_tensor, training=False))[0]
            return index + 1, losses.write(index, loss)

        count = tf.shape(row_alphas)[0]
        _, losses = tf.while_loop(lambda index, losses: index < count, body, (tf.constant(0), tf.TensorArray(tf.float32, size=count)))
        return losses.stack()

    compiled = tf.function(row, autograph=False)
    alpha_tensor = tf.constant(alphas.astype(np.float32))
    values = np.zeros((len(betas), len(alphas)))
    try:
        for index, beta in enumerate(betas):
            values[index] = compiled(alpha_tensor, tf.constant(np.float32(beta))).numpy()
            if progress is not None:
                progress(index + 1, len(betas))
    finally:
        for variable, weight in zip(variables, trained):
            variable.assign(weight)
    return values


def train_pair(config: Config, progress=None):
    """(task, [plain, residual] trained Keras networks, history): the two networks whose landscapes are drawn."""
    task = load_task(config.network, config.dataset, 1000, 0.2, config.seed)
    split = task.split
    networks = [build_network(spec_for(task, config.network, config.blocks, config.width, residual, config.batch_norm, config.seed)) for residual in (False, True)]
    steps = total_steps(len(split.x_train), config.batch_size, config.epochs)
    step = SideBySideStep(networks, make_decaying_optimizer(config.optimizer, config.learning_rate, steps), task.task, kinds=())
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, evaluation_batch_size=EVALUATION_BATCH)
    history = engine.fit(step, (split.x_train, split.y_train), None, spec, engine.sweep_progress(progress, 0, 2, "Training both networks"))
    return task, networks, history


def run(config: Config, progress=None) -> Result:
    config.validate()
    task, networks, history = train_pair(config, progress)
    alphas, betas = grid_values(config.resolution, config.span), grid_values(config.resolution, config.span)
    x, y = task.split.x_train, task.split.y_train  # the whole training set, as the engine's training loss
    slices = []
    for index, (network, residual) in enumerate(zip(networks, (False, True))):
        label = network_label(residual, config.blocks)
        surface = landscape(network, x, y, task.task, alphas, betas, config.direction_seed, _row_progress(progress, index, label, config.epochs))
        table = network_table(history.epochs, network.name)
        slices.append(Slice(label, residual, float(table["train_loss"].iloc[-1]), surface[len(betas) // 2].copy(), surface, table))
    return Result(config, alphas, betas, slices[0], slices[1], history.seconds)


def _row_progress(progress, index: int, label: str, epochs: int):
    """Map the rows of network `index`'s landscape into its quarter of the progress bar's second half."""
    if progress is None:
        return None

    def report(done: int, total: int):
        progress(engine.ProgressInfo(epochs, epochs, label=f"Loss landscape of {label}: row {done}/{total}", fraction_offset=0.5, fraction_share=0.25 * (index + done / total)))

    return report


def describe(result: Result) -> str:
    parts = [f"{s.label}: **{s.local_minima}** local minim{'um' if s.local_minima == 1 else 'a'} on the grid, border loss **{_times(s.edge_rise)}** the centre's" for s in result.slices]
    return "; ".join(parts) + "."


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.3g}×"
