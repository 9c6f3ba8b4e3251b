"""Gradient vanishing and exploding in a deep MLP, and the remedies.

Sigmoid's slope is at most 0.25, so backpropagating through many sigmoid
layers multiplies many small numbers: the gradient shrinks toward the input.
Large initial weights multiply large numbers instead and the gradient grows.
ReLU, He/Glorot initialisation, batch norm and clipping each fix a part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcore import data, engine, limits
from dlcore.choices import ACTIVATIONS, CLIPPING_LABELS, INITIALIZER_LABELS, OPTIMIZER_LABELS, make_optimizer
from dlcore.models import MLPSpec, build_mlp

PAGE = "pages/vanishing.py"
FLAT_SLOPE_FRACTION = 0.1  # an activation is "flat" where its slope is under 10% of its maximum


@dataclass(frozen=True)
class Config:
    dataset: str = "moons"
    num_samples: int = 600
    noise: float = 0.2
    num_hidden_layers: int = 10
    units: int = 16
    activation: str = "sigmoid"
    initializer: str = "glorot"
    batch_norm: bool = False
    clipping: str = "off"
    clip_threshold: float = 1.0
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    epochs: int = 30
    batch_size: int = 32
    seed: int = 0

    def validate(self) -> Config:
        caps = limits.current()
        checks = [
            (self.dataset in data.DATASETS, f"dataset must be one of {data.DATASETS}"),
            (1 <= self.num_hidden_layers <= caps.max_hidden_layers, f"num_hidden_layers must be 1..{caps.max_hidden_layers}"),
            (1 <= self.units <= caps.max_units, f"units must be 1..{caps.max_units}"),
            (10 <= self.num_samples <= caps.max_samples, f"num_samples must be 10..{caps.max_samples}"),
            (self.activation in ACTIVATIONS, f"activation must be one of {tuple(ACTIVATIONS)}"),
            (self.initializer in INITIALIZER_LABELS, f"initializer must be one of {tuple(INITIALIZER_LABELS)}"),
            (self.clipping in CLIPPING_LABELS, f"clipping must be one of {tuple(CLIPPING_LABELS)}"),
            (self.clip_threshold > 0, "clip_threshold must be positive"),
            (self.optimizer in OPTIMIZER_LABELS, f"optimizer must be one of {tuple(OPTIMIZER_LABELS)}"),
            (0 < self.learning_rate <= 10, "learning_rate must be in (0, 10]"),
            (1 <= self.epochs <= caps.max_epochs, f"epochs must be 1..{caps.max_epochs}"),
            (self.batch_size >= 0, "batch_size must be >= 0 (0 = full batch)"),
        ]
        limits.require(checks)
        return self


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
        return self.history.layer_names


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
    """The model and the training step for a config (used by `run` and the tests)."""
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
    return split, model, engine.SupervisedStep(model, optimizer, task)


def run(config: Config, progress=None) -> Result:
    config.validate()
    split, model, step = build(config)
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, activation_epochs=(0,))
    history = engine.fit(step, split.x_train, split.y_train, split.x_val, split.y_val, spec, progress, model=model)
    start = history.activations.get(0, [])
    end = history.activations.get(max(history.activations), []) if history.activations else []
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


# label -> (what it shows, the settings it applies)
PRESET_HELP = {
    "Vanishing": "20 sigmoid layers with tiny starting weights: the gradient fades toward the input.",
    "Exploding": "8 ReLU layers with large starting weights and a big step: the loss overflows.",
    "Fix: ReLU + He + BN": "ReLU, He initialisation, batch norm and Adam: 20 layers that learn.",
    "Fix: clipping": "The exploding settings with gradient clipping by norm 1.0: training survives.",
}
PRESETS = {
    "Vanishing": dict(activation="sigmoid", initializer="small_normal", num_hidden_layers=20, batch_norm=False, clipping="off", optimizer="sgd", learning_rate=0.1),
    "Exploding": dict(activation="relu", initializer="large_normal", num_hidden_layers=8, batch_norm=False, clipping="off", optimizer="sgd", learning_rate=0.05),
    "Fix: ReLU + He + BN": dict(activation="relu", initializer="he", num_hidden_layers=20, batch_norm=True, clipping="off", optimizer="adam", learning_rate=0.01),
    "Fix: clipping": dict(activation="relu", initializer="large_normal", num_hidden_layers=8, batch_norm=False, clipping="norm", clip_threshold=1.0, optimizer="sgd", learning_rate=0.05),
}
