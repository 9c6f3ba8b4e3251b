"""The networks every part of the VAE page trains, the images they learn, and numpy copies of them.

One encoder (pixels → two ReLU layers → a mean μ and a log-variance log σ²
per latent dimension) and one decoder (a code z → two ReLU layers → one logit
per pixel). Both train through :class:`dlcore.generative.VAEStep`: as a VAE,
or with ``variational=False`` as a plain autoencoder (z = μ and no KL term; its
log-variance head then gets no gradient and is ignored).

After training the weights are copied into :class:`Encoder` and
:class:`Decoder`, plain numpy with the same arithmetic, so the page can decode
any point of the latent plane at once while a slider moves: no Keras model
outlives its training.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from dlcore import images
from dlcore.limits import Settings, choice, integer, number

DATASETS = {
    "digits": "8×8 digits (bundled)",
    "mnist": "MNIST 28×28 digits (download)",
    "fashion_mnist": "Fashion-MNIST 28×28 clothes (download)",
}
HIDDEN_UNITS = (32, 64, 128, 256)
LEARNING_RATES = (3e-4, 1e-3, 3e-3, 5e-3, 1e-2, 3e-2)
BATCH_SIZES = (16, 32, 64, 128, 256)
LATENT_SIZES = (2, 3, 4, 8, 16)
BETAS = (0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 8.0, 16.0)
MAX_IMAGES = 3000  # of a downloaded set (the first ones): enough for a 2-D latent, quick to train
VALIDATION_FRACTION = 0.2
SPLIT_SEED = 0  # the same validation images for every seed, so runs compare on the same digits
KNN_NEIGHBOURS = 10


@dataclass(frozen=True)
class TrainingSettings(Settings):
    """What every network on the page shares: the first tab's controls (bare names in a link).

    The data set comes last: a generic test changes the first two settings, and a test must never download.
    """

    hidden_units: int = integer(128, options=HIDDEN_UNITS, cap="width")
    epochs: int = integer(100, 1, 300, cap="epochs")
    batch_size: int = integer(64, options=BATCH_SIZES)
    learning_rate: float = number(0.005, options=LEARNING_RATES)
    seed: int = integer(0, 0, 10_000)
    dataset: str = choice("digits", DATASETS)


@dataclass(frozen=True)
class ModelConfig(TrainingSettings):
    """One network to train: the shared settings plus its latent size and its KL weight β."""

    latent_dim: int = integer(2, options=LATENT_SIZES)
    beta: float = number(1.0, options=BETAS)

    @classmethod
    def of(cls, settings: TrainingSettings, latent_dim: int = 2, beta: float = 1.0) -> ModelConfig:
        shared = {field.name: getattr(settings, field.name) for field in dataclasses.fields(TrainingSettings)}
        return cls(**shared, latent_dim=latent_dim, beta=beta)


# ---------------------------------------------------------------- the images


@dataclass(frozen=True)
class ImageData:
    x_train: np.ndarray  # (n, pixels) float32 in [0, 1]
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    class_names: tuple[str, ...]
    image_shape: tuple[int, int]  # (height, width)
    name: str  # the set delivered ("digits" when a download was not available)
    note: str | None  # why another set replaced the one asked for


def image_data(dataset: str) -> ImageData:
    """The set, flattened and split 80/20 with a fixed seed. Never downloads: the page fetches first."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown data set {dataset!r}; choose from {tuple(DATASETS)}")
    source = images.load_images(dataset, download=False)
    x = np.asarray(source.images[:MAX_IMAGES], np.float32)
    height, width = x.shape[1:3]
    x = x.reshape(len(x), -1) if x.shape[-1] == 1 else x.mean(axis=-1).reshape(len(x), -1)
    y = np.asarray(source.labels[:MAX_IMAGES], np.int32)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    cut = int(round(len(x) * (1 - VALIDATION_FRACTION)))
    train, val = order[:cut], order[cut:]
    return ImageData(x[train], y[train], x[val], y[val], tuple(source.class_names), (int(height), int(width)), source.name, source.note)


# ---------------------------------------------------------------- Keras networks


def build_networks(config: ModelConfig, pixels: int):
    """(encoder, decoder) Keras models, every layer named and seeded from the config's seed."""
    import keras
    from keras import layers

    from dlcore.device import seeds_for

    seeds = seeds_for(config.seed, 6)
    glorot = lambda index: keras.initializers.GlorotUniform(seed=seeds[index])  # noqa: E731
    units, latent = config.hidden_units, config.latent_dim
    pixels_in = keras.Input(shape=(pixels,), name="pixels")
    hidden = layers.Dense(units, activation="relu", kernel_initializer=glorot(0), name="encoder_1")(pixels_in)
    hidden = layers.Dense(units, activation="relu", kernel_initializer=glorot(1), name="encoder_2")(hidden)
    mean = layers.Dense(latent, kernel_initializer=glorot(2), name="mean")(hidden)
    log_variance = layers.Dense(latent, kernel_initializer="zeros", name="log_variance")(hidden)  # σ = 1 at the start
    encoder = keras.Model(pixels_in, [mean, log_variance], name="encoder")
    code = keras.Input(shape=(latent,), name="code")
    hidden = layers.Dense(units, activation="relu", kernel_initializer=glorot(3), name="decoder_1")(code)
    hidden = layers.Dense(units, activation="relu", kernel_initializer=glorot(4), name="decoder_2")(hidden)
    logits = layers.Dense(pixels, kernel_initializer=glorot(5), name="pixel_logits")(hidden)
    return encoder, keras.Model(code, logits, name="decoder")


# ---------------------------------------------------------------- the same networks in numpy


def _dense(model, name: str) -> tuple[np.ndarray, np.ndarray]:
    kernel, bias = model.get_layer(name).get_weights()
    return np.asarray(kernel, np.float32), np.asarray(bias, np.float32)


def _relu_stack(x: np.ndarray, layers_: tuple) -> np.ndarray:
    for kernel, bias in layers_:
        x = np.maximum(x @ kernel + bias, 0.0)
    return x


@dataclass(frozen=True)
class Encoder:
    hidden: tuple[tuple[np.ndarray, np.ndarray], ...]
    mean: tuple[np.ndarray, np.ndarray]
    log_variance: tuple[np.ndarray, np.ndarray]

    @classmethod
    def from_keras(cls, model) -> Encoder:
        return cls((_dense(model, "encoder_1"), _dense(model, "encoder_2")), _dense(model, "mean"), _dense(model, "log_variance"))

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(μ, log σ²), each (n, latent_dim), of images flattened to (n, pixels)."""
        hidden = _relu_stack(np.asarray(x, np.float32), self.hidden)
        return hidden @ self.mean[0] + self.mean[1], hidden @ self.log_variance[0] + self.log_variance[1]


@dataclass(frozen=True)
class Decoder:
    hidden: tuple[tuple[np.ndarray, np.ndarray], ...]
    output: tuple[np.ndarray, np.ndarray]

    @classmethod
    def from_keras(cls, model) -> Decoder:
        return cls((_dense(model, "decoder_1"), _dense(model, "decoder_2")), _dense(model, "pixel_logits"))

    @property
    def latent_dim(self) -> int:
        return int(self.hidden[0][0].shape[0])

    def logits(self, z: np.ndarray) -> np.ndarray:
        return _relu_stack(np.asarray(z, np.float32).reshape(-1, self.latent_dim), self.hidden) @ self.output[0] + self.output[1]

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Pixel probabilities (n, pixels) in [0, 1] for codes (n, latent_dim): the decoded images."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(z), -60.0, 60.0)))


def kl_per_example(mean: np.ndarray, log_variance: np.ndarray) -> np.ndarray:
    """KL(N(μ, σ²) ‖ N(0, I)) per example and dimension: −½ (1 + log σ² − μ² − σ²), in float64."""
    mean, log_variance = np.asarray(mean, np.float64), np.asarray(log_variance, np.float64)
    return -0.5 * (1.0 + log_variance - mean**2 - np.exp(log_variance))


def knn_accuracy(train_codes: np.ndarray, train_labels: np.ndarray, codes: np.ndarray, labels: np.ndarray, neighbours: int = KNN_NEIGHBOURS) -> float:
    """Share of `codes` whose `neighbours` nearest training codes mostly carry their label."""
    from sklearn.neighbors import KNeighborsClassifier

    if not (np.all(np.isfinite(train_codes)) and np.all(np.isfinite(codes))):
        return float("nan")
    classifier = KNeighborsClassifier(min(neighbours, len(train_codes))).fit(train_codes, train_labels)
    return float(classifier.score(codes, labels))
