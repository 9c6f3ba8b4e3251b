"""One registry of the choices a student can make, defined once.

Widgets read the names from here, experiments resolve the names to Keras
objects here, and tests iterate over the same tuples. Nothing in this module
imports TensorFlow at import time.
"""

from __future__ import annotations

# name -> Keras activation identifier (None means the identity / linear map)
ACTIVATIONS = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "elu": "elu",
    "gelu": "gelu",
    "selu": "selu",
    "silu": "silu",
    "softplus": "softplus",
    "linear": None,
}

ACTIVATION_LABELS = {
    "sigmoid": "Sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "selu": "SELU",
    "silu": "Swish / SiLU",
    "softplus": "Softplus",
    "linear": "Linear (identity)",
}

INITIALIZER_LABELS = {
    "small_normal": "Small normal (std 0.01)",
    "large_normal": "Large normal (std 1.0)",
    "glorot": "Glorot / Xavier (uniform)",
    "he": "He (normal)",
}

OPTIMIZER_LABELS = {
    "sgd": "SGD",
    "momentum": "SGD + momentum (0.9)",
    "nesterov": "Nesterov momentum (0.9)",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "adagrad": "AdaGrad",
}

CLIPPING_LABELS = {"off": "Off", "norm": "By norm", "value": "By value"}
CLIP_THRESHOLDS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0)

# The stops of the learning-rate and batch-size sliders (a setting's Config names which it accepts).
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.005, 0.01, 0.03, 0.05, 0.1, 0.3, 0.5, 1.0, 2.0, 3.0)
BATCH_SIZES = (1, 8, 16, 32, 64, 128, 256, 0)  # 0 = the whole training set


def make_initializer(name: str, seed: int):
    """A seeded Keras kernel initializer for one layer."""
    import keras

    if name == "small_normal":
        return keras.initializers.RandomNormal(stddev=0.01, seed=seed)
    if name == "large_normal":
        return keras.initializers.RandomNormal(stddev=1.0, seed=seed)
    if name == "glorot":
        return keras.initializers.GlorotUniform(seed=seed)
    if name == "he":
        return keras.initializers.HeNormal(seed=seed)
    raise ValueError(f"unknown initializer {name!r}; choose from {tuple(INITIALIZER_LABELS)}")
