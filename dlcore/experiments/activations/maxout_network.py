"""Part 4, Maxout: a network of Keras :class:`~dlcore.layers.Maxout` layers, and one unit's learned pieces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import engine
from dlcore.choices import make_initializer
from dlcore.device import seeds_for
from dlcore.experiments.activations.boundaries import BOUNDARY_DATASETS, TRAINING_LEARNING_RATES, Boundary, toy_split, trained_boundary
from dlcore.limits import Settings, choice, integer, number
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep


@dataclass(frozen=True)
class MaxoutConfig(Settings):
    dataset: str = choice("moons", BOUNDARY_DATASETS)
    pieces: int = integer(3, 2, 6)
    units: int = integer(8, 1, 16)
    learning_rate: float = number(0.01, options=TRAINING_LEARNING_RATES)
    epochs: int = integer(60, 1, cap="epochs")
    num_samples: int = integer(600, 50, cap="samples")
    noise: float = number(0.2, 0.0, 0.6, step=0.05)
    seed: int = integer(0, 0, 10_000)


def build_maxout_network(units: int, pieces: int, seed: int):
    """Two Maxout layers on a 2-D input and one logit. Every layer is named and seeded."""
    import keras

    from dlcore.layers import Maxout

    seeds = seeds_for(seed, 3)
    inputs = keras.Input(shape=(2,), name="inputs")
    hidden = Maxout(units, pieces, name="maxout_1", seed=seeds[0])(inputs)
    hidden = Maxout(units, pieces, name="maxout_2", seed=seeds[1])(hidden)
    outputs = keras.layers.Dense(1, kernel_initializer=make_initializer("glorot", seeds[2]), name="output")(hidden)
    return keras.Model(inputs, outputs, name="maxout_network")


def maxout_unit_pieces(kernel: np.ndarray, bias: np.ndarray, pieces: int, unit: int, points: np.ndarray) -> np.ndarray:
    """The value of each linear piece of one Maxout unit at `points`: (samples, pieces). The unit is their max."""
    columns = slice(unit * pieces, (unit + 1) * pieces)
    return points.astype(np.float64) @ kernel[:, columns].astype(np.float64) + bias[columns].astype(np.float64)


@dataclass(frozen=True)
class MaxoutResult:
    config: MaxoutConfig
    x_train: np.ndarray
    y_train: np.ndarray
    boundary: Boundary
    kernel: np.ndarray  # first Maxout layer, (2, units * pieces)
    bias: np.ndarray  # (units * pieces,)


def maxout_unit_views(result: MaxoutResult, unit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One unit's pieces over the boundary grid (for the region map) and along the line x₂ = mean of the data.

    Returns (grid_pieces (grid points, pieces), slice_x1, slice_pieces (len(slice_x1), pieces), x2).
    """
    if not 0 <= unit < result.config.units:
        raise ValueError(f"unit must be in 0..{result.config.units - 1}, got {unit}")
    xs, ys = result.boundary.xs, result.boundary.ys
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    x2 = float(result.x_train[:, 1].mean())
    line = np.stack([xs, np.full_like(xs, x2)], axis=1)
    pieces = result.config.pieces
    return (
        maxout_unit_pieces(result.kernel, result.bias, pieces, unit, grid),
        xs,
        maxout_unit_pieces(result.kernel, result.bias, pieces, unit, line),
        x2,
    )


def maxout(config: MaxoutConfig, progress=None) -> MaxoutResult:
    """Train the Maxout network with Adam and keep its boundary and its first layer's pieces."""
    config.validate()
    split = toy_split(config.dataset, config.num_samples, config.noise, config.seed)
    model = build_maxout_network(config.units, config.pieces, config.seed)
    step = SupervisedStep(model, make_optimizer("adam", config.learning_rate), "binary", kinds=("kernel",))
    history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), engine.TrainSpec(epochs=config.epochs, seed=config.seed), progress)
    first = model.get_layer("maxout_1")
    return MaxoutResult(config, split.x_train, split.y_train, trained_boundary("maxout", model, split, history), np.asarray(first.kernel), np.asarray(first.bias))
