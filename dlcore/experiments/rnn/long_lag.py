"""Long-range dependency: recall the first symbol after T distractors, SimpleRNN vs GRU vs LSTM.

Each sequence starts with one of K symbols, marked by an extra input bit,
followed by T distractors drawn from the *same* K symbols. At every step the
network answers "which symbol did this sequence start with?"; it is scored at
the last step, T steps after the symbol. Chance is 1/K.

The distractors share the symbol's input lines, so a network cannot simply
ignore them: it must write the marked symbol into its state once and then
protect it from T overwrites. An LSTM does that with multiplication: an input
gate opened by the marker, a forget gate held near 1. A plain RNN adds every
input into the same state, and the gradient that would teach it to keep the
first symbol fades on its way back through T steps.

The gradient through time, ‖∂L/∂h_t‖ with L the loss at the last step, is the
total derivative through the recurrence: the cell is run step by step and a
zero perturbation δ_t is added to each hidden state, h_t ← h_t + δ_t, so that
∂L/∂δ_t counts every path from h_t to the loss (tested against Keras' own
layer and tf.GradientTape). The step's snapshot hook records it before
training and after every epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.device import tf
from dlcore.engine import sweep_progress
from dlcore.experiments.rnn.cells import CELLS, LEARNING_RATES
from dlcore.limits import Settings, integer, number, subset
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep, loss_and_accuracy

LAG_CHOICES = ("5", "10", "20", "30", "40", "50", "60", "80", "100")
VALIDATION_SEQUENCES = 500
PROBE_SEQUENCES = 128  # validation sequences the gradient through time is averaged over
CLIP_NORM = 1.0  # gradient clipping by norm: without it an LSTM's first big step can undo what it learned


@dataclass(frozen=True)
class LagConfig(Settings):
    lag: int = integer(50, 1, 100)
    cells: tuple = subset(tuple(CELLS), CELLS)
    units: int = integer(16, 2, 64, cap="width")
    symbols: int = integer(16, 2, 32)
    sequences: int = integer(1000, 100, 3000, cap="samples")
    epochs: int = integer(15, 1, 60, cap="epochs")
    learning_rate: float = number(0.02, options=LEARNING_RATES)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class SweepSettings(Settings):
    lags: tuple = subset(("10", "30", "50", "80"), LAG_CHOICES)


@dataclass(frozen=True)
class LagSweepConfig(Settings):
    """The comparison's settings at several lags."""

    lags: tuple = subset(("10", "30", "50", "80"), LAG_CHOICES)
    cells: tuple = subset(tuple(CELLS), CELLS)
    units: int = integer(16, 2, 64, cap="width")
    symbols: int = integer(16, 2, 32)
    sequences: int = integer(1000, 100, 3000, cap="samples")
    epochs: int = integer(15, 1, 60, cap="epochs")
    learning_rate: float = number(0.02, options=LEARNING_RATES)
    seed: int = integer(0, 0, 10_000)

    @classmethod
    def of(cls, config: LagConfig, lags: tuple) -> LagSweepConfig:
        fields = {name: getattr(config, name) for name in ("cells", "units", "symbols", "sequences", "epochs", "learning_rate", "seed")}
        return cls(lags=tuple(lags), **fields)


@dataclass(frozen=True)
class CellRun:
    cell: str
    epochs: pd.DataFrame  # epoch, train_loss, train_accuracy, val_loss, val_accuracy (accuracy at the last step)
    gradient_by_epoch: dict  # epoch -> (lag + 1,) mean ‖∂L/∂h_t‖ over the probe sequences, t = 0 .. lag
    final_accuracy: float
    divergence: str | None
    seconds: float

    @property
    def gradient_at_start(self) -> np.ndarray:
        return self.gradient_by_epoch[min(self.gradient_by_epoch)]

    @property
    def gradient_at_end(self) -> np.ndarray:
        return self.gradient_by_epoch[max(self.gradient_by_epoch)]


@dataclass(frozen=True)
class LagResult:
    config: LagConfig
    runs: dict  # cell -> CellRun
    chance: float


@dataclass(frozen=True)
class SweepResult:
    config: LagSweepConfig
    table: pd.DataFrame  # cell, lag, accuracy, seconds
    chance: float


# ---------------------------------------------------------------- the task


def recall_task(count: int, lag: int, symbols: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs (count, lag + 1, symbols + 1) one-hot plus marker bit, targets (count, lag + 1): the first symbol at every step)."""
    rng = np.random.default_rng(seed)
    sequence = rng.integers(0, symbols, (count, lag + 1))
    inputs = np.zeros((count, lag + 1, symbols + 1), np.float32)
    inputs[np.arange(count)[:, None], np.arange(lag + 1)[None, :], sequence] = 1.0
    inputs[:, 0, symbols] = 1.0  # the marker: "remember this one"
    targets = np.repeat(sequence[:, :1], lag + 1, axis=1).astype(np.int32)
    return inputs, targets


def build_recall_model(cell: str, units: int, symbols: int, seed: int):
    """Input → one recurrent layer (Keras defaults: Glorot input kernel, orthogonal recurrent kernel, LSTM forget bias 1) → Dense at every step."""
    import keras
    from keras import layers

    recurrent = {"simple_rnn": layers.SimpleRNN, "gru": layers.GRU, "lstm": layers.LSTM}[cell]
    inputs = keras.Input(shape=(None, symbols + 1), name="symbols")
    hidden = recurrent(
        units,
        return_sequences=True,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 1),
        name="recurrent",
    )(inputs)
    outputs = keras.layers.Dense(symbols, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 2), name="answer")(hidden)
    return keras.Model(inputs, outputs, name=f"recall_{cell}")


class LastStepScored(SupervisedStep):
    """Trains on the answer at every step; evaluates (loss and accuracy) at the last step only, T steps after the symbol."""

    def evaluate_batch(self, x, y):
        logits = self.model(x, training=False)
        return tf.stack(loss_and_accuracy(self.task, y[:, -1], logits[:, -1]))


# ---------------------------------------------------------------- the gradient through time


def _perturbed_cell(cell):
    """A cell that runs `cell` and adds a perturbation, read from the last `units` input features, to the hidden state it emits and carries."""
    import keras

    class PerturbedCell(keras.layers.Layer):
        def __init__(self):
            super().__init__(name=f"perturbed_{cell.name}")
            self.cell, self.state_size, self.output_size = cell, cell.state_size, cell.units

        def build(self, input_shape):  # the wrapped cell is built and trained already
            self.built = True

        def call(self, inputs, states, training=False):
            h, new_states = self.cell(inputs[:, : -cell.units], states, training=training)
            h = h + inputs[:, -cell.units :]
            return h, [h, *list(new_states)[1:]]

    return PerturbedCell()


class GradientThroughTime:
    """Mean over sequences of ‖∂L/∂h_t‖, t = 0 .. T, with L the loss of each sequence's answer at the last step.

    The trained cell is run again through a Keras RNN layer that adds a
    perturbation δ_t = 0 to every hidden state it emits *and* carries to the
    next step, so ∂L/∂δ_t is the total derivative through the recurrence, not
    just the direct path. Compiled once per model; each call reads the current weights.
    """

    def __init__(self, model, inputs: np.ndarray, targets: np.ndarray):
        import keras

        self.model = model
        layer = model.get_layer("recurrent")
        self.units = layer.cell.units
        self.rnn = keras.layers.RNN(_perturbed_cell(layer.cell), return_sequences=False)
        self.inputs, self.targets = tf.constant(inputs), tf.constant(targets[:, -1])
        self._compiled = tf.function(self._norms, autograph=False)

    def _norms(self, inputs, targets):
        shape = tf.shape(inputs)
        perturbations = tf.zeros((shape[0], shape[1], self.units))
        with tf.GradientTape() as tape:
            tape.watch(perturbations)
            last = self.rnn(tf.concat([inputs, perturbations], axis=-1))
            logits = self.model.get_layer("answer")(last)
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits))
        gradient = tape.gradient(loss, perturbations)  # (sequences, steps, units): ∂L_i/∂h_t of each sequence
        return tf.reduce_mean(tf.norm(tf.cast(gradient, tf.float64), axis=-1), axis=0)

    def __call__(self, _step=None) -> np.ndarray:
        return self._compiled(self.inputs, self.targets).numpy()


def gradient_through_time(model, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The profile of :class:`GradientThroughTime` for one model, once."""
    return GradientThroughTime(model, inputs, targets)()


# ---------------------------------------------------------------- training


def train_cell(cell: str, config, lag: int, progress=None) -> CellRun:
    x, y = recall_task(config.sequences, lag, config.symbols, config.seed)
    x_val, y_val = recall_task(VALIDATION_SEQUENCES, lag, config.symbols, config.seed + 10_001)
    probe = (x_val[:PROBE_SEQUENCES], y_val[:PROBE_SEQUENCES])
    model = build_recall_model(cell, config.units, config.symbols, config.seed)
    optimizer = make_optimizer("adam", config.learning_rate, "norm", CLIP_NORM)
    step = LastStepScored(model, optimizer, "multiclass", kinds=("kernel", "recurrent_kernel"), snapshot=GradientThroughTime(model, *probe))
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=32, seed=config.seed, snapshot_epochs=tuple(range(config.epochs + 1)), evaluation_samples=VALIDATION_SEQUENCES)
    history = engine.fit(step, (x, y), (x_val, y_val), spec, progress)
    divergence = history.divergence.message() if history.divergence else None
    final = float(history.epochs["val_accuracy"].iloc[-1]) if len(history.epochs) else float("nan")
    return CellRun(cell, history.epochs, dict(history.snapshots), final, divergence, history.seconds)


def compare_cells(config: LagConfig, progress=None) -> LagResult:
    """The chosen cells trained on the same sequences at one lag: learning curves and the gradient through time."""
    config.validate()
    runs = {}
    for index, cell in enumerate(config.cells):
        report = sweep_progress(progress, index, len(config.cells), f"{CELLS[cell]} ({index + 1}/{len(config.cells)})")
        runs[cell] = train_cell(cell, config, config.lag, report)
    return LagResult(config, runs, 1.0 / config.symbols)


def sweep_lags(config: LagSweepConfig, progress=None) -> SweepResult:
    """Final accuracy at the last step against the lag, for each chosen cell (same budget at every lag)."""
    config.validate()
    lags = sorted(int(lag) for lag in config.lags)
    jobs = [(cell, lag) for lag in lags for cell in config.cells]
    rows = []
    for index, (cell, lag) in enumerate(jobs):
        report = sweep_progress(progress, index, len(jobs), f"{CELLS[cell]} at lag {lag} ({index + 1}/{len(jobs)})")
        run = train_cell(cell, config, lag, report)
        rows.append(dict(cell=cell, lag=lag, accuracy=run.final_accuracy, seconds=run.seconds))
    return SweepResult(config, pd.DataFrame(rows), 1.0 / config.symbols)


def decay_per_ten_steps(profile: np.ndarray) -> float:
    """How much ‖∂L/∂h_t‖ shrinks per 10 steps back from the end (a log-linear fit): 1 = no decay."""
    t = np.arange(len(profile))
    usable = profile > 0
    if usable.sum() < 2:
        return float("nan")
    slope = np.polyfit(t[usable], np.log10(profile[usable]), 1)[0]
    return float(10.0 ** (-10.0 * slope))


def verdict(result: LagResult) -> str:
    """The "what to notice" line of a comparison, in numbers from it (worded from the measurements, so it holds for any settings)."""
    factors = {cell: (decay_per_ten_steps(run.gradient_at_start), decay_per_ten_steps(run.gradient_at_end)) for cell, run in result.runs.items()}
    before = ", ".join(f"×{start:.2g} ({CELLS[cell]})" for cell, (start, _) in factors.items())
    after = ", ".join(f"×{end:.2g} ({CELLS[cell]}, {result.runs[cell].final_accuracy:.0%} correct)" for cell, (_, end) in factors.items())
    text = f"for every 10 steps back toward the symbol, ‖∂L/∂h_t‖ changed by {before} before training and by {after} after."
    kept = [CELLS[c] for c, (_, end) in factors.items() if end >= 0.5 and result.runs[c].final_accuracy >= 0.9]
    lost = [CELLS[c] for c, (_, end) in factors.items() if end < 0.5 and result.runs[c].final_accuracy < 0.5]
    if kept:
        text += f" {' and '.join(kept)} learned to keep the path back to step 0 open (a factor near 1 or above) and recall the symbol."
    if lost:
        text += f" {' and '.join(lost)} {'still loses' if len(lost) == 1 else 'still lose'} the gradient on the way back, and with it the symbol."
    if all(start < 1 for start, _ in factors.values()):
        text += " Before training every cell's gradient shrinks on the way back: the gates have to *learn* to keep it."
    return text
