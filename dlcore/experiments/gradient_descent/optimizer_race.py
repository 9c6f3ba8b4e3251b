"""Part 3: the real Keras optimizers race on test landscapes, through the engine's compiled loop.

Each optimizer moves its own point (a ``tf.Variable`` holding (x, y)) on the
same objective. :class:`RaceStep` is the step the engine repeats: one update
moves every point once and records, by name, where each one is and its loss
there (``sgd_x``, ``sgd_y``, ``sgd_loss``, ``adam_x`` ...). There is no data
and nothing to evaluate.

An optimizer whose loss or gradient stops being finite drops out of the race
(the shared NaN guard holds its point, and its record is NaN from then on),
while the others go on: the step as a whole always reports a finite update,
so the engine never stops the race because one runner fell.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from dlcore import engine, landscapes
from dlcore.choices import OPTIMIZER_LABELS
from dlcore.device import tf
from dlcore.experiments.gradient_descent.batching import PROBLEM_SETTINGS, PROBLEMS, TASKS, Config, exact_minimum, make_data
from dlcore.limits import Settings, choice, integer, number
from dlcore.optimizers import make_optimizer
from dlcore.steps import Step, StepRecord, all_finite, apply_if_finite

OPTIMIZERS = tuple(OPTIMIZER_LABELS)
ADAPTIVE_OPTIMIZERS = ("rmsprop", "adam", "adagrad")
LANDSCAPE_NAMES = (*landscapes.LANDSCAPES, "model")
RACE_LEARNING_RATES = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.12, 0.2, 0.3, 0.5, 1.0, 2.0)
MOMENTUM_VALUES = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)  # also Adam's β₁
BETA_2_VALUES = (0.9, 0.99, 0.999, 0.9999)
RHO_VALUES = (0.5, 0.8, 0.9, 0.95, 0.99)
MAX_RACE_STEPS = 1000
REPORT_EVERY_STEPS = 100  # the race reaches Python (and the progress bar) every 100 steps
POSITION_COLUMNS = ("x", "y", "loss")


def optimizer_hyper(name: str, momentum: float, beta_1: float, beta_2: float, rho: float) -> dict:
    """The extra Keras arguments each optimizer takes from the page's controls."""
    if name in ("momentum", "nesterov"):
        return {"momentum": momentum}
    if name == "adam":
        return {"beta_1": beta_1, "beta_2": beta_2}
    if name == "rmsprop":
        return {"rho": rho}
    return {}


class RaceStep(Step):
    """Every optimizer moves its own 2-D point on one objective; one update moves all of them once."""

    def __init__(self, objective, start, optimizers: dict):
        super().__init__()
        self.names = tuple(optimizers)
        self.objective = objective
        self.start = np.asarray(start, np.float32)
        self._optimizers = list(optimizers.values())
        self.positions = [tf.Variable(self.start, name=f"position_{name}") for name in self.names]
        self.racing = tf.Variable(np.ones(len(self.names), bool), name="still_racing")
        self.scalar_names = tuple(f"{name}_{column}" for name in self.names for column in POSITION_COLUMNS)

    def models(self) -> dict:
        return {}

    def optimizers(self) -> list:
        return self._optimizers

    @property
    def variables(self) -> list:
        return list(self.positions)

    def build(self) -> None:
        for optimizer, position in zip(self._optimizers, self.positions):
            optimizer.build([position])

    def _move(self, optimizer, position, racing):
        """One update of one point: (still racing, [x, y, loss] where it now stands, or NaN once it has dropped out)."""
        with tf.GradientTape() as tape:
            loss = self.objective(position[0], position[1])
        gradient = tape.gradient(loss, position)
        finite = tf.logical_and(racing, all_finite(loss, gradient))
        apply_if_finite(optimizer, [gradient], [position], finite)
        point = tf.where(finite, position.read_value(), tf.fill([2], float("nan")))
        return finite, tf.stack([point[0], point[1], self.objective(point[0], point[1])])

    def train_step(self, *update_number) -> StepRecord:
        moves = [self._move(optimizer, position, self.racing[index]) for index, (optimizer, position) in enumerate(zip(self._optimizers, self.positions))]
        self.racing.assign(tf.stack([finite for finite, _ in moves]))
        scalars = tf.concat([record for _, record in moves], axis=0)
        return StepRecord(scalars, tf.zeros([0]), tf.zeros([0]), finite=tf.constant(True))


@dataclass(frozen=True)
class Race:
    paths: dict  # optimizer name -> (steps + 1, 2): the start, then the point after every update (NaN once it dropped out)
    losses: dict  # optimizer name -> (steps + 1,)
    traces: int  # how often the engine traced its compiled loop
    seconds: float  # wall time of the race, tracing included


def race(objective, start, optimizers: dict, steps: int, progress=None, report_every: int = REPORT_EVERY_STEPS) -> Race:
    """`steps` updates of every optimizer from `start`, run by the engine in chunks of `report_every` updates.

    The race reads no data; the engine runs one update per row of its
    training set, so the rows are simply the update numbers.
    """
    step = RaceStep(objective, start, optimizers)
    spec = engine.TrainSpec(epochs=1, batch_size=1, progress_every_steps=report_every)
    history = engine.fit(step, (np.arange(steps, dtype=np.float32),), None, spec, progress)
    start_loss = float(objective(tf.constant(step.start[0]), tf.constant(step.start[1])))
    paths, losses = {}, {}
    for name in step.names:
        recorded = history.steps[[f"{name}_{column}" for column in POSITION_COLUMNS]].to_numpy()
        paths[name] = np.concatenate([step.start[None, :].astype(np.float64), recorded[:, :2]])
        losses[name] = np.concatenate([[start_loss], recorded[:, 2]])
    return Race(paths, losses, history.compiled_traces, history.seconds)


@dataclass(frozen=True)
class OptimizersConfig(Settings):
    landscape: str = choice("ravine", LANDSCAPE_NAMES)
    steps: int = integer(120, 10, MAX_RACE_STEPS, step=10)
    learning_rate: float = number(0.12, options=RACE_LEARNING_RATES)  # SGD, momentum, Nesterov
    adaptive_learning_rate: float = number(0.3, options=RACE_LEARNING_RATES)  # RMSProp, Adam, AdaGrad
    momentum: float = number(0.9, options=MOMENTUM_VALUES)
    beta_1: float = number(0.9, options=MOMENTUM_VALUES)
    beta_2: float = number(0.999, options=BETA_2_VALUES)
    rho: float = number(0.9, options=RHO_VALUES)
    problem: str = choice("linear", PROBLEMS)  # the two-parameter model used by landscape "model"
    seed: int = integer(0, 0, 10_000)


def model_landscape(problem: str, seed: int) -> landscapes.Landscape:
    """The two-parameter model's training loss as a landscape over (w, b)."""
    settings = PROBLEM_SETTINGS[problem]
    x_train, y_train, _, _ = make_data(problem, Config().num_samples, seed)
    objective = landscapes.model_objective(x_train, y_train, TASKS[problem])
    point, _, _ = exact_minimum(problem, x_train, y_train)
    lowest = ((float(point[0]), float(point[1])),)
    rate = 0.1 if problem == "linear" else 1.0
    return landscapes.Landscape(
        "model",
        f"The model above: {PROBLEMS[problem]}",
        objective,
        settings.w_range,
        settings.b_range,
        settings.start,
        lowest,
        rate,
        0.1,
        steps=100,
        x_title="weight w",
        y_title="bias b",
    )


def landscape_for(config: OptimizersConfig) -> landscapes.Landscape:
    return model_landscape(config.problem, config.seed) if config.landscape == "model" else landscapes.LANDSCAPES[config.landscape]


def suggested_settings(landscape: str, problem: str) -> dict:
    """Learning rates and a step count that suit a landscape: what the page's preset button applies."""
    chosen = model_landscape(problem, 0) if landscape == "model" else landscapes.LANDSCAPES[landscape]
    return dict(learning_rate=chosen.learning_rate, adaptive_learning_rate=chosen.adaptive_learning_rate, steps=chosen.steps)


@dataclass(frozen=True)
class OptimizersResult:
    config: OptimizersConfig
    landscape: landscapes.Landscape  # without its objective (plain data)
    surface: landscapes.Surface
    paths: dict  # optimizer name -> (steps + 1, 2), NaN after it diverged
    losses: dict  # optimizer name -> (steps + 1,)
    diverged_at: dict  # optimizer name -> first step whose position or loss was not finite, or None
    traces: int
    seconds: float
    minimum_loss: float  # the landscape's true minimum value (the same objective, float32, at its minima)
    curvature_ratio: float  # largest / smallest Hessian eigenvalue at the minimum


def cut_at_divergence(path: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray, int | None]:
    """The path and loss with NaN from the first step whose position or loss was not finite, and that step."""
    bad = ~np.isfinite(loss) | ~np.all(np.isfinite(path), axis=1)
    if not bad.any():
        return path, loss, None
    first_bad = int(np.argmax(bad))
    path, loss = path.copy(), loss.copy()
    path[first_bad:], loss[first_bad:] = np.nan, np.nan
    return path, loss, first_bad


def run_optimizers(config: OptimizersConfig = OptimizersConfig(), progress=None) -> OptimizersResult:
    """All six Keras optimizers from the same start on one landscape, in one compiled loop."""
    config.validate()
    landscape = landscape_for(config)
    hyper = dict(momentum=config.momentum, beta_1=config.beta_1, beta_2=config.beta_2, rho=config.rho)
    optimizers = {
        name: make_optimizer(name, config.adaptive_learning_rate if name in ADAPTIVE_OPTIMIZERS else config.learning_rate, **optimizer_hyper(name, **hyper))
        for name in OPTIMIZERS
    }
    result = race(landscape.objective, landscape.start, optimizers, config.steps, engine.sweep_progress(progress, 0, 1, "Optimizer race"))
    paths, losses, diverged_at = {}, {}, {}
    for name in OPTIMIZERS:
        paths[name], losses[name], diverged_at[name] = cut_at_divergence(result.paths[name], result.losses[name])
    grid = landscapes.surface(landscape.objective, landscape.x_range, landscape.y_range, resolution=90)
    minima = np.asarray(landscape.minima, np.float32)
    minimum_loss = float(np.min(landscape.objective(tf.constant(minima[:, 0]), tf.constant(minima[:, 1])).numpy()))
    eigenvalues = landscapes.hessian_eigenvalues(landscape.objective, landscape.minima[0])
    curvature_ratio = float(eigenvalues[-1] / max(eigenvalues[0], 1e-12))
    return OptimizersResult(
        config, dataclasses.replace(landscape, objective=None), grid, paths, losses, diverged_at, result.traces, result.seconds, minimum_loss, curvature_ratio
    )
