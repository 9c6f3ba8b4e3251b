"""Keras model builders. Every layer gets an explicit name and seed.

Explicit names matter: Streamlit calls ``keras.backend.clear_session()``
after every script run in any thread, which resets Keras' automatic name
counters and could otherwise give two layers of one model the same name.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from dlcore.choices import ACTIVATIONS, make_initializer
from dlcore.device import seeds_for


@dataclass(frozen=True)
class MLPSpec:
    num_inputs: int = 2
    num_outputs: int = 1  # 1 = one logit for two classes; >1 = one logit per class
    num_hidden_layers: int = 3
    units: int = 16
    activation: str = "relu"
    initializer: str = "glorot"
    batch_norm: bool = False
    dropout_rate: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    seed: int = 0


def hidden_layer_names(num_hidden_layers: int) -> list[str]:
    return [f"hidden_{i + 1}" for i in range(num_hidden_layers)]


def _activation_layer(name: str, layer_name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {tuple(ACTIVATIONS)}")
    identifier = ACTIVATIONS[name]
    if identifier is None:
        return layers.Identity(name=layer_name)
    return layers.Activation(identifier, name=layer_name)


def build_mlp(spec: MLPSpec) -> keras.Model:
    """A fully connected network: Dense -> [BatchNorm] -> activation -> [Dropout], repeated.

    The Dense layers are named ``hidden_1 ... hidden_D`` and ``output``; the
    activation outputs are named ``activation_1 ...`` so that
    :func:`activation_probe` can expose them.
    """
    if spec.num_hidden_layers < 0 or spec.units < 1:
        raise ValueError("num_hidden_layers must be >= 0 and units >= 1")
    if not 0.0 <= spec.dropout_rate < 1.0:
        raise ValueError(f"dropout_rate must be in [0, 1), got {spec.dropout_rate}")
    seeds = seeds_for(spec.seed, 2 * spec.num_hidden_layers + 1)
    regularizer = None
    if spec.l1 > 0 or spec.l2 > 0:
        regularizer = keras.regularizers.L1L2(l1=spec.l1, l2=spec.l2)
    inputs = keras.Input(shape=(spec.num_inputs,), name="inputs")
    x = inputs
    for index, name in enumerate(hidden_layer_names(spec.num_hidden_layers)):
        x = layers.Dense(
            spec.units,
            kernel_initializer=make_initializer(spec.initializer, seeds[2 * index]),
            kernel_regularizer=regularizer,
            name=name,
        )(x)
        if spec.batch_norm:
            x = layers.BatchNormalization(name=f"batch_norm_{index + 1}")(x)
        x = _activation_layer(spec.activation, f"activation_{index + 1}")(x)
        if spec.dropout_rate > 0:
            x = layers.Dropout(spec.dropout_rate, seed=seeds[2 * index + 1], name=f"dropout_{index + 1}")(x)
    outputs = layers.Dense(
        spec.num_outputs,
        kernel_initializer=make_initializer(spec.initializer, seeds[-1]),
        kernel_regularizer=regularizer,
        name="output",
    )(x)
    return keras.Model(inputs, outputs, name="mlp")


def activation_probe(model: keras.Model) -> keras.Model | None:
    """A model sharing `model`'s layers that returns every hidden activation."""
    outputs = [layer.output for layer in model.layers if layer.name.startswith("activation_")]
    if not outputs:
        return None
    return keras.Model(model.inputs, outputs, name=f"{model.name}_activations")


def activation_sampler(model: keras.Model, sample):
    """A function that returns every hidden activation of `model` on `sample` as numpy arrays (compiled once).

    Used as a step's snapshot, it records what the hidden units do at chosen epochs.
    """
    import numpy as np

    from dlcore.device import tf

    probe = activation_probe(model)
    if probe is None:
        return lambda: []
    sample = tf.constant(sample)
    compiled = tf.function(lambda: probe(sample, training=False))

    def take():
        outputs = compiled()
        return [np.asarray(output) for output in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]

    return take


def kernel_layers(model: keras.Model) -> list:
    """The model's own layers that hold a weight matrix ('kernel'), input side first (no sub-models)."""
    return [layer for layer in model.layers if getattr(layer, "kernel", None) is not None]


@dataclass(frozen=True)
class CNNSpec:
    input_shape: tuple[int, int, int] = (8, 8, 1)  # height, width, channels
    num_classes: int = 10
    filters: int = 16  # the second convolution has twice as many
    dense_units: int = 32
    seed: int = 0


def build_small_cnn(spec: CNNSpec, front_layers: tuple = ()) -> keras.Model:
    """Conv -> pool -> conv -> pool -> dense -> output logits, for small images.

    ``front_layers`` (e.g. seeded Keras augmentation layers) run first, on the
    raw image: preprocessing layers transform their input only when the model
    is called with ``training=True``. The learnable layers are named
    ``conv_1, conv_2, dense_1, output`` and seeded from ``spec.seed`` alone, so
    the same spec gives the same starting weights whatever the front layers.
    """
    if spec.filters < 1 or spec.dense_units < 1 or spec.num_classes < 2:
        raise ValueError("filters and dense_units must be >= 1 and num_classes >= 2")
    seeds = seeds_for(spec.seed, 4)
    inputs = keras.Input(shape=spec.input_shape, name="inputs")
    x = inputs
    for layer in front_layers:
        x = layer(x)
    x = layers.Conv2D(spec.filters, 3, padding="same", activation="relu", kernel_initializer=make_initializer("he", seeds[0]), name="conv_1")(x)
    x = layers.MaxPooling2D(2, name="pool_1")(x)
    x = layers.Conv2D(2 * spec.filters, 3, padding="same", activation="relu", kernel_initializer=make_initializer("he", seeds[1]), name="conv_2")(x)
    x = layers.MaxPooling2D(2, name="pool_2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(spec.dense_units, activation="relu", kernel_initializer=make_initializer("he", seeds[2]), name="dense_1")(x)
    outputs = layers.Dense(spec.num_classes, kernel_initializer=make_initializer("glorot", seeds[3]), name="output")(x)
    return keras.Model(inputs, outputs, name="small_cnn")
