"""A character-level language model: the data windows, the Keras model, and its training through the engine.

Shared by the page's text tabs. The text is split once: the first 90% trains,
the last 10% validates (a contiguous piece the model never reads while
learning). Training windows of ``sequence_length`` characters predict, at
every position, the next character (sequence targets); validation windows do
not overlap. Bits per character are the validation loss in nats / ln 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dlcore import engine, texts
from dlcore.experiments.rnn.cells import CharWeights, char_weights
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

VALIDATION_SHARE = 0.1
TARGET_TRAINING_WINDOWS = 2000  # small texts are read with overlapping windows, so an epoch still has this many
EVALUATION_WINDOWS = 256  # windows of each split that are scored after every epoch
EMBEDDING_SIZE = 32


@dataclass(frozen=True)
class CharData:
    vocabulary: str
    x_train: np.ndarray  # (windows, length) character codes
    y_train: np.ndarray  # (windows, length) the next character of each
    x_val: np.ndarray
    y_val: np.ndarray
    train_text: str
    val_text: str
    unigram_bits: float  # entropy of the whole text's character frequencies, bits per character


def windows(codes: np.ndarray, length: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    starts = np.arange(0, max(1, len(codes) - length), max(1, stride))
    x = np.stack([codes[s : s + length] for s in starts])
    y = np.stack([codes[s + 1 : s + length + 1] for s in starts])
    return x, y


def char_data(content: str, sequence_length: int) -> CharData:
    """Windows of the text for next-character prediction, split 90/10 in reading order."""
    vocabulary = texts.vocabulary_of(content)
    codes = texts.encode(content, vocabulary)
    cut = int(len(codes) * (1 - VALIDATION_SHARE))
    length = min(sequence_length, max(8, (len(codes) - cut) // 2 - 1))  # a tiny text still gets two validation windows
    train, val = codes[:cut], codes[cut:]
    stride = max(1, min(length, (len(train) - length) // TARGET_TRAINING_WINDOWS))
    x_train, y_train = windows(train, length, stride)
    x_val, y_val = windows(val, length, length)
    return CharData(vocabulary, x_train, y_train, x_val, y_val, content[:cut], content[cut:], texts.unigram_entropy_bits(content))


def build_char_model(vocabulary_size: int, cell: str, num_layers: int, units: int, seed: int):
    """Embedding → `num_layers` recurrent layers (every step's output) → Dense logits over the next character."""
    import keras
    from keras import layers

    recurrent = {"simple_rnn": layers.SimpleRNN, "gru": layers.GRU, "lstm": layers.LSTM}[cell]
    inputs = keras.Input(shape=(None,), dtype="int32", name="characters")
    values = layers.Embedding(vocabulary_size, EMBEDDING_SIZE, embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=seed), name="embedding")(inputs)
    for index in range(num_layers):
        values = recurrent(
            units,
            return_sequences=True,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 10 * index + 1),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 10 * index + 2),
            name=f"recurrent_{index + 1}",
        )(values)
    outputs = layers.Dense(vocabulary_size, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 3), name="next_character")(values)
    return keras.Model(inputs, outputs, name=f"char_{cell}")


@dataclass(frozen=True)
class CharTraining:
    weights: CharWeights  # after training
    initial_weights: CharWeights  # before the first update
    history: engine.History
    data: CharData

    @property
    def bits_per_character(self) -> np.ndarray:
        """Validation bits per character after each epoch."""
        return self.history.epochs["val_loss"].to_numpy() / math.log(2)


def epochs_for(updates: int, windows_count: int, batch_size: int) -> int:
    return max(1, round(updates / engine.steps_per_epoch(windows_count, batch_size)))


def snapshot_epochs(epochs: int, count: int) -> tuple[int, ...]:
    """About `count` epochs spread over the run (always the first and the last)."""
    return tuple(sorted({int(round(e)) for e in np.linspace(1, epochs, min(count, epochs))}))


def train_char_model(data: CharData, cell: str, num_layers: int, units: int, learning_rate: float, updates: int, seed: int,
                     batch_size: int = 64, snapshot=None, snapshots: int = 0, progress=None) -> CharTraining:
    """Train through the engine; `snapshot(weights, epoch)` (plain data) runs after about `snapshots` epochs spread over the run."""
    model = build_char_model(len(data.vocabulary), cell, num_layers, units, seed)
    initial = char_weights(model, cell, data.vocabulary)
    epochs = epochs_for(updates, len(data.x_train), batch_size)
    hook = (lambda step: snapshot(char_weights(step.model, cell, data.vocabulary))) if snapshot is not None else None
    step = SupervisedStep(model, make_optimizer("adam", learning_rate, "norm", 1.0), "multiclass", kinds=("kernel", "recurrent_kernel"), snapshot=hook)
    spec = engine.TrainSpec(
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        evaluation_samples=EVALUATION_WINDOWS,
        snapshot_epochs=snapshot_epochs(epochs, snapshots) if snapshots and hook else (),
    )
    history = engine.fit(step, (data.x_train, data.y_train), (data.x_val, data.y_val), spec, progress)
    return CharTraining(char_weights(model, cell, data.vocabulary), initial, history, data)
