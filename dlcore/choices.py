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
    """Replace the TensorFlow backend's update with a plain per-variable loop.

    The TensorFlow backend routes every update through tf.distribute's default
    strategy, which keeps each traced training graph alive after its model and
    optimizer are gone: about 4 MB per training run of a 10-layer MLP, measured
    by `python -m bench` (rerun_rss_growth_mb). This app never distributes.

    For Adam and SGD (plain, momentum, Nesterov) the loop hands each dense
    float32 gradient to TensorFlow's fused kernel for the same rule, reading and
    writing the Keras optimizer's own slot variables: one op per variable
    instead of about a dozen, which is most of the update's cost on small
    models. The formulas are Keras' own (tests/test_engine.py compares both
    paths step by step); anything else uses Keras' ``update_step``.
    """
    optimizer._backend_update_step = types.MethodType(_update_variables, optimizer)
    return optimizer


def _update_variables(optimizer, gradients, variables, learning_rate):
    import keras

    from dlcore.device import tf

    fused = None
    if isinstance(optimizer, keras.optimizers.Adam) and not optimizer.amsgrad:
        fused = _adam_kernel(optimizer, learning_rate, tf)
    elif isinstance(optimizer, keras.optimizers.SGD):
        fused = _sgd_kernel(optimizer, learning_rate, tf)
    for gradient, variable in zip(gradients, variables):
        if fused is not None and variable.dtype == "float32" and isinstance(gradient, tf.Tensor):
            fused(gradient, variable, optimizer._get_variable_index(variable))
        else:
            optimizer.update_step(gradient, variable, learning_rate)


def _adam_kernel(optimizer, learning_rate, tf):
    """m += (1-b1)(g-m); v += (1-b2)(g^2-v); w -= lr sqrt(1-b2^t)/(1-b1^t) m/(sqrt(v)+eps), t = iterations+1."""
    lr = tf.cast(learning_rate, tf.float32)
    beta_1, beta_2 = tf.constant(optimizer.beta_1, tf.float32), tf.constant(optimizer.beta_2, tf.float32)
    local_step = tf.cast(optimizer.iterations + 1, tf.float32)
    beta_1_power, beta_2_power = tf.pow(beta_1, local_step), tf.pow(beta_2, local_step)
    epsilon = tf.constant(optimizer.epsilon, tf.float32)

    def apply(gradient, variable, index):
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=optimizer._momentums[index].handle,
            v=optimizer._velocities[index].handle,
            beta1_power=beta_1_power,
            beta2_power=beta_2_power,
            lr=lr,
            beta1=beta_1,
            beta2=beta_2,
            epsilon=epsilon,
            grad=gradient,
        )

    return apply


def _sgd_kernel(optimizer, learning_rate, tf):
    """w -= lr g; with momentum: m = momentum m - lr g, then w += m (Nesterov: w += momentum m - lr g)."""
    lr = tf.cast(learning_rate, tf.float32)
    if optimizer.momentum == 0:
        return lambda gradient, variable, index: tf.raw_ops.ResourceApplyGradientDescent(var=variable.handle, alpha=lr, delta=gradient)
    momentum = tf.constant(optimizer.momentum, tf.float32)

    def apply(gradient, variable, index):
        tf.raw_ops.ResourceApplyKerasMomentum(
            var=variable.handle,
            accum=optimizer.momentums[index].handle,
            lr=lr,
            grad=gradient,
            momentum=momentum,
            use_nesterov=bool(optimizer.nesterov),
        )

    return apply
