"""One registry of the choices a student can make, defined once.

Widgets read the names from here, experiments resolve the names to Keras
objects here, and tests iterate over the same tuples. Nothing in this module
imports TensorFlow at import time.
"""

from __future__ import annotations

import types

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
    if name in ("momentum", "nesterov"):
        options.setdefault("momentum", 0.9)
    classes = {
        "sgd": keras.optimizers.SGD,
        "momentum": keras.optimizers.SGD,
        "nesterov": lambda **o: keras.optimizers.SGD(nesterov=True, **o),
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "adagrad": keras.optimizers.Adagrad,
    }
    if name not in classes:
        raise ValueError(f"unknown optimizer {name!r}; choose from {tuple(OPTIMIZER_LABELS)}")
    return _without_distribution_wrapper(classes[name](**options))


def _without_distribution_wrapper(optimizer):
    """Use Keras' plain per-variable update loop instead of the TensorFlow backend's.

    The TensorFlow backend routes every update through tf.distribute's default
    strategy, which keeps each traced training graph alive after its model and
    optimizer are gone: about 4 MB per training run of a 10-layer MLP, measured
    by `python -m bench` (rerun_rss_growth_mb). This app never distributes, and
    the plain loop applies the same update_step to each variable.
    """
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    optimizer._backend_update_step = types.MethodType(BaseOptimizer._backend_update_step, optimizer)
    return optimizer
