"""Several independent models trained side by side in one graph, with one engine step.

A model whose output column k is model k's prediction is trained on the sum
of the K losses. Each model's weights get only their own loss's gradient, and
the optimizers used here (Adam) update element by element, so this is the
same as K separate runs on the same batches, in one compiled loop.

The step names every number it records after the branch it belongs to
(``loss/baseline``, ``accuracy/regularized``, ``weight_norm/baseline``), so
the engine's epochs table carries each branch's own curves and
:func:`branch_table` cuts one branch's curves back out under the usual names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlcore.device import tf
from dlcore.steps import SupervisedStep

BRANCH_COLUMNS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "weight_norm")


def branch_metric(metric: str, branch: str) -> str:
    """The name one branch's metric goes under in a ParallelStep's history ("train_loss", "baseline" -> "train_loss/baseline")."""
    return f"{metric}/{branch}"


def parallel_targets(targets: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Pack (n, K) targets and optional (n, K) sample weights into the (n, 2K) array ParallelStep reads.

    A weight of 0 drops an example from that model's data. The weights of each
    model are rescaled to average 1 over the data set, so a weighted mean over
    the whole set is a plain per-example mean of weight × loss: the engine can
    then evaluate it in batches of any size.
    """
    targets = np.asarray(targets, dtype=np.float32)
    weights = np.ones_like(targets) if weights is None else np.asarray(weights, dtype=np.float32)
    totals = weights.sum(axis=0, keepdims=True)
    scale = np.divide(len(weights), totals, out=np.zeros_like(totals), where=totals > 0)
    return np.concatenate([targets, weights * scale], axis=1).astype(np.float32)


class ParallelStep(SupervisedStep):
    """K independent models in one graph: the model outputs (n, K), one loss per column, summed.

    ``y`` is (n, 2K) as :func:`parallel_targets` packs it. Per branch the step
    declares its metrics (loss, and accuracy for classifiers), which the engine
    evaluates in batches, and, when every branch is a sub-model of its own
    (named after the branch), the L2 norm of the branch's weight matrices as
    state. The update, the gradient norms (per layer of every sub-model) and
    the NaN guard are the engine's own.
    """

    def __init__(self, model, optimizer, task: str, branch_names):
        if task not in ("binary", "regression"):
            raise ValueError(f"ParallelStep supports 'binary' and 'regression', not {task!r}")
        super().__init__(model, optimizer, task)
        self.branch_names = tuple(branch_names)
        if model.output_shape[-1] != len(self.branch_names):
            raise ValueError(f"the model has {model.output_shape[-1]} output columns but {len(self.branch_names)} branch names")
        measured = ("loss", "accuracy") if task == "binary" else ("loss",)
        self.metric_names = tuple(branch_metric(metric, branch) for metric in measured for branch in self.branch_names)
        self._branch_kernels = self._kernels_by_branch()
        self.state_names = tuple(branch_metric("weight_norm", branch) for branch in self._branch_kernels)

    def _kernels_by_branch(self) -> dict:
        """Branch name -> its weight matrices, if every branch is a sub-model of that name; else empty."""
        kernels = {
            branch: [variable for group in self.groups if group.kind == "kernel" and group.name.startswith(f"{branch}/") for variable in group.variables]
            for branch in self.branch_names
        }
        return kernels if all(kernels.values()) else {}

    def _targets_and_weights(self, y):
        count = len(self.branch_names)
        return y[:, :count], y[:, count:]

    def per_example_losses(self, outputs, targets):
        """(n, K): cross-entropy of each logit, or squared error of each prediction."""
        if self.task == "binary":
            return tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=outputs)
        return tf.square(outputs - targets)

    def per_model_losses(self, outputs, y):
        """(K,): each model's weighted mean loss over the examples of this batch it may see."""
        targets, weights = self._targets_and_weights(y)
        losses = self.per_example_losses(outputs, targets)
        return tf.math.divide_no_nan(tf.reduce_sum(losses * weights, axis=0), tf.reduce_sum(weights, axis=0))

    def data_loss(self, y, outputs):
        return tf.reduce_sum(self.per_model_losses(outputs, y))

    def evaluate_batch(self, x, y):
        """Per-example means of weight × loss (and weight × correct) for every branch: the metric_names, in order."""
        outputs = self.model(x, training=False)
        targets, weights = self._targets_and_weights(y)
        metrics = [tf.reduce_mean(self.per_example_losses(outputs, targets) * weights, axis=0)]
        if self.task == "binary":
            correct = tf.cast(tf.cast(outputs > 0, outputs.dtype) == targets, outputs.dtype)
            metrics.append(tf.reduce_mean(correct * weights, axis=0))
        return tf.concat(metrics, axis=0)

    def state(self):
        """The L2 norm of each branch's weight matrices together (biases left out)."""
        return tf.stack([tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(kernel)) for kernel in kernels])) for kernels in self._branch_kernels.values()])


def branch_table(epochs: pd.DataFrame, branch: str) -> pd.DataFrame:
    """One branch's per-epoch curves from a ParallelStep's epochs table, under a single model's column names."""
    columns = {branch_metric(column, branch): column for column in BRANCH_COLUMNS if branch_metric(column, branch) in epochs}
    return epochs[["epoch", *columns]].rename(columns=columns).reset_index(drop=True)


def final_values(epochs: pd.DataFrame, column: str, branches) -> np.ndarray:
    """The last epoch's value of `column` ("train_loss", "val_accuracy" ...) for each branch, in order."""
    last = epochs.iloc[-1]
    return np.array([float(last[branch_metric(column, branch)]) for branch in branches])
