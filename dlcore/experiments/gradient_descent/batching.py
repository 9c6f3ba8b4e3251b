"""Parts 1 and 2: one two-parameter model, three ways of batching, and the learning rate.

A Keras model with exactly two parameters (weight and bias of one Dense unit)
trains three times from the same start with the same learning rate: on all N
examples per update (batch), on one (stochastic) and on k (mini-batch). Its
loss surface over (w, b) is small enough to draw whole, so the three paths
can be seen on it. Part 2 pushes the learning rate past the point where the
steps overshoot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine, landscapes
from dlcore.experiments.gradient_descent.shapes import CurveShape, PathCrossings, curve_shape, path_crossings
from dlcore.limits import Settings, choice, integer, number
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

PROBLEMS = {"linear": "Linear regression (MSE)", "logistic": "Logistic regression (cross-entropy)"}
TASKS = {"linear": "regression", "logistic": "binary"}
MODES = ("batch", "minibatch", "stochastic")
DESCENT_LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 2.0, 3.0)
TRAINING_SET_SIZES = (50, 100, 200, 500)
MAX_DESCENT_EPOCHS = 100  # stochastic descent on 500 examples: 50,000 recorded updates
SURFACE_RESOLUTION = 90


@dataclass(frozen=True)
class Problem:
    """Generated 1-D data and where the two-parameter model starts."""

    true_weight: float
    true_bias: float
    start: tuple[float, float]
    w_range: tuple[float, float]
    b_range: tuple[float, float]


PROBLEM_SETTINGS = {
    "linear": Problem(1.5, -0.5, (-1.0, 2.5), (-2.0, 3.0), (-2.0, 4.0)),
    "logistic": Problem(2.5, -1.0, (-1.5, 2.0), (-2.5, 5.0), (-3.5, 3.0)),
}


def make_data(problem: str, num_samples: int, seed: int):
    """(x_train, y_train, x_val, y_val): x shaped (n, 1); validation is half the training size."""
    settings = PROBLEM_SETTINGS[problem]
    rng = np.random.default_rng(seed)
    total = num_samples + max(10, num_samples // 2)
    if problem == "linear":
        x = rng.uniform(-1.0, 3.0, total)
        y = settings.true_weight * x + settings.true_bias + rng.normal(0.0, 0.5, total)
    else:
        x = rng.normal(0.5, 1.2, total)
        y = (rng.random(total) < 1.0 / (1.0 + np.exp(-(settings.true_weight * x + settings.true_bias)))).astype(np.float64)
    x, y = x.astype(np.float32)[:, None], y.astype(np.float32)
    return x[:num_samples], y[:num_samples], x[num_samples:], y[num_samples:]


def build_two_parameter_model(start: tuple[float, float]):
    """One Dense unit on one input: logit = w·x + b, starting at (w, b) = start."""
    import keras

    inputs = keras.Input(shape=(1,), name="inputs")
    outputs = keras.layers.Dense(
        1,
        kernel_initializer=keras.initializers.Constant(start[0]),
        bias_initializer=keras.initializers.Constant(start[1]),
        name="output",
    )(inputs)
    return keras.Model(inputs, outputs, name="two_parameter_model")


def batch_size_for(mode: str, num_samples: int, minibatch_size: int) -> int:
    return {"batch": num_samples, "minibatch": minibatch_size, "stochastic": 1}[mode]


def examples_per_update(num_samples: int, batch_size: int, epochs: int) -> np.ndarray:
    """How many examples each update of `epochs` epochs saw (the last batch of an epoch may be short)."""
    full, rest = divmod(num_samples, batch_size)
    one_epoch = [batch_size] * full + ([rest] if rest else [])
    return np.tile(one_epoch, epochs)


def minibatch_problems(minibatch_size: int, num_samples: int) -> list[str]:
    """A mini-batch of all N examples would be batch descent: it must be smaller than the data set."""
    if minibatch_size >= num_samples:
        return [f"minibatch_size ({minibatch_size}) must be below num_samples ({num_samples})"]
    return []


@dataclass(frozen=True)
class Config(Settings):
    problem: str = choice("linear", PROBLEMS)
    num_samples: int = integer(100, options=TRAINING_SET_SIZES)
    minibatch_size: int = integer(10, 2, 40)
    learning_rate: float = number(0.1, options=DESCENT_LEARNING_RATES)
    epochs: int = integer(20, 1, MAX_DESCENT_EPOCHS, cap="epochs")
    seed: int = integer(0, 0, 10_000)

    def cross_checks(self) -> list[str]:
        return minibatch_problems(self.minibatch_size, self.num_samples)


@dataclass(frozen=True)
class ModeRun:
    mode: str
    batch_size: int
    updates_per_epoch: int
    path: np.ndarray  # (updates + 1, 2): (w, b) at the start and after every update
    path_loss: np.ndarray  # (updates + 1,): loss on the WHOLE training set at each point of the path
    examples: np.ndarray  # (updates + 1,): examples processed so far
    batch_loss: np.ndarray  # (updates,): the loss on the batch each update used (what the optimizer saw)
    epochs: pd.DataFrame  # per epoch: train/val loss, seconds
    seconds: float  # wall time of the whole run, compiling included
    divergence: engine.Divergence | None

    @property
    def num_updates(self) -> int:
        return len(self.path) - 1

    @property
    def seconds_per_epoch(self) -> float:
        """Median epoch time without the first epoch (which includes compiling)."""
        times = self.epochs["seconds"].to_numpy()
        return float(np.median(times[1:] if len(times) > 1 else times))


@dataclass(frozen=True)
class LossSurface:
    """The full training loss over (w, b), its exact minimum, and how curved the loss is there."""

    surface: landscapes.Surface
    lowest_point: tuple[float, float]  # the exact minimum (least squares, or Newton's method for cross-entropy)
    minimum_loss: float  # the loss there: no descent can go lower
    hessian_eigenvalues: np.ndarray  # ascending
    steep_direction: np.ndarray  # unit eigenvector of the largest eigenvalue: across the valley


@dataclass(frozen=True)
class Result:
    config: Config
    surface: landscapes.Surface  # full training loss over (w, b)
    lowest_point: tuple[float, float]  # the exact minimum of the training loss
    minimum_loss: float  # the training loss there
    hessian_eigenvalues: np.ndarray  # of the full training loss at the minimum
    steep_direction: np.ndarray  # across the valley (the Hessian's eigenvector of the largest eigenvalue)
    runs: tuple[ModeRun, ...]

    @property
    def stable_learning_rate(self) -> float:
        """Full-batch steps overshoot above 1/λmax and diverge above 2/λmax (exact for a quadratic)."""
        return float(2.0 / self.hessian_eigenvalues[-1])


def train_mode(mode: str, problem: str, split, learning_rate: float, epochs: int, minibatch_size: int, seed: int, progress=None) -> ModeRun:
    """Plain SGD on the two-parameter model with one way of batching, every (w, b) along the way recorded."""
    x_train, y_train, x_val, y_val = split
    model = build_two_parameter_model(PROBLEM_SETTINGS[problem].start)
    step = SupervisedStep(model, make_optimizer("sgd", learning_rate), TASKS[problem])
    batch_size = batch_size_for(mode, len(x_train), minibatch_size)
    spec = engine.TrainSpec(epochs=epochs, batch_size=batch_size, seed=seed, record_parameters=True)
    history = engine.fit(step, (x_train, y_train), (x_val, y_val), spec, progress)
    objective = landscapes.model_objective(x_train, y_train, TASKS[problem])
    path = history.parameters  # the kernel w, then the bias b
    examples = np.concatenate([[0], np.cumsum(examples_per_update(len(x_train), batch_size, epochs))])[: len(path)]
    return ModeRun(
        mode=mode,
        batch_size=batch_size,
        updates_per_epoch=history.steps_per_epoch,
        path=path,
        path_loss=landscapes.evaluate_path(objective, path),
        examples=examples,
        batch_loss=history.steps["loss"].to_numpy(),
        epochs=history.epochs,
        seconds=history.seconds,
        divergence=history.divergence,
    )


def exact_minimum(problem: str, x_train, y_train) -> tuple[np.ndarray, float, np.ndarray]:
    """(point, loss, Hessian) at the true minimum of the full training loss, in float64.

    Linear regression: the least-squares solution (its MSE is an exact quadratic,
    Hessian 2·mean([x, 1][x, 1]ᵀ)). Logistic regression: Newton's method on the
    mean cross-entropy (Hessian mean(p(1-p)[x, 1][x, 1]ᵀ)), which converges in a
    few steps on this convex loss.
    """
    x = np.asarray(x_train, np.float64).reshape(-1)
    y = np.asarray(y_train, np.float64).reshape(-1)
    features = np.stack([x, np.ones_like(x)], axis=1)
    if problem == "linear":
        point = np.linalg.lstsq(features, y, rcond=None)[0]
        loss = float(np.mean((features @ point - y) ** 2))
        return point, loss, 2.0 * features.T @ features / len(x)
    point = np.zeros(2)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(features @ point)))
        gradient = features.T @ (p - y) / len(x)
        hessian = (features * (p * (1 - p))[:, None]).T @ features / len(x) + 1e-12 * np.eye(2)
        point = point - np.linalg.solve(hessian, gradient)
        if np.max(np.abs(gradient)) < 1e-12:
            break
    logits = features @ point
    loss = float(np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))
    p = 1.0 / (1.0 + np.exp(-logits))
    return point, loss, (features * (p * (1 - p))[:, None]).T @ features / len(x)


def loss_surface(problem: str, x_train, y_train) -> LossSurface:
    """The two-parameter model's training loss on a grid, its exact minimum and the Hessian's eigen-decomposition there."""
    settings = PROBLEM_SETTINGS[problem]
    objective = landscapes.model_objective(x_train, y_train, TASKS[problem])
    grid = landscapes.surface(objective, settings.w_range, settings.b_range, resolution=SURFACE_RESOLUTION)
    point, loss, hessian = exact_minimum(problem, x_train, y_train)
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    return LossSurface(grid, (float(point[0]), float(point[1])), loss, eigenvalues, eigenvectors[:, -1])


def run(config: Config = Config(), progress=None) -> Result:
    """Batch, mini-batch and stochastic descent from the same start with the same learning rate."""
    config.validate()
    split = make_data(config.problem, config.num_samples, config.seed)
    loss = loss_surface(config.problem, split[0], split[1])
    runs = tuple(
        train_mode(
            mode,
            config.problem,
            split,
            config.learning_rate,
            config.epochs,
            config.minibatch_size,
            config.seed,
            engine.sweep_progress(progress, i, len(MODES), f"{mode} gradient descent"),
        )
        for i, mode in enumerate(MODES)
    )
    return Result(config, loss.surface, loss.lowest_point, loss.minimum_loss, loss.hessian_eigenvalues, loss.steep_direction, runs)


# ---- part 2: one way of batching, one learning rate ----


@dataclass(frozen=True)
class LearningRateConfig(Settings):
    problem: str = choice("linear", PROBLEMS)
    mode: str = choice("batch", MODES)
    learning_rate: float = number(0.2, options=DESCENT_LEARNING_RATES)
    epochs: int = integer(40, 1, MAX_DESCENT_EPOCHS, cap="epochs")
    num_samples: int = integer(100, options=TRAINING_SET_SIZES)
    minibatch_size: int = integer(10, 2, 40)
    seed: int = integer(0, 0, 10_000)

    def cross_checks(self) -> list[str]:
        return minibatch_problems(self.minibatch_size, self.num_samples)


@dataclass(frozen=True)
class LearningRateResult:
    config: LearningRateConfig
    surface: landscapes.Surface
    lowest_point: tuple[float, float]
    minimum_loss: float
    hessian_eigenvalues: np.ndarray
    steep_direction: np.ndarray
    run: ModeRun

    @property
    def stable_learning_rate(self) -> float:
        return float(2.0 / self.hessian_eigenvalues[-1])

    @property
    def shape(self) -> CurveShape:
        return curve_shape(self.run.path_loss)

    @property
    def crossings(self) -> PathCrossings:
        return path_crossings(self.run.path, self.lowest_point, self.steep_direction)

    @property
    def verdict(self) -> str:
        """What the run on screen did: 'diverged' (NaN/inf), 'growing' (its last tenth lies above its start), 'jumpy' or 'noisy'
        (the loss curve rises, see :func:`curve_shape`), 'oscillating' (the loss falls every update while the path
        crosses the valley floor back and forth) or 'smooth'. Computed from the run's own path and loss."""
        if self.run.divergence is not None:
            return "diverged"
        loss = self.run.path_loss
        tail = loss[-max(1, len(loss) // 10) :]  # the last tenth of the run, so one late jump of a noisy run is not "growing"
        if not np.all(np.isfinite(tail)) or np.median(tail) > loss[0]:
            return "growing"
        if self.shape.word != "smooth":
            return self.shape.word
        return "oscillating" if self.crossings.oscillates else "smooth"


def run_learning_rate(config: LearningRateConfig = LearningRateConfig(), progress=None) -> LearningRateResult:
    """One descent at one learning rate, with the curvature that decides whether it overshoots."""
    config.validate()
    split = make_data(config.problem, config.num_samples, config.seed)
    loss = loss_surface(config.problem, split[0], split[1])
    mode_run = train_mode(config.mode, config.problem, split, config.learning_rate, config.epochs, config.minibatch_size, config.seed, progress)
    return LearningRateResult(config, loss.surface, loss.lowest_point, loss.minimum_loss, loss.hessian_eigenvalues, loss.steep_direction, mode_run)
