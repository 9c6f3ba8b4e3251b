"""A small RNN unrolled in time: one cell, the same weights at every step, a hidden state that carries what it read.

A SimpleRNN with a handful of units learns to predict the next character of
the Zen of Python (a few hundred updates). Then it reads a short sequence the
student types, one character per step:

    h_t = tanh(x_t · W_x + h_{t-1} · W_h + b)

with the *same* W_x, W_h and b at every step, as a convolution uses the same
filter at every position. The hidden states are computed in numpy from the
layer's own weights; the experiment checks them against Keras on held-out text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import texts
from dlcore.device import tf
from dlcore.experiments.rnn.cells import CharWeights, char_weights, known_prompt, run_layer, softmax
from dlcore.experiments.rnn.charmodel import build_char_model, char_data, train_char_model
from dlcore.limits import Settings, integer

SEQUENCE_LENGTH = 32
MAX_SEQUENCE = 40  # characters of a typed sequence the unrolled view shows
DEFAULT_SEQUENCE = "Beautiful is better than ugly."


@dataclass(frozen=True)
class UnrolledConfig(Settings):
    units: int = integer(8, 2, 32)
    updates: int = integer(150, 0, 2000, step=50)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class UnrolledResult:
    config: UnrolledConfig
    weights: CharWeights  # embedding (the input x_t), one SimpleRNN layer, output layer
    numpy_vs_keras: float  # largest |h_numpy - h_keras| over a held-out line
    val_bits: float  # validation bits per character (NaN when untrained)
    unigram_bits: float
    text_characters: int

    @property
    def recurrent_parameters(self) -> int:
        """W_x, W_h and b: the same count whatever the length of the sequence."""
        layer = self.weights.layers[0]
        return int(layer.kernel.size + layer.recurrent.size + layer.bias.size)


@dataclass(frozen=True)
class Unrolled:
    sequence: str  # what the RNN read (characters it never saw are removed)
    skipped: tuple[str, ...]
    hidden: np.ndarray  # (steps, units): h_t after reading character t
    input_part: np.ndarray  # (steps, units): x_t · W_x + b, what the character itself adds
    recurrent_part: np.ndarray  # (steps, units): h_{t-1} · W_h, what the past adds
    predicted: tuple[str, ...]  # the most likely next character after each step
    confidence: np.ndarray  # (steps,) its probability

    @property
    def right_guesses(self) -> int:
        """How many of the characters after the first the model guessed (argmax) from what it had read before them."""
        return sum(guess == actual for guess, actual in zip(self.predicted, self.sequence[1:]))


def unrolled(config: UnrolledConfig, progress=None) -> UnrolledResult:
    """Train the small RNN on the Zen of Python (or keep its random start with 0 updates)."""
    config.validate()
    content = texts.zen_of_python()
    data = char_data(content, SEQUENCE_LENGTH)
    if config.updates > 0:
        training = train_char_model(data, "simple_rnn", 1, config.units, 0.01, config.updates, config.seed, batch_size=32, progress=progress)
        weights, bits = training.weights, float(training.bits_per_character[-1])
    else:
        model = build_char_model(len(data.vocabulary), "simple_rnn", 1, config.units, config.seed)
        weights, bits = char_weights(model, "simple_rnn", data.vocabulary), float("nan")
    held_out = data.x_val[0]
    mine, _, _ = run_layer(weights.layers[0], weights.embedding[held_out])
    difference = float(np.max(np.abs(mine - _reference_hidden(weights, held_out))))
    return UnrolledResult(config, weights, difference, bits, data.unigram_bits, len(content))


def _reference_hidden(weights: CharWeights, codes: np.ndarray) -> np.ndarray:
    """A Keras SimpleRNN layer given the same weights, run on the same characters: the independent check of the numpy recurrence."""
    import keras

    layer = weights.layers[0]
    rnn = keras.layers.SimpleRNN(layer.units, return_sequences=True)
    inputs = weights.embedding[codes][None]
    rnn.build(inputs.shape)
    rnn.set_weights([layer.kernel, layer.recurrent, layer.bias])
    return rnn(tf.constant(inputs)).numpy()[0]


def unroll(result: UnrolledResult, sequence: str) -> Unrolled:
    """Run the trained cell over a typed sequence, step by step (numpy)."""
    weights = result.weights
    used, skipped = known_prompt(sequence[:MAX_SEQUENCE], weights.vocabulary)
    layer = weights.layers[0]
    codes = np.array([weights.vocabulary.index(c) for c in used], np.int64)
    inputs = weights.embedding[codes] if len(codes) else np.zeros((0, weights.embedding.shape[1]), np.float32)
    hidden, _, _ = run_layer(layer, inputs)
    previous = np.vstack([np.zeros((1, layer.units), np.float32), hidden[:-1]]) if len(hidden) else hidden
    probabilities = softmax(hidden @ weights.output_kernel + weights.output_bias) if len(hidden) else np.zeros((0, len(weights.vocabulary)))
    best = probabilities.argmax(axis=-1) if len(hidden) else np.zeros(0, int)
    return Unrolled(
        sequence=used,
        skipped=skipped,
        hidden=hidden,
        input_part=inputs @ layer.kernel + layer.bias,
        recurrent_part=previous @ layer.recurrent,
        predicted=tuple(weights.vocabulary[i] for i in best),
        confidence=probabilities.max(axis=-1) if len(hidden) else np.zeros(0),
    )
