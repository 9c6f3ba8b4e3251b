"""Loss landscapes in two parameters, written as TensorFlow code.

Three classic test functions where optimizers behave differently, and the
loss of a real two-parameter Keras model (one input, one output: weight and
bias) over a grid of (w, b). Every objective takes two tensors of the same
shape and returns the loss elementwise, so one call evaluates a whole grid
and the same code is differentiated by the optimizers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlcore.device import tf

RAVINE_CURVATURES = (0.2, 10.0)  # curvature along x and along y: condition number 50


def ravine(x, y):
    """An ill-conditioned quadratic: a long narrow valley, 50 times more curved across than along."""
    return 0.5 * (RAVINE_CURVATURES[0] * x**2 + RAVINE_CURVATURES[1] * y**2)


def rosenbrock(x, y):
    """Rosenbrock's banana: a curved flat-bottomed valley, minimum 0 at (1, 1)."""
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def saddle(x, y):
    """A saddle at (0, 0) (downhill along y, uphill along x); minima -0.25 at (0, ±1)."""
    return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2


@dataclass(frozen=True)
class Landscape:
    name: str
    label: str
    objective: Callable | None  # (x, y) tensors -> loss tensor, elementwise (None in a stored result)
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    learning_rate: float  # a learning rate that suits SGD, momentum and Nesterov here
    adaptive_learning_rate: float  # one that suits RMSProp, Adam and AdaGrad here
    steps: int = 150  # enough steps to see the optimizers part ways
    log_scale: bool = False  # colour the contours by log10 of the loss above its minimum
    x_title: str = "parameter x"
    y_title: str = "parameter y"


LANDSCAPES = {
    "ravine": Landscape("ravine", "Ravine: ill-conditioned quadratic", ravine, (-5.5, 5.5), (-2.2, 2.2), (-5.0, 1.5), ((0.0, 0.0),), 0.12, 0.3, steps=120),
    "rosenbrock": Landscape("rosenbrock", "Rosenbrock's banana valley", rosenbrock, (-2.0, 2.0), (-1.0, 3.0), (-1.5, 2.5), ((1.0, 1.0),), 0.001, 0.05, steps=500, log_scale=True),
    "saddle": Landscape("saddle", "Saddle point", saddle, (-2.5, 2.5), (-1.6, 1.6), (2.2, 0.002), ((0.0, 1.0), (0.0, -1.0)), 0.05, 0.05),
}


def model_loss(x_data, y_data, task: str, weights, biases):
    """Mean loss over the data set of the model logits = w·x + b, for every (w, b) pair at once.

    ``weights`` and ``biases`` share any shape S; the result has shape S.
    The same formulas as ``dlcore.steps.loss_and_accuracy`` (MSE for regression,
    sigmoid cross-entropy on logits for binary).
    """
    x_data = tf.reshape(tf.cast(x_data, tf.float32), [-1])
    y_data = tf.reshape(tf.cast(y_data, tf.float32), [-1])
    shape = tf.shape(weights)
    w = tf.reshape(tf.cast(weights, tf.float32), [1, -1])
    b = tf.reshape(tf.cast(biases, tf.float32), [1, -1])
    logits = x_data[:, None] * w + b  # (examples, pairs)
    if task == "regression":
        losses = tf.square(logits - y_data[:, None])
    elif task == "binary":
        labels = tf.broadcast_to(y_data[:, None], tf.shape(logits))
        losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    else:
        raise ValueError(f"a two-parameter model needs task 'regression' or 'binary', got {task!r}")
    return tf.reshape(tf.reduce_mean(losses, axis=0), shape)


def model_objective(x_data, y_data, task: str) -> Callable:
    """The model's full-batch loss as an objective of (weight, bias), for the optimizer race."""
    x_tensor = tf.constant(np.asarray(x_data, np.float32))
    y_tensor = tf.constant(np.asarray(y_data, np.float32))
    return lambda w, b: model_loss(x_tensor, y_tensor, task, w, b)


@dataclass(frozen=True)
class Surface:
    """Loss on a regular grid: values[i, j] is the loss at (xs[j], ys[i])."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray


def surface(objective: Callable, x_range, y_range, resolution: int = 80) -> Surface:
    """Evaluate an objective on a resolution x resolution grid (one vectorised call)."""
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2, got {resolution}")
    xs = np.linspace(*x_range, resolution).astype(np.float32)
    ys = np.linspace(*y_range, resolution).astype(np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    values = objective(tf.constant(grid_x), tf.constant(grid_y)).numpy()
    return Surface(xs, ys, values.astype(np.float64))


def evaluate_path(objective: Callable, path: np.ndarray) -> np.ndarray:
    """The objective at every point of a (points, 2) path; NaN where the path is not finite."""
    path = np.asarray(path, dtype=np.float32)
    finite = np.all(np.isfinite(path), axis=1)
    safe = np.where(finite[:, None], path, 0.0)
    values = objective(tf.constant(safe[:, 0]), tf.constant(safe[:, 1])).numpy().astype(np.float64)
    values[~finite] = np.nan
    return values


def hessian_eigenvalues(objective: Callable, point) -> np.ndarray:
    """Eigenvalues (ascending) of the objective's 2x2 Hessian at a point, by nested GradientTapes."""
    variable = tf.Variable(np.asarray(point, np.float32))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = objective(variable[0], variable[1])
        gradient = inner.gradient(loss, variable)
    hessian = outer.jacobian(gradient, variable).numpy().astype(np.float64)
    return np.linalg.eigvalsh(0.5 * (hessian + hessian.T))
