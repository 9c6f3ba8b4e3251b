"""Part 2, why non-linear: the same MLP with and without an activation, and the linear collapse proved from its weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import engine
from dlcore.device import tf
from dlcore.experiments.activations.boundaries import (
    BOUNDARY_DATASETS,
    TRAINABLE_ACTIVATIONS,
    TRAINING_LEARNING_RATES,
    Boundary,
    boundary_grid,
    toy_split,
    train_mlp,
    trained_boundary,
)
from dlcore.limits import Settings, choice, integer, number
from dlcore.models import kernel_layers


@dataclass(frozen=True)
class NonLinearityConfig(Settings):
    dataset: str = choice("moons", BOUNDARY_DATASETS)
    activation: str = choice("relu", TRAINABLE_ACTIVATIONS)
    num_hidden_layers: int = integer(3, 1, 10, cap="depth")
    units: int = integer(16, 2, cap="width")
    learning_rate: float = number(0.01, options=TRAINING_LEARNING_RATES)
    epochs: int = integer(60, 1, cap="epochs")
    num_samples: int = integer(600, 50, cap="samples")
    noise: float = number(0.2, 0.0, 0.6, step=0.05)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class LinearCollapse:
    """A network without activations, multiplied out into one affine map ``x @ weight + bias``."""

    weight: np.ndarray  # (inputs, outputs), the product of every kernel
    bias: np.ndarray  # (outputs,), every bias pushed through the later kernels
    layer_shapes: tuple[tuple[int, int], ...]
    max_abs_difference: float  # between the network's own outputs and the single map, over train + grid points
    output_scale: float  # the largest |output| on those points

    @property
    def relative_difference(self) -> float:
        return self.max_abs_difference / max(self.output_scale, 1e-12)


def collapse_linear_network(model, points: np.ndarray) -> LinearCollapse:
    """Multiply out a network of Dense layers with identity activations and compare with its outputs.

    With ``h_{l} = h_{l-1} W_l + b_l`` for every layer, the whole network is
    ``x W + b`` with ``W = W_1 W_2 ... W_L`` and ``b = (...((b_1 W_2 + b_2) W_3 + b_3)...) W_L + b_L``.
    The product is taken in float64; the network runs in float32.
    """
    dense = kernel_layers(model)
    weight = np.eye(int(dense[0].kernel.shape[0]))
    bias = np.zeros(weight.shape[1])
    for layer in dense:
        kernel, layer_bias = (np.asarray(v, dtype=np.float64) for v in (layer.kernel, layer.bias))
        weight, bias = weight @ kernel, bias @ kernel + layer_bias
    outputs = np.asarray(model(tf.constant(points, dtype=tf.float32), training=False), dtype=np.float64)
    single_map = points.astype(np.float64) @ weight + bias
    return LinearCollapse(
        weight,
        bias,
        tuple(tuple(int(d) for d in layer.kernel.shape) for layer in dense),
        float(np.max(np.abs(outputs - single_map))),
        float(np.max(np.abs(outputs))),
    )


@dataclass(frozen=True)
class NonLinearityResult:
    config: NonLinearityConfig
    x_train: np.ndarray
    y_train: np.ndarray
    linear: Boundary
    nonlinear: Boundary
    collapse: LinearCollapse


def why_nonlinear(config: NonLinearityConfig, progress=None) -> NonLinearityResult:
    """Train the identity network and the non-linear one (same depth, width, seed and data), then collapse the first."""
    config.validate()
    split = toy_split(config.dataset, config.num_samples, config.noise, config.seed)
    boundaries, models = [], []
    for index, activation in enumerate(("linear", config.activation)):
        report = engine.sweep_progress(progress, index, 2, f"Training the {activation} network")
        model, history = train_mlp(split, activation, config.num_hidden_layers, config.units, "adam", config.learning_rate, config.epochs, config.seed, report)
        boundaries.append(trained_boundary(activation, model, split, history))
        models.append(model)
    _, _, grid_points = boundary_grid(split)
    collapse = collapse_linear_network(models[0], np.concatenate([split.x_train, grid_points]))
    return NonLinearityResult(config, split.x_train, split.y_train, boundaries[0], boundaries[1], collapse)
