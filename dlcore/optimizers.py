"""Keras optimizers by registry name, with clipping, and one measured speed-up for Adam.

The names and labels live in :mod:`dlcore.choices`; this module turns a name
into a fresh Keras optimizer. Nothing here imports TensorFlow at import time.
"""

from __future__ import annotations

import types

from dlcore.choices import CLIPPING_LABELS, OPTIMIZER_LABELS

# Optimizer names whose update runs through one fused TensorFlow kernel (see _update_variables).
# `python -m bench` (fused_update_speedup) measures each candidate against Keras' own update_step;
# only Adam gained enough (>= 1.3x) to keep. Plain/momentum SGD ran as fast either way, so it uses Keras'.
FUSED = ("adam",)


def make_optimizer(name: str, learning_rate: float, clipping: str = "off", clip_threshold: float = 1.0, **hyper):
    """A fresh Keras optimizer. Clipping uses Keras' own per-variable options.

    ``clipping="norm"`` rescales each variable's gradient to at most
    ``clip_threshold`` in L2 norm (``clipnorm``: per weight matrix, not over
    the whole network); ``"value"`` clamps every entry to [-threshold, threshold]
    (``clipvalue``).
    """
    import keras

    if not learning_rate > 0:
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
    optimizer are gone (about 4 MB per training run of a 10-layer MLP). This
    app never distributes. For Adam the loop hands each dense float32 gradient
    to TensorFlow's fused ``ResourceApplyAdam`` kernel, reading and writing the
    Keras optimizer's own slot variables: one op per variable instead of about
    a dozen (tests/test_engine.py compares it step by step with Keras' rule).
    This touches Keras' private ``_backend_update_step`` and slot lists, which is
    why requirements.txt pins keras.
    """
    optimizer._backend_update_step = types.MethodType(_update_variables, optimizer)
    return optimizer


def _update_variables(optimizer, gradients, variables, learning_rate):
    import keras

    from dlcore.device import tf

    fused = None
    if isinstance(optimizer, keras.optimizers.Adam) and not optimizer.amsgrad:
        fused = _adam_kernel(optimizer, learning_rate, tf)
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
