"""Part 3, why ReLU (3 of 3), sparsity: exactly-zero outputs and dead units, swept over the learning rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.device import tf
from dlcore.experiments.activations.boundaries import BOUNDARY_DATASETS, toy_split
from dlcore.limits import Settings, choice, integer
from dlcore.models import MLPSpec, activation_probe, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

SWEEP_LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 2.0)


def hidden_activations(model, x: np.ndarray) -> list[np.ndarray]:
    """Every hidden activation (samples, units) of an MLP from :func:`dlcore.models.build_mlp`."""
    probe = activation_probe(model)
    outputs = probe(tf.constant(x, dtype=tf.float32), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [np.asarray(output) for output in outputs]


def zero_fraction(activations: list[np.ndarray]) -> np.ndarray:
    """Per layer: the share of activation values that are exactly zero."""
    return np.array([float(np.mean(a == 0.0)) for a in activations])


def dead_units(activations: list[np.ndarray]) -> list[np.ndarray]:
    """Per layer: a boolean per unit, True where the unit is exactly zero for every sample given."""
    return [np.all(a == 0.0, axis=0) for a in activations]


def dead_fraction(activations: list[np.ndarray]) -> float:
    dead = dead_units(activations)
    return float(np.concatenate(dead).mean()) if dead else 0.0


@dataclass(frozen=True)
class SparsityConfig(Settings):
    dataset: str = choice("moons", BOUNDARY_DATASETS)
    num_hidden_layers: int = integer(4, 1, 10, cap="depth")
    units: int = integer(32, 2, cap="width")
    optimizer: str = choice("sgd", ("sgd", "adam"))  # every run of the sweep over SWEEP_LEARNING_RATES uses it
    epochs: int = integer(20, 1, 200, cap="epochs")
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class SparsityResult:
    config: SparsityConfig
    layers: pd.DataFrame  # learning_rate, layer, moment (before/after training), zero_fraction, dead_fraction
    sweep: pd.DataFrame  # learning_rate, dead_fraction, dead_fraction_at_start, zero_fraction, val_accuracy, diverged


def _layer_rows(learning_rate: float, moment: str, activations: list[np.ndarray]) -> list[dict]:
    rows = []
    for layer, (zeros, dead) in enumerate(zip(zero_fraction(activations), dead_units(activations)), start=1):
        rows.append(dict(learning_rate=learning_rate, layer=f"h{layer}", moment=moment, zero_fraction=zeros, dead_fraction=float(dead.mean())))
    return rows


def relu_sparsity(config: SparsityConfig, progress=None) -> SparsityResult:
    """One He-initialised ReLU network per learning rate in SWEEP_LEARNING_RATES, counted before and after training."""
    config.validate()
    split = toy_split(config.dataset, 600, 0.2, config.seed)
    layer_rows, sweep_rows = [], []
    for index, learning_rate in enumerate(SWEEP_LEARNING_RATES):
        report = engine.sweep_progress(progress, index, len(SWEEP_LEARNING_RATES), f"ReLU network, learning rate {learning_rate:g}")
        spec = MLPSpec(num_inputs=2, num_hidden_layers=config.num_hidden_layers, units=config.units, activation="relu", initializer="he", seed=config.seed)
        model = build_mlp(spec)
        at_start = hidden_activations(model, split.x_train)
        step = SupervisedStep(model, make_optimizer(config.optimizer, learning_rate), "binary", kinds=("kernel",))
        history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), engine.TrainSpec(epochs=config.epochs, seed=config.seed), report)
        at_end = hidden_activations(model, split.x_train)
        layer_rows += _layer_rows(learning_rate, "before training", at_start) + _layer_rows(learning_rate, "after training", at_end)
        sweep_rows.append(
            dict(
                learning_rate=learning_rate,
                dead_fraction=dead_fraction(at_end),
                dead_fraction_at_start=dead_fraction(at_start),
                zero_fraction=float(zero_fraction(at_end).mean()),
                val_accuracy=float(history.epochs["val_accuracy"].iloc[-1]),
                diverged=history.divergence is not None or not all(np.isfinite(a).all() for a in at_end),
            )
        )
    return SparsityResult(config, pd.DataFrame(layer_rows), pd.DataFrame(sweep_rows))
