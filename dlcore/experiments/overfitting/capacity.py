"""The two fits the capacity tab shows side by side: a polynomial on noisy 1-D points and an MLP on a noisy 2-D set.

A polynomial of degree d is a Keras linear layer on Chebyshev features (a
well-conditioned basis for the same polynomials as 1, x, ..., x^d). The
classifier is a ReLU network of chosen width and depth. Every setting's
bounds are declared once, in the ``*_setting`` functions, and shared by every
config that has that setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import layers
from numpy.polynomial import chebyshev

from dlcore import data, engine
from dlcore.diagnosis import Diagnosis, diagnose_against_floor
from dlcore.experiments.overfitting import floors
from dlcore.limits import Settings, choice, flag, integer, number
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

MAX_DEGREE = 15
MIN_POINTS, MAX_POINTS = 5, 200  # regression training points; the classifier gets three times as many
CLASSIFIER_DATASETS = ("moons", "circles", "xor", "spiral")
NOISES = (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0)  # standard deviations of the noise added to the data
UNITS = (1, 2, 4, 8, 16, 32, 64, 128, 256)  # this deployment's width cap drops the largest
NUM_VALIDATION_POINTS = 300
NUM_CLASSIFIER_VALIDATION_POINTS = 500
CURVE_POINTS = 200
GRID_RESOLUTION = 60
REGRESSION_LEARNING_RATE = 0.05
CLASSIFIER_LEARNING_RATE = 0.01
CLASSIFIER_BATCH_SIZE = 32
CROSS_ENTROPY_HIGH = 0.5 * np.log(2.0)  # a classifier that removed under half of a coin flip's uncertainty


# ---- every setting's bounds, declared once ----


def degree_setting(default: int = 12):
    return integer(default, 1, MAX_DEGREE)


def points_setting(default: int = 20):
    return integer(default, MIN_POINTS, MAX_POINTS)


def noise_setting(default: float = 0.25):
    return number(default, options=NOISES)


def epochs_setting(default: int = 200):
    return integer(default, 1, cap="epochs")


def patience_setting(default: int = 20):
    return integer(default, 1, 100)


def seed_setting(default: int = 0):
    return integer(default, 0, 10_000)


# ---- configs ----


@dataclass(frozen=True)
class PolynomialConfig(Settings):
    degree: int = degree_setting()
    num_points: int = points_setting()
    noise: float = noise_setting()
    epochs: int = epochs_setting()
    early_stopping: bool = flag(False)
    patience: int = patience_setting()
    seed: int = seed_setting()


@dataclass(frozen=True)
class ClassifierConfig(Settings):
    dataset: str = choice("circles", CLASSIFIER_DATASETS)
    num_points: int = integer(3 * 20, 3 * MIN_POINTS, 3 * MAX_POINTS)  # training points; validation always has 500
    noise: float = noise_setting()
    num_hidden_layers: int = integer(3, 0, 8)
    units: int = integer(64, options=UNITS, cap="width")
    epochs: int = epochs_setting()
    early_stopping: bool = flag(False)
    patience: int = patience_setting()
    seed: int = seed_setting()


@dataclass(frozen=True)
class Config(Settings):
    """Everything the page's capacity tab sets; split into the two fits' own configs."""

    degree: int = degree_setting()
    num_points: int = points_setting()  # regression training points; the classifier gets three times as many
    noise: float = noise_setting()
    dataset: str = choice("circles", CLASSIFIER_DATASETS)
    num_hidden_layers: int = integer(3, 0, 8)
    units: int = integer(64, options=UNITS, cap="width")
    epochs: int = epochs_setting()
    early_stopping: bool = flag(False)
    patience: int = patience_setting()
    seed: int = seed_setting()

    def polynomial(self) -> PolynomialConfig:
        return PolynomialConfig(self.degree, self.num_points, self.noise, self.epochs, self.early_stopping, self.patience, self.seed)

    def classifier(self) -> ClassifierConfig:
        return ClassifierConfig(
            self.dataset, 3 * self.num_points, self.noise, self.num_hidden_layers, self.units, self.epochs, self.early_stopping, self.patience, self.seed
        )


# ---- results ----


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
    noise_floor: float = 0.0  # MSE of the true function itself on the validation points
    baseline: float = 1.0  # validation MSE of predicting the training mean


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
    noise_floor: float = 0.0  # cross-entropy of the generator's own posterior on the validation points
    baseline: float = float(np.log(2.0))  # validation cross-entropy of predicting the training class share


@dataclass(frozen=True)
class Result:
    config: Config
    polynomial: PolynomialResult
    classifier: ClassifierResult


# ---- data and models ----


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


def build_polynomial(degree: int) -> keras.Model:
    inputs = keras.Input(shape=(degree,), name="chebyshev_features")
    outputs = layers.Dense(1, kernel_initializer=keras.initializers.Zeros(), name="coefficients")(inputs)
    return keras.Model(inputs, outputs, name=f"polynomial_degree_{degree}")


def classifier_split(dataset: str, num_points: int, noise: float, seed: int) -> data.Split:
    """`num_points` training points and 500 validation points from one seeded draw."""
    total = num_points + NUM_CLASSIFIER_VALIDATION_POINTS
    return data.toy_dataset(dataset, total, noise, validation_fraction=NUM_CLASSIFIER_VALIDATION_POINTS / total, seed=seed)


# ---- training ----


def kept_epochs(history: engine.History):
    """The per-epoch table up to the weights the model ends with (early stopping restores its best epoch)."""
    if history.stopped_early_epoch is not None and history.best_epoch is not None:
        return history.epochs[history.epochs["epoch"] <= history.best_epoch]
    return history.epochs


def _diagnose(history: engine.History, floor: float, baseline: float) -> Diagnosis:
    """The diagnosis of the weights the model ends with, against the data's noise floor and a know-nothing baseline."""
    epochs = kept_epochs(history)
    return diagnose_against_floor(epochs["train_loss"], epochs["val_loss"], floor, baseline)


def _train_spec(config, batch_size: int) -> engine.TrainSpec:
    patience = config.patience if config.early_stopping else 0
    return engine.TrainSpec(epochs=config.epochs, batch_size=batch_size, seed=config.seed, early_stopping_patience=patience)


def fit_polynomial(config: PolynomialConfig, progress=None) -> PolynomialResult:
    """Fit a polynomial of the config's degree to its noisy points by full-batch Adam on the mean squared error."""
    config.validate()
    x_train, y_train, x_val, y_val = regression_points(config.num_points, config.noise, config.seed)
    model = build_polynomial(config.degree)
    step = SupervisedStep(model, make_optimizer("adam", REGRESSION_LEARNING_RATE), "regression")
    features = lambda x: chebyshev_features(x, config.degree)  # noqa: E731
    history = engine.fit(step, (features(x_train), y_train[:, None]), (features(x_val), y_val[:, None]), _train_spec(config, 0), progress)
    curve_x = np.linspace(-1.0, 1.0, CURVE_POINTS, dtype=np.float32)
    curve_fit = engine.predict(model, features(curve_x), "regression")[:, 0]
    high = regression_high_error(config.noise)
    floor, baseline = floors.regression_floor(x_val, y_val, true_function), floors.regression_baseline(y_train, y_val)
    diagnosis = _diagnose(history, floor, baseline)
    return PolynomialResult(config, x_train, y_train, x_val, y_val, curve_x, true_function(curve_x), curve_fit, history, diagnosis, high, floor, baseline)


def fit_classifier(config: ClassifierConfig, progress=None) -> ClassifierResult:
    """Train a ReLU network of the config's depth and width on its noisy 2-D points with mini-batch Adam."""
    config.validate()
    split = classifier_split(config.dataset, config.num_points, config.noise, config.seed)
    network = MLPSpec(num_inputs=2, num_outputs=1, num_hidden_layers=config.num_hidden_layers, units=config.units, activation="relu", initializer="he", seed=config.seed)
    model = build_mlp(network)
    step = SupervisedStep(model, make_optimizer("adam", CLASSIFIER_LEARNING_RATE), "binary")
    history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), _train_spec(config, CLASSIFIER_BATCH_SIZE), progress)
    grid_x, grid_y, grid = data.grid_over(np.concatenate([split.x_train, split.x_val]), GRID_RESOLUTION)
    probability = engine.predict(model, grid, "binary").reshape(len(grid_y), len(grid_x))
    floor = floors.classifier_floor(config.dataset, config.noise, split.x_val, split.y_val, config.seed)
    baseline = floors.classifier_baseline(split.y_train, split.y_val)
    diagnosis = _diagnose(history, floor, baseline)
    return ClassifierResult(config, split.x_train, split.y_train, split.x_val, split.y_val, grid_x, grid_y, probability, history, diagnosis, CROSS_ENTROPY_HIGH, floor, baseline)


def run_both(config: Config, progress=None) -> Result:
    """The capacity tab: the polynomial and the classifier, one after the other, sharing one progress bar."""
    config.validate()
    polynomial = fit_polynomial(config.polynomial(), engine.sweep_progress(progress, 0, 2, f"Polynomial of degree {config.degree}"))
    classifier = fit_classifier(config.classifier(), engine.sweep_progress(progress, 1, 2, f"Classifier {config.num_hidden_layers}×{config.units}"))
    return Result(config, polynomial, classifier)
