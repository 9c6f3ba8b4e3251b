"""Part 6, a CNN trained live, against an MLP with about as many parameters, on the same images and budget.

Both networks train through the engine with Adam for the same epochs on the
same seeded split. The Result keeps curves, the first layer's filters,
feature maps of a few validation images through every layer, the confusion
matrix, the misclassified images, and the trained weights (plain numpy), so
the page can later feed the network a drawing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine, images
from dlcore.experiments.cnn.networks import POOLINGS, NetworkSpec, build, mlp_units_for, pooled_sizes
from dlcore.limits import Settings, choice, flag, integer, number
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

CNN_DATASETS = {name: images.ALL_DATASETS[name] for name in ("digits", "digits28", "digits32", "mnist", "fashion_mnist", "cifar10")}
NOMINAL_SHAPES = {"digits": (8, 8, 1), "digits28": (28, 28, 1), "digits32": (32, 32, 1), "mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "cifar10": (32, 32, 3)}
VALIDATION_SHARE = 0.2
EXAMPLES = 12  # validation images whose feature maps are kept
MAPS_PER_LAYER = 16
MAX_MISTAKES = 24


@dataclass(frozen=True)
class TrainConfig(Settings):
    dataset: str = choice("digits", CNN_DATASETS)
    conv_layers: int = integer(2, 1, 4)
    filters: int = integer(16, options=(4, 8, 16, 32, 64))
    kernel_size: int = integer(3, options=(1, 3, 5, 7))
    pooling: str = choice("max", POOLINGS)
    dropout: float = number(0.0, 0.0, 0.5, step=0.1)
    batch_norm: bool = flag(False)
    epochs: int = integer(20, 1, 100, cap="epochs")
    batch_size: int = integer(32, options=(16, 32, 64, 128))
    learning_rate: float = number(0.003, options=(0.0003, 0.001, 0.003, 0.01, 0.03))
    train_size: int = integer(1400, 100, cap="samples")
    compare_mlp: bool = flag(True)
    seed: int = integer(0, 0, 10_000)

    def cross_checks(self) -> list[str]:
        side = NOMINAL_SHAPES[self.dataset][0]
        if self.pooling != "none" and side >> self.conv_layers < 1:
            most = max(k for k in range(1, 5) if side >> k >= 1)
            return [f"conv_layers: {self.conv_layers} blocks with 2×2 pooling would shrink {side}×{side} images below 1×1; use at most {most} on this data set, or no pooling"]
        return []


@dataclass(frozen=True)
class TrainedNetwork:
    label: str
    spec: NetworkSpec
    parameters: int
    history: engine.History
    weights: list  # numpy arrays, as Model.get_weights() gives them
    layer_table: pd.DataFrame  # layer, kind, output shape, parameters

    @property
    def val_accuracy(self) -> float:
        return float(self.history.epochs["val_accuracy"].iloc[-1]) if len(self.history.epochs) else float("nan")

    @property
    def best_val_accuracy(self) -> float:
        return float(self.history.epochs["val_accuracy"].max()) if len(self.history.epochs) else float("nan")

    def epoch_reaching(self, accuracy: float) -> int | None:
        epochs = self.history.epochs
        hits = epochs.loc[epochs["val_accuracy"] >= accuracy, "epoch"] if len(epochs) else []
        return int(hits.iloc[0]) if len(hits) else None


@dataclass(frozen=True)
class TrainResult:
    config: TrainConfig
    dataset_used: str
    dataset_note: str | None
    class_names: tuple[str, ...]
    train_size: int
    val_size: int
    cnn: TrainedNetwork
    mlp: TrainedNetwork | None
    first_filters: np.ndarray  # (k, k, channels, filters) of conv_1
    examples: np.ndarray  # (EXAMPLES, h, w, c) validation images
    example_labels: np.ndarray
    feature_maps: tuple  # ((layer name, (EXAMPLES, h, w, <= MAPS_PER_LAYER)), ...)
    confusion: np.ndarray  # (classes, classes): rows true, columns predicted
    mistakes: np.ndarray  # (m, h, w, c) misclassified validation images
    mistake_table: pd.DataFrame  # true, predicted, confidence


def load_split(dataset: str, train_size: int, seed: int):
    """(image set used, x_train, y_train, x_val, y_val): a seeded 80/20 split, the training part capped at train_size.

    Reads downloaded sets from Keras' cache only (the page fetches first); a set
    that is not there becomes the bundled digits at the same resolution.
    """
    image_set = images.load_images(dataset, download=False)
    side = NOMINAL_SHAPES[dataset][0]
    if image_set.name == "digits" and side != 8:
        image_set = dataclasses.replace(images.load_images(f"digits{side}"), note=image_set.note)
    order = np.random.default_rng(seed).permutation(len(image_set.images))
    val_size = int(round(VALIDATION_SHARE * len(order)))
    val, train = order[:val_size], order[val_size : val_size + train_size]
    return image_set, image_set.images[train], image_set.labels[train], image_set.images[val], image_set.labels[val]


def layer_table(model) -> pd.DataFrame:
    rows = []
    for layer in model.layers[1:]:
        shape = tuple(layer.output.shape[1:])
        rows.append(dict(layer=layer.name, kind=type(layer).__name__, output_shape=" × ".join(map(str, shape)), parameters=int(layer.count_params())))
    return pd.DataFrame(rows)


def train_network(spec: NetworkSpec, label: str, data, config, progress=None, probe=None) -> tuple[TrainedNetwork, object]:
    """Build `spec`, train it with Adam through the engine, return it as plain data (and the live model, for probing)."""
    x_train, y_train, x_val, y_val = data
    model = build(spec)
    step = SupervisedStep(model, make_optimizer("adam", config.learning_rate), "multiclass", kinds=("kernel",))
    spec_train = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, evaluation_batch_size=512)
    history = engine.fit(step, (x_train, y_train), (x_val, y_val), spec_train, progress)
    return TrainedNetwork(label, spec, int(model.count_params()), history, [np.asarray(w) for w in model.get_weights()], layer_table(model)), model


def cnn_spec(config: TrainConfig, image_shape) -> NetworkSpec:
    return NetworkSpec("cnn", image_shape, 10, config.conv_layers, config.filters, config.kernel_size, config.pooling, config.dropout, config.batch_norm, seed=config.seed)


def probe_layers(model) -> list[str]:
    """The layers whose outputs are shown as feature maps: every ReLU (or activated conv) and every pooling layer."""
    return [layer.name for layer in model.layers if layer.name.split("_")[0] in ("relu", "pool") or layer.name in ("C1", "S2", "C3", "S4")]


def feature_maps_of(model, batch: np.ndarray) -> tuple:
    """((layer name, maps (n, h, w, <= MAPS_PER_LAYER)), ...) of `batch` in inference mode."""
    import keras

    names = probe_layers(model)
    probe = keras.Model(model.inputs[0], [model.get_layer(name).output for name in names])
    outputs = probe(batch, training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return tuple((name, np.asarray(output)[..., :MAPS_PER_LAYER]) for name, output in zip(names, outputs))


def mistakes_of(probabilities: np.ndarray, x_val: np.ndarray, y_val: np.ndarray):
    predicted = probabilities.argmax(axis=1)
    wrong = np.nonzero(predicted != y_val)[0]
    wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:MAX_MISTAKES]  # the most confident mistakes first
    table = pd.DataFrame(dict(index=wrong, true=y_val[wrong], predicted=predicted[wrong], confidence=probabilities[wrong, predicted[wrong]]))
    return x_val[wrong], table


def confusion_matrix(y_true: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (y_true, predicted), 1)
    return matrix


def train_cnn(config: TrainConfig, progress=None) -> TrainResult:
    """The CNN of `config` and (when compare_mlp) a parameter-matched MLP, trained on the same split for the same epochs."""
    config.validate()
    image_set, x_train, y_train, x_val, y_val = load_split(config.dataset, config.train_size, config.seed)
    data = (x_train, y_train, x_val, y_val)
    runs = 2 if config.compare_mlp else 1
    spec = cnn_spec(config, image_set.image_shape)
    cnn, model = train_network(spec, "CNN", data, config, engine.sweep_progress(progress, 0, runs, "CNN"))
    mlp = None
    if config.compare_mlp:
        units = mlp_units_for(cnn.parameters, image_set.image_shape)
        mlp_spec = NetworkSpec("mlp", image_set.image_shape, 10, hidden_units=units, dropout=config.dropout, seed=config.seed)
        mlp, _ = train_network(mlp_spec, "MLP", data, config, engine.sweep_progress(progress, 1, 2, f"MLP ({units} hidden units)"))
    probabilities = engine.predict(model, x_val, "multiclass")
    mistakes, mistake_table = mistakes_of(probabilities, x_val, y_val)
    return TrainResult(
        config,
        image_set.name,
        image_set.note,
        image_set.class_names,
        len(x_train),
        len(x_val),
        cnn,
        mlp,
        np.asarray(model.get_layer("conv_1").kernel),
        x_val[:EXAMPLES],
        y_val[:EXAMPLES],
        feature_maps_of(model, x_val[:EXAMPLES]),
        confusion_matrix(y_val, probabilities.argmax(axis=1)),
        mistakes,
        mistake_table,
    )


def output_sides(config: TrainConfig) -> list[int]:
    return pooled_sizes(NOMINAL_SHAPES[config.dataset][0], config.conv_layers, config.pooling)
