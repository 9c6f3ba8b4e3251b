"""The step contract: what one update of any model does and records, by name.

The engine (:mod:`dlcore.engine`) is the loop; a *step* is what the loop
repeats. A step owns its models and optimizers and declares by name:

- ``scalar_names``: the numbers it records at every update (``loss``; or
  ``recon`` and ``kl``; or ``d_loss`` and ``g_loss`` ...);
- ``metric_names``: what ``evaluate_batch`` returns, as per-example means, so
  the engine can evaluate any data set in batches and weight them by size;
- ``state_names``: numbers read off the weights alone once per epoch (weight norms);
- ``groups``: the named variable groups whose gradient norm it records at
  every update (every Dense/Conv kernel, recurrent kernel, embedding table,
  batch-norm scale and shift), found by :func:`variable_groups`;
- ``output_names``: layers whose output gradient norm ‖∂L/∂a‖ it also records.

``train_step(*batch)`` returns a :class:`StepRecord`; the engine stops at the
first record that is not finite. History tables take their columns from the
names above, so a VAE or a GAN needs no special case anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras

from dlcore.device import tf

TASKS = ("binary", "multiclass", "regression")
GROUP_KINDS = ("kernel", "recurrent_kernel", "embedding", "batch_norm")


# ---------------------------------------------------------------- variable groups


@dataclass(frozen=True)
class VariableGroup:
    """Trainable variables whose gradient is tracked together under one name."""

    name: str  # "hidden_1", "lstm", "lstm/recurrent", "embedding", "batch_norm_1", "generator/dense_1"
    kind: str  # one of GROUP_KINDS
    variables: tuple


def _own_groups(layer, path: str) -> list[VariableGroup]:
    own = {variable.name: variable for variable in layer._trainable_variables}
    groups = []
    kernels = [own[name] for name in ("kernel", "depthwise_kernel", "pointwise_kernel") if name in own]
    if kernels:
        groups.append(VariableGroup(path, "kernel", tuple(kernels)))
    if "recurrent_kernel" in own:
        groups.append(VariableGroup(f"{path}/recurrent", "recurrent_kernel", (own["recurrent_kernel"],)))
    if "embeddings" in own:
        groups.append(VariableGroup(path, "embedding", (own["embeddings"],)))
    scale_and_shift = tuple(own[name] for name in ("gamma", "beta") if name in own)
    if scale_and_shift:
        groups.append(VariableGroup(path, "batch_norm", scale_and_shift))
    return groups


def variable_groups(model, kinds: tuple[str, ...] = GROUP_KINDS, prefix: str = "") -> list[VariableGroup]:
    """Every tracked variable group of `model`, input side first, by walking its layers.

    Sub-models and layers made of layers are walked too and named
    ``outer/inner``; an RNN layer's cell belongs to the RNN layer (an LSTM
    named ``lstm`` gives ``lstm`` for its input kernel and ``lstm/recurrent``).
    Keras 3 keeps no ``.kernel`` on an LSTM or an Embedding, so this looks at
    each layer's own weights by their names instead.
    """
    unknown = set(kinds) - set(GROUP_KINDS)
    if unknown:
        raise ValueError(f"unknown group kinds {sorted(unknown)}; choose from {GROUP_KINDS}")
    found, seen = [], set()

    def walk(layer, path: str) -> None:
        for group in _own_groups(layer, path):
            if group.kind in kinds and not any(id(v) in seen for v in group.variables):
                seen.update(id(v) for v in group.variables)
                found.append(group)
        children = layer.layers if isinstance(layer, keras.Model) else layer._layers
        for child in children:
            if isinstance(layer, keras.layers.RNN):
                walk(child, path)  # the cell is part of its RNN layer
            else:
                walk(child, f"{path}/{child.name}" if path else f"{prefix}{child.name}")

    walk(model, prefix.rstrip("/"))
    return found


# ---------------------------------------------------------------- norms and the NaN guard


def safe_norm(tensors) -> tf.Tensor:
    """The L2 norm of one tensor or of several together, in float64, so that it never underflows.

    Squaring a float32 gradient of 1e-20 gives 1e-40, below float32's smallest
    normal number, so a float32 norm reports 0 for a layer that did get a
    (tiny) gradient. In float64 every square of a float32 value is exact
    enough; the result is exactly 0 only when every entry is 0, and NaN or
    inf when any entry is.
    """
    if not isinstance(tensors, (list, tuple)):
        tensors = [tensors]
    squares = [tf.reduce_sum(tf.square(tf.cast(tf.convert_to_tensor(t), tf.float64))) for t in tensors]
    return tf.sqrt(tf.add_n(squares) if len(squares) > 1 else squares[0])


def all_finite(*tensors) -> tf.Tensor:
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(t)) for t in tensors if t.shape.num_elements() != 0])


def apply_if_finite(optimizer, gradients, variables, finite) -> None:
    """The one NaN/inf guard: a non-finite step applies zero gradients (weights stay finite) and the engine stops after it.

    Cheaper than a tf.cond around the optimizer inside the compiled loop.
    """
    safe = [tf.where(finite, gradient, tf.zeros_like(gradient)) for gradient in gradients]
    optimizer.apply_gradients(zip(safe, variables))


def dense(gradient):
    """Embedding gradients arrive as IndexedSlices; the norms and the guard want plain tensors."""
    return tf.convert_to_tensor(gradient)


@dataclass(frozen=True)
class StepRecord:
    """What one update returns to the engine (all tensors)."""

    scalars: tf.Tensor  # (len(scalar_names),)
    gradient_norms: tf.Tensor  # (len(groups),) float64
    output_gradient_norms: tf.Tensor  # (len(output_names),) float64
    finite: tf.Tensor  # bool: False stops training after this update


# ---------------------------------------------------------------- the base class


class Step:
    """Defaults for the optional parts of the contract; subclasses fill in the rest."""

    scalar_names: tuple[str, ...] = ()
    metric_names: tuple[str, ...] = ()
    state_names: tuple[str, ...] = ()
    groups: tuple[VariableGroup, ...] = ()
    output_names: tuple[str, ...] = ()

    def __init__(self, snapshot: Callable | None = None):
        self._snapshot = snapshot

    def models(self) -> dict:
        """name -> keras.Model: what early stopping saves and restores."""
        raise NotImplementedError

    def optimizers(self) -> list:
        raise NotImplementedError

    @property
    def variables(self) -> list:
        """Every trainable variable of every model, in a fixed order."""
        return [v for model in self.models().values() for v in model.trainable_variables]

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(group.name for group in self.groups)

    @property
    def group_kinds(self) -> tuple[str, ...]:
        return tuple(group.kind for group in self.groups)

    def build(self) -> None:
        for model, optimizer in zip(self.models().values(), self.optimizers()):
            optimizer.build(model.trainable_variables)

    def train_step(self, *batch) -> StepRecord:
        raise NotImplementedError

    def evaluate_batch(self, *batch) -> tf.Tensor:
        """(len(metric_names),) per-example means over this batch."""
        raise NotImplementedError

    def state(self) -> tf.Tensor:
        """(len(state_names),) numbers read off the weights."""
        return tf.zeros([0])

    def snapshot(self):
        """Plain data a page replays (generated samples, a boundary, latent codes), or None."""
        return self._snapshot(self) if self._snapshot is not None else None

    def get_weights(self) -> dict:
        return {name: model.get_weights() for name, model in self.models().items()}

    def set_weights(self, weights: dict) -> None:
        for name, model in self.models().items():
            model.set_weights(weights[name])

    def _norms(self, gradient_of) -> tf.Tensor:
        """Group norms, given a function from a variable to its gradient."""
        if not self.groups:
            return tf.zeros([0], tf.float64)
        return tf.stack([safe_norm([gradient_of(v) for v in group.variables]) for group in self.groups])


# ---------------------------------------------------------------- supervised learning


def loss_and_accuracy(task: str, y_true, logits):
    """Mean data loss and accuracy (NaN for regression) of raw model outputs.

    Works for one prediction per example and for one per time step: a
    multiclass model's logits (batch, ..., classes) go with integer targets
    (batch, ...), a binary model's (batch, ..., 1) with 0/1 targets.
    """
    if task == "binary":
        labels = tf.cast(tf.reshape(y_true, tf.shape(logits)), logits.dtype)
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
        correct = tf.cast(logits > 0, logits.dtype) == labels
    elif task == "multiclass":
        classes = tf.shape(logits)[-1]
        flat_logits = tf.reshape(logits, [-1, classes])
        labels = tf.cast(tf.reshape(y_true, [-1]), tf.int32)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=flat_logits))
        correct = tf.cast(tf.argmax(flat_logits, axis=-1), tf.int32) == labels
    elif task == "regression":
        target = tf.cast(tf.reshape(y_true, tf.shape(logits)), logits.dtype)
        loss = tf.reduce_mean(tf.square(logits - target))
        return loss, tf.constant(float("nan"), logits.dtype)
    else:
        raise ValueError(f"unknown task {task!r}; choose from {TASKS}")
    return loss, tf.reduce_mean(tf.cast(correct, logits.dtype))


class SupervisedStep(Step):
    """One model, one optimizer, one loss against targets: batches are ``(x, y)``.

    ``output_layers`` names layers of the model whose output gradient norm
    ‖∂L/∂a‖ is recorded beside the weight-gradient norms. Subclasses change
    what is learned by overriding ``data_loss`` and ``evaluate_batch``; the
    update, the norms and the NaN guard stay the same.
    """

    scalar_names = ("loss", "data_loss")
    metric_names = ("loss", "accuracy")
    state_names = ("weight_norm",)

    def __init__(self, model, optimizer, task: str, *, kinds: tuple[str, ...] = GROUP_KINDS, output_layers: tuple[str, ...] = (), snapshot=None):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; choose from {TASKS}")
        super().__init__(snapshot)
        self.model, self.optimizer, self.task = model, optimizer, task
        self.groups = tuple(variable_groups(model, kinds))
        self.output_names = tuple(output_layers)
        self._forward = model
        if output_layers:  # the same layers, also handing out the chosen intermediate outputs
            probes = [model.get_layer(name).output for name in output_layers]
            inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
            self._forward = keras.Model(inputs, [*model.outputs, *probes], name=f"{model.name}_with_outputs")

    def models(self) -> dict:
        return {"model": self.model}

    def optimizers(self) -> list:
        return [self.optimizer]

    def data_loss(self, y, outputs):
        """The mean loss of the model's raw outputs against the targets (penalties are added by `loss_and_gradients`)."""
        return loss_and_accuracy(self.task, y, outputs)[0]

    def loss_and_gradients(self, x, y):
        """(scalars, gradient per variable, gradient per probed output) of one batch, nothing applied."""
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            outputs = self._forward(x, training=True)
            probes = []
            if self.output_names:
                outputs, probes = outputs[0], list(outputs[1:])
            data_loss = self.data_loss(y, outputs)
            penalty = tf.add_n(self.model.losses) if self.model.losses else tf.constant(0.0)
            loss = data_loss + penalty
        gradients = tape.gradient(loss, [*variables, *probes])
        gradients = [dense(g) if g is not None else tf.zeros_like(v) for g, v in zip(gradients, [*variables, *probes])]
        return tf.stack([loss, data_loss]), gradients[: len(variables)], gradients[len(variables) :]

    def train_step(self, x, y) -> StepRecord:
        variables = self.model.trainable_variables
        scalars, gradients, output_gradients = self.loss_and_gradients(x, y)
        by_variable = {id(v): g for v, g in zip(variables, gradients)}
        norms = self._norms(lambda v: by_variable[id(v)])
        output_norms = tf.stack([safe_norm(g) for g in output_gradients]) if output_gradients else tf.zeros([0], tf.float64)
        finite = all_finite(scalars, norms, output_norms)
        apply_if_finite(self.optimizer, gradients, variables, finite)
        return StepRecord(scalars, norms, output_norms, finite)

    def gradients(self, x, y) -> dict:
        """Group name -> gradient tensors of one batch, without applying them."""
        _, gradients, _ = self.loss_and_gradients(x, y)
        by_variable = {id(v): g for v, g in zip(self.model.trainable_variables, gradients)}
        return {group.name: [by_variable[id(v)] for v in group.variables] for group in self.groups}

    def evaluate_batch(self, x, y) -> tf.Tensor:
        return tf.stack(loss_and_accuracy(self.task, y, self.model(x, training=False)))

    def state(self) -> tf.Tensor:
        kernels = [v for group in self.groups if group.kind == "kernel" for v in group.variables]
        if not kernels:
            return tf.constant([float("nan")])
        return tf.reshape(tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(k)) for k in kernels])), [1])
