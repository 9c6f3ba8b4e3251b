"""Part 4: the lesion test (Veit et al. 2016): delete one block of a trained network at test time.

A plain and a residual network of the same depth train side by side. Then,
for every position k, block k is deleted (its input passed straight on) and
the network is evaluated without retraining. A residual block's deletion
leaves its shortcut: the network loses one of many paths. A plain block's
deletion breaks the only path: every later layer receives features it was
never trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlcore import engine
from dlcore.device import tf
from dlcore.experiments.resnet.blocks import ResidualBlock, build_network
from dlcore.experiments.resnet.common import (
    BATCH_SIZES,
    EVALUATION_BATCH,
    NETWORK_KINDS,
    OPTIMIZERS,
    RESNET_LEARNING_RATES,
    TOY_SETS,
    load_task,
    make_decaying_optimizer,
    memory_problem,
    network_label,
    spec_for,
    total_steps,
)
from dlcore.experiments.resnet.side_by_side import SideBySideStep, network_table
from dlcore.limits import Settings, choice, flag, integer, number
from dlcore.steps import loss_and_accuracy


@dataclass(frozen=True)
class Config(Settings):
    network: str = choice("mlp", NETWORK_KINDS)
    dataset: str = choice("spiral", TOY_SETS)
    blocks: int = integer(8, 2, 40, cap="depth")
    width: int = integer(16, 4, cap="width")
    batch_norm: bool = flag(False)
    optimizer: str = choice("adam", OPTIMIZERS)
    learning_rate: float = number(0.01, options=RESNET_LEARNING_RATES)
    epochs: int = integer(20, 1, 200, cap="epochs")
    batch_size: int = integer(64, options=BATCH_SIZES)
    seed: int = integer(0, 0, 10_000)

    def cross_checks(self) -> list[str]:
        memory = memory_problem(self.network, 2 * self.blocks, self.width, self.batch_size, self.batch_norm)
        return [memory] if memory else []


@dataclass(frozen=True)
class LesionCurve:
    label: str
    residual: bool
    intact_accuracy: float  # validation accuracy of the whole trained network
    intact_loss: float
    accuracy: np.ndarray  # (blocks,): validation accuracy with block k+1 deleted
    loss: np.ndarray  # (blocks,)
    epochs: pd.DataFrame

    @property
    def worst_accuracy(self) -> float:
        return float(self.accuracy.min())

    @property
    def mean_drop(self) -> float:
        return float(self.intact_accuracy - self.accuracy.mean())


@dataclass(frozen=True)
class Result:
    config: Config
    plain: LesionCurve
    residual: LesionCurve
    chance_accuracy: float  # the share of the most common class

    @property
    def curves(self) -> tuple[LesionCurve, LesionCurve]:
        return (self.plain, self.residual)


def lesion_scores(model, x: np.ndarray, y: np.ndarray, task: str, blocks: int) -> np.ndarray:
    """(blocks + 1, 2): (loss, accuracy) of the intact network, then with each block deleted in turn.

    One intact pass keeps every layer's input; deleting block k then reruns
    only the layers after it, from block k's input (what :func:`forward` with
    ``deleted=k`` computes). Eager calls: tracing one graph holding every
    lesioned copy would cost far more than running them, at 40 blocks.
    """
    layers = model.layers[1:]
    y_tensor = tf.constant(y)
    h, inputs = tf.constant(x), []
    for layer in layers:
        inputs.append(h)
        h = layer(h, training=False)
    rows = [loss_and_accuracy(task, y_tensor, h)]
    positions = [index for index, layer in enumerate(layers) if isinstance(layer, ResidualBlock)][:blocks]
    for index in positions:
        h = inputs[index]
        for layer in layers[index + 1 :]:
            h = layer(h, training=False)
        rows.append(loss_and_accuracy(task, y_tensor, h))
    return np.array([[float(loss), float(accuracy)] for loss, accuracy in rows], dtype=np.float64)


def run(config: Config, progress=None) -> Result:
    config.validate()
    task = load_task(config.network, config.dataset, 1000, 0.2, config.seed)
    split = task.split
    networks = [build_network(spec_for(task, config.network, config.blocks, config.width, residual, config.batch_norm, config.seed)) for residual in (False, True)]
    steps = total_steps(len(split.x_train), config.batch_size, config.epochs)
    step = SideBySideStep(networks, make_decaying_optimizer(config.optimizer, config.learning_rate, steps), task.task, kinds=())
    spec = engine.TrainSpec(epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, evaluation_batch_size=EVALUATION_BATCH)
    history = engine.fit(step, (split.x_train, split.y_train), (split.x_val, split.y_val), spec, progress)
    curves = []
    for network, residual in zip(networks, (False, True)):
        scores = lesion_scores(network, split.x_val, split.y_val, task.task, config.blocks)
        curves.append(LesionCurve(network_label(residual, config.blocks), residual, float(scores[0, 1]), float(scores[0, 0]),
                                  scores[1:, 1], scores[1:, 0], network_table(history.epochs, network.name)))  # fmt: skip
    chance = float(np.bincount(split.y_val).max() / len(split.y_val))
    return Result(config, curves[0], curves[1], chance)


def describe(result: Result) -> str:
    plain, residual = result.plain, result.residual
    above = bool(np.all(residual.accuracy > plain.accuracy))
    text = (f"Deleting one block costs {residual.label} **{residual.mean_drop:.1%}** of validation accuracy on average "
            f"(worst position: {residual.worst_accuracy:.1%} left of {residual.intact_accuracy:.1%}), and {plain.label} "
            f"**{plain.mean_drop:.1%}** (worst: {plain.worst_accuracy:.1%} left of {plain.intact_accuracy:.1%}; "
            f"guessing the most common class scores {result.chance_accuracy:.1%}).")  # fmt: skip
    if above:
        return text + " At every position the residual network keeps more accuracy than the plain one."
    worse = int(np.sum(residual.accuracy <= plain.accuracy))
    return text + f" At {worse} of {len(plain.accuracy)} positions the plain network kept at least as much: this run does not show the clean picture."
