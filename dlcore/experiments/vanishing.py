"""Gradient vanishing and exploding in a deep MLP, and the remedies.

Sigmoid's slope is at most 0.25, so backpropagating through many sigmoid
layers multiplies many small numbers: the gradient shrinks toward the input.
Large initial weights multiply large numbers instead and the gradient grows.
ReLU, He/Glorot initialisation, batch norm and clipping each fix a part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import data, engine
from dlcore.choices import BATCH_SIZES, CLIP_THRESHOLDS, CLIPPING_LABELS, INITIALIZER_LABELS, LEARNING_RATES, OPTIMIZER_LABELS
from dlcore.limits import Settings, choice, flag, integer, number
from dlcore.models import MLPSpec, activation_sampler, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

PAGE = "pages/vanishing.py"
FLAT_SLOPE_FRACTION = 0.1  # an activation is "flat" where its slope is under 10% of its maximum
ACTIVATION_SAMPLE_SIZE = 256  # training examples whose hidden activations are recorded at the start and the end


ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


@dataclass(frozen=True)
class Config(Settings):
    dataset: str = choice("moons", data.DATASETS)
    num_samples: int = integer(600, 10, cap="samples")
    noise: float = number(0.2, 0.0, 1.0)
    num_hidden_layers: int = integer(10, 1, cap="depth")
    units: int = integer(16, 2, cap="width")
    activation: str = choice("sigmoid", ACTIVATION_CHOICES)
    initializer: str = choice("glorot", INITIALIZER_LABELS)
    batch_norm: bool = flag(False)
    clipping: str = choice("off", CLIPPING_LABELS)
    clip_threshold: float = number(1.0, options=CLIP_THRESHOLDS)
    optimizer: str = choice("sgd", OPTIMIZER_LABELS)
    learning_rate: float = number(0.1, options=LEARNING_RATES)
    epochs: int = integer(30, 1, cap="epochs")
    batch_size: int = integer(32, options=BATCH_SIZES)
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class Result:
    config: Config
    history: engine.History
    activation_layers: tuple[str, ...]
    activations_at_start: tuple[np.ndarray, ...]  # per hidden layer, a flat sample of values
    activations_at_end: tuple[np.ndarray, ...]
    flat_fraction_at_start: np.ndarray  # per hidden layer: share of activations with slope < 10% of max
    flat_fraction_at_end: np.ndarray
    final_val_accuracy: float

    @property
    def layer_names(self) -> tuple[str, ...]:
        """The tracked weight matrices, input side first (hidden_1 ... output)."""
        return self.history.group_names


def _slope_from_output(activation: str, values: np.ndarray) -> np.ndarray:
    """The activation's derivative written in terms of its output, divided by its maximum."""
    if activation == "sigmoid":
        return values * (1.0 - values) / 0.25
    if activation == "tanh":
        return 1.0 - values**2
    if activation == "relu":
        return (values > 0).astype(np.float32)
    if activation == "leaky_relu":
        return np.where(values > 0, 1.0, 0.2)  # Keras' default negative slope is 0.2
    if activation == "elu":
        return np.where(values > 0, 1.0, values + 1.0)
    return np.ones_like(values)


def _sample_values(arrays, limit: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    samples = []
    for array in arrays:
        flat = array.ravel()
        if flat.size > limit:
            flat = rng.choice(flat, limit, replace=False)
        samples.append(flat.astype(np.float32))
    return tuple(samples)


def build(config: Config):
    """The data, the model and the training step for a config (used by `run` and the tests).

    The step records every Dense kernel's gradient norm and the gradient norm
    at every hidden layer's output (∂L/∂a, and ∂L/∂logits at the output), and
    its snapshot is every hidden layer's activations on a fixed sample.
    """
    split = data.load_dataset(config.dataset, config.num_samples, config.noise, config.seed)
    task = "binary" if split.num_classes == 2 else "multiclass"
    spec = MLPSpec(
        num_inputs=split.num_features,
        num_outputs=1 if task == "binary" else split.num_classes,
        num_hidden_layers=config.num_hidden_layers,
        units=config.units,
        activation=config.activation,
        initializer=config.initializer,
        batch_norm=config.batch_norm,
        seed=config.seed,
    )
    model = build_mlp(spec)
    optimizer = make_optimizer(config.optimizer, config.learning_rate, config.clipping, config.clip_threshold)
    sampler = activation_sampler(model, split.x_train[:ACTIVATION_SAMPLE_SIZE])
    outputs = tuple(f"activation_{i + 1}" for i in range(config.num_hidden_layers)) + ("output",)
    step = SupervisedStep(model, optimizer, task, kinds=("kernel",), output_layers=outputs, snapshot=lambda _: sampler())
    return split, model, step


def run(config: Config, progress=None) -> Result:
    config.validate()
    split, _, step = build(config)
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, snapshot_epochs=(0,))
    history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), spec, progress)
    start = history.snapshots.get(0, [])
    end = history.snapshots[max(history.snapshots)] if history.snapshots else []
    flat = lambda arrays: np.array([np.mean(_slope_from_output(config.activation, a) < FLAT_SLOPE_FRACTION) for a in arrays])  # noqa: E731
    return Result(
        config=config,
        history=history,
        activation_layers=tuple(f"activation_{i + 1}" for i in range(len(start))),
        activations_at_start=_sample_values(start, 1500, config.seed),
        activations_at_end=_sample_values(end, 1500, config.seed),
        flat_fraction_at_start=flat(start),
        flat_fraction_at_end=flat(end),
        final_val_accuracy=float(history.epochs["val_accuracy"].iloc[-1]),
    )


def first_figure(config: Config = Config()):
    """What the page's first figure (gradient norm by layer at the start) needs: a full default run."""
    return run(config)


# ---------------------------------------------------------------- reading a run: vanishing, healthy or exploding

HEALTHY_FACTOR = 1.5  # one rule for the whole page: each layer may shrink or grow the gradient by up to 1.5x


@dataclass(frozen=True)
class GradientReading:
    """What the gradient did across the depth of the network at the first update, and the page's one verdict.

    The verdict reads the back-propagated gradient ‖∂L/∂a‖ (the signal the
    chain rule multiplies layer by layer) from the last hidden layer back to
    the first, as a factor per layer: below 1/1.5 vanishing, above 1.5
    exploding, in between healthy. Weight gradients ∂L/∂W = a_prevᵀ·δ also
    carry the size of the layer's input, so they can stay level while the
    signal explodes (small inputs meet a large δ); both are reported.
    """

    verdict: str  # "vanishing" | "healthy" | "exploding"
    per_layer_factor: float  # (‖∂L/∂a_first‖ / ‖∂L/∂a_last‖) ** (1 / (hidden layers − 1)); 0 when the signal underflowed
    signal_ratio: float  # ‖∂L/∂a‖ at the first hidden layer ÷ at the last hidden layer
    weight_ratio: float  # ‖∂L/∂W‖ of the first layer with a non-zero gradient ÷ the output layer's
    first_nonzero_layer: int  # 1-based; where weight_ratio starts
    zero_weight_layers: int  # weight gradients exactly 0 in float32 (the backward pass underflowed)
    zero_signal_layers: int
    hidden_layers: int

    def sentence(self) -> str:
        if self.hidden_layers < 2:
            return "With one hidden layer there is no depth for the gradient to shrink or grow through."
        change = f"×{self.signal_ratio:.2g}" if self.signal_ratio > 0 else "to exactly 0"
        underflow = (
            f" In the first {self.zero_signal_layers} hidden layer{'s' if self.zero_signal_layers != 1 else ''} it underflowed to exactly 0 "
            "(below float32's smallest number, about 1e-45)."
            if self.zero_signal_layers
            else ""
        )
        return (
            f"From the last hidden layer back to the first, ∂L/∂a changes {change}, about ×{self.per_layer_factor:.2f} per layer: "
            f"**{self.verdict}** by this page's rule (healthy between ×{1 / HEALTHY_FACTOR:.2f} and ×{HEALTHY_FACTOR:g} per layer).{underflow}"
        )


def read_gradients(history: engine.History) -> GradientReading:
    weights = np.asarray(history.initial_gradient_norms, dtype=float)
    signals = np.asarray(history.initial_output_gradient_norms, dtype=float)[:-1]  # hidden layers only (the last entry is the output)
    hidden = len(signals)
    nonzero = np.flatnonzero(weights > 0)
    first = int(nonzero[0]) if len(nonzero) else len(weights) - 1
    weight_ratio = float(weights[first] / weights[-1]) if weights[-1] > 0 else float("nan")
    if hidden < 2:
        return GradientReading("healthy", 1.0, 1.0, weight_ratio, first + 1, int(np.sum(weights == 0)), int(np.sum(signals == 0)), hidden)
    ratio = float(signals[0] / signals[-1]) if signals[-1] > 0 else float("nan")
    factor = ratio ** (1.0 / (hidden - 1)) if np.isfinite(ratio) else float("nan")
    if not np.isfinite(factor):
        verdict = "exploding"  # the signal itself overflowed at the first update
    elif factor < 1 / HEALTHY_FACTOR:
        verdict = "vanishing"
    elif factor > HEALTHY_FACTOR:
        verdict = "exploding"
    else:
        verdict = "healthy"
    zero_signal = int(np.argmax(signals > 0)) if np.any(signals > 0) else hidden
    return GradientReading(verdict, float(factor), ratio, weight_ratio, first + 1, int(np.sum(weights == 0)), zero_signal, hidden)


def saturation_sentence(result: Result) -> str:
    """What the saturation chart shows for this run, from its flat fractions."""
    start, end = float(np.max(result.flat_fraction_at_start, initial=0)), float(np.max(result.flat_fraction_at_end, initial=0))
    activation = result.config.activation
    if activation in ("relu", "leaky_relu", "elu"):
        return (
            f"for {activation} a unit is flat where its input is negative: up to {start:.0%} of a layer's units before training and {end:.0%} after. "
            + ("ReLU outputs at exactly 0 pass no gradient at all." if activation == "relu" else "Its negative side still passes a small gradient.")
        )
    slope_cap = "0.25" if activation == "sigmoid" else "1"
    if max(start, end) < 0.05:
        return (
            f"no layer has more than {max(start, end):.0%} flat units here: the units are not saturated. The gradient shrinks because each layer "
            f"multiplies it by its weights times a slope of at most {slope_cap}, not because units are stuck against their limits."
        )
    return (
        f"up to {start:.0%} of a layer's units are flat before training and {end:.0%} after: squeezed against their limits, where the slope is "
        "nearly zero, they pass almost no gradient."
    )


# label -> (what it shows, the settings it applies); tests/test_vanishing_lessons.py checks each promise on three seeds
PRESET_HELP = {
    "Vanishing": "20 sigmoid layers with tiny starting weights: the gradient fades to exactly 0 before it reaches the first layers.",
    "Exploding": "8 ReLU layers with large starting weights and a big step: ∂L/∂a grows toward the input and the loss overflows within a few updates.",
    "Fix: ReLU + He": "ReLU, He initialisation and Adam: 20 layers whose gradient stays within the healthy band, and that learn.",
    "Batch norm": "ReLU + He with batch norm, 20 layers: it learns, though at the start the gradient grows toward the input.",
    "Fix: clipping": "The exploding settings with each weight matrix's gradient clipped to norm 1.0: the gradient still explodes, but every step stays small and training survives.",
}
PRESETS = {
    "Vanishing": dict(activation="sigmoid", initializer="small_normal", num_hidden_layers=20, batch_norm=False, clipping="off", optimizer="sgd", learning_rate=0.1),
    "Exploding": dict(activation="relu", initializer="large_normal", num_hidden_layers=8, batch_norm=False, clipping="off", optimizer="sgd", learning_rate=0.05),
    "Fix: ReLU + He": dict(activation="relu", initializer="he", num_hidden_layers=20, batch_norm=False, clipping="off", optimizer="adam", learning_rate=0.001),
    "Batch norm": dict(activation="relu", initializer="he", num_hidden_layers=20, batch_norm=True, clipping="off", optimizer="adam", learning_rate=0.01),
    "Fix: clipping": dict(activation="relu", initializer="large_normal", num_hidden_layers=8, batch_norm=False, clipping="norm", clip_threshold=1.0, optimizer="sgd", learning_rate=0.05),
}
