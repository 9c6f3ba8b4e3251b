"""Part 5, live training: the decision boundary drawn while the network learns.

The training step's snapshot hook computes the boundary at chosen epochs.
The engine hands the latest frame to the page's progress callback
(``ProgressInfo.snapshot``), so the page can draw it while training goes on,
and keeps every frame in ``History.snapshots`` for the replay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import engine
from dlcore.choices import ACTIVATIONS
from dlcore.experiments.activations.boundaries import (
    BOUNDARY_DATASETS,
    TRAINING_LEARNING_RATES,
    Boundary,
    boundary_grid,
    probabilities_on,
    toy_split,
    trained_boundary,
)
from dlcore.limits import Settings, choice, integer, number
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

MAX_LIVE_FRAMES = 30


@dataclass(frozen=True)
class LiveConfig(Settings):
    dataset: str = choice("spiral", BOUNDARY_DATASETS)
    activation: str = choice("relu", ACTIVATIONS)
    num_hidden_layers: int = integer(3, 1, 10, cap="depth")
    units: int = integer(32, 2, cap="width")
    learning_rate: float = number(0.01, options=TRAINING_LEARNING_RATES)
    epochs: int = integer(100, 1, cap="epochs")  # within the hosted cap; 150 reached the same accuracy on the default spiral
    snapshot_every: int = integer(10, 1, 50)
    num_samples: int = integer(600, 50, cap="samples")
    noise: float = number(0.2, 0.0, 0.6, step=0.05)
    seed: int = integer(0, 0, 10_000)
    trial: int = integer(0, 0, 1_000_000)  # bump to watch the training again


@dataclass(frozen=True)
class BoundaryFrame:
    """One snapshot of the boundary: the probability of class 1 over the grid, with what it is drawn on.

    Every frame of a run refers to the same grid and training arrays (no copies).
    """

    xs: np.ndarray
    ys: np.ndarray
    probabilities: np.ndarray  # (len(ys), len(xs))
    x_train: np.ndarray
    y_train: np.ndarray


@dataclass(frozen=True)
class LiveResult:
    config: LiveConfig
    x_train: np.ndarray
    y_train: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    snapshot_epochs: tuple[int, ...]
    snapshots: np.ndarray  # (frames, len(ys), len(xs)) probabilities of class 1
    final: Boundary


def snapshot_epochs(epochs: int, every: int) -> tuple[int, ...]:
    """Epochs after which the boundary is drawn: every `every` (coarser if needed to stay within MAX_LIVE_FRAMES), and the last."""
    every = max(every, -(-epochs // MAX_LIVE_FRAMES))
    return tuple(sorted({*range(every, epochs + 1, every), epochs}))


def live_boundary(config: LiveConfig, progress=None) -> LiveResult:
    """Train with boundary snapshots before training, every `snapshot_every` epochs and at the end.

    ``progress`` receives each epoch's ProgressInfo; its ``snapshot`` is the
    latest (epoch, :class:`BoundaryFrame`).
    """
    config.validate()
    split = toy_split(config.dataset, config.num_samples, config.noise, config.seed)
    xs, ys, points = boundary_grid(split)
    spec = MLPSpec(num_inputs=2, num_hidden_layers=config.num_hidden_layers, units=config.units, activation=config.activation, seed=config.seed)
    model = build_mlp(spec)

    def frame(step) -> BoundaryFrame:
        return BoundaryFrame(xs, ys, probabilities_on(step.model, points, len(xs)), split.x_train, split.y_train)

    step = SupervisedStep(model, make_optimizer("adam", config.learning_rate), "binary", kinds=("kernel",), snapshot=frame)
    train_spec = engine.TrainSpec(epochs=config.epochs, seed=config.seed, snapshot_epochs=(0, *snapshot_epochs(config.epochs, config.snapshot_every)))
    history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), train_spec, progress)
    order = tuple(sorted(history.snapshots))
    frames = np.stack([history.snapshots[epoch].probabilities for epoch in order])
    final = trained_boundary(config.activation, model, split, history)
    return LiveResult(config, split.x_train, split.y_train, xs, ys, order, frames, final)
