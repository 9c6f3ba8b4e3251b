"""The compiled training loop.

Keras' ``model.fit`` spends most of its time in per-batch Python on the small
models this app trains. Here a whole epoch runs inside one ``tf.function``:
the data stays as tensors, the batches are looped over in the graph, and per
step we record the loss and the gradient norm of every tracked layer in
``tf.TensorArray``s. Python is touched once per epoch (progress, early
stopping, activation snapshots).

The loop is generic over a *step*: an object with ``scalar_names``,
``layer_names``, ``build()``, ``train(x, y) -> (scalars, gradient_norms,
finite)`` and ``evaluate(x, y) -> (loss, accuracy)``. :class:`SupervisedStep`
(one model, one optimizer) is the first; a VAE or GAN step plugs in the same way.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from dlcore.device import tf
from dlcore.models import activation_probe, named_kernel_layers

TASKS = ("binary", "multiclass", "regression")


class Step(Protocol):
    scalar_names: tuple[str, ...]
    layer_names: tuple[str, ...]
    variables: list  # everything the step trains (recorded per step when TrainSpec.record_parameters)
    kernels: list  # one weight tensor per entry of layer_names (its norm is recorded per epoch)

    def build(self) -> None: ...
    def train(self, x, y): ...
    def evaluate(self, x, y): ...


def loss_and_accuracy(task: str, y_true, logits):
    """Mean data loss and accuracy (NaN for regression) of raw model outputs."""
    if task == "binary":
        labels = tf.cast(tf.reshape(y_true, [-1, 1]), logits.dtype)
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
        correct = tf.cast(logits > 0, logits.dtype) == labels
    elif task == "multiclass":
        labels = tf.cast(tf.reshape(y_true, [-1]), tf.int32)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        correct = tf.cast(tf.argmax(logits, axis=-1), tf.int32) == labels
    elif task == "regression":
        target = tf.cast(tf.reshape(y_true, tf.shape(logits)), logits.dtype)
        loss = tf.reduce_mean(tf.square(logits - target))
        return loss, tf.constant(float("nan"), logits.dtype)
    else:
        raise ValueError(f"unknown task {task!r}; choose from {TASKS}")
    return loss, tf.reduce_mean(tf.cast(correct, logits.dtype))


class SupervisedStep:
    """One model, one optimizer, one loss. Tracks the kernel gradient of each Dense/Conv layer.

    Subclasses change what is learned by overriding ``data_loss`` (and
    ``evaluate``); the update, gradient norms and NaN guard stay the same.
    """

    scalar_names = ("loss", "data_loss")

    def __init__(self, model, optimizer, task: str):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; choose from {TASKS}")
        self.model, self.optimizer, self.task = model, optimizer, task
        tracked = named_kernel_layers(model)
        self.layer_names = tuple(name for name, _ in tracked)
        position = {id(variable): index for index, variable in enumerate(model.trainable_variables)}
        self._kernel_positions = [position[id(layer.kernel)] for _, layer in tracked]

    def data_loss(self, y, outputs):
        """The mean loss of the model's raw outputs against the targets (penalties are added by `train`)."""
        return loss_and_accuracy(self.task, y, outputs)[0]

    @property
    def variables(self):
        return self.model.trainable_variables

    @property
    def kernels(self):
        return [self.model.trainable_variables[i] for i in self._kernel_positions]

    def build(self) -> None:
        self.optimizer.build(self.model.trainable_variables)

    def train(self, x, y):
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            data_loss = self.data_loss(y, self.model(x, training=True))
            penalty = tf.add_n(self.model.losses) if self.model.losses else tf.constant(0.0)
            loss = data_loss + penalty
        gradients = tape.gradient(loss, variables)
        norms = tf.stack([tf.norm(gradients[i]) for i in self._kernel_positions])
        finite = tf.math.is_finite(loss) & tf.reduce_all(tf.math.is_finite(norms))
        # A non-finite step contributes nothing (zeroed gradients keep every weight finite) and the
        # loop stops right after it. Cheaper than a tf.cond around the optimizer inside the loop.
        safe = [tf.where(finite, gradient, 0.0) for gradient in gradients]
        self.optimizer.apply_gradients(zip(safe, variables))
        return tf.stack([loss, data_loss]), norms, finite

    def evaluate(self, x, y):
        return loss_and_accuracy(self.task, y, self.model(x, training=False))


@dataclass(frozen=True)
class TrainSpec:
    epochs: int = 50
    batch_size: int = 32  # 1 = stochastic, k = mini-batch, >= N (or 0) = full batch
    seed: int = 0
    early_stopping_patience: int = 0  # 0 = off; otherwise stop and restore the best weights
    activation_epochs: tuple[int, ...] = ()  # epochs after which hidden activations are sampled (0 = at init)
    activation_sample_size: int = 256
    record_parameters: bool = False  # every trainable value after every update (only for tiny models)


@dataclass(frozen=True)
class Divergence:
    """Where a run stopped because a number stopped being finite."""

    step: int  # 1-based update count at which the loss or a gradient went NaN/inf
    epoch: int  # 1-based
    layer: str | None  # layer whose gradient norm was non-finite, nearest the output first
    quantity: str  # "loss" or "gradient"

    def message(self) -> str:
        where = f" (first in layer {self.layer})" if self.layer else ""
        return f"The {self.quantity} exploded at step {self.step}, epoch {self.epoch}{where}: training stopped there."


@dataclass(frozen=True)
class ProgressInfo:
    """What a progress callback receives after each epoch (or each run of a sweep)."""

    epoch: int
    epochs: int
    epochs_table: pd.DataFrame | None = None
    label: str = "Training"
    fraction_offset: float = 0.0  # sweeps map each run's epochs into [offset, offset + share]
    fraction_share: float = 1.0

    @property
    def fraction(self) -> float:
        return min(1.0, self.fraction_offset + self.fraction_share * self.epoch / max(1, self.epochs))

    @property
    def message(self) -> str:
        text = f"{self.label}: epoch {self.epoch}/{self.epochs}"
        if self.epochs_table is not None and len(self.epochs_table):
            text += f" · validation loss {self.epochs_table['val_loss'].iloc[-1]:.4f}"
        return text


def sweep_progress(progress, index: int, total: int, label: str):
    """Wrap a page's callback so that run `index` of `total` fills its share of one progress bar."""
    if progress is None:
        return None

    def report(info: ProgressInfo):
        return progress(
            ProgressInfo(info.epoch, info.epochs, info.epochs_table, label, fraction_offset=index / total, fraction_share=1.0 / total)
        )

    return report


@dataclass(frozen=True)
class History:
    """Plain data about one training run: no tensors, no Keras objects."""

    steps: pd.DataFrame  # step, epoch, one column per scalar name
    gradient_norms: np.ndarray  # (steps, layers): L2 norm of each tracked kernel's gradient
    initial_gradient_norms: np.ndarray  # (layers,) at the very first update
    layer_names: tuple[str, ...]
    epochs: pd.DataFrame  # epoch, train/val loss and accuracy, weight_norm (all kernels, L2), seconds
    activations: dict = field(default_factory=dict)  # epoch -> list of (samples, units) arrays
    divergence: Divergence | None = None
    stopped_early_epoch: int | None = None
    best_epoch: int | None = None
    steps_per_epoch: int = 0
    seconds: float = 0.0
    parameters: np.ndarray | None = None  # (steps + 1, num_parameters): row 0 is the start; if recorded
    compiled_traces: int = 0  # how often the epoch function was traced (1 unless something retraced)

    @property
    def num_steps(self) -> int:
        return len(self.steps)


def steps_per_epoch(num_samples: int, batch_size: int) -> int:
    """Updates per epoch: N for stochastic (1), ceil(N/k) for mini-batch, 1 for full batch."""
    size = num_samples if batch_size <= 0 else min(batch_size, num_samples)
    return math.ceil(num_samples / size)


def flat_parameters(variables):
    return tf.concat([tf.reshape(tf.cast(v, tf.float32), [-1]) for v in variables], axis=0)


def _compile_epoch(step: Step, batch_size: int, record_parameters: bool):
    """One epoch as one graph: an explicit tf.while_loop over the batches.

    Written as an explicit loop (no AutoGraph conversion), so what runs in the
    graph is exactly what you read here.
    """

    def run_epoch(x, y, order, x_val, y_val):
        count = tf.shape(order)[0]
        num_batches = (count + batch_size - 1) // batch_size

        def keep_going(index, finite, *arrays):
            return tf.logical_and(index < num_batches, finite)

        def one_step(index, finite, scalars, norms, parameters):
            batch = order[index * batch_size : tf.minimum((index + 1) * batch_size, count)]
            step_scalars, step_norms, finite = step.train(tf.gather(x, batch), tf.gather(y, batch))
            if record_parameters:
                parameters = parameters.write(index, flat_parameters(step.variables))
            return index + 1, finite, scalars.write(index, step_scalars), norms.write(index, step_norms), parameters

        start = (
            tf.constant(0),
            tf.constant(True),
            tf.TensorArray(tf.float32, size=0, dynamic_size=True),
            tf.TensorArray(tf.float32, size=0, dynamic_size=True),
            tf.TensorArray(tf.float32, size=0, dynamic_size=True),
        )
        _, finite, scalars, norms, parameters = tf.while_loop(keep_going, one_step, start)
        train_metrics = tf.stack(step.evaluate(x, y))
        val_metrics = tf.stack(step.evaluate(x_val, y_val))
        weight_norm = tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(k)) for k in step.kernels]))
        recorded = parameters.stack() if record_parameters else tf.zeros([0, 0])
        return scalars.stack(), norms.stack(), finite, train_metrics, val_metrics, weight_norm, recorded

    return tf.function(run_epoch, autograph=False)


def _activation_sampler(model, sample):
    probe = activation_probe(model)
    if probe is None:
        return None
    sample = tf.constant(sample)
    compiled = tf.function(lambda: probe(sample, training=False))

    def snapshot():
        outputs = compiled()
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return [np.asarray(output) for output in outputs]

    return snapshot


def fit(
    step: Step,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    spec: TrainSpec,
    progress: Callable[[ProgressInfo], bool | None] | None = None,
    model=None,
) -> History:
    """Train with `step` for `spec.epochs` epochs and return what happened as plain data.

    ``progress`` is called after every epoch; returning ``False`` stops training.
    ``model`` (the step's model) is needed only for activation snapshots and
    early stopping's weight restore.
    """
    if spec.epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {spec.epochs}")
    num_samples = len(x_train)
    batch_size = num_samples if spec.batch_size <= 0 else min(int(spec.batch_size), num_samples)
    step.build()
    run_epoch = _compile_epoch(step, batch_size, spec.record_parameters)
    rng = np.random.default_rng(spec.seed)
    tensors = [tf.constant(a) for a in (x_train, y_train, x_val, y_val)]
    snapshot = None
    activations = {}
    if spec.activation_epochs and model is not None:
        snapshot = _activation_sampler(model, x_train[: spec.activation_sample_size])
        if snapshot is not None and 0 in spec.activation_epochs:
            activations[0] = snapshot()

    step_scalars, step_norms, epoch_rows = [], [], []
    step_parameters = [flat_parameters(step.variables).numpy()[None, :]] if spec.record_parameters else None
    divergence, stopped_early, best_epoch, best_loss, best_weights = None, None, None, math.inf, None
    started = time.perf_counter()
    for epoch in range(1, spec.epochs + 1):
        epoch_start = time.perf_counter()
        order = tf.constant(rng.permutation(num_samples).astype(np.int32))
        scalars, norms, finite, train_metrics, val_metrics, weight_norm, recorded = run_epoch(*tensors[:2], order, *tensors[2:])
        scalars, norms = scalars.numpy(), norms.numpy()
        if step_parameters is not None:
            step_parameters.append(recorded.numpy())
        step_scalars.append(scalars)
        step_norms.append(norms)
        train_metrics, val_metrics = train_metrics.numpy(), val_metrics.numpy()
        epoch_rows.append(
            dict(
                epoch=epoch,
                train_loss=float(train_metrics[0]),
                val_loss=float(val_metrics[0]),
                train_accuracy=float(train_metrics[1]),
                val_accuracy=float(val_metrics[1]),
                weight_norm=float(weight_norm),
                seconds=time.perf_counter() - epoch_start,
            )
        )
        if not bool(finite):
            divergence = _describe_divergence(scalars[-1], norms[-1], step.layer_names, epoch, sum(len(s) for s in step_scalars))
            break
        if snapshot is not None and (epoch in spec.activation_epochs or epoch == spec.epochs):
            activations[epoch] = snapshot()
        if spec.early_stopping_patience > 0 and model is not None:
            val_loss = float(val_metrics[0])
            if val_loss < best_loss:
                best_loss, best_epoch, best_weights = val_loss, epoch, model.get_weights()
            elif epoch - best_epoch >= spec.early_stopping_patience:
                stopped_early = epoch
                model.set_weights(best_weights)
                break
        if progress is not None:
            table = pd.DataFrame(epoch_rows)
            if progress(ProgressInfo(epoch, spec.epochs, table)) is False:
                break
    history = _history(step, step_scalars, step_norms, epoch_rows, activations, divergence, stopped_early, best_epoch, batch_size, num_samples, time.perf_counter() - started)
    parameters = np.concatenate(step_parameters) if step_parameters is not None else None
    return dataclasses.replace(history, parameters=parameters, compiled_traces=run_epoch.experimental_get_tracing_count())


def _describe_divergence(scalars, norms, layer_names, epoch, step_number) -> Divergence:
    bad_layers = [name for name, value in zip(layer_names, norms) if not np.isfinite(value)]
    layer = bad_layers[-1] if bad_layers else None  # backprop reaches the output side first
    quantity = "loss" if not np.isfinite(scalars[0]) else "gradient"
    return Divergence(step=step_number, epoch=epoch, layer=layer, quantity=quantity)


def _history(step, step_scalars, step_norms, epoch_rows, activations, divergence, stopped_early, best_epoch, batch_size, num_samples, seconds) -> History:
    scalars = np.concatenate(step_scalars) if step_scalars else np.zeros((0, len(step.scalar_names)))
    norms = np.concatenate(step_norms) if step_norms else np.zeros((0, len(step.layer_names)))
    epoch_of_step = np.concatenate([np.full(len(s), i + 1) for i, s in enumerate(step_scalars)])
    steps = pd.DataFrame(scalars, columns=list(step.scalar_names))
    steps.insert(0, "epoch", epoch_of_step.astype(int))
    steps.insert(0, "step", np.arange(1, len(steps) + 1))
    return History(
        steps=steps,
        gradient_norms=norms,
        initial_gradient_norms=norms[0] if len(norms) else np.zeros(len(step.layer_names)),
        layer_names=step.layer_names,
        epochs=pd.DataFrame(epoch_rows),
        activations=activations,
        divergence=divergence,
        stopped_early_epoch=stopped_early,
        best_epoch=best_epoch,
        steps_per_epoch=steps_per_epoch(num_samples, batch_size),
        seconds=seconds,
    )


def predict(model, x: np.ndarray, task: str) -> np.ndarray:
    """Probabilities (classification) or values (regression) in inference mode."""
    outputs = model(tf.constant(x, dtype=tf.float32), training=False)
    if task == "binary":
        return tf.sigmoid(outputs).numpy()[:, 0]
    if task == "multiclass":
        return tf.nn.softmax(outputs).numpy()
    return outputs.numpy()
