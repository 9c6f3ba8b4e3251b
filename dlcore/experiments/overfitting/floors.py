"""Noise floors and know-nothing baselines: where a fit's errors can sit at best and at worst.

The data are a clean pattern plus Gaussian noise, so the best any model can
do is known: the regression's perfect model is the true function itself,
and the classifier's is the Bayes posterior P(class | x) of the noisy
generator, estimated here from many clean points blurred by the same noise
(a Gaussian kernel whose width is the noise's own standard deviation).
Diagnoses compare errors with these floors instead of with each other.
"""

from __future__ import annotations

import numpy as np

from dlcore import data

# Standard deviation of the noise per axis, per unit of the `noise` setting, as dlcore/data.py adds it
# (moons: noise before halving the y axis's scale; circles: noise/2 before scaling by 1.5; spiral, xor: 0.3x).
NOISE_SCALE = {"moons": (1.0, 2.0), "circles": (0.75, 0.75), "spiral": (0.3, 0.3), "xor": (0.3, 0.3)}
CLEAN_POINTS = 8000
PROBABILITY_EPSILON = 1e-7  # Keras clips probabilities the same way in its cross-entropy


def regression_floor(x: np.ndarray, y: np.ndarray, true_function) -> float:
    """The mean squared error of the true function itself on these points: only their noise is left."""
    return float(np.mean((np.asarray(y, dtype=float) - true_function(np.asarray(x, dtype=float))) ** 2))


def regression_baseline(y_train: np.ndarray, y_val: np.ndarray) -> float:
    """The validation MSE of a model that learned only the training mean."""
    return float(np.mean((np.asarray(y_val, dtype=float) - float(np.mean(y_train))) ** 2))


def bayes_probability(dataset: str, noise: float, points: np.ndarray, seed: int = 0) -> np.ndarray:
    """P(class 1 | x) of the noisy generator at `points`, from CLEAN_POINTS clean samples blurred by the noise."""
    split = data.toy_dataset(dataset, CLEAN_POINTS, 0.0, validation_fraction=0.5, seed=seed + 1)
    clean_x = np.concatenate([split.x_train, split.x_val]).astype(float)
    clean_y = np.concatenate([np.ravel(split.y_train), np.ravel(split.y_val)]).astype(int)
    scale = noise * np.asarray(NOISE_SCALE[dataset], dtype=float)
    points = np.asarray(points, dtype=float)
    log_density = []
    for label in (0, 1):
        centres = clean_x[clean_y == label] / scale
        distance = ((points / scale)[:, None, :] - centres[None, :, :]) ** 2
        exponent = -0.5 * distance.sum(axis=2)
        top = exponent.max(axis=1, keepdims=True)
        # log of the mean kernel value, times the class's share of the points
        log_density.append(top[:, 0] + np.log(np.exp(exponent - top).mean(axis=1)) + np.log(len(centres) / len(clean_y)))
    return 1.0 / (1.0 + np.exp(np.clip(log_density[0] - log_density[1], -700, 700)))


def classifier_floor(dataset: str, noise: float, x: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """The cross-entropy the Bayes posterior itself scores on these points (0 when the data carry no noise)."""
    if noise <= 0:
        return 0.0
    probability = np.clip(bayes_probability(dataset, noise, x, seed), PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON)
    y = np.ravel(y).astype(float)
    return float(-np.mean(y * np.log(probability) + (1 - y) * np.log(1 - probability)))


def classifier_baseline(y_train: np.ndarray, y_val: np.ndarray) -> float:
    """The validation cross-entropy of a model that learned only the training set's class share."""
    share = float(np.clip(np.mean(y_train), PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON))
    y = np.ravel(y_val).astype(float)
    return float(-np.mean(y * np.log(share) + (1 - y) * np.log(1 - share)))
