"""Sweeps: the final errors of many polynomials against capacity, training-set size and noise.

One polynomial per swept value, all trained at once in one compiled loop
(:class:`ParallelStep`): model k sees Chebyshev features up to its own degree
(zeros beyond), its own share of the training points (sample weights) and
its own noise level (one noise draw, scaled per model).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
from keras import layers

from dlcore import engine
from dlcore.device import seeds_for
from dlcore.experiments.overfitting.capacity import (
    MAX_DEGREE,
    REGRESSION_LEARNING_RATE,
    chebyshev_features,
    degree_setting,
    epochs_setting,
    noise_setting,
    points_setting,
    regression_points,
    seed_setting,
    true_function,
)
from dlcore.experiments.overfitting.parallel import ParallelStep, final_values, parallel_targets
from dlcore.limits import Settings, choice
from dlcore.optimizers import make_optimizer

SWEEP_KINDS = ("capacity", "training_size", "noise")
CAPACITY_DEGREES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15)
TRAINING_SIZES = (8, 12, 16, 20, 30, 50, 80, 120)
NOISE_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
SWEPT_VALUES = {"capacity": CAPACITY_DEGREES, "training_size": TRAINING_SIZES, "noise": NOISE_LEVELS}
BRANCH_PREFIXES = {"capacity": "degree", "training_size": "points", "noise": "noise"}


@dataclass(frozen=True)
class SweepConfig(Settings):
    kind: str = choice("capacity", SWEEP_KINDS)  # what varies: polynomial degree, number of training points, or noise std
    degree: int = degree_setting()  # fixed while training_size or noise varies
    num_points: int = points_setting()  # fixed while capacity or noise varies
    noise: float = noise_setting()  # fixed while capacity or training_size varies
    epochs: int = epochs_setting()
    seed: int = seed_setting()

    @property
    def values(self) -> tuple:
        return SWEPT_VALUES[self.kind]

    @property
    def branch_names(self) -> tuple[str, ...]:
        """One name per model: "degree_12", "points_30", "noise_0.5"."""
        return tuple(f"{BRANCH_PREFIXES[self.kind]}_{value:g}" for value in self.values)


@dataclass(frozen=True)
class SweepResult:
    config: SweepConfig
    values: np.ndarray  # the swept quantity, one per model
    train_error: np.ndarray  # final training MSE per model
    val_error: np.ndarray  # final validation MSE per model
    noise_floor: np.ndarray  # the MSE a perfect model would still have (noise variance) per model
    history: engine.History  # per-epoch errors of every model (columns "train_loss/degree_12" ...)

    @property
    def seconds(self) -> float:
        return self.history.seconds

    @property
    def best_index(self) -> int:
        return int(np.nanargmin(self.val_error))


def build_parallel_polynomials(num_models: int, max_degree: int) -> keras.Model:
    """K polynomials on (n, K, max_degree) inputs; model k sees zeros beyond its own degree."""
    inputs = keras.Input(shape=(num_models, max_degree), name="chebyshev_features")
    outputs = layers.EinsumDense("nkd,kd->nk", output_shape=(num_models,), bias_axes="k", kernel_initializer="zeros", name="coefficients")(inputs)
    return keras.Model(inputs, outputs, name="parallel_polynomials")


def _per_model(config: SweepConfig, name: str) -> np.ndarray:
    """Each model's degree, training-set size or noise: the swept values, or the fixed one repeated."""
    swept = {"capacity": "degree", "training_size": "num_points", "noise": "noise"}[config.kind]
    return np.array(config.values if swept == name else [getattr(config, name)] * len(config.values))


def _sweep_arrays(config: SweepConfig):
    """Inputs (n, K, MAX_DEGREE), (n, 2K) targets+weights for train and validation, and per-model noise."""
    degrees, sizes = _per_model(config, "degree"), _per_model(config, "num_points")
    noises = _per_model(config, "noise").astype(float)
    x_train, _, x_val, _ = regression_points(int(sizes.max()), 0.0, config.seed)
    rng = np.random.default_rng(seeds_for(config.seed, 1)[0])
    unit_train, unit_val = rng.normal(size=(len(x_train), 1)), rng.normal(size=(len(x_val), 1))  # one noise draw, scaled per model
    mask = (np.arange(MAX_DEGREE)[None, :] < degrees[:, None]).astype(np.float32)  # (K, MAX_DEGREE)

    def pack(x, unit, weights):
        inputs = chebyshev_features(x, MAX_DEGREE)[:, None, :] * mask[None]
        targets = true_function(x)[:, None] + unit * noises[None, :]
        return inputs.astype(np.float32), parallel_targets(targets, weights)

    order = np.random.default_rng(config.seed).permutation(len(x_train))  # a random subset, not the leftmost points
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    train_weights = (rank[:, None] < sizes[None, :]).astype(np.float32)
    return pack(x_train, unit_train, train_weights), pack(x_val, unit_val, None), noises**2


def sweep_errors(config: SweepConfig, epochs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(training, validation) MSE of every model at the last epoch of an epochs table (also a live one)."""
    return final_values(epochs, "train_loss", config.branch_names), final_values(epochs, "val_loss", config.branch_names)


def run_sweep(config: SweepConfig, progress=None) -> SweepResult:
    """Train one polynomial per swept value, all at once, and report each one's final errors."""
    config.validate()
    train, validation, floor = _sweep_arrays(config)
    model = build_parallel_polynomials(len(config.values), MAX_DEGREE)
    step = ParallelStep(model, make_optimizer("adam", REGRESSION_LEARNING_RATE), "regression", config.branch_names)
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=0, seed=config.seed)
    history = engine.fit(step, train, validation, spec, engine.sweep_progress(progress, 0, 1, f"{len(config.values)} models at once"))
    train_error, val_error = sweep_errors(config, history.epochs)
    return SweepResult(config, np.array(config.values, dtype=float), train_error, val_error, floor, history)
