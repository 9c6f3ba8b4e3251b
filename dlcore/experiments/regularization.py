"""Regularization: L1, L2 and dropout on a network that overfits.

The same seeded MLP (same data, same initial weights, same batches) is
trained with and without a penalty. L1 adds lambda * sum |w| to the loss,
whose gradient pushes every weight toward zero by the same amount, so small
weights land on zero (sparse); L2 adds lambda * sum w^2, whose pull is
proportional to the weight, so weights shrink smoothly and rarely reach
zero. Dropout silences a random share of hidden units at every training
step. All compared models are trained side by side in one compiled loop
(overfitting.ParallelStep), which is the same as training them one by one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
from keras import layers

from dlcore import data, engine
from dlcore.choices import make_optimizer
from dlcore.device import tf
from dlcore.experiments import overfitting
from dlcore.limits import require
from dlcore.models import MLPSpec, build_mlp

PAGE = "pages/regularization.py"
NEAR_ZERO = 0.01  # |w| below this counts as a near-zero weight
LEARNING_RATE = 0.01
BATCH_SIZE = 32
LAMBDAS = (1e-4, 1e-3, 1e-2, 1e-1)
DROPOUT_RATES = (0.0, 0.2, 0.4, 0.6)
MASK_SAMPLES = 16


@dataclass(frozen=True)
class Config:
    dataset: str = "moons"
    num_points: int = 60  # training points; validation always has 500
    noise: float = 0.3
    num_hidden_layers: int = 3
    units: int = 64
    l1: float = 0.0
    l2: float = 0.001
    dropout_rate: float = 0.0
    epochs: int = 100
    seed: int = 0

    def validate(self) -> Config:
        self.classifier().validate()
        checks = [
            (1 <= self.num_hidden_layers, "num_hidden_layers must be at least 1 (dropout acts on hidden units)"),
            (0.0 <= self.l1 <= 1.0, "l1 must be in [0, 1]"),
            (0.0 <= self.l2 <= 1.0, "l2 must be in [0, 1]"),
            (0.0 <= self.dropout_rate <= 0.9, "dropout_rate must be in [0, 0.9]"),
        ]
        require(checks)
        return self

    def classifier(self) -> overfitting.ClassifierConfig:
        return overfitting.ClassifierConfig(self.dataset, self.num_points, self.noise, self.num_hidden_layers, self.units, self.epochs, seed=self.seed)

    def mlp(self, l1: float | None = None, l2: float | None = None, dropout_rate: float | None = None) -> MLPSpec:
        """The network; every variant shares the seed, hence the initial weights."""
        return MLPSpec(
            num_inputs=2,
            num_outputs=1,
            num_hidden_layers=self.num_hidden_layers,
            units=self.units,
            activation="relu",
            initializer="he",
            dropout_rate=self.dropout_rate if dropout_rate is None else dropout_rate,
            l1=self.l1 if l1 is None else l1,
            l2=self.l2 if l2 is None else l2,
            seed=self.seed,
        )

    @property
    def regularized(self) -> bool:
        return self.l1 > 0 or self.l2 > 0 or self.dropout_rate > 0

    def describe(self) -> str:
        parts = [f"L1 λ={self.l1:g}" if self.l1 else "", f"L2 λ={self.l2:g}" if self.l2 else "", f"dropout {self.dropout_rate:g}" if self.dropout_rate else ""]
        return " + ".join(part for part in parts if part) or "no regularization"


# ---- K MLPs in one model ----


def build_branches(specs: dict[str, MLPSpec]) -> keras.Model:
    """One model whose output column k is MLP k (built by models.build_mlp) applied to the same input."""
    inputs = keras.Input(shape=(2,), name="inputs")
    outputs = []
    for name, spec in specs.items():
        branch = build_mlp(spec)
        branch.name = name
        outputs.append(branch(inputs))
    joined = layers.Concatenate(name="outputs")(outputs) if len(outputs) > 1 else outputs[0]
    return keras.Model(inputs, joined, name="branches")


def branch_kernels(model: keras.Model, name: str) -> list:
    return [layer.kernel for layer in model.get_layer(name).layers if getattr(layer, "kernel", None) is not None]


def penalty_formula(kernels: list[np.ndarray], l1: float, l2: float) -> float:
    """lambda1 * sum |w| + lambda2 * sum w^2 over every weight matrix (biases are not penalised)."""
    return float(sum(l1 * np.abs(k).sum() + l2 * np.square(k).sum() for k in kernels))


class BranchRecorder:
    """After every epoch, each branch's own train/validation loss and accuracy and its weight norm."""

    def __init__(self, model, names, split: data.Split):
        self.names = list(names)
        kernels = [branch_kernels(model, name) for name in self.names]
        tensors = [tf.constant(a) for a in (split.x_train, split.y_train, split.x_val, split.y_val)]

        def metrics(x, y):
            logits = model(x, training=False)
            labels = tf.cast(tf.reshape(y, [-1, 1]), logits.dtype) * tf.ones_like(logits)
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=0)
            accuracy = tf.reduce_mean(tf.cast(tf.cast(logits > 0, logits.dtype) == labels, logits.dtype), axis=0)
            return loss, accuracy

        @tf.function
        def measure():
            norms = tf.stack([tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(k)) for k in group])) for group in kernels])
            return metrics(*tensors[:2]) + metrics(*tensors[2:]) + (norms,)

        self._measure = measure
        self.rows = []

    def record(self, epoch: int) -> None:
        train_loss, train_accuracy, val_loss, val_accuracy, norms = (v.numpy() for v in self._measure())
        for k, name in enumerate(self.names):
            self.rows.append(
                dict(
                    branch=name,
                    epoch=epoch,
                    train_loss=float(train_loss[k]),
                    val_loss=float(val_loss[k]),
                    train_accuracy=float(train_accuracy[k]),
                    val_accuracy=float(val_accuracy[k]),
                    weight_norm=float(norms[k]),
                )
            )

    def table(self, name: str) -> pd.DataFrame:
        return pd.DataFrame([row for row in self.rows if row["branch"] == name]).drop(columns="branch")


def train_branches(config: Config, specs: dict[str, MLPSpec], progress=None, record_epochs: bool = False):
    """Train every spec on the config's data in one compiled loop. Returns (split, model, history, recorder)."""
    split = overfitting.classifier_split(config.classifier())
    model = build_branches(specs)
    step = overfitting.ParallelStep(model, make_optimizer("adam", LEARNING_RATE), "binary")
    count = len(specs)
    y_train = overfitting.parallel_targets(np.repeat(split.y_train[:, None], count, axis=1))
    y_val = overfitting.parallel_targets(np.repeat(split.y_val[:, None], count, axis=1))
    recorder = BranchRecorder(model, specs, split) if record_epochs else None

    def report(info):
        if recorder is not None:
            recorder.record(info.epoch)
        return progress(info) if progress is not None else None

    spec = engine.TrainSpec(epochs=config.epochs, batch_size=BATCH_SIZE, seed=config.seed)
    history = engine.fit(step, split.x_train, y_train, split.x_val, y_val, spec, report, model=model)
    return split, model, history, recorder


# ---- the comparison: the same network with and without the chosen regularization ----


@dataclass(frozen=True)
class Run:
    """One trained variant: curves, boundary, final weights and penalty."""

    label: str
    epochs: pd.DataFrame  # epoch, train/val loss and accuracy, weight_norm
    grid_probability: np.ndarray  # (len(grid_y), len(grid_x)) P(class 1)
    weights: np.ndarray  # every kernel entry after training, flattened
    near_zero_share: float  # share of |w| < NEAR_ZERO
    penalty_reported: float  # sum of the model's own regularization losses
    penalty_formula: float  # lambda1 sum|w| + lambda2 sum w^2 recomputed from the weights

    @property
    def final(self) -> pd.Series:
        return self.epochs.iloc[-1]

    @property
    def gap(self) -> float:
        return float(self.final["val_loss"] - self.final["train_loss"])


@dataclass(frozen=True)
class Result:
    config: Config
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    baseline: Run  # no regularization, same seed
    regularized: Run
    mask_activations: np.ndarray | None  # (MASK_SAMPLES, units) first hidden layer on validation points, None without dropout
    mask_kept: np.ndarray | None  # same shape, True where dropout kept the unit in one training-mode pass
    divergence: str | None


def _dropout_view(model, name: str, x: np.ndarray, rate: float):
    branch = model.get_layer(name)
    probe = keras.Model(branch.inputs, branch.get_layer("activation_1").output)
    activations = probe(tf.constant(x), training=False)
    dropped = branch.get_layer("dropout_1")(tf.ones_like(activations), training=True)
    return activations.numpy(), dropped.numpy() > 0


def _collect_run(label, name, model, recorder, grid, shape, spec: MLPSpec) -> Run:
    kernels = [k.numpy() for k in branch_kernels(model, name)]
    weights = np.concatenate([k.ravel() for k in kernels])
    reported = model.get_layer(name).losses
    probabilities = tf.sigmoid(model.get_layer(name)(tf.constant(grid), training=False)).numpy()[:, 0].reshape(shape)
    return Run(
        label=label,
        epochs=recorder.table(name),
        grid_probability=probabilities,
        weights=weights,
        near_zero_share=float(np.mean(np.abs(weights) < NEAR_ZERO)),
        penalty_reported=float(sum(float(v) for v in reported)),
        penalty_formula=penalty_formula(kernels, spec.l1, spec.l2),
    )


def run_comparison(config: Config, progress=None) -> Result:
    config.validate()
    specs = {"baseline": config.mlp(0.0, 0.0, 0.0), "regularized": config.mlp()}
    split, model, history, recorder = train_branches(config, specs, progress, record_epochs=True)
    grid_x, grid_y, grid = data.grid_over(np.concatenate([split.x_train, split.x_val]), overfitting.GRID_RESOLUTION)
    shape = (len(grid_y), len(grid_x))
    runs = [_collect_run(label, name, model, recorder, grid, shape, specs[name]) for name, label in (("baseline", "no regularization"), ("regularized", config.describe()))]
    mask_activations = mask_kept = None
    if config.dropout_rate > 0:
        mask_activations, mask_kept = _dropout_view(model, "regularized", split.x_val[:MASK_SAMPLES], config.dropout_rate)
    divergence = history.divergence.message() if history.divergence is not None else None
    return Result(config, split.x_train, split.y_train, split.x_val, split.y_val, grid_x, grid_y, runs[0], runs[1], mask_activations, mask_kept, divergence)


# ---- sweeps: lambda for L1 and L2, and the dropout rate ----

SWEEP_KINDS = ("lambda", "dropout")


@dataclass(frozen=True)
class SweepConfig:
    kind: str = "lambda"
    dataset: str = "moons"
    num_points: int = 60
    noise: float = 0.3
    num_hidden_layers: int = 3
    units: int = 64
    epochs: int = 100
    seed: int = 0

    def base(self) -> Config:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "kind"}
        return Config(l1=0.0, l2=0.0, dropout_rate=0.0, **fields)

    def validate(self) -> SweepConfig:
        self.base().validate()
        if self.kind not in SWEEP_KINDS:
            raise ValueError(f"kind must be one of {SWEEP_KINDS}")
        return self

    def variants(self) -> dict[str, tuple[str, float, MLPSpec]]:
        """branch name -> (penalty kind, strength, network)."""
        base = self.base()
        if self.kind == "dropout":
            return {f"dropout_{i}": ("dropout", rate, base.mlp(0.0, 0.0, rate)) for i, rate in enumerate(DROPOUT_RATES)}
        variants = {"none": ("none", 0.0, base.mlp(0.0, 0.0, 0.0))}
        for i, strength in enumerate(LAMBDAS):
            variants[f"l1_{i}"] = ("L1", strength, base.mlp(strength, 0.0, 0.0))
            variants[f"l2_{i}"] = ("L2", strength, base.mlp(0.0, strength, 0.0))
        return variants


@dataclass(frozen=True)
class SweepResult:
    config: SweepConfig
    table: pd.DataFrame  # penalty (none/L1/L2/dropout), strength, train_loss, val_loss, gap, val_accuracy
    seconds: float


def run_sweep(config: SweepConfig, progress=None) -> SweepResult:
    config.validate()
    variants = config.variants()
    split, model, history, _ = train_branches(config.base(), {name: spec for name, (_, _, spec) in variants.items()}, progress)
    rows = []
    for name, (penalty, strength, _) in variants.items():
        branch = model.get_layer(name)
        row = dict(penalty=penalty, strength=strength)
        for part, x, y in (("train", split.x_train, split.y_train), ("val", split.x_val, split.y_val)):
            logits = branch(tf.constant(x), training=False).numpy()[:, 0]
            row[f"{part}_loss"] = float(np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))
            row[f"{part}_accuracy"] = float(np.mean((logits > 0) == (y == 1)))
        row["gap"] = row["val_loss"] - row["train_loss"]
        rows.append(row)
    return SweepResult(config, pd.DataFrame(rows), history.seconds)


RUNNERS = {Config: run_comparison, SweepConfig: run_sweep}


def run(config, progress=None):
    """Run whichever of this module's experiments `config` describes (its type picks the runner)."""
    if type(config) not in RUNNERS:
        raise ValueError(f"no experiment for {type(config).__name__}")
    return RUNNERS[type(config)](config, progress)


def first_figure(config: Config = Config()):
    """The first figure (curves with and without regularization) needs the paired run."""
    return run(config)


PRESETS = {
    "Overfit: nothing": dict(l1=0.0, l2=0.0, dropout_rate=0.0),
    "L1 (λ = 0.001)": dict(l1=0.001, l2=0.0, dropout_rate=0.0),
    "L2 (λ = 0.001)": dict(l1=0.0, l2=0.001, dropout_rate=0.0),
    "Dropout 0.3": dict(l1=0.0, l2=0.0, dropout_rate=0.3),
    "Too much: L2 λ = 0.1": dict(l1=0.0, l2=0.1, dropout_rate=0.0),
}
