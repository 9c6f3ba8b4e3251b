"""Activation functions: what they look like, why a network needs one, and why ReLU won.

Five small experiments, each with its own frozen config; ``run(config)``
dispatches on the config's type so that the page's shared result store caches
each one separately:

- :class:`GalleryConfig` (also ``Config``, the page's first figure): the functions and slopes, numpy only
- :class:`NonLinearityConfig`: the same MLP with and without a non-linearity, and the linear collapse
- :class:`CostConfig`, :class:`GradientConfig`, :class:`SparsityConfig`: three measured reasons for ReLU
- :class:`MaxoutConfig`: a network of Keras :class:`~dlcore.layers.Maxout` layers and one unit's pieces
- :class:`LiveConfig`: decision-boundary snapshots taken from the progress callback while training
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import activation_functions, data, engine
from dlcore.choices import ACTIVATIONS, make_optimizer
from dlcore.device import describe_device, seeds_for, tf
from dlcore.limits import require
from dlcore.models import MLPSpec, activation_probe, build_mlp, kernel_layers

PAGE = "pages/activations.py"
BOUNDARY_DATASETS = ("moons", "circles", "spiral", "xor")
TRAINABLE_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "linear")
GRID_RESOLUTION = 70
SWEEP_LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 2.0)
COST_WIDTHS = (16, 64, 256, 512)
MAX_LIVE_FRAMES = 30


# ---------------------------------------------------------------- 1. the gallery


@dataclass(frozen=True)
class GalleryConfig:
    names: tuple[str, ...] = activation_functions.DEFAULT_SELECTION
    leaky_slope: float = 0.1
    elu_alpha: float = 1.0
    maxout_pieces: int = 3
    x_limit: float = 5.0
    num_points: int = 1001

    def validate(self) -> GalleryConfig:
        known = tuple(activation_functions.GALLERY)
        require(
            [
                (all(name in known for name in self.names), f"names must come from {known}"),
                (1.0 <= self.x_limit <= 20.0, "x_limit must be in [1, 20]"),
                (11 <= self.num_points <= 20_001, "num_points must be 11..20001"),
            ]
        )
        for name, value in self.parameters().items():
            activation_functions.GALLERY[name].resolve(value)
        return self

    def parameters(self) -> dict[str, float]:
        return {"leaky_relu": self.leaky_slope, "elu": self.elu_alpha, "maxout": self.maxout_pieces}


Config = GalleryConfig  # the config of the page's first figure (the benchmark times it)


@dataclass(frozen=True)
class GalleryResult:
    config: GalleryConfig
    x: np.ndarray
    curves: tuple[activation_functions.Curve, ...]


def gallery(config: GalleryConfig) -> GalleryResult:
    config.validate()
    x = np.linspace(-config.x_limit, config.x_limit, config.num_points)
    parameters = config.parameters()
    curves = tuple(activation_functions.curve(name, x, parameters.get(name)) for name in config.names)
    return GalleryResult(config, x, curves)


def first_figure(config: GalleryConfig = Config()):
    """The page's first figure: the gallery of the default functions with their slopes."""
    from dlcore.plots import activations as plots

    return plots.gallery_figure(gallery(config))


# ---------------------------------------------------------------- shared pieces


@dataclass(frozen=True)
class Boundary:
    """A trained classifier's probability of class 1 over a grid of the input plane."""

    label: str
    xs: np.ndarray
    ys: np.ndarray
    probabilities: np.ndarray  # (len(ys), len(xs))
    train_accuracy: float
    val_accuracy: float
    epochs: pd.DataFrame
    divergence: str | None


def _split(dataset: str, num_samples: int, noise: float, seed: int) -> data.Split:
    return data.toy_dataset(dataset, num_samples=num_samples, noise=noise, seed=seed)


def _grid(split: data.Split):
    return data.grid_over(np.concatenate([split.x_train, split.x_val]), GRID_RESOLUTION)


def _probabilities_on(model, grid_points, resolution):
    return engine.predict(model, grid_points, "binary").reshape(resolution, resolution)


def _boundary(label: str, model, split: data.Split, history: engine.History) -> Boundary:
    xs, ys, points = _grid(split)
    last = history.epochs.iloc[-1]
    return Boundary(
        label, xs, ys, _probabilities_on(model, points, len(xs)), float(last["train_accuracy"]), float(last["val_accuracy"]),
        history.epochs, history.divergence.message() if history.divergence else None,
    )


def _train_mlp(split, activation, num_hidden_layers, units, optimizer, learning_rate, epochs, seed, progress=None, batch_size=32, initializer="glorot"):
    spec = MLPSpec(num_inputs=2, num_outputs=1, num_hidden_layers=num_hidden_layers, units=units, activation=activation, initializer=initializer, seed=seed)
    model = build_mlp(spec)
    step = engine.SupervisedStep(model, make_optimizer(optimizer, learning_rate), "binary")
    history = engine.fit(step, split.x_train, split.y_train, split.x_val, split.y_val, engine.TrainSpec(epochs=epochs, batch_size=batch_size, seed=seed), progress, model=model)
    return model, history


# ---------------------------------------------------------------- 2. why non-linear?


@dataclass(frozen=True)
class NonLinearityConfig:
    dataset: str = "moons"
    activation: str = "relu"
    num_hidden_layers: int = 3
    units: int = 16
    learning_rate: float = 0.01
    epochs: int = 60
    num_samples: int = 600
    noise: float = 0.2
    seed: int = 0

    def validate(self) -> NonLinearityConfig:
        require(
            [
                (self.dataset in BOUNDARY_DATASETS, f"dataset must be one of {BOUNDARY_DATASETS}"),
                (self.activation in TRAINABLE_ACTIVATIONS, f"activation must be one of {TRAINABLE_ACTIVATIONS}"),
                (1 <= self.num_hidden_layers <= 10, "num_hidden_layers must be 1..10"),
                (2 <= self.units <= 128, "units must be 2..128"),
                (0 < self.learning_rate <= 1.0, "learning_rate must be in (0, 1]"),
                (1 <= self.epochs <= 300, "epochs must be 1..300"),
                (50 <= self.num_samples <= 3000, "num_samples must be 50..3000"),
                (0 <= self.noise <= 1.0, "noise must be in [0, 1]"),
            ]
        )
        return self


@dataclass(frozen=True)
class LinearCollapse:
    """A network without activations, multiplied out into one affine map ``x @ weight + bias``."""

    weight: np.ndarray  # (inputs, outputs), the product of every kernel
    bias: np.ndarray  # (outputs,), every bias pushed through the later kernels
    layer_shapes: tuple[tuple[int, int], ...]
    max_abs_difference: float  # between the network's own outputs and the single map, over train + grid points
    output_scale: float  # the largest |output| on those points

    @property
    def relative_difference(self) -> float:
        return self.max_abs_difference / max(self.output_scale, 1e-12)


def collapse_linear_network(model, points: np.ndarray) -> LinearCollapse:
    """Multiply out a network of Dense layers with identity activations and compare with its outputs.

    With ``h_{l} = h_{l-1} W_l + b_l`` for every layer, the whole network is
    ``x W + b`` with ``W = W_1 W_2 ... W_L`` and ``b = (...((b_1 W_2 + b_2) W_3 + b_3)...) W_L + b_L``.
    The product is taken in float64; the network runs in float32.
    """
    dense = kernel_layers(model)
    weight = np.eye(int(dense[0].kernel.shape[0]))
    bias = np.zeros(weight.shape[1])
    for layer in dense:
        kernel, layer_bias = (np.asarray(v, dtype=np.float64) for v in (layer.kernel, layer.bias))
        weight, bias = weight @ kernel, bias @ kernel + layer_bias
    outputs = np.asarray(model(tf.constant(points, dtype=tf.float32), training=False), dtype=np.float64)
    single_map = points.astype(np.float64) @ weight + bias
    return LinearCollapse(
        weight, bias, tuple(tuple(int(d) for d in layer.kernel.shape) for layer in dense),
        float(np.max(np.abs(outputs - single_map))), float(np.max(np.abs(outputs))),
    )


@dataclass(frozen=True)
class NonLinearityResult:
    config: NonLinearityConfig
    x_train: np.ndarray
    y_train: np.ndarray
    linear: Boundary
    nonlinear: Boundary
    collapse: LinearCollapse


def why_nonlinear(config: NonLinearityConfig, progress=None) -> NonLinearityResult:
    config.validate()
    split = _split(config.dataset, config.num_samples, config.noise, config.seed)
    boundaries, models = [], []
    for index, activation in enumerate(("linear", config.activation)):
        report = engine.sweep_progress(progress, index, 2, f"Training the {activation} network")
        model, history = _train_mlp(split, activation, config.num_hidden_layers, config.units, "adam", config.learning_rate, config.epochs, config.seed, report)
        boundaries.append(_boundary(activation, model, split, history))
        models.append(model)
    _, _, grid_points = _grid(split)
    collapse = collapse_linear_network(models[0], np.concatenate([split.x_train, grid_points]))
    return NonLinearityResult(config, split.x_train, split.y_train, boundaries[0], boundaries[1], collapse)


# ---------------------------------------------------------------- 3a. why ReLU: cost


@dataclass(frozen=True)
class CostConfig:
    num_hidden_layers: int = 4
    batch_size: int = 256
    seconds_per_cell: float = 0.15
    trial: int = 0  # bump to measure again (timings are live, not cached forever)
    seed: int = 0

    def validate(self) -> CostConfig:
        require(
            [
                (1 <= self.num_hidden_layers <= 10, "num_hidden_layers must be 1..10"),
                (1 <= self.batch_size <= 2048, "batch_size must be 1..2048"),
                (0.01 <= self.seconds_per_cell <= 5, "seconds_per_cell must be in [0.01, 5]"),
            ]
        )
        return self


@dataclass(frozen=True)
class CostResult:
    config: CostConfig
    passes: pd.DataFrame  # width, activation, ms (median per forward+backward pass), repeats
    elementwise: pd.DataFrame  # activation, ms (the activation and its gradient alone on one big tensor)
    elementwise_size: int
    device: str


def _timed_median(functions: dict, argument, seconds: float, minimum: int = 5) -> dict[str, tuple[float, int]]:
    """Median wall time per call of each function, calls interleaved so that drift hits all alike."""
    for function in functions.values():
        function(argument)  # trace and warm up
        function(argument)
    times = {name: [] for name in functions}
    deadline = time.perf_counter() + seconds * len(functions)
    while min(len(t) for t in times.values()) < minimum or time.perf_counter() < deadline:
        for name, function in functions.items():
            start = time.perf_counter()
            np.asarray(function(argument))
            times[name].append(time.perf_counter() - start)
        if min(len(t) for t in times.values()) >= 500:
            break
    return {name: (1000.0 * float(np.median(t)), len(t)) for name, t in times.items()}


def _pass_function(model):
    @tf.function
    def forward_backward(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True)))
        gradients = tape.gradient(loss, model.trainable_variables)
        return tf.add_n([tf.reduce_sum(g) for g in gradients])

    return forward_backward


def _elementwise_function(activation):
    @tf.function
    def value_and_slope(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = activation(x)
        return tf.reduce_sum(tape.gradient(y, x)) + tf.reduce_sum(y)

    return value_and_slope


def relu_cost(config: CostConfig, progress=None) -> CostResult:
    config.validate()
    rows = []
    rng = np.random.default_rng(config.seed)
    for index, width in enumerate(COST_WIDTHS):
        x = tf.constant(rng.normal(size=(config.batch_size, width)).astype(np.float32))
        functions = {}
        for activation in ("sigmoid", "relu"):
            spec = MLPSpec(num_inputs=width, num_hidden_layers=config.num_hidden_layers, units=width, activation=activation, seed=config.seed)
            functions[activation] = _pass_function(build_mlp(spec))
        for activation, (ms, repeats) in _timed_median(functions, x, config.seconds_per_cell).items():
            rows.append(dict(width=width, activation=activation, ms=ms, repeats=repeats))
        if progress is not None:
            progress(engine.ProgressInfo(index + 1, len(COST_WIDTHS) + 1, label="Timing forward + backward passes"))
    size = 1 << 20
    big = tf.constant(rng.normal(size=(size,)).astype(np.float32))
    timed = _timed_median({"sigmoid": _elementwise_function(tf.sigmoid), "relu": _elementwise_function(tf.nn.relu)}, big, config.seconds_per_cell)
    elementwise = pd.DataFrame([dict(activation=name, ms=ms, repeats=repeats) for name, (ms, repeats) in timed.items()])
    return CostResult(config, pd.DataFrame(rows), elementwise, size, describe_device().label)


# ---------------------------------------------------------------- 3b. why ReLU: gradients


@dataclass(frozen=True)
class GradientConfig:
    dataset: str = "moons"
    num_hidden_layers: int = 10
    units: int = 32
    learning_rate: float = 0.05
    epochs: int = 20
    seed: int = 0

    def validate(self) -> GradientConfig:
        require(
            [
                (self.dataset in BOUNDARY_DATASETS, f"dataset must be one of {BOUNDARY_DATASETS}"),
                (2 <= self.num_hidden_layers <= 30, "num_hidden_layers must be 2..30"),
                (2 <= self.units <= 128, "units must be 2..128"),
                (0 < self.learning_rate <= 1.0, "learning_rate must be in (0, 1]"),
                (1 <= self.epochs <= 200, "epochs must be 1..200"),
            ]
        )
        return self


@dataclass(frozen=True)
class GradientResult:
    config: GradientConfig
    histories: dict  # activation -> engine.History (plain data)


def relu_gradients(config: GradientConfig, progress=None) -> GradientResult:
    config.validate()
    split = _split(config.dataset, 600, 0.2, config.seed)
    histories = {}
    for index, activation in enumerate(("sigmoid", "relu")):
        report = engine.sweep_progress(progress, index, 2, f"Training the deep {activation} network")
        _, histories[activation] = _train_mlp(split, activation, config.num_hidden_layers, config.units, "sgd", config.learning_rate, config.epochs, config.seed, report)
    return GradientResult(config, histories)


# ---------------------------------------------------------------- 3c. why ReLU: sparsity and dead units


def hidden_activations(model, x: np.ndarray) -> list[np.ndarray]:
    """Every hidden activation (samples, units) of an MLP from :func:`dlcore.models.build_mlp`."""
    probe = activation_probe(model)
    outputs = probe(tf.constant(x, dtype=tf.float32), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [np.asarray(output) for output in outputs]


def zero_fraction(activations: list[np.ndarray]) -> np.ndarray:
    """Per layer: the share of activation values that are exactly zero."""
    return np.array([float(np.mean(a == 0.0)) for a in activations])


def dead_units(activations: list[np.ndarray]) -> list[np.ndarray]:
    """Per layer: a boolean per unit, True where the unit is exactly zero for every sample given."""
    return [np.all(a == 0.0, axis=0) for a in activations]


def dead_fraction(activations: list[np.ndarray]) -> float:
    dead = dead_units(activations)
    return float(np.concatenate(dead).mean()) if dead else 0.0


@dataclass(frozen=True)
class SparsityConfig:
    dataset: str = "moons"
    num_hidden_layers: int = 4
    units: int = 32
    optimizer: str = "sgd"  # every run of the sweep over SWEEP_LEARNING_RATES uses it
    epochs: int = 20
    seed: int = 0

    def validate(self) -> SparsityConfig:
        require(
            [
                (self.dataset in BOUNDARY_DATASETS, f"dataset must be one of {BOUNDARY_DATASETS}"),
                (1 <= self.num_hidden_layers <= 10, "num_hidden_layers must be 1..10"),
                (2 <= self.units <= 128, "units must be 2..128"),
                (self.optimizer in ("sgd", "adam"), "optimizer must be sgd or adam"),
                (1 <= self.epochs <= 200, "epochs must be 1..200"),
            ]
        )
        return self


@dataclass(frozen=True)
class SparsityResult:
    config: SparsityConfig
    layers: pd.DataFrame  # learning_rate, layer, moment (before/after training), zero_fraction, dead_fraction
    sweep: pd.DataFrame  # learning_rate, dead_fraction, zero_fraction, val_accuracy, diverged


def relu_sparsity(config: SparsityConfig, progress=None) -> SparsityResult:
    config.validate()
    split = _split(config.dataset, 600, 0.2, config.seed)
    layer_rows, sweep_rows = [], []
    for index, learning_rate in enumerate(SWEEP_LEARNING_RATES):
        report = engine.sweep_progress(progress, index, len(SWEEP_LEARNING_RATES), f"ReLU network, learning rate {learning_rate:g}")
        spec = MLPSpec(num_inputs=2, num_hidden_layers=config.num_hidden_layers, units=config.units, activation="relu", initializer="he", seed=config.seed)
        model = build_mlp(spec)
        at_start = hidden_activations(model, split.x_train)
        step = engine.SupervisedStep(model, make_optimizer(config.optimizer, learning_rate), "binary")
        history = engine.fit(step, split.x_train, split.y_train, split.x_val, split.y_val, engine.TrainSpec(epochs=config.epochs, seed=config.seed), report, model=model)
        at_end = hidden_activations(model, split.x_train)
        diverged = history.divergence is not None or not all(np.isfinite(a).all() for a in at_end)
        for moment, values in (("before training", at_start), ("after training", at_end)):
            for layer, (zeros, dead) in enumerate(zip(zero_fraction(values), dead_units(values)), start=1):
                layer_rows.append(dict(learning_rate=learning_rate, layer=f"h{layer}", moment=moment, zero_fraction=zeros, dead_fraction=float(dead.mean())))
        sweep_rows.append(
            dict(
                learning_rate=learning_rate,
                dead_fraction=dead_fraction(at_end),
                dead_fraction_at_start=dead_fraction(at_start),
                zero_fraction=float(zero_fraction(at_end).mean()),
                val_accuracy=float(history.epochs["val_accuracy"].iloc[-1]),
                diverged=diverged,
            )
        )
    return SparsityResult(config, pd.DataFrame(layer_rows), pd.DataFrame(sweep_rows))


# ---------------------------------------------------------------- 4. Maxout


@dataclass(frozen=True)
class MaxoutConfig:
    dataset: str = "moons"
    pieces: int = 3
    units: int = 8
    learning_rate: float = 0.01
    epochs: int = 60
    num_samples: int = 600
    noise: float = 0.2
    seed: int = 0

    def validate(self) -> MaxoutConfig:
        require(
            [
                (self.dataset in BOUNDARY_DATASETS, f"dataset must be one of {BOUNDARY_DATASETS}"),
                (2 <= self.pieces <= 6, "pieces must be 2..6"),
                (1 <= self.units <= 32, "units must be 1..32"),
                (0 < self.learning_rate <= 1.0, "learning_rate must be in (0, 1]"),
                (1 <= self.epochs <= 300, "epochs must be 1..300"),
                (50 <= self.num_samples <= 3000, "num_samples must be 50..3000"),
                (0 <= self.noise <= 1.0, "noise must be in [0, 1]"),
            ]
        )
        return self


def build_maxout_network(units: int, pieces: int, seed: int):
    """Two Maxout layers on a 2-D input and one logit. Every layer is named and seeded."""
    import keras

    from dlcore.choices import make_initializer
    from dlcore.layers import Maxout

    seeds = seeds_for(seed, 3)
    inputs = keras.Input(shape=(2,), name="inputs")
    hidden = Maxout(units, pieces, name="maxout_1", seed=seeds[0])(inputs)
    hidden = Maxout(units, pieces, name="maxout_2", seed=seeds[1])(hidden)
    outputs = keras.layers.Dense(1, kernel_initializer=make_initializer("glorot", seeds[2]), name="output")(hidden)
    return keras.Model(inputs, outputs, name="maxout_network")


def maxout_unit_pieces(kernel: np.ndarray, bias: np.ndarray, pieces: int, unit: int, points: np.ndarray) -> np.ndarray:
    """The value of each linear piece of one Maxout unit at `points`: (samples, pieces). The unit is their max."""
    columns = slice(unit * pieces, (unit + 1) * pieces)
    return points.astype(np.float64) @ kernel[:, columns].astype(np.float64) + bias[columns].astype(np.float64)


@dataclass(frozen=True)
class MaxoutResult:
    config: MaxoutConfig
    x_train: np.ndarray
    y_train: np.ndarray
    boundary: Boundary
    kernel: np.ndarray  # first Maxout layer, (2, units * pieces)
    bias: np.ndarray  # (units * pieces,)


def maxout_unit_views(result: MaxoutResult, unit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One unit's pieces over the boundary grid (for the region map) and along the line x₂ = mean of the data.

    Returns (grid_pieces (grid points, pieces), slice_x1, slice_pieces (len(slice_x1), pieces), x2).
    """
    if not 0 <= unit < result.config.units:
        raise ValueError(f"unit must be in 0..{result.config.units - 1}, got {unit}")
    xs, ys = result.boundary.xs, result.boundary.ys
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    x2 = float(result.x_train[:, 1].mean())
    line = np.stack([xs, np.full_like(xs, x2)], axis=1)
    pieces = result.config.pieces
    return (
        maxout_unit_pieces(result.kernel, result.bias, pieces, unit, grid),
        xs,
        maxout_unit_pieces(result.kernel, result.bias, pieces, unit, line),
        x2,
    )


def maxout(config: MaxoutConfig, progress=None) -> MaxoutResult:
    config.validate()
    split = _split(config.dataset, config.num_samples, config.noise, config.seed)
    model = build_maxout_network(config.units, config.pieces, config.seed)
    step = engine.SupervisedStep(model, make_optimizer("adam", config.learning_rate), "binary")
    history = engine.fit(step, split.x_train, split.y_train, split.x_val, split.y_val, engine.TrainSpec(epochs=config.epochs, seed=config.seed), progress, model=model)
    first = model.get_layer("maxout_1")
    return MaxoutResult(config, split.x_train, split.y_train, _boundary("maxout", model, split, history), np.asarray(first.kernel), np.asarray(first.bias))


# ---------------------------------------------------------------- 5. live decision boundary


@dataclass(frozen=True)
class LiveConfig:
    dataset: str = "spiral"
    activation: str = "relu"
    num_hidden_layers: int = 3
    units: int = 32
    learning_rate: float = 0.01
    epochs: int = 150
    snapshot_every: int = 10
    num_samples: int = 600
    noise: float = 0.2
    seed: int = 0
    trial: int = 0  # bump to watch the training again

    def validate(self) -> LiveConfig:
        require(
            [
                (self.dataset in BOUNDARY_DATASETS, f"dataset must be one of {BOUNDARY_DATASETS}"),
                (self.activation in ACTIVATIONS, f"activation must be one of {tuple(ACTIVATIONS)}"),
                (1 <= self.num_hidden_layers <= 10, "num_hidden_layers must be 1..10"),
                (2 <= self.units <= 128, "units must be 2..128"),
                (0 < self.learning_rate <= 1.0, "learning_rate must be in (0, 1]"),
                (1 <= self.epochs <= 300, "epochs must be 1..300"),
                (1 <= self.snapshot_every <= 100, "snapshot_every must be 1..100"),
                (50 <= self.num_samples <= 3000, "num_samples must be 50..3000"),
            ]
        )
        return self


@dataclass(frozen=True)
class LiveResult:
    config: LiveConfig
    x_train: np.ndarray
    y_train: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    snapshot_epochs: tuple[int, ...]
    snapshots: np.ndarray  # (frames, len(ys), len(xs)) probabilities of class 1
    final: Boundary


def snapshot_epochs(epochs: int, every: int) -> tuple[int, ...]:
    """Epochs after which the boundary is drawn: every `every` (coarser if needed to stay within MAX_LIVE_FRAMES), and the last."""
    every = max(every, -(-epochs // MAX_LIVE_FRAMES))
    return tuple(sorted({*range(every, epochs + 1, every), epochs}))


def live_boundary(config: LiveConfig, progress=None) -> LiveResult:
    """Train while drawing: the progress callback receives each epoch's table with ``attrs["boundary"]`` = (epoch, probabilities)."""
    config.validate()
    split = _split(config.dataset, config.num_samples, config.noise, config.seed)
    xs, ys, points = _grid(split)
    spec = MLPSpec(num_inputs=2, num_hidden_layers=config.num_hidden_layers, units=config.units, activation=config.activation, seed=config.seed)
    model = build_mlp(spec)
    wanted = set(snapshot_epochs(config.epochs, config.snapshot_every))
    frames: dict[int, np.ndarray] = {0: _probabilities_on(model, points, len(xs))}

    def report(info: engine.ProgressInfo):
        if info.epoch in wanted:
            frames[info.epoch] = _probabilities_on(model, points, len(xs))
        if progress is None:
            return None
        table = info.epochs_table.copy()
        latest = max(frames)
        table.attrs["boundary"] = (latest, xs, ys, frames[latest], split.x_train, split.y_train)
        return progress(dataclasses.replace(info, epochs_table=table))

    step = engine.SupervisedStep(model, make_optimizer("adam", config.learning_rate), "binary")
    history = engine.fit(step, split.x_train, split.y_train, split.x_val, split.y_val, engine.TrainSpec(epochs=config.epochs, seed=config.seed), report, model=model)
    final = _boundary(config.activation, model, split, history)
    last_epoch = int(history.epochs["epoch"].iloc[-1])
    frames[last_epoch] = final.probabilities
    order = sorted(frames)
    return LiveResult(config, split.x_train, split.y_train, xs, ys, tuple(order), np.stack([frames[e] for e in order]), final)


# ---------------------------------------------------------------- one entry point for the page's result store

RUNNERS = {
    GalleryConfig: lambda config, progress: gallery(config),
    NonLinearityConfig: why_nonlinear,
    CostConfig: relu_cost,
    GradientConfig: relu_gradients,
    SparsityConfig: relu_sparsity,
    MaxoutConfig: maxout,
    LiveConfig: live_boundary,
}


def run(config, progress=None):
    """Run the experiment that `config`'s type names (see the module docstring)."""
    if type(config) not in RUNNERS:
        raise ValueError(f"no activation experiment takes a {type(config).__name__}")
    return RUNNERS[type(config)](config, progress)
