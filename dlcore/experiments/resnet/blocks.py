"""Residual and plain blocks as Keras layers, and the networks built from them.

A *block* is two weight layers (Dense for an MLP, 3x3 Conv2D for a CNN), each
with optional batch normalisation and a ReLU. A residual block adds its input
back through a shortcut, ``y = x + F(x)``; a plain block is the same two
layers without the shortcut, ``y = F(x)``. Two orders (He et al. 2016 and
2016b):

- ``post`` (the original unit): ``y = relu(shortcut(x) + BN(W2 · relu(BN(W1 · x))))``;
- ``pre`` (identity mappings, v2): ``y = shortcut(x) + W2 · relu(BN(W1 · relu(BN(x))))``.

When a block changes the shape (more channels, or stride 2), the shortcut is
either the parameter-free ``identity`` (every stride-th pixel, extra
channels padded with zeros: option A of the paper) or a learned
``projection`` (a 1x1 convolution: option B). A block can also run with its
shortcut switched off (:meth:`ResidualBlock.without_skip`) or be deleted
altogether (:func:`forward` with ``deleted=``): the lesion test.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers, ops

from dlcore.choices import make_initializer
from dlcore.device import seeds_for, tf

ORDERS = {"post": "post-activation (original, 2016)", "pre": "pre-activation (v2, 2016b)"}
SHORTCUTS = {"identity": "identity (zero-padded when the shape changes)", "projection": "projection (learned 1×1)"}
KINDS = ("mlp", "cnn")


@keras.saving.register_keras_serializable(package="dlcore.resnet")
class ResidualBlock(keras.layers.Layer):
    """Two weight layers with batch norm and ReLU, with (``residual=True``) or without a shortcut.

    ``kind`` is ``"mlp"`` (Dense layers of ``width`` units) or ``"cnn"`` (3x3
    convolutions with ``width`` filters, the first with ``stride``).
    ``zero_init_last`` starts the branch's last scale at zero (the last
    batch-norm scale when batch norm follows the last weight layer, else the
    last weight matrix), so the block starts as the identity on the inputs a
    block receives. Sub-layers are named ``first``, ``norm_1``, ``second``,
    ``norm_2`` and ``projection``; the name and seed are required.
    """

    def __init__(self, width: int, *, kind: str = "mlp", residual: bool = True, order: str = "post", batch_norm: bool = True,
                 shortcut: str = "identity", stride: int = 1, zero_init_last: bool = False, seed: int, name: str, **kwargs):  # fmt: skip
        if kind not in KINDS or order not in ORDERS or shortcut not in SHORTCUTS:
            raise ValueError(f"kind must be one of {KINDS}, order one of {tuple(ORDERS)}, shortcut one of {tuple(SHORTCUTS)}")
        if width < 1 or stride not in (1, 2) or (kind == "mlp" and stride != 1):
            raise ValueError(f"width must be >= 1 and stride 1 (or 2 for a CNN), got width={width}, stride={stride}")
        super().__init__(name=name, **kwargs)
        self.width, self.kind, self.residual, self.order = int(width), kind, bool(residual), order
        self.batch_norm, self.shortcut, self.stride, self.zero_init_last, self.seed = bool(batch_norm), shortcut, int(stride), bool(zero_init_last), int(seed)
        seeds = seeds_for(seed, 3)
        zero_last_weights = zero_init_last and not (batch_norm and order == "post")
        self.first = self._weights("first", 3, stride, make_initializer("he", seeds[0]))
        self.second = self._weights("second", 3, 1, "zeros" if zero_last_weights else make_initializer("he", seeds[1]))
        last_scale = "zeros" if zero_init_last and batch_norm and order == "post" else "ones"
        self.norm_1 = layers.BatchNormalization(name="norm_1") if batch_norm else None
        self.norm_2 = layers.BatchNormalization(name="norm_2", gamma_initializer=last_scale if order == "post" else "ones") if batch_norm else None
        self.projection = self._weights("projection", 1, stride, make_initializer("he", seeds[2])) if residual and shortcut == "projection" else None
        self.input_width = None

    def _weights(self, name: str, size: int, stride: int, initializer):
        use_bias = not self.batch_norm and name != "projection"
        if self.kind == "mlp":
            return layers.Dense(self.width, kernel_initializer=initializer, use_bias=use_bias, name=name)
        return layers.Conv2D(self.width, size, strides=stride, padding="same", kernel_initializer=initializer, use_bias=use_bias, name=name)

    def build(self, input_shape):
        self.input_width = int(input_shape[-1])
        second_input = (*input_shape[:-1], self.width)
        if self.kind == "cnn" and self.stride == 2:
            second_input = (input_shape[0], (input_shape[1] + 1) // 2, (input_shape[2] + 1) // 2, self.width)
        if self.order == "pre" and self.norm_1 is not None:
            self.norm_1.build(input_shape)
        self.first.build(input_shape)
        if self.order == "post" and self.norm_1 is not None:
            self.norm_1.build(second_input)
        if self.norm_2 is not None:
            self.norm_2.build(second_input)
        self.second.build(second_input)
        if self.projection is not None:
            self.projection.build(input_shape)

    def _norm(self, norm, x, training):
        return norm(x, training=training) if norm is not None else x

    def branch(self, x, training=None):
        """F(x): the two weight layers and what sits between them (before the addition)."""
        if self.order == "post":
            h = ops.relu(self._norm(self.norm_1, self.first(x), training))
            return self._norm(self.norm_2, self.second(h), training)
        h = self.first(ops.relu(self._norm(self.norm_1, x, training)))
        return self.second(ops.relu(self._norm(self.norm_2, h, training)))

    def identity_shortcut(self, x):
        """x itself, or (when the block changes the shape) every stride-th pixel with zero channels appended."""
        if self.stride == 2:
            x = x[:, ::2, ::2, :]
        extra = self.width - int(x.shape[-1])
        if extra > 0:
            x = ops.pad(x, [[0, 0]] * (len(x.shape) - 1) + [[0, extra]])
        elif extra < 0:
            x = x[..., : self.width]  # fewer channels out than in: keep the first ones
        return x

    def shortcut_of(self, x):
        return self.projection(x) if self.projection is not None else self.identity_shortcut(x)

    def combine(self, shortcut, branch):
        total = branch if shortcut is None else shortcut + branch
        return ops.relu(total) if self.order == "post" else total

    def call(self, x, training=None):
        return self.combine(self.shortcut_of(x) if self.residual else None, self.branch(x, training))

    def without_skip(self, x, training=None):
        """The block with its shortcut removed: only the branch F(x) goes on."""
        return self.combine(None, self.branch(x, training))

    def compute_output_shape(self, input_shape):
        if self.kind == "cnn" and self.stride == 2:
            return (input_shape[0], (input_shape[1] + 1) // 2, (input_shape[2] + 1) // 2, self.width)
        return (*input_shape[:-1], self.width)

    def get_config(self):
        config = super().get_config()
        config.update(width=self.width, kind=self.kind, residual=self.residual, order=self.order, batch_norm=self.batch_norm,
                      shortcut=self.shortcut, stride=self.stride, zero_init_last=self.zero_init_last, seed=self.seed)  # fmt: skip
        return config


# ---------------------------------------------------------------- networks made of blocks


@dataclass(frozen=True)
class NetworkSpec:
    """A stem, `blocks` blocks of `width`, and a head; MLP on vectors or CNN on images."""

    kind: str = "mlp"
    input_shape: tuple = (2,)
    num_outputs: int = 1  # 1 logit for two classes, else one per class
    blocks: int = 8
    width: int = 16
    residual: bool = True
    order: str = "post"
    batch_norm: bool = True
    shortcut: str = "identity"
    zero_init_last: bool = False
    downsample_at: tuple[int, ...] = ()  # CNN: 1-based blocks with stride 2 that double the width
    seed: int = 0
    name: str = "network"

    @property
    def label(self) -> str:
        return f"{'ResNet' if self.residual else 'plain'}-{self.blocks}"


def block_names(blocks: int) -> tuple[str, ...]:
    return tuple(f"block_{i + 1}" for i in range(blocks))


def build_network(spec: NetworkSpec) -> keras.Model:
    """Layers ``stem`` [``stem_norm``, ``stem_activation``], ``block_1`` ... ``block_N``, [``final_norm``, ``final_activation``], [``pool``], ``output``.

    The stem and the head are the same with and without shortcuts, so plain
    and residual networks of one spec differ only in the additions.
    """
    if spec.blocks < 0 or spec.width < 1:
        raise ValueError(f"blocks must be >= 0 and width >= 1, got {spec.blocks}, {spec.width}")
    seeds = seeds_for(spec.seed, spec.blocks + 2)
    inputs = keras.Input(shape=spec.input_shape, name="inputs")
    if spec.kind == "mlp":
        x = layers.Dense(spec.width, kernel_initializer=make_initializer("he", seeds[0]), name="stem")(inputs)
    else:
        x = layers.Conv2D(spec.width, 3, padding="same", kernel_initializer=make_initializer("he", seeds[0]), name="stem")(inputs)
    if spec.order == "post":
        if spec.batch_norm:
            x = layers.BatchNormalization(name="stem_norm")(x)
        x = layers.Activation("relu", name="stem_activation")(x)
    width = spec.width
    for index, name in enumerate(block_names(spec.blocks)):
        stride = 2 if spec.kind == "cnn" and index + 1 in spec.downsample_at else 1
        width = width * stride
        block = ResidualBlock(width, kind=spec.kind, residual=spec.residual, order=spec.order, batch_norm=spec.batch_norm, shortcut=spec.shortcut,
                              stride=stride, zero_init_last=spec.zero_init_last, seed=seeds[index + 1], name=name)  # fmt: skip
        x = block(x)
    if spec.order == "pre":
        if spec.batch_norm:
            x = layers.BatchNormalization(name="final_norm")(x)
        x = layers.Activation("relu", name="final_activation")(x)
    if spec.kind == "cnn":
        x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(spec.num_outputs, kernel_initializer=make_initializer("glorot", seeds[-1]), name="output")(x)
    return keras.Model(inputs, outputs, name=spec.name)


def blocks_of(model: keras.Model) -> list[ResidualBlock]:
    return [layer for layer in model.layers if isinstance(layer, ResidualBlock)]


def forward(model: keras.Model, x, *, deleted: int | None = None, skips_off: tuple[int, ...] = (), training: bool = False):
    """The model's logits with block `deleted` (1-based) removed and the shortcuts of `skips_off` switched off.

    Deleting a block passes its input straight on (a residual block keeps its
    shortcut and loses its branch; a plain block simply vanishes). It only
    works where the block keeps the shape, which every block of the lesion
    networks does.
    """
    number = 0
    for layer in model.layers[1:]:
        if isinstance(layer, ResidualBlock):
            number += 1
            if number == deleted:
                continue
            x = layer.without_skip(x, training=training) if number in skips_off else layer(x, training=training)
        else:
            x = layer(x, training=training)
    return x


def evaluator(model: keras.Model, x, y, task: str, **changes):
    """A compiled function () -> (loss, accuracy) of the changed model on fixed data (weights read at call time)."""
    from dlcore.steps import loss_and_accuracy

    x, y = tf.constant(x), tf.constant(y)
    return tf.function(lambda: tf.stack(loss_and_accuracy(task, y, forward(model, x, **changes))), autograph=False)
