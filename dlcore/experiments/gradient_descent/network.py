"""Part 4: do the landscapes tell the truth? The same optimizers train the same real network.

Every optimizer trains a ReLU MLP built from the same seed (so from the same
initial weights) on the same data, with the same batches in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlcore import data, engine
from dlcore.choices import OPTIMIZER_LABELS
from dlcore.experiments.gradient_descent.optimizer_race import ADAPTIVE_OPTIMIZERS, OPTIMIZERS, RACE_LEARNING_RATES
from dlcore.limits import Settings, choice, integer, number, subset
from dlcore.models import MLPSpec, build_mlp
from dlcore.optimizers import make_optimizer
from dlcore.steps import SupervisedStep

NETWORK_BATCH_SIZES = (8, 16, 32, 64, 128, 0)  # 0: the whole training set in one batch
NETWORK_UNITS = (4, 8, 16, 32, 64)
NUM_SAMPLES = 600
NOISE = 0.2


@dataclass(frozen=True)
class NetworkConfig(Settings):
    dataset: str = choice("moons", data.DATASETS)
    optimizers: tuple[str, ...] = subset(OPTIMIZERS, OPTIMIZERS)
    learning_rate: float = number(0.1, options=RACE_LEARNING_RATES)  # SGD, momentum, Nesterov
    adaptive_learning_rate: float = number(0.01, options=RACE_LEARNING_RATES)  # RMSProp, Adam, AdaGrad
    epochs: int = integer(30, 1, 100, cap="epochs")
    batch_size: int = integer(32, options=NETWORK_BATCH_SIZES)
    num_hidden_layers: int = integer(2, 1, 6, cap="depth")
    units: int = integer(16, options=NETWORK_UNITS, cap="width")
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class NetworkResult:
    config: NetworkConfig
    epochs: dict  # optimizer name -> per-epoch DataFrame (train/val loss and accuracy, seconds)
    seconds: dict  # optimizer name -> wall time of its run
    divergence: dict  # optimizer name -> engine.Divergence or None


def run_network(config: NetworkConfig = NetworkConfig(), progress=None) -> NetworkResult:
    """One training run per chosen optimizer, each from the same starting weights."""
    config.validate()
    split = data.load_dataset(config.dataset, NUM_SAMPLES, NOISE, config.seed)
    task = "binary" if split.num_classes == 2 else "multiclass"
    spec = MLPSpec(split.num_features, 1 if task == "binary" else split.num_classes, config.num_hidden_layers, config.units, "relu", "glorot", seed=config.seed)
    train_spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed)
    epochs, seconds, divergence = {}, {}, {}
    for index, name in enumerate(config.optimizers):
        rate = config.adaptive_learning_rate if name in ADAPTIVE_OPTIMIZERS else config.learning_rate
        step = SupervisedStep(build_mlp(spec), make_optimizer(name, rate), task)
        report = engine.sweep_progress(progress, index, len(config.optimizers), OPTIMIZER_LABELS[name])
        history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), train_spec, report)
        epochs[name], seconds[name], divergence[name] = history.epochs, history.seconds, history.divergence
    return NetworkResult(config, epochs, seconds, divergence)
