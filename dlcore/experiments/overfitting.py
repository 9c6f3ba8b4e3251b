"""Overfitting and underfitting: capacity against the amount and noisiness of the data.

Two views of the same idea. A polynomial of degree d (a Keras linear layer on
Chebyshev features, a well-conditioned basis for the same polynomials as
1, x, ..., x^d) is fitted to a few noisy samples of a smooth curve; and an
MLP of chosen width and depth learns a noisy 2-D two-class set from few
points. Too little capacity misses the pattern (underfitting); too much
follows the noise (overfitting), which shows as a validation error that
rises while the training error keeps falling. Sweeps train several models
at once, in one compiled loop, to draw the U-shaped validation curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import layers
from numpy.polynomial import chebyshev

from dlcore import data, engine
from dlcore.choices import make_optimizer
from dlcore.device import seeds_for, tf
from dlcore.diagnosis import Diagnosis, diagnose
from dlcore.limits import require
from dlcore.models import MLPSpec, build_mlp

PAGE = "pages/overfitting.py"
MAX_DEGREE = 15
CLASSIFIER_DATASETS = ("moons", "circles", "xor", "spiral")
NUM_VALIDATION_POINTS = 300
CURVE_POINTS = 200
GRID_RESOLUTION = 60
REGRESSION_LEARNING_RATE = 0.05
CLASSIFIER_LEARNING_RATE = 0.01
CLASSIFIER_BATCH_SIZE = 32
CROSS_ENTROPY_HIGH = 0.5 * np.log(2.0)  # a classifier that removed under half of a coin flip's uncertainty


def true_function(x: np.ndarray) -> np.ndarray:
    """The smooth curve the regression samples come from: 1.5 periods of a sine on [-1, 1]."""
    return np.sin(1.5 * np.pi * x)


def chebyshev_features(x: np.ndarray, degree: int) -> np.ndarray:
    """T_1(x) ... T_degree(x) (the constant T_0 is the layer's bias), float32, shape (n, degree)."""
    return chebyshev.chebvander(np.asarray(x, dtype=np.float64), degree)[:, 1:].astype(np.float32)


def regression_points(num_points: int, noise: float, seed: int, num_val: int = NUM_VALIDATION_POINTS):
    """Training and validation samples x in [-1, 1], y = true_function(x) + Gaussian noise (std `noise`)."""
    rng = np.random.default_rng(seed)
    x_train = np.sort(rng.uniform(-1.0, 1.0, num_points))
    x_val = rng.uniform(-1.0, 1.0, num_val)
    y_train = true_function(x_train) + rng.normal(0.0, noise, num_points)
    y_val = true_function(x_val) + rng.normal(0.0, noise, num_val)
    return [a.astype(np.float32) for a in (x_train, y_train, x_val, y_val)]


def regression_high_error(noise: float) -> float:
    """MSE counted as poor: the noise floor plus a quarter of the true curve's own variance."""
    curve = true_function(np.linspace(-1.0, 1.0, 1001))
    return float(noise**2 + 0.25 * curve.var())


def build_polynomial(degree: int, seed: int) -> keras.Model:
    inputs = keras.Input(shape=(degree,), name="chebyshev_features")
    outputs = layers.Dense(1, kernel_initializer=keras.initializers.Zeros(), name="coefficients")(inputs)
    return keras.Model(inputs, outputs, name=f"polynomial_degree_{degree}")


# ---- several independent models trained in one compiled loop ----


class ParallelStep(engine.SupervisedStep):
    """K independent models in one graph: the model outputs (n, K), one loss per column, summed.

    ``y`` is (n, 2K): the K target columns, then K per-sample weights (0 drops a
    sample from that model's training set). Each model's parameters get only
    their own loss's gradient and Adam-style optimizers update element by
    element, so this equals K separate runs on the same batches. The update,
    gradient norms (per layer of every sub-model) and NaN guard are the engine's.
    """

    def __init__(self, model, optimizer, task: str):
        if task not in ("binary", "regression"):
            raise ValueError(f"ParallelStep supports 'binary' and 'regression', not {task!r}")
        super().__init__(model, optimizer, task)

    def per_model_losses(self, outputs, y):
        count = tf.shape(outputs)[1]
        targets, weights = y[:, :count], y[:, count:]
        if self.task == "binary":
            losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=outputs)
        else:
            losses = tf.square(outputs - targets)
        return tf.reduce_sum(losses * weights, axis=0) / tf.maximum(tf.reduce_sum(weights, axis=0), 1.0)

    def data_loss(self, y, outputs):
        return tf.reduce_sum(self.per_model_losses(outputs, y))

    def evaluate(self, x, y):
        per_model = self.per_model_losses(self.model(x, training=False), y)
        return tf.reduce_mean(per_model), tf.constant(float("nan"))


def parallel_targets(targets: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Pack (n, K) targets and optional (n, K) sample weights into the (n, 2K) array ParallelStep reads."""
    targets = np.asarray(targets, dtype=np.float32)
    weights = np.ones_like(targets) if weights is None else np.asarray(weights, dtype=np.float32)
    return np.concatenate([targets, weights], axis=1)


def build_parallel_polynomials(num_models: int, max_degree: int) -> keras.Model:
    """K polynomials on (n, K, max_degree) inputs; model k sees zeros beyond its own degree."""
    inputs = keras.Input(shape=(num_models, max_degree), name="chebyshev_features")
    outputs = layers.EinsumDense("nkd,kd->nk", output_shape=(num_models,), bias_axes="k", kernel_initializer="zeros", name="coefficients")(inputs)
    return keras.Model(inputs, outputs, name="parallel_polynomials")


def _final_errors(step: ParallelStep, x, y) -> np.ndarray:
    outputs = step.model(tf.constant(x), training=False)
    return step.per_model_losses(outputs, tf.constant(y)).numpy().astype(float)


# ---- the two fits the page shows side by side ----


@dataclass(frozen=True)
class PolynomialConfig:
    degree: int = 12
    num_points: int = 20
    noise: float = 0.25  # standard deviation of the noise added to the true curve
    epochs: int = 200
    early_stopping: bool = False
    patience: int = 20
    seed: int = 0

    def validate(self) -> PolynomialConfig:
        _check_common(self)
        if not 1 <= self.degree <= MAX_DEGREE:
            raise ValueError(f"degree must be 1..{MAX_DEGREE}")
        return self


@dataclass(frozen=True)
class ClassifierConfig:
    dataset: str = "circles"
    num_points: int = 60  # training points; validation always has 500
    noise: float = 0.25
    num_hidden_layers: int = 3
    units: int = 64
    epochs: int = 200
    early_stopping: bool = False
    patience: int = 20
    seed: int = 0

    def validate(self) -> ClassifierConfig:
        _check_common(self)
        checks = [
            (self.dataset in CLASSIFIER_DATASETS, f"dataset must be one of {CLASSIFIER_DATASETS}"),
            (0 <= self.num_hidden_layers <= 8, "num_hidden_layers must be 0..8"),
            (1 <= self.units <= 256, "units must be 1..256"),
        ]
        require(checks)
        return self


def _check_common(config) -> None:
    checks = [
        (5 <= config.num_points <= 1000, "num_points must be 5..1000"),
        (0.0 <= config.noise <= 2.0, "noise must be in [0, 2]"),
        (1 <= config.epochs <= 2000, "epochs must be 1..2000"),
        (1 <= config.patience <= 500, "patience must be 1..500"),
    ]
    require(checks)


@dataclass(frozen=True)
class Config:
    """Everything the page's capacity section sets; split into the two fits' own configs."""

    degree: int = 12
    num_points: int = 20  # regression training points; the classifier gets three times as many
    noise: float = 0.25
    dataset: str = "circles"
    num_hidden_layers: int = 3
    units: int = 64
    epochs: int = 200
    early_stopping: bool = False
    patience: int = 20
    seed: int = 0

    def polynomial(self) -> PolynomialConfig:
        return PolynomialConfig(self.degree, self.num_points, self.noise, self.epochs, self.early_stopping, self.patience, self.seed)

    def classifier(self) -> ClassifierConfig:
        return ClassifierConfig(
            self.dataset, 3 * self.num_points, self.noise, self.num_hidden_layers, self.units, self.epochs, self.early_stopping, self.patience, self.seed
        )

    def validate(self) -> Config:
        self.polynomial().validate()
        self.classifier().validate()
        return self


@dataclass(frozen=True)
class PolynomialResult:
    config: PolynomialConfig
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    curve_x: np.ndarray
    curve_true: np.ndarray
    curve_fit: np.ndarray
    history: engine.History
    diagnosis: Diagnosis
    high_error: float


@dataclass(frozen=True)
class ClassifierResult:
    config: ClassifierConfig
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    grid_probability: np.ndarray  # (len(grid_y), len(grid_x)) P(class 1)
    history: engine.History
    diagnosis: Diagnosis
    high_error: float


@dataclass(frozen=True)
class Result:
    config: Config
    polynomial: PolynomialResult
    classifier: ClassifierResult


def kept_epochs(history: engine.History):
    """The per-epoch table up to the weights the model ends with (early stopping restores its best epoch)."""
    if history.stopped_early_epoch is not None and history.best_epoch is not None:
        return history.epochs[history.epochs["epoch"] <= history.best_epoch]
    return history.epochs


def _diagnose(history: engine.History, high_error: float) -> Diagnosis:
    epochs = kept_epochs(history)
    return diagnose(epochs["train_loss"], epochs["val_loss"], high_error)


def _train_spec(config, batch_size: int) -> engine.TrainSpec:
    patience = config.patience if config.early_stopping else 0
    return engine.TrainSpec(epochs=config.epochs, batch_size=batch_size, seed=config.seed, early_stopping_patience=patience)


def fit_polynomial(config: PolynomialConfig, progress=None) -> PolynomialResult:
    config.validate()
    x_train, y_train, x_val, y_val = regression_points(config.num_points, config.noise, config.seed)
    model = build_polynomial(config.degree, config.seed)
    step = engine.SupervisedStep(model, make_optimizer("adam", REGRESSION_LEARNING_RATE), "regression")
    features = lambda x: chebyshev_features(x, config.degree)  # noqa: E731
    history = engine.fit(step, features(x_train), y_train[:, None], features(x_val), y_val[:, None], _train_spec(config, 0), progress, model=model)
    curve_x = np.linspace(-1.0, 1.0, CURVE_POINTS, dtype=np.float32)
    curve_fit = engine.predict(model, features(curve_x), "regression")[:, 0]
    high = regression_high_error(config.noise)
    return PolynomialResult(config, x_train, y_train, x_val, y_val, curve_x, true_function(curve_x), curve_fit, history, _diagnose(history, high), high)


def classifier_split(config: ClassifierConfig) -> data.Split:
    """`num_points` training points and 500 validation points from one seeded draw."""
    total = config.num_points + 500
    return data.toy_dataset(config.dataset, total, config.noise, validation_fraction=500 / total, seed=config.seed)


def fit_classifier(config: ClassifierConfig, progress=None) -> ClassifierResult:
    config.validate()
    split = classifier_split(config)
    spec_mlp = MLPSpec(num_inputs=2, num_outputs=1, num_hidden_layers=config.num_hidden_layers, units=config.units, activation="relu", initializer="he", seed=config.seed)
    model = build_mlp(spec_mlp)
    step = engine.SupervisedStep(model, make_optimizer("adam", CLASSIFIER_LEARNING_RATE), "binary")
    history = engine.fit(step, split.x_train, split.y_train, split.x_val, split.y_val, _train_spec(config, CLASSIFIER_BATCH_SIZE), progress, model=model)
    grid_x, grid_y, grid = data.grid_over(np.concatenate([split.x_train, split.x_val]), GRID_RESOLUTION)
    probability = engine.predict(model, grid, "binary").reshape(len(grid_y), len(grid_x))
    high = CROSS_ENTROPY_HIGH
    return ClassifierResult(config, split.x_train, split.y_train, split.x_val, split.y_val, grid_x, grid_y, probability, history, _diagnose(history, high), high)


def run_both(config: Config, progress=None) -> Result:
    config.validate()
    polynomial = fit_polynomial(config.polynomial(), engine.sweep_progress(progress, 0, 2, f"Polynomial of degree {config.degree}"))
    classifier = fit_classifier(config.classifier(), engine.sweep_progress(progress, 1, 2, f"Classifier {config.num_hidden_layers}×{config.units}"))
    return Result(config, polynomial, classifier)


# ---- sweeps: final errors against capacity, training-set size and noise ----

SWEEP_KINDS = ("capacity", "training_size", "noise")
CAPACITY_DEGREES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15)
TRAINING_SIZES = (8, 12, 16, 20, 30, 50, 80, 120)
NOISE_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


@dataclass(frozen=True)
class SweepConfig:
    kind: str = "capacity"  # what varies: polynomial degree, number of training points, or noise std
    degree: int = 12  # fixed while training_size or noise varies
    num_points: int = 20  # fixed while capacity or noise varies
    noise: float = 0.25  # fixed while capacity or training_size varies
    epochs: int = 200
    seed: int = 0

    def validate(self) -> SweepConfig:
        PolynomialConfig(self.degree, self.num_points, self.noise, self.epochs, seed=self.seed).validate()
        if self.kind not in SWEEP_KINDS:
            raise ValueError(f"kind must be one of {SWEEP_KINDS}")
        return self

    @property
    def values(self) -> tuple:
        return {"capacity": CAPACITY_DEGREES, "training_size": TRAINING_SIZES, "noise": NOISE_LEVELS}[self.kind]


@dataclass(frozen=True)
class SweepResult:
    config: SweepConfig
    values: np.ndarray  # the swept quantity, one per model
    train_error: np.ndarray  # final training MSE per model
    val_error: np.ndarray  # final validation MSE per model
    noise_floor: np.ndarray  # the MSE a perfect model would still have (noise variance) per model
    seconds: float

    @property
    def best_index(self) -> int:
        return int(np.nanargmin(self.val_error))


def _sweep_arrays(config: SweepConfig):
    """Inputs (n, K, MAX_DEGREE), (n, 2K) targets+weights for train and validation, and per-model noise."""
    values = config.values
    count = len(values)
    degrees = np.array(values if config.kind == "capacity" else [config.degree] * count)
    sizes = np.array(values if config.kind == "training_size" else [config.num_points] * count)
    noises = np.array(values if config.kind == "noise" else [config.noise] * count, dtype=float)
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


def run_sweep(config: SweepConfig, progress=None) -> SweepResult:
    config.validate()
    (x_train, y_train), (x_val, y_val), floor = _sweep_arrays(config)
    model = build_parallel_polynomials(len(config.values), MAX_DEGREE)
    step = ParallelStep(model, make_optimizer("adam", REGRESSION_LEARNING_RATE), "regression")
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=0, seed=config.seed)
    label = f"{len(config.values)} models at once"
    history = engine.fit(step, x_train, y_train, x_val, y_val, spec, engine.sweep_progress(progress, 0, 1, label), model=model)
    train_error, val_error = _final_errors(step, x_train, y_train), _final_errors(step, x_val, y_val)
    return SweepResult(config, np.array(config.values, dtype=float), train_error, val_error, floor, history.seconds)


RUNNERS = {PolynomialConfig: fit_polynomial, ClassifierConfig: fit_classifier, SweepConfig: run_sweep, Config: run_both}


def run(config, progress=None):
    """Run whichever of this module's experiments `config` describes (its type picks the runner)."""
    if type(config) not in RUNNERS:
        raise ValueError(f"no experiment for {type(config).__name__}")
    return RUNNERS[type(config)](config, progress)


def first_figure(config: Config = Config()):
    """The page's first figure is the polynomial fit: one polynomial trained with the page's defaults."""
    return run(config.polynomial())


def capacity_sweep_default() -> SweepResult:
    """The page's default capacity sweep: ten polynomial degrees trained in one go."""
    return run(SweepConfig())


PRESETS = {
    "Underfit: degree 1, 0 hidden layers": dict(degree=1, num_hidden_layers=0, units=8, early_stopping=False),
    "Good fit: degree 5, 1×16": dict(degree=5, num_hidden_layers=1, units=16, early_stopping=False),
    "Overfit: degree 15, 3×128": dict(degree=15, num_hidden_layers=3, units=128, early_stopping=False),
    "Cure: overfit + early stopping": dict(degree=15, num_hidden_layers=3, units=128, early_stopping=True, patience=20),
}
