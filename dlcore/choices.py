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
    "linear": None,
}

ACTIVATION_LABELS = {
    "sigmoid": "Sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "elu": "ELU",
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


def make_optimizer(name: str, learning_rate: float, clipping: str = "off", clip_threshold: float = 1.0, **hyper):
    """A fresh Keras optimizer. Clipping uses Keras' own per-variable options.

    ``clipping="norm"`` rescales each variable's gradient to at most
    ``clip_threshold`` in L2 norm (``clipnorm``); ``"value"`` clamps every
    entry to [-threshold, threshold] (``clipvalue``).
    """
    import keras

    if learning_rate <= 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    options = dict(learning_rate=float(learning_rate))
    if clipping == "norm":
        options["clipnorm"] = float(clip_threshold)
    elif clipping == "value":
        options["clipvalue"] = float(clip_threshold)
    elif clipping != "off":
        raise ValueError(f"unknown clipping {clipping!r}; choose from {tuple(CLIPPING_LABELS)}")
    options.update(hyper)
    if name == "sgd":
        return keras.optimizers.SGD(**options)
    if name == "momentum":
        options.setdefault("momentum", 0.9)
        return keras.optimizers.SGD(**options)
    if name == "nesterov":
        options.setdefault("momentum", 0.9)
        return keras.optimizers.SGD(nesterov=True, **options)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(**options)
    if name == "adam":
        return keras.optimizers.Adam(**options)
    if name == "adagrad":
        return keras.optimizers.Adagrad(**options)
    raise ValueError(f"unknown optimizer {name!r}; choose from {tuple(OPTIMIZER_LABELS)}")
