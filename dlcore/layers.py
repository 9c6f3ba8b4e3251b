"""Keras layers that Keras does not ship but the lessons need."""

from __future__ import annotations

import keras
from keras import ops

from dlcore.choices import make_initializer


@keras.saving.register_keras_serializable(package="dlcore")
class Maxout(keras.layers.Layer):
    """Maxout (Goodfellow et al., 2013): each unit is the maximum of `pieces` affine maps of the input.

    ``z = x @ kernel + bias`` has ``units * pieces`` columns; column
    ``u * pieces + i`` is piece ``i`` of unit ``u``, and the unit outputs the
    largest of its pieces. Name and seed are required so that a model is the
    same whatever Keras' global name counters and random state are.
    ``kernel_initializer`` is a name from :data:`dlcore.choices.INITIALIZER_LABELS`.
    """

    def __init__(self, units: int, pieces: int, *, name: str, seed: int, kernel_initializer: str = "glorot", **kwargs):
        if units < 1 or pieces < 1:
            raise ValueError(f"units and pieces must be at least 1, got units={units}, pieces={pieces}")
        super().__init__(name=name, **kwargs)
        self.units, self.pieces, self.seed = int(units), int(pieces), int(seed)
        self.kernel_initializer = kernel_initializer

    def build(self, input_shape):
        initializer = make_initializer(self.kernel_initializer, self.seed)
        width = self.units * self.pieces
        self.kernel = self.add_weight(name="kernel", shape=(int(input_shape[-1]), width), initializer=initializer)
        # Different starting biases per piece, so that the pieces of one unit do not start as copies of one line.
        bias_initializer = keras.initializers.RandomUniform(-0.5, 0.5, seed=self.seed + 1)
        self.bias = self.add_weight(name="bias", shape=(width,), initializer=bias_initializer)

    def pieces_of(self, inputs):
        """Every piece's value, shaped (batch, units, pieces)."""
        z = ops.matmul(inputs, self.kernel) + self.bias
        return ops.reshape(z, (-1, self.units, self.pieces))

    def call(self, inputs):
        return ops.max(self.pieces_of(inputs), axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, pieces=self.pieces, seed=self.seed, kernel_initializer=self.kernel_initializer)
        return config
