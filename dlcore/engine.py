"""The compiled training loop, generic over a step (see :mod:`dlcore.steps`).

Keras' ``model.fit`` spends most of its time in per-batch Python on the small
models this app trains. Here a chunk of updates (a whole epoch, or N steps
when a page wants to hear more often) runs inside one ``tf.function``: the
data stays as tensors, the batches are looped over in the graph, and every
update's scalars and gradient norms go into ``tf.TensorArray``s. Python is
touched once per chunk: progress, snapshots, early stopping. Evaluation runs
in batches in a second compiled function.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dlcore.device import tf
from dlcore.steps import SupervisedStep, loss_and_accuracy  # noqa: F401  (re-exported: the usual step and its loss)


@dataclass(frozen=True)
class TrainSpec:
    epochs: int = 50
    batch_size: int = 32  # 1 = stochastic, k = mini-batch, >= N (or 0) = full batch
    seed: int = 0  # the shuffling order of every epoch
    early_stopping_patience: int = 0  # 0 = off; otherwise stop and restore the best validation loss
    progress_every_steps: int = 0  # 0 = report once per epoch; N = also every N updates within an epoch
    snapshot_epochs: tuple[int, ...] = ()  # epochs after which step.snapshot() is kept (0 = before training); the last epoch too
    evaluation_batch_size: int = 2048  # examples per evaluation call
    evaluation_samples: int = 0  # 0 = evaluate on all; N = on a fixed seeded subsample of N examples per set
    record_parameters: bool = False  # every trainable value after every update (only for tiny models)


@dataclass(frozen=True)
class Divergence:
    """Where a run stopped because a number stopped being finite."""

    step: int  # 1-based update count at which a recorded number went NaN/inf
    epoch: int  # 1-based
    layer: str | None  # variable group whose gradient norm was non-finite, nearest the output first
    quantity: str  # the first non-finite scalar's name ("loss", "d_loss" ...), or "gradient"

    def message(self) -> str:
        where = f" (first in layer {self.layer})" if self.layer else ""
        return f"The {self.quantity} overflowed (became infinite or NaN) at step {self.step}, epoch {self.epoch}{where}: training stopped there."


@dataclass(frozen=True)
class ProgressInfo:
    """What a progress callback receives between chunks (or after each run of a sweep). Plain data."""

    epoch: int  # epochs completed
    epochs: int
    epochs_table: pd.DataFrame | None = None
    label: str = "Training"
    fraction_offset: float = 0.0  # sweeps map each run's share into [offset, offset + share]
    fraction_share: float = 1.0
    step: int | None = None  # updates done so far, when known
    total_steps: int | None = None
    snapshot: tuple[int, Any] | None = None  # the latest (epoch, snapshot) when the step takes snapshots

    @property
    def fraction(self) -> float:
        done = self.step / max(1, self.total_steps) if self.step is not None and self.total_steps else self.epoch / max(1, self.epochs)
        return min(1.0, self.fraction_offset + self.fraction_share * done)

    @property
    def message(self) -> str:
        text = f"{self.label}: epoch {self.epoch}/{self.epochs}"
        if self.step is not None and self.total_steps:
            text += f" · update {self.step:,}/{self.total_steps:,}"
        table = self.epochs_table
        if table is not None and len(table):
            column = "val_loss" if "val_loss" in table else next((c for c in table.columns if c.startswith("train_")), None)
            if column is not None:
                text += f" · {column.replace('_', ' ')} {table[column].iloc[-1]:.4f}"
        return text


def sweep_progress(progress, index: int, total: int, label: str):
    """Wrap a page's callback so that run `index` of `total` fills its share of one progress bar."""
    if progress is None:
        return None

    def report(info: ProgressInfo):
        return progress(dataclasses.replace(info, label=label, fraction_offset=index / total, fraction_share=1.0 / total))

    return report


@dataclass(frozen=True)
class History:
    """Plain data about one training run: no tensors, no Keras objects."""

    steps: pd.DataFrame  # step, epoch, one column per scalar name
    gradient_norms: np.ndarray  # (steps, groups): L2 norm of each tracked group's gradient
    output_gradient_norms: np.ndarray  # (steps, outputs): ‖∂L/∂a‖ of each probed layer output
    group_names: tuple[str, ...]
    group_kinds: tuple[str, ...]
    output_names: tuple[str, ...]
    epochs: pd.DataFrame  # epoch, train_<metric>, val_<metric>, <state names>, seconds
    snapshots: dict = field(default_factory=dict)  # epoch -> what step.snapshot() returned
    divergence: Divergence | None = None
    stopped_early_epoch: int | None = None
    best_epoch: int | None = None
    steps_per_epoch: int = 0
    seconds: float = 0.0
    parameters: np.ndarray | None = None  # (steps + 1, num_parameters): row 0 is the start; if recorded
    compiled_traces: int = 0  # the most traces of one compiled loop function (1 unless something retraced)

    @property
    def num_steps(self) -> int:
        return len(self.steps)

    @property
    def initial_gradient_norms(self) -> np.ndarray:
        """(groups,) at the very first update."""
        return self.gradient_norms[0] if len(self.gradient_norms) else np.zeros(len(self.group_names))

    @property
    def initial_output_gradient_norms(self) -> np.ndarray:
        return self.output_gradient_norms[0] if len(self.output_gradient_norms) else np.zeros(len(self.output_names))

    def of_kind(self, kind: str) -> np.ndarray:
        """Column indices of the groups of one kind ("kernel", "recurrent_kernel", ...)."""
        return np.array([i for i, k in enumerate(self.group_kinds) if k == kind], dtype=int)


def steps_per_epoch(num_samples: int, batch_size: int) -> int:
    """Updates per epoch: N for stochastic (1), ceil(N/k) for mini-batch, 1 for full batch."""
    size = num_samples if batch_size <= 0 else min(batch_size, num_samples)
    return math.ceil(num_samples / size)


def flat_parameters(variables):
    return tf.concat([tf.reshape(tf.cast(v, tf.float32), [-1]) for v in variables], axis=0)


def _as_tuple(data) -> tuple:
    if data is None:
        return ()
    return tuple(data) if isinstance(data, (tuple, list)) else (data,)


def _compile_chunk(step, batch_size: int, record_parameters: bool, evaluator=None):
    """Updates [start, stop) of one epoch's batch order as one graph: an explicit tf.while_loop.

    Written as an explicit loop (no AutoGraph conversion), so what runs in the
    graph is exactly what you read here. ``start`` and ``stop`` are tensors:
    every chunk of every epoch reuses the one trace. With an ``evaluator`` the
    same call also measures the end of the epoch (metrics, state), so a
    whole-epoch chunk costs one call from Python, as in engine v1.
    """

    measured_count = len(evaluator.tensors) if evaluator is not None else 0  # the evaluator's tensors come last

    def run_chunk(order, start, stop, *tensors):
        data, measured = tensors[: len(tensors) - measured_count], tensors[len(tensors) - measured_count :]
        count = tf.shape(order)[0]

        def keep_going(index, finite, *arrays):
            return tf.logical_and(index < stop, finite)

        def one_step(index, finite, scalars, norms, outputs, parameters):
            batch = order[index * batch_size : tf.minimum((index + 1) * batch_size, count)]
            record = step.train_step(*[tf.gather(array, batch) for array in data])
            position = index - start
            if record_parameters:
                parameters = parameters.write(position, flat_parameters(step.variables))
            return (
                index + 1,
                record.finite,
                scalars.write(position, record.scalars),
                norms.write(position, tf.cast(record.gradient_norms, tf.float64)),
                outputs.write(position, tf.cast(record.output_gradient_norms, tf.float64)),
                parameters,
            )

        arrays = [tf.TensorArray(dtype, size=0, dynamic_size=True) for dtype in (tf.float32, tf.float64, tf.float64, tf.float32)]
        _, finite, scalars, norms, outputs, parameters = tf.while_loop(keep_going, one_step, (start, tf.constant(True), *arrays))
        recorded = parameters.stack() if record_parameters else tf.zeros([0, 0])
        measures = evaluator.measure(*measured) if evaluator is not None else tf.zeros([0])
        return scalars.stack(), norms.stack(), outputs.stack(), finite, recorded, measures

    return tf.function(run_chunk, autograph=False)


def _batched_means(step, indices, data, batch_size: int):
    """Per-example means of the step's metrics over the examples at `indices`, `batch_size` at a time (graph code)."""
    count = tf.shape(indices)[0]
    num_batches = (count + batch_size - 1) // batch_size

    def one_batch(index, total):
        batch = indices[index * batch_size : tf.minimum((index + 1) * batch_size, count)]
        metrics = step.evaluate_batch(*[tf.gather(array, batch) for array in data])
        return index + 1, total + metrics * tf.cast(tf.shape(batch)[0], tf.float32)

    zero = tf.zeros([len(step.metric_names)])
    _, total = tf.while_loop(lambda index, total: index < num_batches, one_batch, (tf.constant(0), zero))
    return total / tf.cast(count, tf.float32)


class _Evaluator:
    """After each epoch, in one compiled call: the metrics on the train and validation sets (or fixed
    seeded subsamples of them), evaluated in batches, and the step's state (weight norms)."""

    def __init__(self, step, spec: TrainSpec, train: tuple, validation: tuple, rng):
        self.step, self.prefixes, self.tensors, layout = step, [], [], []
        batch_size = max(1, spec.evaluation_batch_size)
        for prefix, arrays in (("train", train), ("val", validation)):
            if not arrays or not step.metric_names:
                continue
            count = len(arrays[0])
            indices = np.arange(count)
            if 0 < spec.evaluation_samples < count:
                indices = np.sort(rng.choice(count, spec.evaluation_samples, replace=False))
            at_once = len(indices) <= batch_size  # one batch: no loop, no rescaling
            if at_once and len(indices) < count:
                arrays = tuple(a[indices] for a in arrays)
            self.prefixes.append(prefix)
            self.tensors += [tf.constant(indices.astype(np.int32)), *(tf.constant(a) for a in arrays)]
            layout.append((at_once, len(arrays)))

        def measure(*tensors):
            """Graph code: the metrics of every set, then the step's state, as one vector."""
            values, position = [], 0
            for at_once, width in layout:
                indices, data = tensors[position], tensors[position + 1 : position + 1 + width]
                values.append(step.evaluate_batch(*data) if at_once else _batched_means(step, indices, data, batch_size))
                position += 1 + width
            values.append(tf.cast(step.state(), tf.float32))
            return tf.concat(values, axis=0)

        self.measure = measure
        self._alone = None  # compiled on first use: only when an epoch ends early (divergence, a stop request)

    def row(self, values=None) -> dict:
        """The epoch's measures by name; `values` from the chunk that ended the epoch, else measured now."""
        if values is None:
            self._alone = self._alone or tf.function(self.measure, autograph=False)
            values = self._alone(*self.tensors)
        names = [f"{prefix}_{name}" for prefix in self.prefixes for name in self.step.metric_names] + list(self.step.state_names)
        return {name: float(value) for name, value in zip(names, values.numpy())}


def fit(step, train, validation=None, spec: TrainSpec = TrainSpec(), progress: Callable[[ProgressInfo], bool | None] | None = None) -> History:
    """Train with `step` and return what happened as plain data.

    ``train`` and ``validation`` are tuples of arrays with the same first
    dimension (``(x, y)`` for a supervised step, ``(x,)`` for a VAE or a GAN);
    validation may be None. ``progress`` is called after every chunk (every
    epoch, or every ``spec.progress_every_steps`` updates); returning ``False``
    stops training.
    """
    if spec.epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {spec.epochs}")
    train, validation = _as_tuple(train), _as_tuple(validation)
    if not train or any(len(a) != len(train[0]) for a in train):
        raise ValueError("train must be one or more arrays with the same number of examples")
    if spec.early_stopping_patience > 0 and not validation:
        raise ValueError("early stopping watches the validation loss: give validation data")
    num_samples = len(train[0])
    batch_size = num_samples if spec.batch_size <= 0 else min(int(spec.batch_size), num_samples)
    per_epoch = steps_per_epoch(num_samples, batch_size)
    chunk = per_epoch if spec.progress_every_steps <= 0 else min(per_epoch, spec.progress_every_steps)
    total_steps = per_epoch * spec.epochs

    step.build()
    rng = np.random.default_rng(spec.seed)
    evaluator = _Evaluator(step, spec, train, validation, np.random.default_rng([spec.seed, 1]))
    run_chunk = _compile_chunk(step, batch_size, spec.record_parameters)  # a chunk inside an epoch
    end_epoch = _compile_chunk(step, batch_size, spec.record_parameters, evaluator)  # the epoch's last chunk, then its measures
    tensors = [tf.constant(a) for a in train]
    recorder = _Recorder(step, spec)
    started = time.perf_counter()
    for epoch in range(1, spec.epochs + 1):
        epoch_start, measures = time.perf_counter(), None
        order = tf.constant(rng.permutation(num_samples).astype(np.int32))
        for first in range(0, per_epoch, chunk):
            last = first + chunk >= per_epoch
            function, extra = (end_epoch, evaluator.tensors) if last else (run_chunk, ())
            scalars, norms, outputs, finite, recorded, measured = function(order, tf.constant(first), tf.constant(min(first + chunk, per_epoch)), *tensors, *extra)
            recorder.add_updates(scalars.numpy(), norms.numpy(), outputs.numpy(), recorded, epoch)
            measures = measured if last else None
            if not bool(finite):
                recorder.diverged(epoch)
                break
            if not last and progress is not None and progress(recorder.progress(epoch - 1, total_steps)) is False:
                recorder.stopped = True
                break
        recorder.add_epoch(epoch, evaluator.row(measures), time.perf_counter() - epoch_start)
        if recorder.divergence is not None or recorder.stopped:
            break
        recorder.maybe_snapshot(epoch)
        if recorder.early_stop(epoch):
            break
        if progress is not None and progress(recorder.progress(epoch, total_steps)) is False:
            break
    return recorder.history((run_chunk, end_epoch), batch_size, num_samples, time.perf_counter() - started)


class _Recorder:
    """Collects what `fit` sees, chunk by chunk and epoch by epoch, and turns it into a History."""

    def __init__(self, step, spec: TrainSpec):
        self.step, self.spec = step, spec
        self.scalars, self.norms, self.outputs, self.epoch_of_update, self.rows = [], [], [], [], []
        self.parameters = [flat_parameters(step.variables).numpy()[None, :]] if spec.record_parameters else None
        self.snapshots, self.divergence, self.stopped = {}, None, False
        self.best_loss, self.best_epoch, self.best_weights, self.stopped_early = math.inf, None, None, None
        if 0 in spec.snapshot_epochs:
            self._take_snapshot(0)

    @property
    def num_updates(self) -> int:
        return sum(len(s) for s in self.scalars)

    def add_updates(self, scalars, norms, outputs, recorded, epoch: int) -> None:
        self.scalars.append(scalars.reshape(len(scalars), len(self.step.scalar_names)))
        self.norms.append(norms.reshape(len(scalars), len(self.step.groups)))
        self.outputs.append(outputs.reshape(len(scalars), len(self.step.output_names)))
        self.epoch_of_update.append(np.full(len(scalars), epoch))
        if self.parameters is not None:
            self.parameters.append(recorded.numpy())

    def diverged(self, epoch: int) -> None:
        scalars, norms = self.scalars[-1][-1], self.norms[-1][-1]
        bad_groups = [name for name, value in zip(self.step.group_names, norms) if not np.isfinite(value)]
        bad_scalars = [name for name, value in zip(self.step.scalar_names, scalars) if not np.isfinite(value)]
        quantity = bad_scalars[0] if bad_scalars else "gradient"
        self.divergence = Divergence(step=self.num_updates, epoch=epoch, layer=bad_groups[-1] if bad_groups else None, quantity=quantity)

    def add_epoch(self, epoch: int, measures: dict, seconds: float) -> None:
        self.rows.append(dict(epoch=epoch, **measures, seconds=seconds))

    def _take_snapshot(self, epoch: int) -> None:
        value = self.step.snapshot()
        if value is not None:
            self.snapshots[epoch] = value

    def maybe_snapshot(self, epoch: int) -> None:
        if epoch in self.spec.snapshot_epochs:
            self._take_snapshot(epoch)

    def early_stop(self, epoch: int) -> bool:
        if self.spec.early_stopping_patience <= 0:
            return False
        val_loss = self.rows[-1]["val_loss"]
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch, self.best_weights = val_loss, epoch, self.step.get_weights()
        elif epoch - self.best_epoch >= self.spec.early_stopping_patience:
            self.stopped_early = epoch
            self.step.set_weights(self.best_weights)
            return True
        return False

    def progress(self, epoch: int, total_steps: int) -> ProgressInfo:
        latest = max(self.snapshots) if self.snapshots else None
        return ProgressInfo(
            epoch,
            self.spec.epochs,
            pd.DataFrame(self.rows) if self.rows else None,
            step=self.num_updates,
            total_steps=total_steps,
            snapshot=(latest, self.snapshots[latest]) if latest is not None else None,
        )

    def history(self, compiled, batch_size: int, num_samples: int, seconds: float) -> History:
        step = self.step
        last_epoch = self.rows[-1]["epoch"] if self.rows else 0
        if self.spec.snapshot_epochs and last_epoch not in self.snapshots:
            self._take_snapshot(last_epoch)  # the weights the run ends with (restored ones after early stopping)
        scalars = np.concatenate(self.scalars) if self.scalars else np.zeros((0, len(step.scalar_names)))
        steps = pd.DataFrame(scalars.astype(np.float64), columns=list(step.scalar_names))
        steps.insert(0, "epoch", np.concatenate(self.epoch_of_update).astype(int) if self.scalars else np.zeros(0, int))
        steps.insert(0, "step", np.arange(1, len(steps) + 1))
        return History(
            steps=steps,
            gradient_norms=np.concatenate(self.norms).astype(np.float64) if self.norms else np.zeros((0, len(step.groups))),
            output_gradient_norms=np.concatenate(self.outputs).astype(np.float64) if self.outputs else np.zeros((0, len(step.output_names))),
            group_names=step.group_names,
            group_kinds=step.group_kinds,
            output_names=tuple(step.output_names),
            epochs=pd.DataFrame(self.rows),
            snapshots=self.snapshots,
            divergence=self.divergence,
            stopped_early_epoch=self.stopped_early,
            best_epoch=self.best_epoch,
            steps_per_epoch=steps_per_epoch(num_samples, batch_size),
            seconds=seconds,
            parameters=np.concatenate(self.parameters) if self.parameters is not None else None,
            compiled_traces=max(function.experimental_get_tracing_count() for function in compiled),
        )


def gradients(step, data) -> dict[str, np.ndarray]:
    """Group name -> the gradient of one batch (all of `data`), computed in one compiled call and not applied.

    A group with one variable gives that variable's gradient in its shape;
    a group of several (a batch norm's scale and shift) gives them flattened end to end.
    """
    tensors = [tf.constant(a) for a in _as_tuple(data)]
    compiled = tf.function(step.gradients, autograph=False)
    result = {}
    for name, parts in compiled(*tensors).items():
        arrays = [np.asarray(p) for p in parts]
        result[name] = arrays[0] if len(arrays) == 1 else np.concatenate([a.ravel() for a in arrays])
    return result


def predict(model, x: np.ndarray, task: str) -> np.ndarray:
    """Probabilities (classification) or values (regression) in inference mode."""
    outputs = model(tf.constant(x, dtype=tf.float32), training=False)
    if task == "binary":
        return tf.sigmoid(outputs).numpy()[..., 0]
    if task == "multiclass":
        return tf.nn.softmax(outputs).numpy()
    return outputs.numpy()
