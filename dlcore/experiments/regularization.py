"""Regularization: L1, L2 and dropout on a network that overfits.

The same seeded MLP (same data, same initial weights, same batches) is
trained with and without a penalty, with plain SGD so that each penalty pulls
as its formula says (Adam would rescale the pull weight by weight). L2 adds
lambda * sum w^2 to the loss; its gradient 2 lambda w cuts a fixed share of
each weight, so weights shrink smoothly and none lands exactly on zero. L1
(lambda * sum |w|) is applied as a proximal step: after each update every
weight moves toward zero by learning_rate * lambda and is set to exactly zero
if it would cross it, so weights the data does not need are switched off
(sparse). Dropout silences a random share of hidden units at every training
step. All compared models are trained side by side in one compiled loop
(:class:`ProximalStep`, a :class:`ParallelStep`), which is the same as
training them one by one; the engine records each one's losses, accuracies
and weight norm every epoch.

The page's experiments: :func:`run_comparison` (with and without, and the
dropout tab) and :func:`run_sweep` (the lambda and dropout-rate sweeps).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
from keras import layers

from dlcore import data, engine
from dlcore.device import tf
from dlcore.experiments.overfitting import CLASSIFIER_DATASETS, GRID_RESOLUTION, ParallelStep, branch_table, classifier_split, final_values, parallel_targets
from dlcore.limits import Settings, choice, integer, number
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer

PAGE = "pages/regularization.py"
NEAR_ZERO = 0.01  # |w| below this counts as a near-zero weight
# Plain SGD, so that the penalties pull as their formulas say: Adam divides each weight's step by
# that weight's own running gradient size, which rescales the penalty's pull weight by weight
# (Loshchilov & Hutter, 2019) and blurs the L1/L2 difference.
OPTIMIZER = "sgd"
LEARNING_RATE = 0.1
BATCH_SIZE = 16
MASK_SAMPLES = 16
# The stops of the page's sliders (a deployment's width cap drops the widest networks).
PENALTY_STRENGTHS = (0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
DROPOUT_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
UNITS = (4, 8, 16, 32, 64, 128)
NOISES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
# What the sweeps train, one network each.
SWEPT_LAMBDAS = (1e-4, 1e-3, 1e-2, 1e-1)
SWEPT_DROPOUT_RATES = (0.0, 0.2, 0.4, 0.6)


@dataclass(frozen=True)
class CommonSettings(Settings):
    """The data, the network and the training every run on this page shares."""

    dataset: str = choice("moons", CLASSIFIER_DATASETS)
    num_points: int = integer(60, 20, 300, step=10)  # training points; validation always has 500
    noise: float = number(0.3, options=NOISES)
    num_hidden_layers: int = integer(3, 1, 6)  # at least 1: dropout acts on hidden units
    units: int = integer(64, options=UNITS, cap="width")
    epochs: int = integer(100, 1, 200, cap="epochs")
    seed: int = integer(0, 0, 10_000)

    def mlp(self, l1: float, l2: float, dropout_rate: float) -> MLPSpec:
        """The network with one choice of regularization; every variant shares the seed, hence the initial weights."""
        return MLPSpec(
            num_inputs=2,
            num_outputs=1,
            num_hidden_layers=self.num_hidden_layers,
            units=self.units,
            activation="relu",
            initializer="he",
            dropout_rate=dropout_rate,
            l1=l1,
            l2=l2,
            seed=self.seed,
        )


@dataclass(frozen=True)
class Config(CommonSettings):
    l1: float = number(0.0, options=PENALTY_STRENGTHS)
    l2: float = number(0.01, options=PENALTY_STRENGTHS)
    dropout_rate: float = number(0.0, options=DROPOUT_RATES)

    @property
    def regularized(self) -> bool:
        return self.l1 > 0 or self.l2 > 0 or self.dropout_rate > 0

    def describe(self) -> str:
        parts = [f"L1 λ={self.l1:g}" if self.l1 else "", f"L2 λ={self.l2:g}" if self.l2 else "", f"dropout {self.dropout_rate:g}" if self.dropout_rate else ""]
        return " + ".join(part for part in parts if part) or "no regularization"


# ---- K MLPs in one model ----


def build_branches(specs: dict[str, MLPSpec]) -> keras.Model:
    """One model whose output column k is MLP k (built by models.build_mlp, named after its branch) applied to the same input."""
    inputs = keras.Input(shape=(2,), name="inputs")
    outputs = []
    for name, spec in specs.items():
        branch = build_mlp(spec)
        branch.name = name
        outputs.append(branch(inputs))
    joined = layers.Concatenate(name="outputs")(outputs) if len(outputs) > 1 else outputs[0]
    return keras.Model(inputs, joined, name="branches")


def branch_kernels(branch: keras.Model) -> list:
    """A branch's weight matrices, input side first."""
    return [layer.kernel for layer in branch.layers if getattr(layer, "kernel", None) is not None]


def penalty_formula(kernels: list[np.ndarray], l1: float, l2: float) -> float:
    """lambda1 * sum |w| + lambda2 * sum w^2 over every weight matrix (biases are not penalised)."""
    return float(sum(l1 * np.abs(k).sum() + l2 * np.square(k).sum() for k in kernels))


class ProximalStep(ParallelStep):
    """ParallelStep whose L1 penalty is applied as a proximal step: soft thresholding after every update.

    The gradient step handles the data loss (and any L2 penalty, which Keras adds
    to the loss). Then each weight of a branch with an L1 strength lambda moves
    toward zero by learning_rate * lambda, and a weight that would cross zero is
    set to exactly zero: w <- sign(w) * max(|w| - learning_rate * lambda, 0).
    A plain subgradient step of lambda * sign(w) would overshoot zero and jitter
    around it instead, so it never leaves exact zeros.
    """

    def __init__(self, model, optimizer, task: str, branch_names, l1: dict[str, float], learning_rate: float):
        super().__init__(model, optimizer, task, branch_names)
        self._thresholds = {branch: float(learning_rate * strength) for branch, strength in l1.items() if strength > 0}

    def train_step(self, x, y):
        record = super().train_step(x, y)
        for branch, threshold in self._thresholds.items():
            for kernel in self._branch_kernels.get(branch, ()):
                kernel.assign(tf.sign(kernel) * tf.maximum(tf.abs(kernel) - threshold, 0.0))
        return record


def keras_spec(spec: MLPSpec) -> MLPSpec:
    """The network Keras builds: L2 stays a loss term; L1 is left to the proximal step."""
    return dataclasses.replace(spec, l1=0.0)


def train_branches(settings: CommonSettings, specs: dict[str, MLPSpec], progress=None):
    """Train every spec on the settings' data in one compiled loop, with plain SGD. Returns (split, model, history)."""
    split = classifier_split(settings.dataset, settings.num_points, settings.noise, settings.seed)
    model = build_branches({name: keras_spec(spec) for name, spec in specs.items()})
    l1 = {name: spec.l1 for name, spec in specs.items()}
    step = ProximalStep(model, make_optimizer(OPTIMIZER, LEARNING_RATE), "binary", specs, l1, LEARNING_RATE)
    count = len(specs)
    train = (split.x_train, parallel_targets(np.repeat(split.y_train[:, None], count, axis=1)))
    validation = (split.x_val, parallel_targets(np.repeat(split.y_val[:, None], count, axis=1)))
    spec = engine.TrainSpec(epochs=settings.epochs, batch_size=BATCH_SIZE, seed=settings.seed)
    return split, model, engine.fit(step, train, validation, spec, progress)


# ---- the comparison: the same network with and without the chosen regularization ----

COMPARED = {"regularized": None, "baseline": "no regularization"}  # branch -> label (None: the config describes it)


@dataclass(frozen=True)
class Run:
    """One trained variant: curves, boundary, final weights and penalty."""

    label: str
    epochs: pd.DataFrame  # epoch, train/val loss and accuracy, weight_norm
    grid_probability: np.ndarray  # (len(grid_y), len(grid_x)) P(class 1)
    weights: np.ndarray  # every kernel entry after training, flattened
    near_zero_share: float  # share of |w| < NEAR_ZERO
    zero_share: float  # share of weights exactly 0 (L1's proximal step switches weights off)
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


def compared_specs(config: Config) -> dict[str, MLPSpec]:
    """Branch name -> network: the baseline without any regularization, and the config's own."""
    return {"baseline": config.mlp(0.0, 0.0, 0.0), "regularized": config.mlp(config.l1, config.l2, config.dropout_rate)}


def comparison_curves(config: Config, epochs: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(label, per-epoch curves) of the regularized run and the baseline, from the engine's epochs table (also a live one)."""
    return [(label or config.describe(), branch_table(epochs, branch)) for branch, label in COMPARED.items()]


def _dropout_view(model, name: str, x: np.ndarray):
    branch = model.get_layer(name)
    probe = keras.Model(branch.inputs, branch.get_layer("activation_1").output)
    activations = probe(tf.constant(x), training=False)
    dropped = branch.get_layer("dropout_1")(tf.ones_like(activations), training=True)
    return activations.numpy(), dropped.numpy() > 0


def _collect_run(label: str, epochs: pd.DataFrame, branch, grid, shape, spec: MLPSpec) -> Run:
    kernels = [k.numpy() for k in branch_kernels(branch)]
    weights = np.concatenate([k.ravel() for k in kernels])
    probabilities = tf.sigmoid(branch(tf.constant(grid), training=False)).numpy()[:, 0].reshape(shape)
    return Run(
        label=label,
        epochs=epochs,
        grid_probability=probabilities,
        weights=weights,
        near_zero_share=float(np.mean(np.abs(weights) < NEAR_ZERO)),
        zero_share=float(np.mean(weights == 0)),
        # Keras reports the L2 term; the L1 term, applied by the proximal step, is added from the weights
        penalty_reported=float(sum(float(v) for v in branch.losses)) + spec.l1 * float(sum(np.abs(k).sum() for k in kernels)),
        penalty_formula=penalty_formula(kernels, spec.l1, spec.l2),
    )


def run_comparison(config: Config, progress=None) -> Result:
    """Train the config's network with and without its regularization, side by side from the same seed."""
    config.validate()
    specs = compared_specs(config)
    split, model, history = train_branches(config, specs, progress)
    grid_x, grid_y, grid = data.grid_over(np.concatenate([split.x_train, split.x_val]), GRID_RESOLUTION)
    shape = (len(grid_y), len(grid_x))
    runs = {
        branch: _collect_run(label, epochs, model.get_layer(branch), grid, shape, specs[branch])
        for branch, (label, epochs) in zip(COMPARED, comparison_curves(config, history.epochs))
    }
    mask_activations = mask_kept = None
    if config.dropout_rate > 0:
        mask_activations, mask_kept = _dropout_view(model, "regularized", split.x_val[:MASK_SAMPLES])
    divergence = history.divergence.message() if history.divergence is not None else None
    return Result(config, split.x_train, split.y_train, split.x_val, split.y_val, grid_x, grid_y, runs["baseline"], runs["regularized"], mask_activations, mask_kept, divergence)


# ---- sweeps: lambda for L1 and L2, and the dropout rate ----

SWEEP_KINDS = ("lambda", "dropout")


@dataclass(frozen=True)
class SweepConfig(CommonSettings):
    kind: str = choice("lambda", SWEEP_KINDS)

    def variants(self) -> dict[str, tuple[str, float, MLPSpec]]:
        """Branch name -> (penalty kind, strength, network)."""
        if self.kind == "dropout":
            return {f"dropout_{i}": ("dropout", rate, self.mlp(0.0, 0.0, rate)) for i, rate in enumerate(SWEPT_DROPOUT_RATES)}
        variants = {"none": ("none", 0.0, self.mlp(0.0, 0.0, 0.0))}
        for i, strength in enumerate(SWEPT_LAMBDAS):
            variants[f"l1_{i}"] = ("L1", strength, self.mlp(strength, 0.0, 0.0))
            variants[f"l2_{i}"] = ("L2", strength, self.mlp(0.0, strength, 0.0))
        return variants


@dataclass(frozen=True)
class SweepResult:
    config: SweepConfig
    table: pd.DataFrame  # penalty (none/L1/L2/dropout), strength, train_loss, val_loss, train_accuracy, val_accuracy, gap
    history: engine.History  # every network's per-epoch curves (columns "val_loss/l1_0" ...)

    @property
    def seconds(self) -> float:
        return self.history.seconds


def sweep_table(config: SweepConfig, epochs: pd.DataFrame) -> pd.DataFrame:
    """One row per network with its final errors, read off the last epoch of an epochs table (also a live one)."""
    variants = config.variants()
    table = pd.DataFrame({"penalty": [penalty for penalty, _, _ in variants.values()], "strength": [strength for _, strength, _ in variants.values()]})
    for column in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        table[column] = final_values(epochs, column, variants)
    table["gap"] = table["val_loss"] - table["train_loss"]
    return table


def run_sweep(config: SweepConfig, progress=None) -> SweepResult:
    """Train one network per penalty strength (or dropout rate), all at once from the same seed."""
    config.validate()
    specs = {name: spec for name, (_, _, spec) in config.variants().items()}
    _, _, history = train_branches(config, specs, progress)
    return SweepResult(config, sweep_table(config, history.epochs), history)


# ---- what to notice: sentences chosen by the run's own numbers ----


def curves_notice(result: Result) -> str:
    """Training/validation error and gap of both runs, and what that says about this run."""
    base, reg = result.baseline, result.regularized
    if not result.config.regularized:
        return "with all regularization off both runs are the same network trained the same way, so their lines coincide."
    b, r = base.final, reg.final
    numbers = (
        f"without regularization the final training error is {b['train_loss']:.3f} and validation error {b['val_loss']:.3f} (gap {base.gap:.3f}); "
        f"with {reg.label} they are {r['train_loss']:.3f} and {r['val_loss']:.3f} (gap {reg.gap:.3f}). "
    )
    if r["val_loss"] < b["val_loss"] and reg.gap < base.gap:
        return numbers + "Regularization kept the training error higher and brought validation error down: less memorised noise, a smaller gap."
    if r["train_loss"] > b["val_loss"]:
        return numbers + "Here it is too strong: even the training error ends above the plain network's validation error. The network underfits."
    if r["val_loss"] < b["val_loss"]:
        return numbers + "Validation error came down, though the gap did not shrink."
    return numbers + "On this run it did not lower validation error: try another strength, or a seed, before concluding."


def histogram_notice(result: Result) -> str:
    """Exact zeros and spread of the final weights, regularized vs plain."""
    base, reg = result.baseline, result.regularized
    config = result.config
    zeros = f"{reg.zero_share:.0%} of the regularized weights are exactly 0 ({int(round(reg.zero_share * reg.weights.size)):,} of {reg.weights.size:,}), against {base.zero_share:.0%} without. "
    spread = f"The spread (standard deviation) of the weights is {np.std(reg.weights):.3f} against {np.std(base.weights):.3f}. "
    if config.l1 > 0 and reg.zero_share > 0:
        return zeros + "L1's proximal step switched those weights off: the tall bar at 0 (counts on a log scale). " + spread
    if config.l2 > 0:
        return spread + zeros + "L2 squeezes the whole bell toward 0 instead of switching weights off" + (": with a λ this large it crushed nearly every weight." if reg.near_zero_share > 0.9 else ".")
    return spread + zeros


def norm_notice(result: Result) -> str:
    """The final weight norm of both runs."""
    b, r = float(result.baseline.final["weight_norm"]), float(result.regularized.final["weight_norm"])
    sentence = f"final size ‖W‖ = {r:.1f} with {result.regularized.label} against {b:.1f} without. "
    if not result.config.regularized:
        return sentence + "Without regularization the two runs are identical."
    if result.config.l1 > 0 or result.config.l2 > 0:
        return sentence + ("The penalty held the weights down." if r < b else "The penalty did not hold the weights down on this run.")
    return sentence + "Dropout does not price the weights, so it barely changes their size; it regularizes by noise instead."


def sweep_notice(table: pd.DataFrame) -> str:
    """Which strength gave the lowest validation error for L1 and for L2, against no penalty, and what the largest one did."""
    none = table[table["penalty"] == "none"].iloc[0]
    parts = []
    for penalty in ("L1", "L2"):
        rows = table[table["penalty"] == penalty].sort_values("strength")
        best, largest = rows.loc[rows["val_loss"].idxmin()], rows.iloc[-1]
        verdict = "below" if best["val_loss"] < none["val_loss"] else "not below"
        tail = "underfits (training error up with it)" if largest["train_loss"] > none["val_loss"] else "still fits the training points"
        parts.append(f"{penalty} is best at λ = {best['strength']:g} (validation {best['val_loss']:.3f}, {verdict} the {none['val_loss']:.3f} of no penalty); at λ = {largest['strength']:g} it {tail}")
    return "; ".join(parts) + ". Too little λ changes nothing, too much makes both errors rise together: the best strength lies in between."


def dropout_sweep_notice(table: pd.DataFrame) -> str:
    """How the training error, the gap and the validation error moved across the swept rates."""
    rows = table.sort_values("strength").reset_index(drop=True)
    first, last = rows.iloc[0], rows.iloc[-1]
    best = rows.loc[rows["val_loss"].idxmin()]
    train = "rises" if last["train_loss"] > first["train_loss"] else "does not rise"
    gap = "shrinks" if last["gap"] < first["gap"] else "does not shrink"
    return (
        f"from rate {first['strength']:g} to {last['strength']:g} the training error {train} ({first['train_loss']:.3f} → {last['train_loss']:.3f}: each step sees a crippled network) "
        f"and the gap {gap} ({first['gap']:.3f} → {last['gap']:.3f}). Validation error is lowest at rate {best['strength']:g} ({best['val_loss']:.3f})."
    )


def first_figure(config: Config = Config()) -> Result:
    """The first figure (curves with and without regularization) needs the paired run."""
    return run_comparison(config)


# Each preset's promise is checked by tests/test_lessons_regularization.py (seeds 0-2 of the defaults).
PRESETS = {
    "Overfit: nothing": dict(l1=0.0, l2=0.0, dropout_rate=0.0),
    "L1 (λ = 0.003)": dict(l1=0.003, l2=0.0, dropout_rate=0.0),
    "L2 (λ = 0.01)": dict(l1=0.0, l2=0.01, dropout_rate=0.0),
    "Dropout 0.3": dict(l1=0.0, l2=0.0, dropout_rate=0.3),
    "Too much: L2 λ = 0.1": dict(l1=0.0, l2=0.1, dropout_rate=0.0),
}
