"""The Keras models of this page: the student's CNN, a parameter-matched MLP, and the classic architectures.

Every layer has an explicit name and seed (Streamlit clears Keras' session and
its name counters after every script run). A :class:`NetworkSpec` is plain
data, so a Result can keep it with the trained weights and the page can
rebuild the trained network later (to read a drawing).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from dlcore.device import seeds_for

POOLINGS = {"max": "max pooling 2×2", "average": "average pooling 2×2", "none": "no pooling"}


@dataclass(frozen=True)
class NetworkSpec:
    kind: str  # "cnn", "mlp" or "lenet5"
    input_shape: tuple[int, int, int]
    num_classes: int = 10
    conv_layers: int = 2
    filters: int = 16  # the first convolution; each later one has twice as many (at most 128)
    kernel_size: int = 3
    pooling: str = "max"
    dropout: float = 0.0
    batch_norm: bool = False
    hidden_units: int = 0  # the MLP's one hidden layer
    activation: str = "relu"  # LeNet-5: "tanh" as published, or "relu"
    seed: int = 0


def conv_widths(spec: NetworkSpec) -> list[int]:
    return [min(spec.filters * 2**index, 128) for index in range(spec.conv_layers)]


def pooled_sizes(input_size: int, conv_layers: int, pooling: str) -> list[int]:
    """The map's side after each conv block ('same' convolutions; each 2×2 pooling halves it, rounding down)."""
    sizes, size = [], input_size
    for _ in range(conv_layers):
        size = size // 2 if pooling != "none" else size
        sizes.append(size)
    return sizes


def build_cnn(spec: NetworkSpec) -> keras.Model:
    """[Conv 'same' -> (BatchNorm) -> ReLU -> (pool 2×2)] × conv_layers -> flatten -> (dropout) -> logits."""
    seeds = seeds_for(spec.seed, spec.conv_layers + 2)
    inputs = keras.Input(spec.input_shape, name="image")
    x = inputs
    for index, width in enumerate(conv_widths(spec), start=1):
        initializer = keras.initializers.HeNormal(seed=seeds[index - 1])
        x = layers.Conv2D(width, spec.kernel_size, padding="same", use_bias=not spec.batch_norm, kernel_initializer=initializer, name=f"conv_{index}")(x)
        if spec.batch_norm:
            x = layers.BatchNormalization(name=f"batch_norm_{index}")(x)
        x = layers.ReLU(name=f"relu_{index}")(x)
        if spec.pooling != "none":
            pool = layers.MaxPooling2D if spec.pooling == "max" else layers.AveragePooling2D
            x = pool(2, name=f"pool_{index}")(x)
    x = layers.Flatten(name="flatten")(x)
    if spec.dropout > 0:
        x = layers.Dropout(spec.dropout, seed=seeds[-2], name="dropout")(x)
    outputs = layers.Dense(spec.num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[-1]), name="output")(x)
    return keras.Model(inputs, outputs, name="cnn")


def mlp_units_for(parameters: int, input_shape: tuple[int, int, int], num_classes: int = 10) -> int:
    """Hidden units of a one-hidden-layer MLP with about `parameters` parameters: (d + 1) h + (h + 1) c."""
    inputs = input_shape[0] * input_shape[1] * input_shape[2]
    return max(1, round((parameters - num_classes) / (inputs + 1 + num_classes)))


def build_mlp(spec: NetworkSpec) -> keras.Model:
    """flatten -> Dense(hidden_units, ReLU) -> (dropout) -> logits."""
    seeds = seeds_for(spec.seed, 3)
    inputs = keras.Input(spec.input_shape, name="image")
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(spec.hidden_units, activation="relu", kernel_initializer=keras.initializers.HeNormal(seed=seeds[0]), name="hidden_1")(x)
    if spec.dropout > 0:
        x = layers.Dropout(spec.dropout, seed=seeds[1], name="dropout")(x)
    outputs = layers.Dense(spec.num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[2]), name="output")(x)
    return keras.Model(inputs, outputs, name="mlp")


def build_lenet5(spec: NetworkSpec) -> keras.Model:
    """LeNet-5 (LeCun et al., 1998) at its published size on 32×32 inputs: C1 6@5×5, S2, C3 16@5×5, S4, C5 120, F6 84, output.

    Subsampling is 2×2 average pooling; C3 connects to all six S2 maps (the
    paper's partial connection table saved a few weights: 60,000 in all, here 61,706).
    """
    seeds = seeds_for(spec.seed, 5)
    act = spec.activation
    init = (lambda s: keras.initializers.GlorotUniform(seed=s)) if act == "tanh" else (lambda s: keras.initializers.HeNormal(seed=s))
    pool = layers.AveragePooling2D if spec.pooling != "max" else layers.MaxPooling2D
    inputs = keras.Input(spec.input_shape, name="image")
    x = layers.Conv2D(6, 5, activation=act, kernel_initializer=init(seeds[0]), name="C1")(inputs)
    x = pool(2, name="S2")(x)
    x = layers.Conv2D(16, 5, activation=act, kernel_initializer=init(seeds[1]), name="C3")(x)
    x = pool(2, name="S4")(x)
    x = layers.Conv2D(120, 5, activation=act, kernel_initializer=init(seeds[2]), name="C5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(84, activation=act, kernel_initializer=init(seeds[3]), name="F6")(x)
    outputs = layers.Dense(spec.num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[4]), name="output")(x)
    return keras.Model(inputs, outputs, name="lenet5")


BUILDERS = {"cnn": build_cnn, "mlp": build_mlp, "lenet5": build_lenet5}


def build(spec: NetworkSpec) -> keras.Model:
    from dlcore.device import tf  # noqa: F401  (TensorFlow's quiet set-up first)

    if spec.kind not in BUILDERS:
        raise ValueError(f"unknown network kind {spec.kind!r}; choose from {tuple(BUILDERS)}")
    return BUILDERS[spec.kind](spec)


def rebuilt(spec: NetworkSpec, weights: list) -> keras.Model:
    """The network of `spec` holding trained `weights` (from Model.get_weights)."""
    model = build(spec)
    model.set_weights(weights)
    return model


# ---------------------------------------------------------------- AlexNet and GoogLeNet at their published sizes


def build_alexnet() -> keras.Model:
    """AlexNet (Krizhevsky et al., 2012) as one tower on 227×227×3 (the two GPUs' halves joined): 62.4 M parameters."""
    inputs = keras.Input((227, 227, 3), name="image")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, 2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, 2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, 2, name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc6")(x)
    x = layers.Dense(4096, activation="relu", name="fc7")(x)
    outputs = layers.Dense(1000, name="fc8")(x)
    return keras.Model(inputs, outputs, name="alexnet")


# GoogLeNet's modules (Szegedy et al., 2014, table 1): #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
INCEPTION_MODULES = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
MODULE_INPUTS = {"3a": (28, 192), "3b": (28, 256), "4a": (14, 480), "4b": (14, 512), "4c": (14, 512), "4d": (14, 512), "4e": (14, 528), "5a": (7, 832), "5b": (7, 832)}


def inception_module(x, name: str, widths: tuple[int, ...], reductions: bool = True):
    """Four branches side by side, concatenated: 1×1; (1×1 →) 3×3; (1×1 →) 5×5; 3×3 max pool (→ 1×1).

    Without `reductions` the 3×3 and 5×5 convolutions see every input channel
    and the pooled branch passes all of them on (the naive module).
    """
    ones, reduce3, threes, reduce5, fives, pool_projection = widths
    conv = lambda filters, size, label: layers.Conv2D(filters, size, padding="same", activation="relu", name=f"{name}.{label}")  # noqa: E731
    branch1 = conv(ones, 1, "1x1")(x)
    branch3 = conv(threes, 3, "3x3")(conv(reduce3, 1, "3x3_reduce")(x) if reductions else x)
    branch5 = conv(fives, 5, "5x5")(conv(reduce5, 1, "5x5_reduce")(x) if reductions else x)
    pooled = layers.MaxPooling2D(3, 1, padding="same", name=f"{name}.pool")(x)
    branch_pool = conv(pool_projection, 1, "pool_proj")(pooled) if reductions else pooled
    return layers.Concatenate(name=f"{name}.concat")([branch1, branch3, branch5, branch_pool])


def build_inception_module(module: str, reductions: bool) -> keras.Model:
    size, channels = MODULE_INPUTS[module]
    inputs = keras.Input((size, size, channels), name="input")
    return keras.Model(inputs, inception_module(inputs, f"inception_{module}", INCEPTION_MODULES[module], reductions), name=f"inception_{module}")


def build_googlenet() -> keras.Model:
    """GoogLeNet (Inception v1) on 224×224×3 without the two auxiliary classifiers: about 7 M parameters."""
    inputs = keras.Input((224, 224, 3), name="image")
    x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, 2, padding="same", name="pool1")(x)
    x = layers.Conv2D(64, 1, activation="relu", name="conv2_reduce")(x)
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, 2, padding="same", name="pool2")(x)
    for module in INCEPTION_MODULES:
        x = inception_module(x, f"inception_{module}", INCEPTION_MODULES[module])
        if module in ("3b", "4e"):
            x = layers.MaxPooling2D(3, 2, padding="same", name=f"pool_after_{module}")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    outputs = layers.Dense(1000, name="classifier")(x)
    return keras.Model(inputs, outputs, name="googlenet")
