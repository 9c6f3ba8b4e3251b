"""Gradient descent: batch vs stochastic vs mini-batch, the learning rate, and the optimizers.

Part 1 trains a Keras model with exactly two parameters (weight and bias of
one Dense unit) three times from the same start with the same learning rate:
on all N examples per update (batch), on one (stochastic) and on k
(mini-batch). Its loss surface over (w, b) is small enough to draw whole,
so the three paths can be seen on it. Part 2 pushes the learning rate past
the point where the steps overshoot. Part 3 races the real Keras optimizers
on test landscapes inside one compiled loop. Part 4 checks the same
optimizers on a real MLP.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from dlcore import data, engine, landscapes
from dlcore.choices import OPTIMIZER_LABELS, make_optimizer
from dlcore.device import tf
from dlcore.limits import require
from dlcore.models import MLPSpec, build_mlp

PAGE = "pages/gradient_descent.py"
PROBLEMS = {"linear": "Linear regression (MSE)", "logistic": "Logistic regression (cross-entropy)"}
TASKS = {"linear": "regression", "logistic": "binary"}
MODES = ("batch", "minibatch", "stochastic")
ADAPTIVE_OPTIMIZERS = ("rmsprop", "adam", "adagrad")
OPTIMIZERS = tuple(OPTIMIZER_LABELS)
LANDSCAPE_NAMES = (*landscapes.LANDSCAPES, "model")
MAX_RACE_STEPS = 1000


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


# ---- parts 1 and 2: one two-parameter model, three ways of batching ----


@dataclass(frozen=True)
class Config:
    problem: str = "linear"
    num_samples: int = 100
    minibatch_size: int = 10
    learning_rate: float = 0.1
    epochs: int = 20
    seed: int = 0

    def validate(self) -> Config:
        require(
            [
                (self.problem in PROBLEMS, f"problem must be one of {tuple(PROBLEMS)}"),
                (20 <= self.num_samples <= 1000, "num_samples must be 20..1000"),
                (2 <= self.minibatch_size < self.num_samples, "minibatch_size must be at least 2 and below num_samples"),
                (0 < self.learning_rate <= 10, "learning_rate must be in (0, 10]"),
                (1 <= self.epochs <= 300, "epochs must be 1..300"),
            ]
        )
        return self


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
class Result:
    config: Config
    surface: landscapes.Surface  # full training loss over (w, b)
    lowest_point: tuple[float, float]  # lowest point of the grid
    hessian_eigenvalues: np.ndarray  # of the full training loss at the lowest point
    runs: tuple[ModeRun, ...]

    @property
    def stable_learning_rate(self) -> float:
        """Full-batch steps overshoot above 1/λmax and diverge above 2/λmax (exact for a quadratic)."""
        return float(2.0 / self.hessian_eigenvalues[-1])


def _train_mode(mode: str, problem: str, split, learning_rate: float, epochs: int, minibatch_size: int, seed: int, progress=None) -> ModeRun:
    x_train, y_train, x_val, y_val = split
    model = build_two_parameter_model(PROBLEM_SETTINGS[problem].start)
    step = engine.SupervisedStep(model, make_optimizer("sgd", learning_rate), TASKS[problem])
    batch_size = batch_size_for(mode, len(x_train), minibatch_size)
    spec = engine.TrainSpec(epochs=epochs, batch_size=batch_size, seed=seed, record_parameters=True)
    history = engine.fit(step, x_train, y_train, x_val, y_val, spec, progress, model=model)
    objective = landscapes.model_objective(x_train, y_train, TASKS[problem])
    path = history.parameters
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


def _surface(problem: str, x_train, y_train):
    settings = PROBLEM_SETTINGS[problem]
    objective = landscapes.model_objective(x_train, y_train, TASKS[problem])
    grid = landscapes.surface(objective, settings.w_range, settings.b_range, resolution=90)
    row, column = np.unravel_index(np.argmin(grid.values), grid.values.shape)
    lowest = (float(grid.xs[column]), float(grid.ys[row]))
    return grid, lowest, landscapes.hessian_eigenvalues(objective, lowest)


def run(config: Config = Config(), progress=None) -> Result:
    config.validate()
    split = make_data(config.problem, config.num_samples, config.seed)
    grid, lowest, eigenvalues = _surface(config.problem, split[0], split[1])
    runs = tuple(
        _train_mode(mode, config.problem, split, config.learning_rate, config.epochs, config.minibatch_size, config.seed, engine.sweep_progress(progress, i, len(MODES), f"{mode} gradient descent"))
        for i, mode in enumerate(MODES)
    )
    return Result(config, grid, lowest, eigenvalues, runs)


def first_figure(config: Config = Config()):
    """The page's first figure (three paths on the loss surface) needs the whole default run."""
    return run(config)


@dataclass(frozen=True)
class LearningRateConfig:
    problem: str = "linear"
    mode: str = "batch"
    learning_rate: float = 0.2
    epochs: int = 40
    num_samples: int = 100
    minibatch_size: int = 10
    seed: int = 0

    def validate(self) -> LearningRateConfig:
        Config(self.problem, self.num_samples, self.minibatch_size, self.learning_rate, self.epochs, self.seed).validate()
        require([(self.mode in MODES, f"mode must be one of {MODES}")])
        return self


@dataclass(frozen=True)
class LearningRateResult:
    config: LearningRateConfig
    surface: landscapes.Surface
    lowest_point: tuple[float, float]
    hessian_eigenvalues: np.ndarray
    run: ModeRun

    @property
    def stable_learning_rate(self) -> float:
        return float(2.0 / self.hessian_eigenvalues[-1])

    @property
    def verdict(self) -> str:
        """'diverged' (NaN/inf), 'growing' (ends above its start), 'oscillating' or 'smooth'."""
        if self.run.divergence is not None:
            return "diverged"
        loss = self.run.path_loss
        if not np.isfinite(loss[-1]) or loss[-1] > loss[0]:
            return "growing"
        if self.config.learning_rate * self.hessian_eigenvalues[-1] > 1.0:
            return "oscillating"
        return "smooth"


def run_learning_rate(config: LearningRateConfig = LearningRateConfig(), progress=None) -> LearningRateResult:
    config.validate()
    split = make_data(config.problem, config.num_samples, config.seed)
    grid, lowest, eigenvalues = _surface(config.problem, split[0], split[1])
    mode_run = _train_mode(config.mode, config.problem, split, config.learning_rate, config.epochs, config.minibatch_size, config.seed, progress)
    return LearningRateResult(config, grid, lowest, eigenvalues, mode_run)


# ---- part 3: the real Keras optimizers on landscapes, one compiled loop ----


def optimizer_hyper(name: str, momentum: float, beta_1: float, beta_2: float, rho: float) -> dict:
    """The extra Keras arguments each optimizer takes from the page's controls."""
    if name in ("momentum", "nesterov"):
        return {"momentum": momentum}
    if name == "adam":
        return {"beta_1": beta_1, "beta_2": beta_2}
    if name == "rmsprop":
        return {"rho": rho}
    return {}


class OptimizerRace:
    """Every optimizer moves its own (x, y) tf.Variable on the same objective, all in one tf.function.

    ``run(num_steps)`` takes the step count as a tensor, so calling it again
    with another count does not retrace (``traces`` counts the traces).
    """

    def __init__(self, objective, start, optimizers: dict):
        self.names = tuple(optimizers)
        self.objective = objective
        self.optimizers = list(optimizers.values())
        self.start = np.asarray(start, np.float32)
        self.variables = [tf.Variable(self.start, name=f"position_{name}") for name in self.names]
        for optimizer, variable in zip(self.optimizers, self.variables):
            optimizer.build([variable])
        self._descend = tf.function(self._descend_graph)

    def _descend_graph(self, num_steps):
        positions = tf.TensorArray(tf.float32, size=num_steps)
        for index in tf.range(num_steps):
            row = []
            for optimizer, variable in zip(self.optimizers, self.variables):
                with tf.GradientTape() as tape:
                    loss = self.objective(variable[0], variable[1])
                optimizer.apply_gradients([(tape.gradient(loss, variable), variable)])
                row.append(variable.read_value())
            positions = positions.write(index, tf.stack(row))
        return positions.stack()

    def run(self, num_steps: int) -> dict:
        """name -> (num_steps + 1, 2) path, row 0 the start."""
        moved = self._descend(tf.constant(int(num_steps), tf.int32)).numpy()
        return {name: np.concatenate([self.start[None, :], moved[:, i, :]]) for i, name in enumerate(self.names)}

    @property
    def traces(self) -> int:
        return self._descend.experimental_get_tracing_count()


@dataclass(frozen=True)
class OptimizersConfig:
    landscape: str = "ravine"
    steps: int = 120
    learning_rate: float = 0.12  # SGD, momentum, Nesterov
    adaptive_learning_rate: float = 0.3  # RMSProp, Adam, AdaGrad
    momentum: float = 0.9
    beta_1: float = 0.9
    beta_2: float = 0.999
    rho: float = 0.9
    problem: str = "linear"  # the two-parameter model used by landscape "model"
    seed: int = 0

    def validate(self) -> OptimizersConfig:
        require(
            [
                (self.landscape in LANDSCAPE_NAMES, f"landscape must be one of {LANDSCAPE_NAMES}"),
                (1 <= self.steps <= MAX_RACE_STEPS, f"steps must be 1..{MAX_RACE_STEPS}"),
                (0 < self.learning_rate <= 10 and 0 < self.adaptive_learning_rate <= 10, "learning rates must be in (0, 10]"),
                (0 <= self.momentum < 1, "momentum must be in [0, 1)"),
                (0 <= self.beta_1 < 1 and 0 <= self.beta_2 < 1, "beta_1 and beta_2 must be in [0, 1)"),
                (0 <= self.rho < 1, "rho must be in [0, 1)"),
                (self.problem in PROBLEMS, f"problem must be one of {tuple(PROBLEMS)}"),
            ]
        )
        return self


def model_landscape(problem: str, seed: int) -> landscapes.Landscape:
    """The two-parameter model's training loss as a landscape over (w, b)."""
    settings = PROBLEM_SETTINGS[problem]
    x_train, y_train, _, _ = make_data(problem, Config.num_samples, seed)
    objective = landscapes.model_objective(x_train, y_train, TASKS[problem])
    grid = landscapes.surface(objective, settings.w_range, settings.b_range, resolution=90)
    row, column = np.unravel_index(np.argmin(grid.values), grid.values.shape)
    lowest = ((float(grid.xs[column]), float(grid.ys[row])),)
    rate = 0.1 if problem == "linear" else 1.0
    return landscapes.Landscape("model", f"The model above: {PROBLEMS[problem]}", objective, settings.w_range, settings.b_range, settings.start, lowest, rate, 0.1, steps=100, x_title="weight w", y_title="bias b")


def landscape_for(config: OptimizersConfig) -> landscapes.Landscape:
    return model_landscape(config.problem, config.seed) if config.landscape == "model" else landscapes.LANDSCAPES[config.landscape]


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


def run_optimizers(config: OptimizersConfig = OptimizersConfig(), progress=None) -> OptimizersResult:
    config.validate()
    landscape = landscape_for(config)
    hyper = dict(momentum=config.momentum, beta_1=config.beta_1, beta_2=config.beta_2, rho=config.rho)
    optimizers = {
        name: make_optimizer(name, config.adaptive_learning_rate if name in ADAPTIVE_OPTIMIZERS else config.learning_rate, **optimizer_hyper(name, **hyper))
        for name in OPTIMIZERS
    }
    started = time.perf_counter()
    race = OptimizerRace(landscape.objective, landscape.start, optimizers)
    raw_paths = race.run(config.steps)
    seconds = time.perf_counter() - started
    paths, losses, diverged_at = {}, {}, {}
    for name, path in raw_paths.items():
        loss = landscapes.evaluate_path(landscape.objective, path)
        bad = ~np.isfinite(loss) | ~np.all(np.isfinite(path), axis=1)
        first_bad = int(np.argmax(bad)) if bad.any() else None
        if first_bad is not None:
            path, loss = path.copy(), loss.copy()
            path[first_bad:], loss[first_bad:] = np.nan, np.nan
        paths[name], losses[name], diverged_at[name] = path, loss, first_bad
    grid = landscapes.surface(landscape.objective, landscape.x_range, landscape.y_range, resolution=90)
    if progress is not None:
        progress(engine.ProgressInfo(1, 1, label="Optimizers"))
    return OptimizersResult(config, dataclasses.replace(landscape, objective=None), grid, paths, losses, diverged_at, race.traces, seconds)


# ---- part 4: the same optimizers on a real network ----


@dataclass(frozen=True)
class NetworkConfig:
    dataset: str = "moons"
    optimizers: str = "sgd,momentum,nesterov,rmsprop,adam,adagrad"  # comma-separated, URL friendly
    learning_rate: float = 0.1  # SGD, momentum, Nesterov
    adaptive_learning_rate: float = 0.01  # RMSProp, Adam, AdaGrad
    epochs: int = 30
    batch_size: int = 32
    num_hidden_layers: int = 2
    units: int = 16
    seed: int = 0

    @property
    def optimizer_names(self) -> tuple[str, ...]:
        return tuple(name for name in self.optimizers.split(",") if name)

    def validate(self) -> NetworkConfig:
        names = self.optimizer_names
        require(
            [
                (self.dataset in data.DATASETS, f"dataset must be one of {data.DATASETS}"),
                (len(names) >= 1 and all(n in OPTIMIZERS for n in names), f"optimizers must be a comma-separated subset of {OPTIMIZERS}"),
                (0 < self.learning_rate <= 10 and 0 < self.adaptive_learning_rate <= 10, "learning rates must be in (0, 10]"),
                (1 <= self.epochs <= 300, "epochs must be 1..300"),
                (self.batch_size >= 0, "batch_size must be >= 0 (0 = full batch)"),
                (1 <= self.num_hidden_layers <= 10 and 2 <= self.units <= 128, "1..10 hidden layers of 2..128 units"),
            ]
        )
        return self


@dataclass(frozen=True)
class NetworkResult:
    config: NetworkConfig
    epochs: dict  # optimizer name -> per-epoch DataFrame (train/val loss and accuracy, seconds)
    seconds: dict  # optimizer name -> wall time of its run
    divergence: dict  # optimizer name -> engine.Divergence or None


def run_network(config: NetworkConfig = NetworkConfig(), progress=None) -> NetworkResult:
    config.validate()
    split = data.load_dataset(config.dataset, 600, 0.2, config.seed)
    task = "binary" if split.num_classes == 2 else "multiclass"
    spec = MLPSpec(split.num_features, 1 if task == "binary" else split.num_classes, config.num_hidden_layers, config.units, "relu", "glorot", seed=config.seed)
    epochs, seconds, divergence = {}, {}, {}
    names = config.optimizer_names
    for index, name in enumerate(names):
        model = build_mlp(spec)  # the same seed: every optimizer starts from the same weights
        rate = config.adaptive_learning_rate if name in ADAPTIVE_OPTIMIZERS else config.learning_rate
        step = engine.SupervisedStep(model, make_optimizer(name, rate), task)
        train_spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed)
        history = engine.fit(step, split.x_train, split.y_train, split.x_val, split.y_val, train_spec, engine.sweep_progress(progress, index, len(names), OPTIMIZER_LABELS[name]), model=model)
        epochs[name], seconds[name], divergence[name] = history.epochs, history.seconds, history.divergence
    return NetworkResult(config, epochs, seconds, divergence)


# The page runs each part through the shared result store, which needs a name and a run function.
LEARNING_RATE_PART = SimpleNamespace(__name__=f"{__name__}.learning_rate", run=run_learning_rate)
OPTIMIZERS_PART = SimpleNamespace(__name__=f"{__name__}.optimizers", run=run_optimizers)
NETWORK_PART = SimpleNamespace(__name__=f"{__name__}.network", run=run_network)
