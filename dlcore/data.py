"""Data sets that work offline: 2-D toy sets made in code and sklearn's digits.

Every loader is a pure function of its arguments (seed included) and returns
float32 numpy arrays, so results are reproducible and cacheable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOY_DATASETS = ("moons", "circles", "spiral", "xor", "blobs")


@dataclass(frozen=True)
class Split:
    """A train/validation split. Labels are integers (class ids)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    num_classes: int
    name: str

    @property
    def num_features(self) -> int:
        return int(np.prod(self.x_train.shape[1:]))


def _moons(n, rng, noise):
    import sklearn.datasets

    x, y = sklearn.datasets.make_moons(n, noise=noise, random_state=int(rng.integers(2**31)))
    return (x - [0.5, 0.25]) / [1.0, 0.5], y


def _circles(n, rng, noise):
    import sklearn.datasets

    seed = int(rng.integers(2**31))
    x, y = sklearn.datasets.make_circles(n, noise=noise * 0.5, factor=0.5, random_state=seed)
    return x * 1.5, y


def _spiral(n, rng, noise):
    per_arm = n // 2
    labels = np.repeat([0, 1], [per_arm, n - per_arm])
    radius = np.concatenate([np.linspace(0.15, 1.0, per_arm), np.linspace(0.15, 1.0, n - per_arm)])
    angle = radius * 3.5 * np.pi + labels * np.pi
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1) * 1.8
    return points + rng.normal(0.0, noise * 0.3, points.shape), labels


def _xor(n, rng, noise):
    points = rng.uniform(-1.5, 1.5, size=(n, 2))
    labels = (points[:, 0] * points[:, 1] > 0).astype(int)
    return points + rng.normal(0.0, noise * 0.3, points.shape), labels


def _blobs(n, rng, noise):
    centers = np.array([[-0.8, -0.8], [0.8, 0.8]])
    labels = rng.integers(0, 2, n)
    return centers[labels] + rng.normal(0.0, 0.35 + noise, (n, 2)), labels


_TOY_BUILDERS = {"moons": _moons, "circles": _circles, "spiral": _spiral, "xor": _xor, "blobs": _blobs}


def _split(x, y, validation_fraction, rng, num_classes, name) -> Split:
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
    order = rng.permutation(len(x))
    n_val = max(1, int(round(len(x) * validation_fraction)))
    val, train = order[:n_val], order[n_val:]
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.int32)
    return Split(x[train], y[train], x[val], y[val], num_classes, name)


def toy_dataset(
    name: str = "moons",
    num_samples: int = 1000,
    noise: float = 0.2,
    validation_fraction: float = 0.3,
    seed: int = 0,
) -> Split:
    """A 2-D, two-class toy set, roughly centred on the origin within [-2, 2]."""
    if name not in _TOY_BUILDERS:
        raise ValueError(f"unknown toy data set {name!r}; choose from {TOY_DATASETS}")
    if num_samples < 10:
        raise ValueError(f"num_samples must be at least 10, got {num_samples}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")
    rng = np.random.default_rng(seed)
    x, y = _TOY_BUILDERS[name](num_samples, rng, noise)
    return _split(x, y, validation_fraction, rng, 2, name)


def digits_dataset(validation_fraction: float = 0.3, seed: int = 0, flat: bool = True) -> Split:
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images), scaled to [0, 1].

    ``flat=False`` gives images shaped (8, 8, 1) for convolutional models.
    """
    import sklearn.datasets

    digits = sklearn.datasets.load_digits()
    images = digits.images.astype(np.float32) / 16.0
    x = images.reshape(len(images), -1) if flat else images[..., None]
    rng = np.random.default_rng(seed)
    return _split(x, digits.target, validation_fraction, rng, 10, "digits")


def load_dataset(name: str, num_samples: int = 1000, noise: float = 0.2, seed: int = 0) -> Split:
    """One entry point for every offline data set name in DATASETS."""
    if name == "digits":
        return digits_dataset(seed=seed)
    return toy_dataset(name, num_samples=num_samples, noise=noise, seed=seed)


DATASETS = TOY_DATASETS + ("digits",)


def grid_over(points: np.ndarray, resolution: int = 80, margin: float = 0.3):
    """A regular grid covering 2-D points, for decision-boundary contours.

    Returns (xs, ys, grid_points) with grid_points shaped (resolution**2, 2).
    """
    low = points.min(axis=0) - margin
    high = points.max(axis=0) + margin
    xs = np.linspace(low[0], high[0], resolution, dtype=np.float32)
    ys = np.linspace(low[1], high[1], resolution, dtype=np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return xs, ys, np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
