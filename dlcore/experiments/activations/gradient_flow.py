"""Part 3, why ReLU (2 of 3), gradients: how much gradient reaches the first layer of a deep sigmoid and a deep ReLU network."""

from __future__ import annotations

from dataclasses import dataclass

from dlcore import engine
from dlcore.experiments.activations.boundaries import BOUNDARY_DATASETS, TRAINING_LEARNING_RATES, toy_split, train_mlp
from dlcore.limits import Settings, choice, integer, number

COMPARED_ACTIVATIONS = ("sigmoid", "relu")


@dataclass(frozen=True)
class GradientConfig(Settings):
    dataset: str = choice("moons", BOUNDARY_DATASETS)
    num_hidden_layers: int = integer(10, 2, 30, cap="depth")
    units: int = integer(32, 2, cap="width")
    learning_rate: float = number(0.05, options=TRAINING_LEARNING_RATES)
    epochs: int = integer(20, 1, 60, cap="epochs")
    seed: int = integer(0, 0, 10_000)


@dataclass(frozen=True)
class GradientResult:
    config: GradientConfig
    histories: dict  # activation -> engine.History (plain data), with every Dense kernel's gradient norm per update


def relu_gradients(config: GradientConfig, progress=None) -> GradientResult:
    """The same deep network trained with plain SGD, once with sigmoid and once with ReLU."""
    config.validate()
    split = toy_split(config.dataset, 600, 0.2, config.seed)
    histories = {}
    for index, activation in enumerate(COMPARED_ACTIVATIONS):
        report = engine.sweep_progress(progress, index, len(COMPARED_ACTIVATIONS), f"Training the deep {activation} network")
        _, histories[activation] = train_mlp(split, activation, config.num_hidden_layers, config.units, "sgd", config.learning_rate, config.epochs, config.seed, report)
    return GradientResult(config, histories)
