"""What the training parts of the activations page share: 2-D toy data, a grid over it, and a trained boundary.

Every trained network on the page classifies points of the plane into two
classes; its result is drawn as the probability of class 1 over a grid that
covers the data (a :class:`Boundary`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import data, engine
from dlcore.choices import ACTIVATIONS, LEARNING_RATES
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

BOUNDARY_DATASETS = ("moons", "circles", "spiral", "xor")
TRAINABLE_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "linear")
TRAINING_LEARNING_RATES = tuple(rate for rate in LEARNING_RATES if rate <= 1.0)
GRID_RESOLUTION = 70


@dataclass(frozen=True)
class Boundary:
    """A trained classifier's probability of class 1 over a grid of the input plane."""

    label: str
    xs: np.ndarray
    ys: np.ndarray
    probabilities: np.ndarray  # (len(ys), len(xs))
    train_accuracy: float
    val_accuracy: float
    epochs: pd.DataFrame
    divergence: str | None


def toy_split(dataset: str, num_samples: int, noise: float, seed: int) -> data.Split:
    return data.toy_dataset(dataset, num_samples=num_samples, noise=noise, seed=seed)


def boundary_grid(split: data.Split):
    """(xs, ys, grid points) covering the training and validation points."""
    return data.grid_over(np.concatenate([split.x_train, split.x_val]), GRID_RESOLUTION)


def probabilities_on(model, grid_points: np.ndarray, resolution: int) -> np.ndarray:
    return engine.predict(model, grid_points, "binary").reshape(resolution, resolution)


def trained_boundary(label: str, model, split: data.Split, history: engine.History) -> Boundary:
    xs, ys, points = boundary_grid(split)
    last = history.epochs.iloc[-1]
    return Boundary(
        label,
        xs,
        ys,
        probabilities_on(model, points, len(xs)),
        float(last["train_accuracy"]),
        float(last["val_accuracy"]),
        history.epochs,
        history.divergence.message() if history.divergence else None,
    )


def train_mlp(split: data.Split, activation: str, num_hidden_layers: int, units: int, optimizer: str, learning_rate: float, epochs: int, seed: int, progress=None):
    """A seeded binary MLP trained on `split` (batches of 32): (model, history). Every Dense kernel's gradient is tracked."""
    spec = MLPSpec(num_inputs=2, num_outputs=1, num_hidden_layers=num_hidden_layers, units=units, activation=activation, seed=seed)
    model = build_mlp(spec)
    step = SupervisedStep(model, make_optimizer(optimizer, learning_rate), "binary", kinds=("kernel",))
    history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), engine.TrainSpec(epochs=epochs, seed=seed), progress)
    return model, history
